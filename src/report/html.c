/* HTML for people: one self-contained file, no script and nothing fetched
 * from elsewhere.  Built with libxml2's writer, which escapes every name and
 * value (VM names are attacker-controlled); a Content-Security-Policy
 * forbids scripts should anything slip through anyway. */
#include "report/html.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "report/report_int.h"
#include "report/report_util.h"
#include "drift/drift.h"
#include "version.h"

/* ---- the page ---- */

/* No '<', '>' or '&': the writer would escape them inside <style>. */
static const char css[] =
	"body{font-family:system-ui,sans-serif;margin:2em;color:#222}"
	"table{border-collapse:collapse;margin:1em 0}"
	"th,td{border:1px solid #ccc;padding:.3em .6em;text-align:left;vertical-align:top}"
	"th{background:#f3f3f3}"
	"td{white-space:pre-wrap;word-break:break-word}"
	".score{font-size:1.4em;font-weight:bold}"
	".formula{color:#555}"
	".st-fail{background:#fde2e2}.st-unknown{background:#fff4d6}.st-waived{background:#e0f0ff}"
	".st-pass{background:#e6f6e6}.st-not_applicable{color:#777}"
	".sev-critical,.sev-high{font-weight:bold;color:#a00}"
	"footer{margin-top:2em;color:#777;font-size:.9em}";

static const char csp[] = "default-src 'none'; style-src 'unsafe-inline'; img-src 'none'; form-action 'none'";

struct html_page {
	xmlTextWriterPtr w;
	bool bad;		/* a write failed */
	bool bad_since;		/* ... since html_failed last looked */
};

static void note(struct html_page *p, int rc)
{
	if (rc < 0)
		p->bad = p->bad_since = true;
}

void html_open(struct html_page *p, const char *tag, const char *cls)
{
	note(p, xmlTextWriterStartElement(p->w, BAD_CAST tag));
	if (cls)
		html_attr(p, "class", cls);
}

void html_attr(struct html_page *p, const char *name, const char *value)
{
	note(p, rpt_xml_attr(p->w, name, value));
}

void html_text(struct html_page *p, const char *text)
{
	note(p, rpt_xml_text(p->w, text));
}

void html_close(struct html_page *p)
{
	note(p, xmlTextWriterFullEndElement(p->w));
}

void html_elem(struct html_page *p, const char *tag, const char *cls, const char *text)
{
	html_open(p, tag, cls);
	html_text(p, text);
	html_close(p);
}

void html_close_empty(struct html_page *p)
{
	note(p, xmlTextWriterEndElement(p->w));
}

void html_link(struct html_page *p, const char *href, const char *cls, const char *text)
{
	html_open(p, "a", cls);
	html_attr(p, "href", href);
	html_text(p, text);
	html_close(p);
}

void html_attrf(struct html_page *p, const char *name, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *v = xvasprintf(fmt, ap);
	va_end(ap);
	html_attr(p, name, v);
	free(v);
}

bool html_failed(struct html_page *p)
{
	bool b = p->bad_since;
	p->bad_since = false;
	return b;
}

/* An empty element: <meta name=value>. */
static void meta(struct html_page *p, const char *name, const char *value, const char *content)
{
	html_open(p, "meta", NULL);
	html_attr(p, name, value);
	if (content)
		html_attr(p, "content", content);
	note(p, xmlTextWriterEndElement(p->w));
}

struct html_page *html_page_begin(FILE *f, const char *title, const char *heading)
{
	return html_page_begin_head(f, title, heading, NULL);
}

struct html_page *html_page_begin_head(FILE *f, const char *title, const char *heading, const struct html_head *h)
{
	xmlTextWriterPtr w = rpt_xml_open(f, " ");
	if (!w)
		return NULL;
	struct html_page *p = xcalloc(1, sizeof(*p));
	p->w = w;
	note(p, xmlTextWriterWriteDTD(w, BAD_CAST "html", NULL, NULL, NULL));
	html_open(p, "html", NULL);
	html_attr(p, "lang", h && h->lang ? h->lang : "en");
	html_open(p, "head", NULL);
	meta(p, "charset", "utf-8", NULL);
	meta(p, "http-equiv", "Content-Security-Policy", h && h->csp ? h->csp : csp);
	html_elem(p, "title", NULL, title);
	html_open(p, "style", NULL);
	note(p, xmlTextWriterWriteRaw(w, BAD_CAST css));
	if (h && h->css)
		note(p, xmlTextWriterWriteRaw(w, BAD_CAST h->css));
	html_close(p);
	html_close(p);
	html_open(p, "body", NULL);
	if (heading)
		html_elem(p, "h1", NULL, heading);
	return p;
}

int html_page_end(struct html_page *p, const char *footer)
{
	if (footer) {
		html_open(p, "footer", NULL);
		html_elem(p, "p", NULL, footer);
		html_close(p);
	}
	html_close(p);	/* body */
	html_close(p);	/* html */
	note(p, xmlTextWriterEndDocument(p->w));
	rpt_xml_close(p->w);
	bool bad = p->bad;
	free(p);
	return bad ? -1 : 0;
}

/* ---- the report ---- */

struct html_ctx {
	struct html_page *p;
	const struct report_opts *o;
	const char *target;
	long long shown;
	const struct report_ctx *rx;
};

/* A row of th or td cells. */
static void row(struct html_page *p, const char *cell, const char *const *text, size_t n)
{
	html_open(p, "tr", NULL);
	for (size_t i = 0; i < n; i++)
		html_elem(p, cell, NULL, text[i]);
	html_close(p);
}

/* A class name from a status or severity the store holds: only known ones. */
static const char *status_class(enum rstatus s)
{
	static const char *const cls[RS_COUNT] = { "st-pass", "st-fail", "st-not_applicable", "st-unknown", "st-waived" };
	return (unsigned)s < RS_COUNT ? cls[s] : NULL;
}

static const char *severity_class(enum severity s)
{
	static const char *const cls[SEV_COUNT] = { "sev-info", "sev-low", "sev-medium", "sev-high", "sev-critical" };
	return (unsigned)s < SEV_COUNT ? cls[s] : NULL;
}

static int html_row(void *vctx, const struct finding_row *r)
{
	struct html_ctx *x = vctx;
	if (!rpt_show(x->o, r->status))
		return 0;
	struct html_page *p = x->p;
	char *obj = xasprintf("%s (%s)", r->object_name ? r->object_name : "", r->moref);
	char *waiver = NULL;
	if (r->waiver_justification)
		waiver = xasprintf("%s %s by %s%s%s%s: %s", r->waiver_expired ? "expired" : "until",
				   r->waiver_expires ? r->waiver_expires : "", r->waiver_approver ? r->waiver_approver : "",
				   r->waiver_ticket ? " (" : "", r->waiver_ticket ? r->waiver_ticket : "",
				   r->waiver_ticket ? ")" : "", r->waiver_justification);
	const char *label = r->status == RS_NA ? "N/A" : rstatus_name(r->status);
	char vid[VIOLATION_ID_SIZE];
	struct rpt_trace t;
	rpt_trace_load(&t, r->details_json);
	char *refs = rpt_trace_refs(&t, "; ");
	const char *const cells[] = { r->rule_id,  r->title, obj,	  r->property,
				      r->observed, r->expected, label, waiver, rpt_violation_id(vid, x->target, r),
				      refs,	   t.remediation };
	html_open(p, "tr", status_class(r->status));
	html_elem(p, "td", severity_class(r->severity), severity_name(r->severity));
	for (size_t i = 0; i < ARRAY_SIZE(cells); i++)
		html_elem(p, "td", NULL, cells[i]);
	html_close(p);
	x->shown++;
	free(obj);
	free(waiver);
	free(refs);
	rpt_trace_release(&t);
	return 0;
}

static const char *const group_columns[] = {
	"Severity", "Rule", "Title", "Fail", "Unknown", "Waived", "Pass", "N/A", "Objects",
};

/* --group-by rule: a row per rule, its counts and first objects. */
static int html_group(void *vctx, const struct rule_group *g)
{
	struct html_ctx *x = vctx;
	if (!rpt_group_shown(x->o, g))
		return 0;
	struct html_page *p = x->p;
	static const enum rstatus order[] = { RS_FAIL, RS_UNKNOWN, RS_WAIVED, RS_PASS, RS_NA };
	enum rstatus worst = rpt_group_status(g);
	html_open(p, "tr", status_class(worst));
	html_elem(p, "td", severity_class(g->severity), severity_name(g->severity));
	html_elem(p, "td", NULL, g->rule_id);
	html_elem(p, "td", NULL, g->title);
	for (size_t i = 0; i < ARRAY_SIZE(order); i++) {
		char v[32];
		snprintf(v, sizeof(v), "%lld", g->by_status[order[i]]);
		html_elem(p, "td", NULL, v);
	}
	char *objs = worst == RS_PASS || worst == RS_NA ? NULL : rpt_group_objects(g, worst);
	html_elem(p, "td", NULL, objs);
	free(objs);
	html_close(p);
	x->shown++;
	return 0;
}

static void counts_table(struct html_page *p, const struct counts *c)
{
	static const enum rstatus order[] = { RS_PASS, RS_FAIL, RS_UNKNOWN, RS_WAIVED, RS_NA };
	long long all = 0;
	html_open(p, "table", "counts");
	html_open(p, "thead", NULL);
	html_open(p, "tr", NULL);
	for (size_t i = 0; i < ARRAY_SIZE(order); i++)
		html_elem(p, "th", status_class(order[i]),
			  order[i] == RS_NA ? "not applicable" : rstatus_name(order[i]));
	html_elem(p, "th", NULL, "total");
	html_close(p);
	html_close(p);
	html_open(p, "tbody", NULL);
	html_open(p, "tr", NULL);
	char v[32];
	for (size_t i = 0; i < ARRAY_SIZE(order); i++) {
		snprintf(v, sizeof(v), "%lld", counts_status(c, order[i]));
		all += counts_status(c, order[i]);
		html_elem(p, "td", NULL, v);
	}
	snprintf(v, sizeof(v), "%lld", all);
	html_elem(p, "td", NULL, v);
	html_close(p);
	html_close(p);
	html_close(p);
}

/* The score and how it was worked out, with what it leaves out. */
static void score(struct html_page *p, const struct counts *c)
{
	long long pass = counts_status(c, RS_PASS), fail = counts_status(c, RS_FAIL);
	double pct;
	char *s = report_score(c, &pct) ? xasprintf("Compliance score: %.1f%%", pct)
					 : xstrdup("Compliance score: none (nothing passed or failed)");
	char *formula = xasprintf("score = passed / (passed + failed) = %lld / (%lld + %lld). "
				  "Not counted: %lld unknown (data not collected), %lld waived, %lld not applicable.",
				  pass, pass, fail, counts_status(c, RS_UNKNOWN), counts_status(c, RS_WAIVED),
				  counts_status(c, RS_NA));
	html_elem(p, "p", "score", s);
	html_elem(p, "p", "formula", formula);
	free(s);
	free(formula);
}

/* What each collector achieved, once: a failed part (NSX down) is why its
 * rules are unknown, and its reason is told here rather than on each row. */
static void part_rows(struct html_page *p, const struct report_ctx *x)
{
	struct part_info *parts = NULL;
	unsigned np = 0;
	if (store_parts(x->st, x->snap->id, &parts, &np) < 0)
		return;
	for (unsigned i = 0; i < np; i++) {
		char *th = xasprintf("Part %s", part_name(parts[i].part));
		char *td = parts[i].error ? xasprintf("%s: %s", part_status_name(parts[i].status), parts[i].error)
					  : xstrdup(part_status_name(parts[i].status));
		html_open(p, "tr", NULL);
		html_elem(p, "th", NULL, th);
		html_elem(p, "td", NULL, td);
		html_close(p);
		free(th);
		free(td);
	}
	part_list_free(parts, np);
}

static void summary(struct html_page *p, const struct report_ctx *x)
{
	const struct snapshot_info *snap = x->snap;
	char started[32], ended[32];
	time_iso8601(started, snap->started_at);
	time_iso8601(ended, snap->ended_at ? snap->ended_at : snap->started_at);
	char *source = rpt_source_name(snap), *id = xasprintf("%lld (%s)", snap->id, snap_status_name(snap->status));
	struct buf bl = BUF_INIT;
	for (unsigned i = 0; i < x->n; i++)
		buf_printf(&bl, "%s%s", i ? ", " : "", x->evals[i].baseline_id);
	const char *const meta_rows[][2] = {
		{ "Target", snap->target }, { "Source", source }, { "Snapshot", id }, { "Started", started },
		{ "Ended", ended }, { "Baselines", bl.data ? bl.data : "(none)" },
	};
	html_open(p, "table", "meta");
	html_open(p, "tbody", NULL);
	for (size_t i = 0; i < ARRAY_SIZE(meta_rows); i++) {
		html_open(p, "tr", NULL);
		html_elem(p, "th", NULL, meta_rows[i][0]);
		html_elem(p, "td", NULL, meta_rows[i][1]);
		html_close(p);
	}
	part_rows(p, x);
	html_close(p);
	html_close(p);
	html_elem(p, "h2", NULL, "Results");
	counts_table(p, &x->counts->total);
	score(p, &x->counts->total);
	free(source);
	free(id);
	buf_release(&bl);
}

static const char *const columns[] = {
	"Severity", "Rule", "Title", "Object", "Property", "Observed", "Expected", "Status", "Waiver", "Violation",
	"References", "Remediation",
};

/* A baseline's section; returns the store's result. */
static int baseline(struct html_ctx *x, const struct evaluation_info *ev, const struct counts *c)
{
	struct html_page *p = x->p;
	char *h = xasprintf("Baseline %s%s%s: %s", ev->baseline_id, ev->baseline_version && *ev->baseline_version ? " v" : "",
			    ev->baseline_version ? ev->baseline_version : "", ev->baseline_title ? ev->baseline_title : "");
	char *sub = xasprintf("%s evaluation %lld", ev->kind ? ev->kind : "", ev->id);
	html_open(p, "section", "baseline");
	html_elem(p, "h2", NULL, h);
	html_elem(p, "p", NULL, sub);
	char *params = rpt_params_text(ev->params);
	if (params) {
		char *line = xasprintf("Parameters in force: %s", params);
		html_elem(p, "p", "params", line);
		free(line);
	}
	free(params);
	counts_table(p, c);
	score(p, c);
	bool by_rule = x->o->by_rule;
	html_open(p, "table", by_rule ? "rules" : "findings");
	html_open(p, "thead", NULL);
	if (by_rule)
		row(p, "th", group_columns, ARRAY_SIZE(group_columns));
	else
		row(p, "th", columns, ARRAY_SIZE(columns));
	html_close(p);
	html_open(p, "tbody", NULL);
	x->shown = 0;
	int rc = by_rule ? rpt_rules_each(x->rx, ev->id, html_group, x) : rpt_findings_each(x->rx, ev->id, html_row, x);
	if (rc >= 0 && !x->shown) {
		char span[16];
		snprintf(span, sizeof(span), "%zu", by_rule ? ARRAY_SIZE(group_columns) : ARRAY_SIZE(columns));
		html_open(p, "tr", NULL);
		html_open(p, "td", NULL);
		html_attr(p, "colspan", span);
		html_text(p, x->o->all ? "(no results)" : "No failing or unknown results.");
		html_close(p);
		html_close(p);
	}
	html_close(p);
	html_close(p);
	html_close(p);
	free(h);
	free(sub);
	return rc;
}

/* ---- drift since the previous scan ---- */

struct drift_html {
	struct html_page *p;
	long long n;
};

static const char *drift_class(enum drift_kind k)
{
	if (k == DK_REGRESSED || k == DK_WAIVER_EXPIRED)
		return "st-fail";
	return k == DK_FIXED ? "st-pass" : k == DK_BECAME_UNKNOWN ? "st-unknown" : NULL;
}

static int drift_row(void *vctx, const struct drift_event *ev)
{
	static const char *const head[] = { "Change", "Type", "Object", "Property or rule", "Before", "After" };
	struct drift_html *x = vctx;
	struct html_page *p = x->p;
	if (!x->n++) {
		html_open(p, "table", NULL);
		row(p, "th", head, ARRAY_SIZE(head));
	}
	bool object = ev->kind == DK_OBJECT_ADDED || ev->kind == DK_OBJECT_REMOVED;
	const char *before = ev->old_value, *after = ev->new_value;
	if (ev->kind == DK_PROPERTY_COLLECTED)
		before = "(not collected)";
	if (ev->kind == DK_PROPERTY_UNCOLLECTED)
		after = "(not collected)";
	char *what = ev->baseline_id ? xasprintf("%s (%s)", ev->property, ev->baseline_id) : NULL;
	const char *const cells[] = {
		drift_kind_name(ev->kind), ev->object_type, ev->object_name,
		object ? ev->moref : what ? what : ev->property,
		object ? "" : before ? before : "(absent)",
		object ? "" : after ? after : "(absent)",
	};
	html_open(p, "tr", drift_class(ev->kind));
	for (size_t i = 0; i < ARRAY_SIZE(cells); i++)
		html_elem(p, "td", NULL, cells[i]);
	html_close(p);
	free(what);
	return p->bad_since ? -1 : 0;	/* html_failed's record, kept for the section */
}

/* The events stored between the previous completed snapshot of the target
 * and this one (the scan stores them before reporting).  Returns 0, or -1
 * when the store or a write of this section failed. */
static int drift_section(struct html_page *p, struct store *st, const struct snapshot_info *snap)
{
	long long prev = 0;
	int r = store_snapshot_previous(st, snap->target, snap->id, &prev);
	if (r < 0)
		return -1;
	struct drift_html x = { p, 0 };
	html_open(p, "section", "drift");
	html_elem(p, "h2", NULL, "Drift since the previous scan");
	if (r > 0 || drift_stored(st, prev, snap->id) != 0) {
		html_elem(p, "p", NULL, r > 0 ? "This is the target's first completed snapshot: nothing to compare with."
					      : "No drift was computed for this snapshot.");
	} else {
		char *line = xasprintf("Snapshot %lld to snapshot %lld.", prev, snap->id);
		html_elem(p, "p", NULL, line);
		free(line);
		if (drift_events_each(st, prev, snap->id, NULL, drift_row, &x) < 0)
			return -1;
		if (x.n)
			html_close(p);
		else
			html_elem(p, "p", NULL, "No changes.");
	}
	html_close(p);
	return html_failed(p) ? -1 : 0;
}

static int html_write(const struct report_ctx *x)
{
	const struct snapshot_info *snap = x->snap;
	char *title = xasprintf("harden report: %s, snapshot %lld", snap->target, snap->id);
	struct html_page *p = html_page_begin(x->f, title, "harden compliance report");
	free(title);
	if (!p)
		return REPORT_EOUTPUT;
	struct html_ctx h = { p, x->o, snap->target, 0, x };
	int rc = 0;
	summary(p, x);
	char *view = rpt_filter_text(x->o->filter);
	if (view) {
		char *line = xasprintf("Filtered view: %s. The counts and the score are of all results.", view);
		html_elem(p, "p", "filter", line);
		free(line);
		free(view);
	}
	for (unsigned i = 0; i < x->n && rc >= 0; i++)
		rc = baseline(&h, &x->evals[i], &x->counts->per[i]);
	/* A write error before it is the page's, not the section's. */
	html_failed(p);
	if (rc >= 0 && x->o->drift)
		rc = drift_section(p, x->st, snap);
	char *foot = xasprintf("Written by harden %s. Findings listed: %s.", HARDEN_VERSION,
			       x->o->all ? "all" : "fail, unknown and waived (--all lists all)");
	int bad = html_page_end(p, foot) < 0;
	free(foot);
	if (rc >= 0 && bad) {
		err_set("cannot write the HTML report");
		rc = REPORT_EOUTPUT;
	}
	return rc < 0 ? rc : 0;
}

const struct report_writer report_html = { "html", html_write, false };
