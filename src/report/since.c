/* The reference of --fail-on-new (since.h): a set of "violation-id status"
 * keys of the failing and unknown results of a snapshot or a report. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "report/report.h"
#include "report/since.h"
#include "util/util.h"

static bool counted(enum rstatus st)
{
	return st == RS_FAIL || st == RS_UNKNOWN;
}

static void add_key(struct since *s, const char *target, const char *rule, const char *type, const char *moref,
		    const char *status)
{
	char vid[VIOLATION_ID_SIZE];
	violation_id(vid, target, rule, type, moref);
	char *key = xasprintf("%s %s", vid, status);
	json_object_set_new_nocheck(s->keys, key, json_true());
	free(key);
}

static void since_init(struct since *s, char *what)
{
	memset(s, 0, sizeof(*s));
	s->keys = json_object();
	s->what = what;
}

void since_none(struct since *s, const char *why)
{
	since_init(s, xstrdup(why));
	s->empty_reference = true;
}

void since_release(struct since *s)
{
	json_decref(s->keys);
	free(s->what);
	memset(s, 0, sizeof(*s));
}

struct snap_ctx {
	struct since *s;
	const char *target;
};

static int snap_row(void *vctx, const struct finding_row *r)
{
	struct snap_ctx *x = vctx;
	if (counted(r->status))
		add_key(x->s, x->target, r->rule_id, r->object_type, r->moref, rstatus_name(r->status));
	return 0;
}

enum herr since_from_snapshot(struct since *s, struct store *st, long long snap)
{
	since_init(s, xasprintf("snapshot %lld", snap));
	struct snapshot_info si = { 0 };
	struct evaluation_info *ev = NULL;
	unsigned n = 0;
	enum herr rc = HERR_STORE;
	if (store_snapshot_get(st, snap, &si) != 0 || store_evaluations(st, snap, &ev, &n) < 0)
		goto out;
	/* Oldest first: the latest scan evaluation of each baseline is the
	 * last of its id. */
	for (unsigned i = 0; i < n; i++) {
		if (strcmp(ev[i].kind, "scan"))
			continue;
		bool later = false;
		for (unsigned j = i + 1; j < n && !later; j++)
			later = !strcmp(ev[j].kind, "scan") && !strcmp(ev[j].baseline_id, ev[i].baseline_id);
		struct snap_ctx x = { s, si.target };
		if (!later && store_findings_each(st, ev[i].id, snap_row, &x) < 0)
			goto out;
	}
	rc = HERR_OK;
out:
	evaluation_list_free(ev, n);
	snapshot_info_release(&si);
	return rc;
}

/* One result of a report: its rule, status and object. */
static void report_result(struct since *s, const char *target, const char *rule, const char *status,
			  const json_t *object)
{
	const char *type = json_string_value(json_object_get(object, "type"));
	const char *id = json_string_value(json_object_get(object, "id"));
	enum rstatus st;
	if (!rule || !status || !type || !id || rstatus_parse(status, &st) < 0 || !counted(st))
		return;
	add_key(s, target, rule, type, id, status);
}

static enum herr refuse(const char *path, const char *why)
{
	err_set("%s: %s", path, why);
	return HERR_INPUT;
}

static enum herr harden_json(struct since *s, const char *path, const json_t *doc, const char *target)
{
	const char *t = json_string_value(json_object_get(doc, "target"));
	json_t *findings = json_object_get(doc, "findings"), *f;
	size_t i;
	if (!t || !json_is_array(findings))
		return refuse(path, "a harden.scan report without a target or findings");
	if (strcmp(t, target)) {
		err_set("%s: a report of target '%s', not '%s'", path, t, target);
		return HERR_INPUT;
	}
	json_array_foreach(findings, i, f) {
		report_result(s, t, json_string_value(json_object_get(f, "rule_id")),
			      json_string_value(json_object_get(f, "status")), json_object_get(f, "object"));
	}
	return HERR_OK;
}

static enum herr harden_sarif(struct since *s, const char *path, const json_t *doc, const char *target)
{
	json_t *runs = json_object_get(doc, "runs"), *run;
	size_t i, j;
	if (!json_is_array(runs))
		return refuse(path, "a SARIF log without runs");
	json_array_foreach(runs, i, run) {
		json_t *driver = json_object_get(json_object_get(run, "tool"), "driver");
		const char *name = json_string_value(json_object_get(driver, "name"));
		if (!name || strcmp(name, "harden"))
			return refuse(path, "a SARIF log of another tool than harden");
		const char *t = json_string_value(json_object_get(json_object_get(run, "properties"), "target"));
		if (!t)
			return refuse(path, "a harden SARIF run without its target");
		if (strcmp(t, target)) {
			err_set("%s: a report of target '%s', not '%s'", path, t, target);
			return HERR_INPUT;
		}
		json_t *res;
		json_array_foreach(json_object_get(run, "results"), j, res) {
			json_t *p = json_object_get(res, "properties");
			report_result(s, t, json_string_value(json_object_get(res, "ruleId")),
				      json_string_value(json_object_get(p, "status")), json_object_get(p, "object"));
		}
	}
	return HERR_OK;
}

enum herr since_from_report(struct since *s, const char *path, const char *target)
{
	json_error_t je;
	json_t *doc = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
	enum herr rc;
	if (!doc) {
		if (je.line > 0)
			err_set("%s:%d: not a harden JSON or SARIF report: %s", path, je.line, je.text);
		else
			err_set("%s: %s", path, je.text);
		return HERR_INPUT;
	}
	const char *schema = json_string_value(json_object_get(doc, "schema"));
	const char *version = json_string_value(json_object_get(doc, "version"));
	if (schema && !strcmp(schema, REPORT_JSON_SCHEMA)) {
		since_init(s, xasprintf("report %s (json)", path));
		rc = harden_json(s, path, doc, target);
	} else if (version && !strcmp(version, "2.1.0") && json_object_get(doc, "runs")) {
		since_init(s, xasprintf("report %s (sarif)", path));
		rc = harden_sarif(s, path, doc, target);
	} else {
		since_init(s, NULL);
		rc = refuse(path, "not a harden JSON (schema harden.scan) or SARIF 2.1.0 report");
	}
	json_decref(doc);
	if (rc)
		since_release(s);
	return rc;
}

static bool has_key(const struct since *s, const char *target, const char *rule, const char *type,
		    const char *moref, const char *status)
{
	char vid[VIOLATION_ID_SIZE];
	violation_id(vid, target, rule, type, moref);
	char *key = xasprintf("%s %s", vid, status);
	bool yes = json_object_get(s->keys, key) != NULL;
	free(key);
	return yes;
}

bool since_is_new(const struct since *s, const char *target, const struct finding_row *r)
{
	if (!counted(r->status))
		return false;
	const char *status = rstatus_name(r->status);
	if (has_key(s, target, r->rule_id, r->object_type, r->moref, status))
		return false;
	/* A finding recorded under one of the rule's earlier ids. */
	json_t *d = r->details_json ? json_loads(r->details_json, 0, NULL) : NULL, *a;
	size_t i;
	bool fresh = true;
	json_array_foreach(json_object_get(d, "aliases"), i, a) {
		if (json_is_string(a) && has_key(s, target, json_string_value(a), r->object_type, r->moref, status))
			fresh = false;
	}
	json_decref(d);
	return fresh;
}
