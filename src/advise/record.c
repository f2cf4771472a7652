/* What harden advise and the MCP tools share: the skill catalog picked the
 * same way, one violation found by id, its suggestion built and stored as
 * a new revision, and a remediation record as JSON. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "advise/advise.h"
#include "mcp/pilot.h"
#include "store/store.h"

int advise_catalog(const struct targets *t, struct catalog *cat)
{
	struct pilot p;
	int from = ADVISE_CATALOG_FILE;
	memset(cat, 0, sizeof(*cat));
	if (pilot_open(&p, t) == HERR_OK) {
		json_t *res = NULL;
		bool refused;
		enum herr rc = pilot_call(&p, "get_skill_catalog", json_object(), &res, &refused);
		pilot_close(&p);
		if (rc == HERR_OK && !refused && json_is_object(res)) {
			catalog_from_pilot(cat, res);
			return ADVISE_CATALOG_PILOT;
		}
		json_decref(res);
		from = ADVISE_CATALOG_FILE_NO_ANSWER;
	}
	char *path = catalog_default_path();
	if (!path) {
		err_set("no skill catalog: vmware-pilot is not reachable and no catalog.json was found "
			"(set $HARDEN_CATALOG)");
		return HERR_INPUT;
	}
	int r = catalog_load(cat, path);
	free(path);
	return r < 0 ? r : from;
}

struct find_ctx {
	const char *vid;
	violation_fn fn;
	void *ctx;
	int rc;
};

static int find_one(void *vctx, const struct violation *v)
{
	struct find_ctx *x = vctx;
	if (strcasecmp(v->id, x->vid))
		return 0;
	x->rc = x->fn(x->ctx, v);
	return 1;
}

int violation_find(struct store *st, const char *vid, violation_fn fn, void *ctx)
{
	struct strlist targets = { 0 };
	struct find_ctx x = { vid, fn, ctx, 0 };
	int rc = store_targets(st, &targets);
	for (size_t i = 0; i < targets.n && rc == 0; i++) {
		long long snap;
		int r = store_snapshot_latest(st, targets.v[i], &snap);
		if (r < 0)
			rc = r;
		else if (r == 0)
			rc = violations_each(st, targets.v[i], snap, find_one, &x);
	}
	strlist_release(&targets);
	if (rc < 0)
		return rc;
	return rc > 0 ? (x.rc < 0 ? x.rc : 0) : 1;
}

int advise_record(struct store *st, const struct violation *v, const struct target *t, const struct catalog *cat,
		  const struct advisor_conf *llm, json_t **out, int *model)
{
	json_t *s;
	int rc = advise_violation(st, v, t, cat, llm, &s, model);
	if (rc < 0)
		return rc;
	char *body = json_dumps(s, JSON_COMPACT | JSON_SORT_KEYS);
	struct suggestion_rec rec = {
		.violation_id = (char *)v->id, .target = (char *)v->target, .rule_id = (char *)v->f->rule_id,
		.object_type = (char *)v->f->object_type, .moref = (char *)v->f->moref,
		.object_name = (char *)(v->f->object_name ? v->f->object_name : ""), .body = body,
		.source = (char *)"baseline", .snapshot_id = v->snapshot_id,
	};
	char *source = NULL;
	json_t *src = json_object_get(s, "source");
	if (!strcmp(json_string_value(json_object_get(src, "kind")) ?: "", "model"))
		rec.source = source = xasprintf("model %s %s", json_string_value(json_object_get(src, "provider")),
						json_string_value(json_object_get(src, "model")));
	rc = store_suggestion_add(st, &rec);
	free(body);
	free(source);
	if (rc < 0) {
		json_decref(s);
		return HERR_STORE;
	}
	json_object_set_new(s, "revision", json_integer(rec.revision));
	json_object_set_new(s, "snapshot_id", json_integer(v->snapshot_id));
	*out = s;
	return 0;
}

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *id_or_null(long long id)
{
	return id ? json_integer(id) : json_null();
}

json_t *remediation_rec_json(const struct remediation_rec *r)
{
	char created[32], updated[32];
	time_iso8601(created, r->created_at);
	time_iso8601(updated, r->updated_at);
	json_t *j = json_pack("{s:I, s:s, s:s, s:s, s:{s:s, s:s}, s:i, s:s, s:s, s:s}", "id", (json_int_t)r->id,
			      "violation_id", r->violation_id, "target", r->target, "rule_id", r->rule_id, "object",
			      "type", r->object_type, "id", r->moref, "suggestion_revision", r->suggestion_revision,
			      "state", remed_state_name(r->state), "created_at", created, "updated_at", updated);
	json_object_set_new(j, "workflow_id", str_or_null(r->workflow_id));
	json_object_set_new(j, "approver", str_or_null(r->approver));
	json_object_set_new(j, "pilot_state", str_or_null(r->pilot_state));
	json_object_set_new(j, "message", str_or_null(r->message));
	json_object_set_new(j, "applied_snapshot", id_or_null(r->applied_snapshot));
	json_object_set_new(j, "proof_snapshot", id_or_null(r->proof_snapshot));
	return j;
}
