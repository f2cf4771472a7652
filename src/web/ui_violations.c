/* /violations: a snapshot's results under filters given as query
 * parameters (severity, status, baseline, rule, object, cluster, q), sorted,
 * grouped by rule or object, a page at a time; format=csv or json exports
 * exactly the rows shown. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"
#include "web/web.h"

#define PER_PAGE_DEFAULT 50
#define PER_PAGE_MAX 500

static const char *const sorts[BROWSE_SORT_COUNT] = { "severity", "rule", "object", "status" };

/* The search box's hints (store_search_words has the syntax). */
#define SEARCH_PLACEHOLDER "words, or \"a phrase\""
#define SEARCH_HELP                                                                                                 \
	"Each word must occur in the rule id, title, object name or moref, property or observed value; "            \
	"\"words in quotes\" are one phrase."

struct vio {
	struct web_req *r;
	struct html_page *p;
	int group;		/* 0 none, 1 rule, 2 object */
	char *last;		/* the group of the last row */
	json_t *json;
	long long rows;
};

static void csv_field(FILE *f, const char *s, bool last)
{
	fputc('"', f);
	for (; s && *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
	fputc(last ? '\n' : ',', f);
}

static const char *const csv_head[] = { "baseline", "rule_id", "title", "severity", "status", "object_type",
					"object_id", "object_name", "property", "observed", "expected", "violation_id" };

static void row_fields(const struct web_req *r, const struct browse_row *b, const char *v[12], char vid[])
{
	const struct finding_row *f = &b->f;
	violation_id(vid, r->target, f->rule_id, f->object_type, f->moref);
	const char *const x[] = { b->baseline_id, f->rule_id, f->title, severity_name(f->severity),
				  rstatus_name(f->status), f->object_type, f->moref, f->object_name,
				  f->property, f->observed, f->expected, vid };
	memcpy(v, x, sizeof(x));
}

static int csv_row(void *ctx, const struct browse_row *b)
{
	struct vio *x = ctx;
	const char *v[12];
	char vid[VIOLATION_ID_SIZE];
	row_fields(x->r, b, v, vid);
	for (int i = 0; i < 12; i++)
		csv_field(x->r->f, v[i], i == 11);
	x->rows++;
	return 0;
}

static int json_row(void *ctx, const struct browse_row *b)
{
	struct vio *x = ctx;
	const char *v[12];
	char vid[VIOLATION_ID_SIZE];
	row_fields(x->r, b, v, vid);
	json_t *o = json_object();
	for (int i = 0; i < 12; i++)
		json_object_set_new(o, csv_head[i], v[i] ? json_string(v[i]) : json_null());
	json_array_append_new(x->json, o);
	x->rows++;
	return 0;
}

static int html_row(void *ctx, const struct browse_row *b)
{
	struct vio *x = ctx;
	struct html_page *p = x->p;
	struct web_req *r = x->r;
	const struct finding_row *f = &b->f;
	if (x->group) {
		char *key = x->group == 1 ? xasprintf("%s: %s", f->rule_id, f->title)
					  : xasprintf("%s (%s)", f->object_name, f->moref);
		if (!x->last || strcmp(key, x->last)) {
			html_open(p, "tr", "group");
			html_open(p, "th", NULL);
			html_attr(p, "colspan", "8");
			html_text(p, key);
			html_close(p);
			html_close(p);
			free(x->last);
			x->last = key;
		} else {
			free(key);
		}
	}
	html_open(p, "tr", web_status_class(f->status));
	html_elem(p, "td", f->severity >= SEV_HIGH ? "sev-high" : NULL, web_severity_label(r, f->severity));
	html_elem(p, "td", NULL, web_status_label(r, f->status));
	html_elem(p, "td", NULL, b->baseline_id);
	html_open(p, "td", NULL);
	char *u = web_url(r, "/finding", "baseline", b->baseline_id, "rule", f->rule_id, "type", f->object_type,
			  "moref", f->moref, NULL);
	html_link(p, u, NULL, f->rule_id);
	free(u);
	html_close(p);
	html_elem(p, "td", NULL, f->title);
	char *obj = xasprintf("%s (%s)", f->object_name, f->moref);
	html_elem(p, "td", NULL, obj);
	free(obj);
	html_elem(p, "td", NULL, f->property);
	char *oe = xasprintf("%s / %s", f->observed ? f->observed : "-", f->expected ? f->expected : "-");
	html_elem(p, "td", NULL, oe);
	free(oe);
	html_close(p);
	x->rows++;
	return 0;
}

static void select_box(struct html_page *p, struct web_req *r, const char *label, const char *name,
		       const char *const *values, const char *const *labels, size_t n)
{
	const char *cur = web_arg(r, name);
	web_label_open(p, r, label);
	html_open(p, "select", NULL);
	html_attr(p, "name", name);
	for (size_t i = 0; i < n; i++) {
		html_open(p, "option", NULL);
		html_attr(p, "value", values[i]);
		if ((cur && !strcmp(cur, values[i])) || (!cur && !*values[i]))
			html_attr(p, "selected", "selected");
		html_text(p, web_tr(r, labels[i]));
		html_close(p);
	}
	html_close(p);
	html_close(p);
}

static void filters(struct html_page *p, struct web_req *r, const struct evaluation_info *ev, unsigned nev)
{
	static const char *const sev_v[] = { "", "critical", "high", "medium", "low", "info" };
	static const char *const sev_l[] = { "any", "critical", "high", "medium", "low", "info" };
	static const char *const st_v[] = { "", "all", "fail", "unknown", "waived", "pass", "not_applicable" };
	static const char *const st_l[] = { "open (fail, unknown, waived)", "any", "fail", "unknown", "waived",
					    "pass", "not applicable" };
	static const char *const sort_l[] = { "Severity", "Rule", "Object", "Status" };
	static const char *const grp_v[] = { "", "rule", "object" };
	static const char *const grp_l[] = { "none", "Rule", "Object" };
	web_form_open(p, "filters", "/violations");
	web_hidden(p, "target", r->target);
	char id[24];
	snprintf(id, sizeof(id), "%lld", r->si.id);
	web_hidden(p, "snap", id);
	web_hidden(p, "lang", web_arg(r, "lang"));
	select_box(p, r, "Severity", "severity", sev_v, sev_l, ARRAY_SIZE(sev_v));
	select_box(p, r, "Status", "status", st_v, st_l, ARRAY_SIZE(st_v));
	const char **bv = xcalloc(nev + 1, sizeof(*bv));
	const char **bl = xcalloc(nev + 1, sizeof(*bl));
	bv[0] = "";
	bl[0] = "any";
	for (unsigned i = 0; i < nev; i++)
		bv[i + 1] = bl[i + 1] = ev[i].baseline_id;
	select_box(p, r, "Baseline", "baseline", bv, bl, nev + 1);
	free(bv);
	free(bl);
	web_input(p, r, "Rule", "rule", "text");
	web_input(p, r, "Object", "object", "text");
	web_input(p, r, "Cluster", "cluster", "text");
	web_input_hint(p, r, "Search", "q", "search", SEARCH_PLACEHOLDER, SEARCH_HELP);
	select_box(p, r, "Sort", "sort", sorts, sort_l, ARRAY_SIZE(sorts));
	select_box(p, r, "Group", "group", grp_v, grp_l, ARRAY_SIZE(grp_v));
	web_submit(p, r, "Filter");
	html_close(p);
}

/* How many rows the filter has: from the evaluations' counts when it
 * filters only by baseline, status and severity, else from the twin (the
 * counts kept in *wc for the page's rows). */
static int count(struct web_req *r, const struct browse_filter *flt, const struct evaluation_info *ev, unsigned nev,
		 struct web_counts **wc, long long *total)
{
	*total = 0;
	if (flt->rule || flt->object || flt->moref || flt->cluster || flt->search)
		return web_counts_read(r, flt, wc, total);
	for (unsigned i = 0; i < nev; i++) {
		if (flt->baseline && strcmp(flt->baseline, ev[i].baseline_id))
			continue;
		struct counts c;
		int rc = web_eval_counts(r, &ev[i], &c);
		if (rc < 0)
			return rc;
		for (int st = 0; st < RS_COUNT; st++) {
			bool want = flt->status == -1 || flt->status == st ||
				    (flt->status == -2 && (st == RS_FAIL || st == RS_UNKNOWN || st == RS_WAIVED));
			for (int sev = 0; want && sev < SEV_COUNT; sev++)
				if (flt->severity < 0 || flt->severity == sev)
					*total += c.by[st][sev];
		}
	}
	return 0;
}

/* The link to this view with some parameters changed. */
static char *view_url(struct web_req *r, const char *k1, const char *v1, const char *k2, const char *v2)
{
	static const char *const keep[] = { "severity", "status", "baseline", "rule", "object", "cluster",
					    "q", "sort", "group", "per", "page" };
	const char *v[ARRAY_SIZE(keep)];
	for (size_t i = 0; i < ARRAY_SIZE(keep); i++) {
		v[i] = web_arg(r, keep[i]);
		if (k1 && !strcmp(keep[i], k1))
			v[i] = v1;
		if (k2 && !strcmp(keep[i], k2))
			v[i] = v2;
	}
	return web_url(r, "/violations", keep[0], v[0], keep[1], v[1], keep[2], v[2], keep[3], v[3], keep[4], v[4],
		       keep[5], v[5], keep[6], v[6], keep[7], v[7], keep[8], v[8], keep[9], v[9], keep[10], v[10],
		       k2 && !strcmp(k2, "format") ? "format" : NULL, v2, NULL);
}

int ui_violations(struct web_req *r)
{
	struct browse_filter flt = { .snapshot = r->si.id, .severity = -1, .status = -2 };
	flt.baseline = web_arg(r, "baseline");
	flt.rule = web_arg(r, "rule");
	flt.object = web_arg(r, "object");
	flt.cluster = web_arg(r, "cluster");
	flt.search = web_arg(r, "q");
	struct strlist words = { 0 };
	int rc = store_search_words(flt.search, &words);
	strlist_release(&words);
	if (rc < 0) {
		char *m = xasprintf("q: %s", err_get());
		web_plain(r, 400, m);
		free(m);
		return 0;
	}
	const char *s = web_arg(r, "severity"), *st = web_arg(r, "status"), *so = web_arg(r, "sort");
	const char *g = web_arg(r, "group"), *fmt = web_arg(r, "format");
	enum severity sev;
	enum rstatus rs;
	if (s && severity_parse(s, &sev) == 0)
		flt.severity = (int)sev;
	if (st && !strcmp(st, "all"))
		flt.status = -1;
	else if (st && rstatus_parse(st, &rs) == 0)
		flt.status = (int)rs;
	for (int i = 0; so && i < BROWSE_SORT_COUNT; i++)
		if (!strcmp(so, sorts[i]))
			flt.sort = (enum browse_sort)i;
	struct vio x = { .r = r };
	x.group = g && !strcmp(g, "rule") ? 1 : g && !strcmp(g, "object") ? 2 : 0;
	if (x.group)
		flt.sort = x.group == 1 ? BROWSE_RULE : BROWSE_OBJECT;
	long long per = web_arg_int(r, "per", PER_PAGE_DEFAULT), page = web_arg_int(r, "page", 1), total = 0;
	if (per < 1 || per > PER_PAGE_MAX)
		per = PER_PAGE_DEFAULT;
	if (page < 1)
		page = 1;
	struct evaluation_info *ev = NULL;
	struct web_counts *wc = NULL;
	unsigned nev = 0;
	if (r->si.id && ((rc = store_latest_evaluations(r->st, r->si.id, &ev, &nev)) < 0 ||
			 (rc = count(r, &flt, ev, nev, &wc, &total)) < 0))
		goto out;
	long long pages = total ? (total + per - 1) / per : 1;
	if (page > pages)
		page = pages;
	long long off = (page - 1) * per;
	if (fmt && !strcmp(fmt, "csv")) {
		r->ctype = "text/csv; charset=utf-8";
		r->download = "violations.csv";
		for (size_t i = 0; i < ARRAY_SIZE(csv_head); i++)
			fprintf(r->f, "%s%c", csv_head[i], i + 1 < ARRAY_SIZE(csv_head) ? ',' : '\n');
		if (r->si.id)
			rc = web_browse_counted(r, &flt, wc, ev, nev, off, per, csv_row, &x);
		goto out;
	}
	if (fmt && !strcmp(fmt, "json")) {
		r->ctype = "application/json";
		r->download = "violations.json";
		x.json = json_array();
		if (r->si.id)
			rc = web_browse_counted(r, &flt, wc, ev, nev, off, per, json_row, &x);
		json_t *doc = json_pack("{s:s, s:i, s:s?, s:I, s:I, s:I, s:I, s:o}", "schema", "harden.violations",
					"schema_version", 1, "target", r->target, "snapshot_id", (json_int_t)r->si.id,
					"total", (json_int_t)total, "page", (json_int_t)page, "per_page", (json_int_t)per,
					"results", x.json);
		json_dumpf(doc, r->f, JSON_INDENT(1) | JSON_SORT_KEYS);
		json_decref(doc);
		goto out;
	}
	struct html_page *p = web_page_begin(r, "/violations", web_tr(r, "Violations"));
	if (!p) {
		rc = HERR_OUTPUT;
		goto out;
	}
	x.p = p;
	if (!r->si.id) {
		html_elem(p, "p", NULL, web_tr(r, "No completed snapshot in the twin."));
		goto end;
	}
	filters(p, r, ev, nev);
	char *line = xasprintf("%lld %s; %s %lld %s %lld", total, web_tr(r, "results"), web_tr(r, "page"), page,
			       web_tr(r, "of"), pages);
	html_open(p, "p", "pager");
	html_elem(p, "span", "total", line);
	free(line);
	char num[24];
	if (page > 1) {
		snprintf(num, sizeof(num), "%lld", page - 1);
		char *u = view_url(r, "page", num, NULL, NULL);
		html_link(p, u, "prev", web_tr(r, "Previous"));
		free(u);
	}
	if (page < pages) {
		snprintf(num, sizeof(num), "%lld", page + 1);
		char *u = view_url(r, "page", num, NULL, NULL);
		html_link(p, u, "next", web_tr(r, "Next"));
		free(u);
	}
	snprintf(num, sizeof(num), "%lld", page);
	char *csv = view_url(r, "page", num, "format", "csv"), *js = view_url(r, "page", num, "format", "json");
	html_open(p, "span", "export");
	html_link(p, csv, "csv", web_tr(r, "Export CSV"));
	html_link(p, js, "json", web_tr(r, "Export JSON"));
	html_close(p);
	html_close(p);
	free(csv);
	free(js);
	static const char *const head[] = { "Severity", "Status", "Baseline", "Rule", "Title", "Object", "Property",
					    "Observed" };
	html_open(p, "table", "findings");
	html_open(p, "thead", NULL);
	html_open(p, "tr", NULL);
	for (size_t i = 0; i < ARRAY_SIZE(head); i++) {
		const char *h = web_tr(r, head[i]);
		char *t = i == 7 ? xasprintf("%s / %s", h, web_tr(r, "Expected")) : xstrdup(h);
		html_elem(p, "th", NULL, t);
		free(t);
	}
	html_close(p);
	html_close(p);
	html_open(p, "tbody", NULL);
	rc = web_browse_counted(r, &flt, wc, ev, nev, off, per, html_row, &x);
	html_close(p);
	html_close(p);
	if (rc >= 0 && !x.rows)
		html_elem(p, "p", NULL, web_tr(r, "No results match."));
	free(x.last);
end:
	if (web_page_end(r, p) < 0 && rc >= 0)
		rc = HERR_OUTPUT;
out:
	web_counts_free(wc);
	evaluation_list_free(ev, nev);
	return rc;
}
