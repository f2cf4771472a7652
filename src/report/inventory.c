/* The inventory of a snapshot: its objects and their properties, as a
 * table for people or as JSON (schema harden.inventory, a contract). */
#include <jansson.h>
#include <stdlib.h>

#include "report/report_util.h"

struct inv_ctx {
	FILE *f;
	bool first;
};

static int inv_table(void *vctx, const struct sobject *o)
{
	struct inv_ctx *x = vctx;
	fprintf(x->f, "%s ", o->type);
	fput_safe(x->f, o->name, 0);
	fprintf(x->f, " (%s)\n", o->moref);
	for (unsigned i = 0; i < o->nprops; i++) {
		const struct sprop *p = &o->props[i];
		if (p->type == PT_GROUP) {
			if (!p->collected)
				fprintf(x->f, "  %-48s (not collected)\n", p->name);
			continue;
		}
		fputs("  ", x->f);
		fput_safe(x->f, p->name, 48);
		fputc(' ', x->f);
		fput_safe(x->f, p->collected ? p->value : "(not collected)", 0);
		fputc('\n', x->f);
	}
	return 0;
}

static int inv_json(void *vctx, const struct sobject *o)
{
	struct inv_ctx *x = vctx;
	json_t *props = json_object(), *missing = json_array();
	for (unsigned i = 0; i < o->nprops; i++) {
		const struct sprop *p = &o->props[i];
		if (!p->collected)
			json_array_append_new(missing, json_string(p->name));
		else if (p->type != PT_GROUP)
			json_object_set_new(props, p->name, rpt_json_typed(ptype_name(p->type), p->value));
	}
	json_t *j = json_pack("{s:s, s:s, s:s, s:o, s:o}", "type", o->type, "id", o->moref, "name", o->name,
			      "properties", props, "not_collected", missing);
	json_stream_item(x->f, j, &x->first);
	return 0;
}

int inventory_write(FILE *f, struct store *st, const struct snapshot_info *snap, enum rformat fmt,
		    const struct finding_filter *ff)
{
	struct inv_ctx x = { f, true };
	const char *type = ff ? ff->type : NULL, *glob = ff ? ff->object : NULL;
	if (fmt == FMT_TABLE) {
		rpt_snapshot_header(f, st, snap);
		char *view = rpt_filter_text(ff);
		if (view) {
			fputs("Filtered view: ", f);
			fput_safe(f, view, 0);
			fputc('\n', f);
		}
		free(view);
		fputc('\n', f);
		return store_objects_matching(st, snap->id, type, glob, inv_table, &x);
	}
	fputs("{\n", f);
	rpt_json_member(f, "schema", json_string(INVENTORY_JSON_SCHEMA), true);
	rpt_json_member(f, "schema_version", json_integer(INVENTORY_JSON_VERSION), true);
	rpt_json_member(f, "target", json_string(snap->target), true);
	rpt_json_member(f, "snapshot_id", json_integer(snap->id), true);
	rpt_json_member(f, "filters", rpt_filter_json(ff), true);
	fputs("  \"objects\": [", f);
	int rc = store_objects_matching(st, snap->id, type, glob, inv_json, &x);
	fputs(x.first ? "]\n}\n" : "\n  ]\n}\n", f);
	return rc;
}
