/* Tools over the twin, all offline: the targets and their snapshots, the
 * failing results of the latest scans (violations) and one of them in
 * full, drift between snapshots and the history of a property. */
#include <stdlib.h>
#include <string.h>

#include "config/targets.h"
#include "drift/drift.h"
#include "mcp/server.h"
#include "status.h"
#include "store/store.h"
#include "util/util.h"

json_t *mcp_finding_json(const char *target, long long snapshot_id, const char *baseline_id,
			 const struct finding_row *r)
{
	char vid[VIOLATION_ID_SIZE];
	violation_id(vid, target, r->rule_id, r->object_type, r->moref);
	json_t *o = json_pack("{s:s, s:o, s:I, s:o, s:o, s:o, s:s, s:s, s:{s:o, s:o, s:o}, s:o, s:o, s:o}",
			      "violation_id", vid, "target", mcp_str(target), "snapshot_id", (json_int_t)snapshot_id,
			      "baseline_id", mcp_str(baseline_id), "rule_id", mcp_str(r->rule_id), "title",
			      mcp_str(r->title), "severity", severity_name(r->severity), "status",
			      rstatus_name(r->status), "object", "type", mcp_str(r->object_type), "id",
			      mcp_str(r->moref), "name", mcp_str(r->object_name), "property", mcp_str(r->property),
			      "observed", mcp_str(r->observed), "expected", mcp_str(r->expected));
	json_t *w = json_null();
	if (r->waiver_justification)
		w = json_pack("{s:o, s:o, s:o, s:b, s:o}", "justification", mcp_str(r->waiver_justification),
			      "approver", mcp_str(r->waiver_approver), "expires", mcp_str(r->waiver_expires),
			      "expired", r->waiver_expired, "ticket", mcp_str(r->waiver_ticket));
	json_object_set_new(o, "waiver", w);
	return o;
}

/* Each target's latest completed snapshot (only target's when not NULL),
 * with its scan evaluations, to fn; stops at fn's non-zero result. */
typedef int (*latest_fn)(void *ctx, struct store *st, const struct snapshot_info *si,
			 const struct evaluation_info *ev);

static enum herr latest_each(struct store *st, const char *target, latest_fn fn, void *ctx)
{
	struct strlist names = { 0 };
	int rc = 0;
	if (target)
		strlist_add(&names, target);
	else if ((rc = store_targets(st, &names)) < 0)
		goto out;
	for (size_t i = 0; i < names.n && !rc; i++) {
		long long id;
		struct snapshot_info si = { 0 };
		struct evaluation_info *ev = NULL;
		unsigned nev = 0;
		int r = store_snapshot_latest(st, names.v[i], &id);
		if (r > 0 && target) {
			err_set("no completed snapshot of target '%s' in the twin", target);
			rc = HERR_INPUT;
		}
		if (r != 0) {
			rc = r < 0 ? r : rc;
			continue;
		}
		if ((rc = store_snapshot_get(st, id, &si)) == 0 && (rc = store_evaluations(st, id, &ev, &nev)) == 0)
			for (unsigned k = 0; k < nev && !rc; k++)
				if (!strcmp(ev[k].kind, "scan"))
					rc = fn(ctx, st, &si, &ev[k]);
		evaluation_list_free(ev, nev);
		snapshot_info_release(&si);
	}
out:
	strlist_release(&names);
	return rc < 0 ? (enum herr)rc : HERR_OK;
}

/* ---- list_targets ---- */

static json_t *target_json(struct store *st, const char *name, const struct target *t)
{
	json_t *o = json_pack("{s:o, s:b}", "name", mcp_str(name), "configured", t != NULL);
	json_object_set_new(o, "vcenter_url", mcp_str(t && t->vcenter.present ? t->vcenter.url : NULL));
	json_object_set_new(o, "nsx_url", mcp_str(t && t->nsx.present ? t->nsx.url : NULL));
	long long id = 0;
	struct snapshot_info si = { 0 };
	if (st && store_snapshot_latest(st, name, &id) == 0 && store_snapshot_get(st, id, &si) == 0) {
		json_object_set_new(o, "latest_snapshot_id", json_integer(id));
		json_object_set_new(o, "latest_scan_at", mcp_time(si.started_at));
	} else {
		json_object_set_new(o, "latest_snapshot_id", json_null());
		json_object_set_new(o, "latest_scan_at", json_null());
	}
	snapshot_info_release(&si);
	return o;
}

static enum herr list_targets(struct mcp_ctx *x, const json_t *args, json_t **out)
{
	struct targets *t = NULL;
	struct store *st = NULL;
	struct strlist names = { 0 };
	struct mcp_page p;
	json_t *notes = json_array();
	if (mcp_targets(x, &t)) {
		json_array_append_new(notes, mcp_str(err_get()));
		t = NULL;
	}
	if (mcp_twin(x, false, &st) || store_targets(st, &names) < 0) {
		json_array_append_new(notes, mcp_str(err_get()));
		st = NULL;
	}
	for (unsigned i = 0; t && i < t->n; i++)
		if (!strlist_has(&names, t->v[i].name))
			strlist_add(&names, t->v[i].name);
	mcp_page_init(&p, args);
	for (size_t i = 0; i < names.n; i++)
		if (mcp_page_want(&p))
			json_array_append_new(p.items, target_json(st, names.v[i], t ? targets_find(t, names.v[i]) : NULL));
	strlist_release(&names);
	*out = mcp_page_finish(&p, json_pack("{s:o}", "notes", notes), "targets");
	return HERR_OK;
}

/* ---- list_snapshots ---- */

static json_t *snapshot_json(struct store *st, const struct snapshot_info *si)
{
	json_t *o = json_pack("{s:I, s:o, s:s, s:o, s:o, s:o, s:o, s:I, s:I}", "id", (json_int_t)si->id, "target",
			      mcp_str(si->target), "status", snap_status_name(si->status), "started_at",
			      mcp_time(si->started_at), "ended_at", mcp_time(si->ended_at), "baselines",
			      mcp_str(si->baselines), "error", mcp_str(si->error), "objects",
			      (json_int_t)si->stats.objects, "api_calls", (json_int_t)si->stats.api_calls);
	struct part_info *parts = NULL;
	unsigned np = 0;
	json_t *pj = json_array();
	if (store_parts(st, si->id, &parts, &np) == 0)
		for (unsigned i = 0; i < np; i++)
			json_array_append_new(pj, json_pack("{s:s, s:s, s:o, s:o}", "part", part_name(parts[i].part),
							    "status", part_status_name(parts[i].status), "url",
							    mcp_str(parts[i].url), "error", mcp_str(parts[i].error)));
	part_list_free(parts, np);
	json_object_set_new(o, "parts", pj);
	return o;
}

static enum herr list_snapshots(struct mcp_ctx *x, const json_t *args, json_t **out)
{
	const char *target = mcp_arg_str(args, "target");
	struct store *st;
	long long *ids = NULL;
	unsigned n = 0;
	enum herr rc = mcp_twin(x, false, &st);
	if (rc || (rc = store_snapshot_ids(st, target, &ids, &n)))
		return rc;
	if (!n) {
		err_set("the twin holds no snapshot of target '%s'", target);
		return HERR_INPUT;
	}
	struct mcp_page p;
	mcp_page_init(&p, args);
	for (unsigned i = 0; i < n && !rc; i++) {
		struct snapshot_info si = { 0 };
		if (!mcp_page_want(&p))
			continue;
		int r = store_snapshot_get(st, ids[i], &si);
		if (r < 0)
			rc = (enum herr)r;
		else if (r == 0)
			json_array_append_new(p.items, snapshot_json(st, &si));
		snapshot_info_release(&si);
	}
	free(ids);
	if (rc) {
		json_decref(p.items);
		return rc;
	}
	*out = mcp_page_finish(&p, json_pack("{s:o}", "target", mcp_str(target)), "snapshots");
	return HERR_OK;
}

/* ---- list_violations and get_finding ---- */

struct viol_ctx {
	struct mcp_page p;
	const char *severity;	/* only this one, or NULL */
	const char *want;	/* get_finding: the id sought */
	const struct snapshot_info *si;
	const struct evaluation_info *ev;
	json_t *found;
	char *details;
};

static int viol_row(void *vctx, const struct finding_row *r)
{
	struct viol_ctx *x = vctx;
	if (x->want) {
		char vid[VIOLATION_ID_SIZE];
		if (r->status != RS_FAIL && r->status != RS_WAIVED)
			return 0;
		violation_id(vid, x->si->target, r->rule_id, r->object_type, r->moref);
		if (strcmp(vid, x->want))
			return 0;
		x->found = mcp_finding_json(x->si->target, x->si->id, x->ev->baseline_id, r);
		x->details = r->details_json ? xstrdup(r->details_json) : NULL;
		return 1;
	}
	if (r->status != RS_FAIL || (x->severity && strcmp(x->severity, severity_name(r->severity))))
		return 0;
	if (mcp_page_want(&x->p))
		json_array_append_new(x->p.items, mcp_finding_json(x->si->target, x->si->id, x->ev->baseline_id, r));
	return 0;
}

static int viol_eval(void *vctx, struct store *st, const struct snapshot_info *si, const struct evaluation_info *ev)
{
	struct viol_ctx *x = vctx;
	x->si = si;
	x->ev = ev;
	int r = store_findings_each(st, ev->id, viol_row, x);
	if (r > 0 && x->found) {
		json_object_set_new(x->found, "baseline", json_pack("{s:o, s:o, s:o, s:I}", "id",
								    mcp_str(ev->baseline_id), "title",
								    mcp_str(ev->baseline_title), "version",
								    mcp_str(ev->baseline_version), "evaluation_id",
								    (json_int_t)ev->id));
		json_object_set_new(x->found, "scanned_at", mcp_time(si->started_at));
	}
	return r;
}

static enum herr list_violations(struct mcp_ctx *mx, const json_t *args, json_t **out)
{
	struct viol_ctx x = { .severity = mcp_arg_str(args, "severity") };
	const char *target = mcp_arg_str(args, "target");
	struct store *st;
	enum herr rc = mcp_twin(mx, false, &st);
	if (rc)
		return rc;
	mcp_page_init(&x.p, args);
	if ((rc = latest_each(st, target, viol_eval, &x))) {
		json_decref(x.p.items);
		return rc;
	}
	json_t *o = json_pack("{s:o, s:o}", "target", mcp_str(target), "severity", mcp_str(x.severity));
	*out = mcp_page_finish(&x.p, o, "violations");
	return HERR_OK;
}

/* The rule's own words, from the details stored with the evaluation. */
static json_t *rule_text(const char *details)
{
	json_t *d = details ? json_loads(details, 0, NULL) : NULL;
	json_t *o = json_object();
	static const char *const keys[] = { "description", "rationale", "remediation", "review", NULL };
	for (unsigned i = 0; keys[i]; i++) {
		json_t *v = json_object_get(d, keys[i]);
		json_object_set_new(o, keys[i], mcp_str(json_string_value(v)));
	}
	json_t *refs = json_object_get(d, "references");
	json_object_set_new(o, "references", refs ? json_deep_copy(refs) : json_null());
	json_decref(d);
	return o;
}

static enum herr get_finding(struct mcp_ctx *mx, const json_t *args, json_t **out)
{
	const char *vid = mcp_arg_str(args, "violation_id");
	struct viol_ctx x = { .want = vid };
	struct store *st;
	enum herr rc;
	if (!violation_id_valid(vid)) {
		err_set("'%.16s' is not a violation id (V- and eight letters or digits)", vid);
		return HERR_INPUT;
	}
	if ((rc = mcp_twin(mx, false, &st)) || (rc = latest_each(st, NULL, viol_eval, &x)))
		return rc;
	if (!x.found) {
		err_set("no failing or waived result with id %s in the latest snapshot of any target", vid);
		return HERR_INPUT;
	}
	json_object_set_new(x.found, "rule_text", rule_text(x.details));
	json_object_set_new(x.found, "evidence", json_pack("{s:O, s:O, s:O}", "property",
							    json_object_get(x.found, "property"), "observed",
							    json_object_get(x.found, "observed"), "expected",
							    json_object_get(x.found, "expected")));
	free(x.details);
	mcp_advice_attach(mx, vid, x.found);
	*out = x.found;
	return HERR_OK;
}

/* ---- drift ---- */

struct drift_ctx {
	struct mcp_page p;
	const char *target;
	long long from, to;
};

static int drift_event(void *vctx, const struct drift_event *e)
{
	struct drift_ctx *x = vctx;
	if (!mcp_page_want(&x->p))
		return 0;
	json_t *j = json_pack("{s:o, s:I, s:I, s:s, s:{s:o, s:o, s:o}}", "target", mcp_str(x->target), "from",
			      (json_int_t)x->from, "to", (json_int_t)x->to, "kind", drift_kind_name(e->kind), "object",
			      "type", mcp_str(e->object_type), "id", mcp_str(e->moref), "name",
			      mcp_str(e->object_name));
	if (e->baseline_id) {
		json_object_set_new(j, "rule_id", mcp_str(e->property));
		json_object_set_new(j, "baseline_id", mcp_str(e->baseline_id));
		json_object_set_new(j, "old_status", mcp_str(e->old_value));
		json_object_set_new(j, "new_status", mcp_str(e->new_value));
	} else if (e->property) {
		json_object_set_new(j, "property", mcp_str(e->property));
		json_object_set_new(j, "old_value", mcp_str(e->old_value));
		json_object_set_new(j, "new_value", mcp_str(e->new_value));
	}
	json_array_append_new(x->p.items, j);
	return 0;
}

static enum herr list_drift_events(struct mcp_ctx *mx, const json_t *args, json_t **out)
{
	const char *target = mcp_arg_str(args, "target");
	struct drift_ctx x = { 0 };
	struct strlist names = { 0 };
	struct store *st;
	enum herr rc = mcp_twin(mx, false, &st);
	if (rc)
		return rc;
	if (target)
		strlist_add(&names, target);
	else if ((rc = (enum herr)store_targets(st, &names)))
		return rc;
	mcp_page_init(&x.p, args);
	for (size_t i = 0; i < names.n && !rc; i++) {
		x.target = names.v[i];
		if (store_snapshot_latest(st, x.target, &x.to) != 0 ||
		    store_snapshot_previous(st, x.target, x.to, &x.from) != 0 || drift_stored(st, x.from, x.to) != 0)
			continue;
		rc = (enum herr)drift_events_each(st, x.from, x.to, NULL, drift_event, &x);
	}
	strlist_release(&names);
	if (rc) {
		json_decref(x.p.items);
		return rc;
	}
	*out = mcp_page_finish(&x.p, json_pack("{s:o}", "target", mcp_str(target)), "events");
	return HERR_OK;
}

/* A snapshot of target by id, completed. */
static enum herr completed(struct store *st, const char *target, long long id)
{
	struct snapshot_info si = { 0 };
	int r = store_snapshot_get(st, id, &si);
	enum herr rc = r < 0 ? (enum herr)r : HERR_OK;
	if (r > 0) {
		err_set("no snapshot %lld in the twin", id);
		rc = HERR_INPUT;
	} else if (r == 0 && strcmp(si.target, target)) {
		err_set("snapshot %lld belongs to another target", id);
		rc = HERR_INPUT;
	} else if (r == 0 && si.status != SNAP_COMPLETED) {
		err_set("snapshot %lld is %s", id, snap_status_name(si.status));
		rc = HERR_INPUT;
	}
	snapshot_info_release(&si);
	return rc;
}

static enum herr get_drift(struct mcp_ctx *mx, const json_t *args, json_t **out)
{
	struct drift_ctx x = { .target = mcp_arg_str(args, "target") };
	const char *object = mcp_arg_str(args, "object");
	struct store *st;
	enum herr rc = mcp_twin(mx, false, &st);
	int r;
	if (rc)
		return rc;
	x.to = mcp_arg_int(args, "to", 0);
	x.from = mcp_arg_int(args, "from", 0);
	if (!x.to && (r = store_snapshot_latest(st, x.target, &x.to)) != 0) {
		err_set("no completed snapshot of target '%s' in the twin", x.target);
		return r < 0 ? (enum herr)r : HERR_INPUT;
	}
	if (!x.from && (r = store_snapshot_previous(st, x.target, x.to, &x.from)) != 0) {
		err_set("target '%s' has no completed snapshot before %lld to compare with", x.target, x.to);
		return r < 0 ? (enum herr)r : HERR_INPUT;
	}
	if ((rc = completed(st, x.target, x.from)) || (rc = completed(st, x.target, x.to)))
		return rc;
	if (x.from == x.to) {
		err_set("from and to name the same snapshot %lld", x.to);
		return HERR_INPUT;
	}
	/* Drift of consecutive scans is stored by the scan; another pair is
	 * computed once and kept, as harden drift does. */
	if ((r = drift_stored(st, x.from, x.to)) > 0 &&
	    ((rc = mcp_twin(mx, true, &st)) || (rc = (enum herr)drift_compute(st, x.from, x.to, NULL))))
		return rc;
	if (r < 0)
		return (enum herr)r;
	mcp_page_init(&x.p, args);
	if ((rc = (enum herr)drift_events_each(st, x.from, x.to, object, drift_event, &x))) {
		json_decref(x.p.items);
		return rc;
	}
	json_t *o = json_pack("{s:o, s:I, s:I}", "target", mcp_str(x.target), "from", (json_int_t)x.from, "to",
			      (json_int_t)x.to);
	*out = mcp_page_finish(&x.p, o, "events");
	return HERR_OK;
}

/* ---- history ---- */

static int history_point(void *vctx, const struct history_point *h)
{
	struct mcp_page *p = vctx;
	if (!mcp_page_want(p))
		return 0;
	json_t *j = json_pack("{s:I, s:o, s:{s:o, s:o, s:o}, s:o, s:b, s:b}", "snapshot_id",
			      (json_int_t)h->snapshot_id, "started_at", mcp_time(h->started_at), "object", "type",
			      mcp_str(h->object_type), "id", mcp_str(h->moref), "name", mcp_str(h->object_name),
			      "property", mcp_str(h->property), "present", h->present, "collected", h->collected);
	json_object_set_new(j, "value", mcp_str(h->present && h->collected ? h->value : NULL));
	json_array_append_new(p->items, j);
	return 0;
}

static enum herr get_history(struct mcp_ctx *mx, const json_t *args, json_t **out)
{
	const char *target = mcp_arg_str(args, "target"), *object = mcp_arg_str(args, "object");
	const char *property = mcp_arg_str(args, "property");
	struct mcp_page p;
	struct store *st;
	enum herr rc = mcp_twin(mx, false, &st);
	if (rc)
		return rc;
	mcp_page_init(&p, args);
	if ((rc = (enum herr)drift_history_each(st, target, object, property, history_point, &p))) {
		json_decref(p.items);
		return rc;
	}
	json_t *o = json_pack("{s:o, s:o, s:o}", "target", mcp_str(target), "object", mcp_str(object), "property",
			      mcp_str(property));
	*out = mcp_page_finish(&p, o, "points");
	return HERR_OK;
}

#define STR(name, len, what) "\"" name "\": {\"type\": \"string\", \"maxLength\": " #len ", \"description\": \"" what "\"}"
#define ID(name, what) "\"" name "\": {\"type\": \"integer\", \"minimum\": 1, \"description\": \"" what "\"}"
#define IN(props, req) "{\"type\": \"object\", \"properties\": {" props "}, " req "\"additionalProperties\": false}"
#define OUT(key, item, extra) \
	"{\"type\": \"object\", \"properties\": {\"" key "\": {\"type\": \"array\", \"items\": " item "}, " extra \
	MCP_PAGE_OUT "}, \"required\": [\"" key "\", " MCP_PAGE_REQ "]}"
#define SEVERITY "\"severity\": {\"type\": \"string\", \"enum\": [\"critical\", \"high\", \"medium\", \"low\", " \
	"\"info\"], \"description\": \"only results of this severity\"}"
#define OBJ "{\"type\": \"object\"}"
#define FINDING "{\"type\": \"object\", \"properties\": {\"violation_id\": {\"type\": \"string\"}, \"rule_id\": " \
	"{\"type\": \"string\"}, \"severity\": {\"type\": \"string\"}, \"status\": {\"type\": \"string\"}, " \
	"\"object\": {\"type\": \"object\"}}, \"required\": [\"violation_id\", \"rule_id\", \"severity\", \"object\"]}"
#define EVENT "{\"type\": \"object\", \"properties\": {\"kind\": {\"type\": \"string\"}, \"object\": {\"type\": " \
	"\"object\"}}, \"required\": [\"kind\", \"object\"]}"

const struct mcp_tool mcp_tools_twin[] = {
	{ .name = "list_targets", .title = "List targets",
	  .description = "The targets (a vCenter and its NSX manager) named in the targets file or scanned into "
			 "the twin, with their latest completed snapshot.",
	  .input_schema = IN(MCP_PAGE_IN, ""),
	  .output_schema = OUT("targets", OBJ, "\"notes\": {\"type\": \"array\"}, "),
	  .hints = MCP_READ_ONLY, .call = list_targets },
	{ .name = "list_snapshots", .title = "List snapshots of a target",
	  .description = "The snapshots of one target in the twin, newest first: status, time, baselines, and "
			 "what each part (vCenter, NSX) achieved.",
	  .input_schema = IN(STR("target", 256, "a target's name") ", " MCP_PAGE_IN, "\"required\": [\"target\"], "),
	  .output_schema = OUT("snapshots", "{\"type\": \"object\", \"properties\": {\"id\": {\"type\": \"integer\"}, "
			       "\"status\": {\"type\": \"string\"}}, \"required\": [\"id\", \"status\"]}",
			       "\"target\": {\"type\": [\"string\", \"null\"]}, "),
	  .hints = MCP_READ_ONLY, .call = list_snapshots },
	{ .name = "list_violations", .title = "List violations",
	  .description = "Failing results of the latest completed scan of each target (or of one target), each "
			 "with its violation id (stable across scans for the same target, rule and object).",
	  .input_schema = IN(MCP_PAGE_IN ", " SEVERITY ", " STR("target", 256, "only this target"), ""),
	  .output_schema = OUT("violations", FINDING, "\"target\": {\"type\": [\"string\", \"null\"]}, "
			       "\"severity\": {\"type\": [\"string\", \"null\"]}, "),
	  .hints = MCP_READ_ONLY, .call = list_violations },
	{ .name = "get_finding", .title = "Get a finding",
	  .description = "One failing or waived result of a latest scan by violation id: the evidence (property, "
			 "observed, expected), the rule's text and references, and the waiver if any.",
	  .input_schema = IN(STR("violation_id", 16, "an id from list_violations, e.g. V-7K3M9Q2A"),
			     "\"required\": [\"violation_id\"], "),
	  .output_schema = "{\"type\": \"object\", \"properties\": {\"violation_id\": {\"type\": \"string\"}, "
			   "\"evidence\": {\"type\": \"object\"}, \"rule_text\": {\"type\": \"object\"}, \"waiver\": "
			   "{\"type\": [\"object\", \"null\"]}}, \"required\": [\"violation_id\", \"evidence\", "
			   "\"rule_text\", \"waiver\"]}",
	  .hints = MCP_READ_ONLY, .call = get_finding },
	{ .name = "list_drift_events", .title = "List drift events",
	  .description = "What changed between each target's two latest completed scans (or one target's): "
			 "objects added or removed, properties changed, results regressed or fixed.",
	  .input_schema = IN(MCP_PAGE_IN ", " STR("target", 256, "only this target"), ""),
	  .output_schema = OUT("events", EVENT, "\"target\": {\"type\": [\"string\", \"null\"]}, "),
	  .hints = MCP_READ_ONLY, .call = list_drift_events },
	{ .name = "get_drift", .title = "Drift between two snapshots",
	  .description = "The drift events between two completed snapshots of a target (default: the latest and "
			 "the one before it).  A pair not compared before is computed and kept in the twin.",
	  .input_schema = IN(STR("target", 256, "a target's name") ", " ID("from", "the older snapshot") ", "
			     ID("to", "the newer snapshot") ", " STR("object", 512, "only events of objects with this "
			     "name or moref") ", " MCP_PAGE_IN, "\"required\": [\"target\"], "),
	  .output_schema = OUT("events", EVENT, "\"target\": {\"type\": \"string\"}, \"from\": {\"type\": "
			       "\"integer\"}, \"to\": {\"type\": \"integer\"}, "),
	  .hints = MCP_IDEMPOTENT, .call = get_drift },
	{ .name = "get_history", .title = "History of an object's properties",
	  .description = "Each value an object's properties (or one property) had across the completed snapshots "
			 "of a target, oldest first.",
	  .input_schema = IN(STR("target", 256, "a target's name") ", " STR("object", 512, "an object's name or "
			     "moref") ", " STR("property", 256, "only this property") ", " MCP_PAGE_IN,
			     "\"required\": [\"target\", \"object\"], "),
	  .output_schema = OUT("points", "{\"type\": \"object\", \"properties\": {\"snapshot_id\": {\"type\": "
			       "\"integer\"}, \"property\": {\"type\": [\"string\", \"null\"]}}}", ""),
	  .hints = MCP_READ_ONLY, .call = get_history },
	{ 0 },
};
