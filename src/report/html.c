/* HTML for people: one self-contained file, no script and nothing fetched
 * from elsewhere.  Built with libxml2's writer, which escapes every name and
 * value (VM names are attacker-controlled); a Content-Security-Policy
 * forbids scripts should anything slip through anyway. */
#include <stdlib.h>
#include <string.h>

#include "report/report_int.h"
#include "drift/drift.h"
#include "version.h"

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

struct html_ctx {
	xmlTextWriterPtr w;
	const struct report_opts *o;
	long long shown;
	int e;		/* write errors */
};

static int start(xmlTextWriterPtr w, const char *tag, const char *cls)
{
	if (xmlTextWriterStartElement(w, BAD_CAST tag) < 0)
		return -1;
	return cls ? rpt_xml_attr(w, "class", cls) : 0;
}

static int end(xmlTextWriterPtr w)
{
	return xmlTextWriterFullEndElement(w);
}

/* <tag class=cls>text</tag> */
static int cell(xmlTextWriterPtr w, const char *tag, const char *cls, const char *text)
{
	if (start(w, tag, cls) < 0 || rpt_xml_text(w, text) < 0)
		return -1;
	return end(w);
}

static int meta_row(xmlTextWriterPtr w, const char *name, const char *value)
{
	int e = start(w, "tr", NULL) < 0;
	e |= cell(w, "th", NULL, name) < 0;
	e |= cell(w, "td", NULL, value) < 0;
	e |= end(w) < 0;
	return e ? -1 : 0;
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
	xmlTextWriterPtr w = x->w;
	char *obj = xasprintf("%s (%s)", r->object_name ? r->object_name : "", r->moref);
	char *waiver = NULL;
	if (r->waiver_justification)
		waiver = xasprintf("%s %s by %s%s%s%s: %s", r->waiver_expired ? "expired" : "until",
				   r->waiver_expires ? r->waiver_expires : "", r->waiver_approver ? r->waiver_approver : "",
				   r->waiver_ticket ? " (" : "", r->waiver_ticket ? r->waiver_ticket : "",
				   r->waiver_ticket ? ")" : "", r->waiver_justification);
	const char *label = r->status == RS_NA ? "N/A" : rstatus_name(r->status);
	int e = start(w, "tr", status_class(r->status)) < 0;
	e |= cell(w, "td", severity_class(r->severity), severity_name(r->severity)) < 0;
	e |= cell(w, "td", NULL, r->rule_id) < 0;
	e |= cell(w, "td", NULL, r->title) < 0;
	e |= cell(w, "td", NULL, obj) < 0;
	e |= cell(w, "td", NULL, r->property) < 0;
	e |= cell(w, "td", NULL, r->observed) < 0;
	e |= cell(w, "td", NULL, r->expected) < 0;
	e |= cell(w, "td", NULL, label) < 0;
	e |= cell(w, "td", NULL, waiver) < 0;
	e |= end(w) < 0;
	x->e |= e;
	x->shown++;
	free(obj);
	free(waiver);
	return 0;
}

static int counts_table(xmlTextWriterPtr w, const struct counts *c)
{
	static const enum rstatus order[] = { RS_PASS, RS_FAIL, RS_UNKNOWN, RS_WAIVED, RS_NA };
	long long all = 0;
	int e = start(w, "table", "counts") < 0;
	e |= start(w, "thead", NULL) < 0;
	e |= start(w, "tr", NULL) < 0;
	for (size_t i = 0; i < ARRAY_SIZE(order); i++)
		e |= cell(w, "th", status_class(order[i]),
			  order[i] == RS_NA ? "not applicable" : rstatus_name(order[i])) < 0;
	e |= cell(w, "th", NULL, "total") < 0;
	e |= end(w) < 0;
	e |= end(w) < 0;
	e |= start(w, "tbody", NULL) < 0;
	e |= start(w, "tr", NULL) < 0;
	for (size_t i = 0; i < ARRAY_SIZE(order); i++) {
		char *v = xasprintf("%lld", counts_status(c, order[i]));
		all += counts_status(c, order[i]);
		e |= cell(w, "td", NULL, v) < 0;
		free(v);
	}
	char *v = xasprintf("%lld", all);
	e |= cell(w, "td", NULL, v) < 0;
	free(v);
	e |= end(w) < 0;
	e |= end(w) < 0;
	e |= end(w) < 0;
	return e ? -1 : 0;
}

/* The score and how it was worked out, with what it leaves out. */
static int score(xmlTextWriterPtr w, const struct counts *c)
{
	long long pass = counts_status(c, RS_PASS), fail = counts_status(c, RS_FAIL);
	double pct;
	char *s = rpt_score(c, &pct) ? xasprintf("Compliance score: %.1f%%", pct)
				      : xstrdup("Compliance score: none (nothing passed or failed)");
	char *formula = xasprintf("score = passed / (passed + failed) = %lld / (%lld + %lld). "
				  "Not counted: %lld unknown (data not collected), %lld waived, %lld not applicable.",
				  pass, pass, fail, counts_status(c, RS_UNKNOWN), counts_status(c, RS_WAIVED),
				  counts_status(c, RS_NA));
	int e = cell(w, "p", "score", s) < 0;
	e |= cell(w, "p", "formula", formula) < 0;
	free(s);
	free(formula);
	return e ? -1 : 0;
}

static int head(xmlTextWriterPtr w, const struct snapshot_info *snap)
{
	char *title = xasprintf("harden report: %s, snapshot %lld", snap->target, snap->id);
	int e = xmlTextWriterWriteDTD(w, BAD_CAST "html", NULL, NULL, NULL) < 0;
	e |= start(w, "html", NULL) < 0;
	e |= rpt_xml_attr(w, "lang", "en") < 0;
	e |= start(w, "head", NULL) < 0;
	e |= start(w, "meta", NULL) < 0;
	e |= rpt_xml_attr(w, "charset", "utf-8") < 0;
	e |= xmlTextWriterEndElement(w) < 0;
	e |= start(w, "meta", NULL) < 0;
	e |= rpt_xml_attr(w, "http-equiv", "Content-Security-Policy") < 0;
	e |= rpt_xml_attr(w, "content", csp) < 0;
	e |= xmlTextWriterEndElement(w) < 0;
	e |= cell(w, "title", NULL, title) < 0;
	e |= start(w, "style", NULL) < 0;
	e |= xmlTextWriterWriteRaw(w, BAD_CAST css) < 0;
	e |= end(w) < 0;
	e |= end(w) < 0;
	free(title);
	return e ? -1 : 0;
}

static int summary(xmlTextWriterPtr w, const struct snapshot_info *snap, const struct evaluation_info *evals,
		   unsigned n, const struct counts *total)
{
	char started[32], ended[32];
	time_iso8601(started, snap->started_at);
	time_iso8601(ended, snap->ended_at ? snap->ended_at : snap->started_at);
	char *source = rpt_source_name(snap), *id = xasprintf("%lld (%s)", snap->id, snap_status_name(snap->status));
	struct buf bl = BUF_INIT;
	for (unsigned i = 0; i < n; i++)
		buf_printf(&bl, "%s%s", i ? ", " : "", evals[i].baseline_id);
	int e = cell(w, "h1", NULL, "harden compliance report") < 0;
	e |= start(w, "table", "meta") < 0;
	e |= start(w, "tbody", NULL) < 0;
	e |= meta_row(w, "Target", snap->target) < 0;
	e |= meta_row(w, "Source", source) < 0;
	e |= meta_row(w, "Snapshot", id) < 0;
	e |= meta_row(w, "Started", started) < 0;
	e |= meta_row(w, "Ended", ended) < 0;
	e |= meta_row(w, "Baselines", bl.data ? bl.data : "(none)") < 0;
	e |= end(w) < 0;
	e |= end(w) < 0;
	e |= cell(w, "h2", NULL, "Results") < 0;
	e |= counts_table(w, total) < 0;
	e |= score(w, total) < 0;
	free(source);
	free(id);
	buf_release(&bl);
	return e ? -1 : 0;
}

static const char *const columns[] = {
	"Severity", "Rule", "Title", "Object", "Property", "Observed", "Expected", "Status", "Waiver",
};

static int baseline(struct html_ctx *x, struct store *st, const struct evaluation_info *ev, const struct counts *c,
		    int *rc)
{
	xmlTextWriterPtr w = x->w;
	char *h = xasprintf("Baseline %s%s%s: %s", ev->baseline_id, ev->baseline_version && *ev->baseline_version ? " v" : "",
			    ev->baseline_version ? ev->baseline_version : "", ev->baseline_title ? ev->baseline_title : "");
	char *sub = xasprintf("%s evaluation %lld", ev->kind ? ev->kind : "", ev->id);
	int e = start(w, "section", "baseline") < 0;
	e |= cell(w, "h2", NULL, h) < 0;
	e |= cell(w, "p", NULL, sub) < 0;
	e |= counts_table(w, c) < 0;
	e |= score(w, c) < 0;
	e |= start(w, "table", "findings") < 0;
	e |= start(w, "thead", NULL) < 0;
	e |= start(w, "tr", NULL) < 0;
	for (size_t i = 0; i < ARRAY_SIZE(columns); i++)
		e |= cell(w, "th", NULL, columns[i]) < 0;
	e |= end(w) < 0;
	e |= end(w) < 0;
	e |= start(w, "tbody", NULL) < 0;
	x->shown = 0;
	*rc = store_findings_each(st, ev->id, html_row, x);
	if (*rc >= 0 && !x->shown) {
		e |= start(w, "tr", NULL) < 0;
		e |= start(w, "td", NULL) < 0;
		e |= rpt_xml_attrf(w, "colspan", "%zu", ARRAY_SIZE(columns)) < 0;
		e |= rpt_xml_text(w, x->o->all ? "(no results)" : "No failing or unknown results.") < 0;
		e |= end(w) < 0;
		e |= end(w) < 0;
	}
	e |= end(w) < 0;
	e |= end(w) < 0;
	e |= end(w) < 0;
	free(h);
	free(sub);
	return e ? -1 : 0;
}

int html_write(FILE *f, struct store *st, const struct snapshot_info *snap, const struct evaluation_info *evals,
	       unsigned n, const struct report_opts *o, const struct report_extra *xt, struct counts *total)
{
	struct counts *per = xcalloc(n ? n : 1, sizeof(*per));
	int rc = rpt_counts(st, evals, n, per, total);
	xmlTextWriterPtr w = rc < 0 ? NULL : rpt_xml_open(f);
	if (!w) {
		free(per);
		return rc < 0 ? rc : REPORT_EOUTPUT;
	}
	struct html_ctx x = { w, o, 0, 0 };
	xmlTextWriterSetIndent(w, 1);
	xmlTextWriterSetIndentString(w, BAD_CAST " ");
	x.e |= head(w, snap) < 0;
	x.e |= start(w, "body", NULL) < 0;
	x.e |= summary(w, snap, evals, n, total) < 0;
	for (unsigned i = 0; i < n && rc >= 0; i++)
		x.e |= baseline(&x, st, &evals[i], &per[i], &rc) < 0;
	/* Sections others add (drift since the previous scan) go last. */
	if (rc >= 0 && xt && xt->html_section)
		rc = xt->html_section(xt->html_ctx, w, st, snap);
	char *foot = xasprintf("Written by harden %s. Findings listed: %s.", HARDEN_VERSION,
			       o->all ? "all" : "fail, unknown and waived (--all lists all)");
	x.e |= start(w, "footer", NULL) < 0;
	x.e |= cell(w, "p", NULL, foot) < 0;
	x.e |= end(w) < 0;
	free(foot);
	x.e |= end(w) < 0;	/* body */
	x.e |= end(w) < 0;	/* html */
	x.e |= xmlTextWriterEndDocument(w) < 0;
	rpt_xml_close(w);
	free(per);
	if (rc >= 0 && x.e) {
		err_set("cannot write the HTML report");
		rc = REPORT_EOUTPUT;
	}
	return rc < 0 ? rc : 0;
}

/* The drift section: the events stored between the previous completed
 * snapshot of the target and this one. */
struct drift_html {
	xmlTextWriterPtr w;
	long long n;
	int e;
};

static int drift_row(void *vctx, const struct drift_event *ev)
{
	struct drift_html *x = vctx;
	xmlTextWriterPtr w = x->w;
	if (!x->n++) {
		x->e |= start(w, "table", NULL) < 0;
		x->e |= start(w, "tr", NULL) < 0;
		static const char *const head[] = { "Change", "Type", "Object", "Property or rule", "Before", "After" };
		for (unsigned i = 0; i < ARRAY_SIZE(head); i++)
			x->e |= cell(w, "th", NULL, head[i]) < 0;
		x->e |= end(w) < 0;
	}
	bool object = ev->kind == DK_OBJECT_ADDED || ev->kind == DK_OBJECT_REMOVED;
	const char *before = ev->old_value, *after = ev->new_value;
	if (ev->kind == DK_PROPERTY_COLLECTED)
		before = "(not collected)";
	if (ev->kind == DK_PROPERTY_UNCOLLECTED)
		after = "(not collected)";
	char *what = ev->baseline_id ? xasprintf("%s (%s)", ev->property, ev->baseline_id) : NULL;
	x->e |= start(w, "tr", ev->kind == DK_REGRESSED || ev->kind == DK_WAIVER_EXPIRED ? "st-fail"
			   : ev->kind == DK_FIXED ? "st-pass" : ev->kind == DK_BECAME_UNKNOWN ? "st-unknown" : NULL) < 0;
	x->e |= cell(w, "td", NULL, drift_kind_name(ev->kind)) < 0;
	x->e |= cell(w, "td", NULL, ev->object_type) < 0;
	x->e |= cell(w, "td", NULL, ev->object_name) < 0;
	x->e |= cell(w, "td", NULL, object ? ev->moref : what ? what : ev->property) < 0;
	x->e |= cell(w, "td", NULL, object ? "" : before ? before : "(absent)") < 0;
	x->e |= cell(w, "td", NULL, object ? "" : after ? after : "(absent)") < 0;
	x->e |= end(w) < 0;
	free(what);
	return x->e ? -1 : 0;
}

int report_html_drift(void *ctx, xmlTextWriterPtr w, struct store *st, const struct snapshot_info *snap)
{
	(void)ctx;
	long long prev;
	int r = store_snapshot_previous(st, snap->target, snap->id, &prev);
	if (r < 0)
		return -1;
	struct drift_html x = { w, 0, 0 };
	x.e |= start(w, "section", "drift") < 0;
	x.e |= cell(w, "h2", NULL, "Drift since the previous scan") < 0;
	if (r > 0 || drift_stored(st, prev, snap->id) != 0) {
		x.e |= cell(w, "p", NULL, r > 0 ? "This is the target's first completed snapshot: nothing to compare with."
						: "No drift was computed for this snapshot.") < 0;
	} else {
		char *line = xasprintf("Snapshot %lld to snapshot %lld.", prev, snap->id);
		x.e |= cell(w, "p", NULL, line) < 0;
		free(line);
		if (drift_events_each(st, prev, snap->id, NULL, drift_row, &x) < 0)
			return -1;
		if (x.n)
			x.e |= end(w) < 0;
		else
			x.e |= cell(w, "p", NULL, "No changes.") < 0;
	}
	x.e |= end(w) < 0;
	return x.e ? -1 : 0;
}
