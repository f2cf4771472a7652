/* SARIF 2.1.0: one run, one result per failing, unknown or waived finding.
 * The envelope is written here and each piece encoded by jansson, so the
 * results stream out of the store as the JSON report's findings do. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report/report_int.h"
#include "report/report_util.h"
#include "report/since.h"
#include "version.h"

#define SARIF_SCHEMA_URI "https://json.schemastore.org/sarif-2.1.0.json"
#define HARDEN_URI "https://github.com/harden-scanner/harden"
#define DUMP_FLAGS (JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII)

/* A string jansson accepts: it refuses invalid UTF-8. */
static json_t *jstr(const char *s)
{
	if (!s)
		return json_null();
	char *c = rpt_clean(s, false);
	json_t *j = json_string(c);
	free(c);
	return j;
}

static const char *level_of(enum severity s)
{
	return s >= SEV_HIGH ? "error" : s == SEV_MEDIUM ? "warning" : "note";
}

/* GitHub code scanning ranks security alerts by this CVSS-like score. */
static const char *security_severity(enum severity s)
{
	static const char *const score[SEV_COUNT] = { "0.0", "3.0", "5.5", "8.0", "9.5" };
	return (unsigned)s < SEV_COUNT ? score[s] : "0.0";
}

/* Where each host and VM sits, for logical locations: a host's cluster
 * and a VM's host, by moref. */
struct places {
	json_t *cluster;	/* host moref -> cluster name */
	json_t *host;		/* vm moref -> host name */
};

static int place_object(void *ctx, const struct sobject *o)
{
	struct places *p = ctx;
	bool vm = !strcmp(o->type, "vm");
	const struct sprop *v = sobject_find(o, vm ? "host" : "cluster");
	if (v && v->collected && v->value && *v->value)
		json_object_set_new_nocheck(vm ? p->host : p->cluster, o->moref, jstr(v->value));
	return 0;
}

static const char *place_get(json_t *map, const char *moref)
{
	return json_string_value(json_object_get(map, moref));
}

/* The object's path: <vcenter>/<cluster>/<host>, <vcenter>/<host>/<vm>,
 * <vcenter>/<datastore>, or an NSX object's policy path. */
static char *object_path(const struct places *p, const char *vc, const struct finding_row *r)
{
	char *name = rpt_clean(r->object_name ? r->object_name : r->moref, false);
	const char *mid = NULL;
	char *path;
	if (vocab_part(r->object_type) == PART_NSX) {
		if (r->moref[0] == '/') {
			free(name);
			return rpt_clean(r->moref, false);
		}
		/* The NSX manager's own object is named by its URL. */
		char *h = rpt_url_host(r->object_name);
		if (h) {
			free(name);
			return h;
		}
	} else if (!strcmp(r->object_type, "host")) {
		mid = place_get(p->cluster, r->moref);
	} else if (!strcmp(r->object_type, "vm")) {
		mid = place_get(p->host, r->moref);
	}
	path = mid ? xasprintf("%s/%s/%s", vc, mid, name) : xasprintf("%s/%s", vc, name);
	free(name);
	return path;
}

static void add_tag(json_t *tags, const char *t)
{
	if (!t || !*t)
		return;
	json_t *j = jstr(t);
	size_t i;
	json_t *v;
	json_array_foreach(tags, i, v) {
		if (json_equal(v, j)) {	/* SARIF wants the tags unique */
			json_decref(j);
			return;
		}
	}
	json_array_append_new(tags, j);
}

/* A reportingDescriptor from the rule as stored with the evaluation. */
static json_t *rule_descriptor(const char *baseline, const struct finding_row *r)
{
	json_error_t je;
	json_t *d = r->details_json ? json_loads(r->details_json, 0, &je) : NULL;
	const char *desc = json_string_value(json_object_get(d, "description"));
	const char *why = json_string_value(json_object_get(d, "rationale"));
	json_t *rem = json_object_get(d, "remediation");
	const char *fix = json_string_value(json_object_get(rem, "summary"));
	json_t *steps = json_object_get(rem, "steps"), *refs = json_object_get(d, "references"), *v;
	size_t i;

	struct buf help = BUF_INIT;
	buf_puts(&help, why ? why : desc ? desc : r->title);
	if (fix)
		buf_printf(&help, "\n\nRemediation: %s", fix);
	json_array_foreach(steps, i, v)
		if (json_is_string(v))
			buf_printf(&help, "\n%zu. %s", i + 1, json_string_value(v));
	json_t *tags = json_array();
	add_tag(tags, "security");
	add_tag(tags, baseline);
	if (json_array_size(refs))
		buf_puts(&help, "\n\nReferences:");
	json_array_foreach(refs, i, v) {
		if (json_is_string(v)) {
			buf_printf(&help, "\n- %s", json_string_value(v));
			add_tag(tags, json_string_value(v));
		}
	}
	char *name = xasprintf("%s/%s", baseline, r->rule_id);
	json_t *o = json_pack("{s:o, s:o, s:{s:o}, s:{s:o}, s:{s:o}, s:{s:s}, s:{s:s, s:o, s:o, s:o, s:o}}",
			      "id", jstr(r->rule_id), "name", jstr(name),
			      "shortDescription", "text", jstr(r->title),
			      "fullDescription", "text", jstr(desc ? desc : why ? why : r->title),
			      "help", "text", jstr(help.data),
			      "defaultConfiguration", "level", level_of(r->severity),
			      "properties", "security-severity", security_severity(r->severity),
			      "tags", tags, "severity", jstr(severity_name(r->severity)), "baseline", jstr(baseline),
			      "object_type", jstr(r->object_type));
	free(name);
	buf_release(&help);
	json_decref(d);
	return o;
}

struct sarif_ctx {
	FILE *f;
	const struct snapshot_info *snap;
	const struct report_ctx *c;
	const char *baseline;	/* of the run being written */
	json_t *rules;		/* the run's descriptors, in order */
	json_t *index;		/* rule id -> position in rules */
	struct places places;
	char *vc;
	bool first;
	char *cwd;		/* the working directory, or NULL */
	char *base_dir;		/* what BASELINES_BASE stands for, once used */
};

#define BASELINES_BASE "HARDEN_BASELINES"

/* Where a rule is defined (the source its baseline recorded), or NULL for
 * one evaluated before harden recorded it. */
struct rule_src {
	json_t *doc;
	const char *baseline, *file;
	long long line;
};

static void rule_src_load(struct rule_src *s, const char *details_json)
{
	s->doc = details_json ? json_loads(details_json, 0, NULL) : NULL;
	json_t *src = json_object_get(s->doc, "source");
	s->baseline = json_string_value(json_object_get(src, "baseline"));
	s->file = json_string_value(json_object_get(src, "file"));
	s->line = json_integer_value(json_object_get(src, "line"));
}

/* A rule that a scanned baseline inherits unchanged from another scanned
 * baseline is reported once, in the run of the baseline defining it. */
static bool reported_elsewhere(const struct sarif_ctx *x, const struct rule_src *s)
{
	if (!s->baseline || !strcmp(s->baseline, x->baseline))
		return false;
	for (unsigned i = 0; i < x->c->n; i++)
		if (!strcmp(x->c->evals[i].baseline_id, s->baseline))
			return true;
	return false;
}

static int collect_rule(void *vctx, const struct finding_row *r)
{
	struct sarif_ctx *x = vctx;
	if (json_object_get(x->index, r->rule_id))
		return 0;
	struct rule_src src;
	rule_src_load(&src, r->details_json);
	if (!reported_elsewhere(x, &src)) {
		json_object_set_new(x->index, r->rule_id, json_integer((json_int_t)json_array_size(x->rules)));
		json_array_append_new(x->rules, rule_descriptor(x->baseline, r));
	}
	json_decref(src.doc);
	return 0;
}

/* A path as a URI reference: bytes other than unreserved ones and '/'
 * percent-encoded. */
static void uri_path(struct buf *b, const char *path)
{
	for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		    strchr("-._~/", *p))
			buf_printf(b, "%c", *p);
		else
			buf_printf(b, "%%%02X", *p);
	}
}

/* Where a baseline file is, as code scanning wants a stable path: relative
 * as given (a site baseline in the repository, named from its root), or
 * relative to the working directory when under it; else relative to the
 * base id HARDEN_BASELINES, the directory of the first such file (the
 * builtin baselines, wherever harden is installed), or for a file in yet
 * another directory an absolute file: URI. */
static json_t *artifact_location(struct sarif_ctx *x, const char *file, const char *baseline)
{
	struct buf b = BUF_INIT;
	const char *base = NULL;
	if (!file) {
		/* Evaluated before harden recorded where rules are defined. */
		buf_printf(&b, "%s.yaml", baseline);
		base = BASELINES_BASE;
	} else if (file[0] != '/') {
		while (file[0] == '.' && file[1] == '/')
			file += 2;
		uri_path(&b, file);
	} else if (x->cwd && !strncmp(file, x->cwd, strlen(x->cwd)) && file[strlen(x->cwd)] == '/') {
		uri_path(&b, file + strlen(x->cwd) + 1);
	} else {
		const char *slash = strrchr(file, '/');
		size_t dlen = (size_t)(slash - file) + 1;
		if (!x->base_dir)
			x->base_dir = xstrndup(file, dlen);
		if (strlen(x->base_dir) == dlen && !strncmp(x->base_dir, file, dlen)) {
			uri_path(&b, slash + 1);
			base = BASELINES_BASE;
		} else {
			buf_puts(&b, "file://");
			uri_path(&b, file);
		}
	}
	json_t *o = json_pack("{s:s}", "uri", b.data);
	if (base)
		json_object_set_new(o, "uriBaseId", json_string(base));
	buf_release(&b);
	return o;
}

static json_t *physical_location(struct sarif_ctx *x, const struct rule_src *s)
{
	return json_pack("{s:o, s:{s:I}}", "artifactLocation", artifact_location(x, s->file, x->baseline), "region",
			 "startLine", (json_int_t)(s->line > 0 ? s->line : 1));
}

static const char *or_empty(const char *s)
{
	return s && *s ? s : "\"\"";
}

static char *result_text(const struct finding_row *r)
{
	struct buf b = BUF_INIT;
	buf_printf(&b, "%s '%s' (%s)", r->object_type, r->object_name ? r->object_name : "", r->moref);
	if (r->status == RS_UNKNOWN) {
		if (r->property)
			buf_printf(&b, ": %s was not collected, so the rule could not be evaluated (seen %s, expected %s)",
				   r->property, or_empty(r->observed), or_empty(r->expected));
		else
			buf_puts(&b, ": the data was not collected, so the rule could not be evaluated");
		buf_printf(&b, " [%s]", r->title);
	} else if (r->property) {
		buf_printf(&b, ": %s is %s, expected %s [%s]", r->property, or_empty(r->observed),
			   or_empty(r->expected), r->title);
	} else {
		buf_printf(&b, " fails: %s", r->title);
	}
	if (r->waiver_justification)
		buf_printf(&b, r->waiver_expired ? ". A waiver by %s expired on %s: %s" : ". Waived by %s until %s: %s",
			   r->waiver_approver ? r->waiver_approver : "?", r->waiver_expires ? r->waiver_expires : "?",
			   r->waiver_justification);
	return buf_detach(&b);
}

static json_t *waiver_json(const struct finding_row *r)
{
	return json_pack("{s:o, s:o, s:o, s:o, s:b}", "justification", jstr(r->waiver_justification),
			 "approver", jstr(r->waiver_approver), "expires", jstr(r->waiver_expires),
			 "ticket", jstr(r->waiver_ticket), "expired", r->waiver_expired);
}

static int write_result(void *vctx, const struct finding_row *r)
{
	struct sarif_ctx *x = vctx;
	bool unknown = r->status == RS_UNKNOWN, waived = r->status == RS_WAIVED;
	if (!unknown && !waived && r->status != RS_FAIL)
		return 0;
	struct rule_src src;
	rule_src_load(&src, r->details_json);
	if (reported_elsewhere(x, &src)) {
		json_decref(src.doc);
		return 0;
	}
	json_int_t idx = json_integer_value(json_object_get(x->index, r->rule_id));

	char fp[17];
	const char *const fields[] = { x->snap->target, r->rule_id, r->object_type, r->moref };
	snprintf(fp, sizeof(fp), "%016llx", (unsigned long long)rpt_fnv1a64(fields, ARRAY_SIZE(fields)));
	char *text = result_text(r), *path = object_path(&x->places, x->vc, r);
	/* SARIF wants level "none" on any kind but "fail": an unknown result
	 * stays a "fail" at level warning, told apart by its properties. */
	/* The physical location is the rule in its baseline file, which code
	 * scanning requires; the object is the logical location. */
	json_t *res = json_pack("{s:o, s:I, s:s, s:s, s:{s:o}, s:[{s:o, s:[{s:o, s:o, s:s}]}], s:{s:s}}",
				"ruleId", jstr(r->rule_id), "ruleIndex", idx, "kind", "fail",
				"level", unknown ? "warning" : level_of(r->severity), "message", "text", jstr(text),
				"locations", "physicalLocation", physical_location(x, &src),
				"logicalLocations", "name", jstr(r->object_name ? r->object_name : r->moref),
				"fullyQualifiedName", jstr(path), "kind", "resource",
				"partialFingerprints", "harden/v1", fp);
	json_decref(src.doc);
	free(text);
	free(path);
	const struct report_gate *g = x->c->o->gate;
	if (g && g->ref && !waived)
		json_object_set_new(res, "baselineState",
				    json_string(since_is_new(g->ref, x->snap->target, r) ? "new" : "unchanged"));
	if (waived && r->waiver_justification)
		json_object_set_new(res, "suppressions",
				    json_pack("[{s:s, s:s, s:o}]", "kind", "external", "status", "accepted",
					      "justification", jstr(r->waiver_justification)));
	json_t *props = json_pack("{s:o, s:o, s:o, s:{s:o, s:o, s:o}, s:o, s:o, s:o}", "status",
				  jstr(rstatus_name(r->status)), "severity", jstr(severity_name(r->severity)), "baseline", jstr(x->baseline),
				  "object", "type", jstr(r->object_type), "id", jstr(r->moref),
				  "name", jstr(r->object_name), "property", jstr(r->property),
				  "observed", jstr(r->observed), "expected", jstr(r->expected));
	if (r->waiver_justification)
		json_object_set_new(props, "waiver", waiver_json(r));
	char vid[VIOLATION_ID_SIZE];
	if (rpt_violation_id(vid, x->snap->target, r))
		json_object_set_new(props, "violation_id", json_string(vid));
	json_object_set_new(res, "properties", props);
	fputs(x->first ? "\n        " : ",\n        ", x->f);
	x->first = false;
	json_dumpf(res, x->f, DUMP_FLAGS);
	json_decref(res);
	return 0;
}

static void member(FILE *f, const char *key, json_t *v, size_t flags, bool comma)
{
	fprintf(f, "      \"%s\": ", key);
	json_dumpf(v, f, flags);
	fputs(comma ? ",\n" : "\n", f);
	json_decref(v);
}

/* The run of evaluation i: its baseline's rules and results, under the
 * category harden/<target>/<baseline>/. */
static int sarif_run(struct sarif_ctx *x, unsigned i)
{
	FILE *f = x->f;
	const struct snapshot_info *snap = x->snap;
	const struct evaluation_info *ev = &x->c->evals[i];
	int rc;
	x->baseline = ev->baseline_id;
	x->rules = json_array();
	x->index = json_object();
	x->first = true;
	if ((rc = rpt_findings_each(x->c, ev->id, collect_rule, x)) < 0)
		goto out;
	char started[32], ended[32];
	time_iso8601(started, snap->started_at);
	time_iso8601(ended, snap->ended_at ? snap->ended_at : snap->started_at);
	json_t *tool = json_pack("{s:{s:s, s:s, s:s, s:s, s:O}}", "driver", "name", "harden", "version",
				 HARDEN_VERSION, "semanticVersion", HARDEN_VERSION, "informationUri", HARDEN_URI,
				 "rules", x->rules);
	char *category = xasprintf("harden/%s/%s/", snap->target, ev->baseline_id);
	json_t *auto_id = json_pack("{s:o}", "id", jstr(category));
	free(category);
	json_t *inv = json_pack("[{s:b, s:s, s:s}]", "executionSuccessful", 1, "startTimeUtc", started,
				"endTimeUtc", ended);
	json_t *bl = json_pack("[{s:o, s:o, s:o, s:I, s:o}]", "id", jstr(ev->baseline_id),
			       "title", jstr(ev->baseline_title), "version", jstr(ev->baseline_version),
			       "evaluation_id", (json_int_t)ev->id, "parameters", rpt_params_json(ev->params));
	const struct counts *c = &x->c->counts->per[i];
	json_t *props = json_pack("{s:o, s:I, s:o, s:o, s:o, s:o, s:s, s:o}", "target", jstr(snap->target),
				  "snapshot_id", (json_int_t)snap->id, "source", jstr(x->vc), "baselines", bl,
				  "counts", rpt_json_by_status(c), "score", rpt_json_score(c),
				  "score_formula", "100 * pass / (pass + fail), to one decimal",
				  "findings_include", json_string("fail,unknown,waived"));
	fputs(i ? ",\n    {\n" : "    {\n", f);
	member(f, "tool", tool, DUMP_FLAGS, true);
	member(f, "automationDetails", auto_id, DUMP_FLAGS, true);
	member(f, "invocations", inv, DUMP_FLAGS, true);
	member(f, "properties", props, DUMP_FLAGS | RPT_JSON_REALS, true);
	fputs("      \"results\": [", f);
	rc = rpt_findings_each(x->c, ev->id, write_result, x);
	fputs(x->first ? "]" : "\n      ]", f);
	if (x->base_dir) {
		struct buf b = BUF_INIT;
		buf_puts(&b, "file://");
		uri_path(&b, x->base_dir);
		json_t *bases = json_pack("{s:{s:s}}", BASELINES_BASE, "uri", b.data);
		buf_release(&b);
		fputs(",\n", f);
		member(f, "originalUriBaseIds", bases, DUMP_FLAGS, false);
	} else {
		fputs("\n", f);
	}
	fputs("    }", f);
out:
	json_decref(x->rules);
	json_decref(x->index);
	x->rules = x->index = NULL;
	return rc;
}

/* fail, unknown and waived, whatever --all says; one run per baseline */
static int sarif_write(const struct report_ctx *c)
{
	FILE *f = c->f;
	const struct snapshot_info *snap = c->snap;
	int rc;
	struct sarif_ctx x = { f, snap, c, NULL, NULL, NULL, { json_object(), json_object() }, rpt_source_name(snap),
			       true, getcwd(NULL, 0), NULL };
	char *vc = x.vc;
	x.vc = rpt_clean(vc, false);
	free(vc);
	if ((rc = store_objects_each(c->st, snap->id, "host", place_object, &x.places)) < 0 ||
	    (rc = store_objects_each(c->st, snap->id, "vm", place_object, &x.places)) < 0)
		goto out;
	fputs("{\n  \"$schema\": \"" SARIF_SCHEMA_URI "\",\n  \"version\": \"2.1.0\",\n  \"runs\": [\n", f);
	for (unsigned i = 0; i < c->n && rc >= 0; i++)
		rc = sarif_run(&x, i);
	fputs("\n  ]\n}\n", f);
out:
	json_decref(x.places.cluster);
	json_decref(x.places.host);
	free(x.vc);
	free(x.cwd);
	free(x.base_dir);
	return rc < 0 ? rc : 0;
}

const struct report_writer report_sarif = { "sarif", sarif_write, true };
