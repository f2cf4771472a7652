/* The overview: where the results come from, a card per baseline with its
 * counts and score, failures by severity, results by section, and the
 * trend of the score and failures across the target's snapshots. */
#include <stdlib.h>
#include <string.h>

#include "report/report.h"
#include "util/util.h"
#include "web/web.h"

static void provenance(struct html_page *p, struct web_req *r, const struct evaluation_info *ev, unsigned n)
{
	const struct snapshot_info *si = &r->si;
	char started[32], ended[32], id[64], objects[24];
	time_iso8601(started, si->started_at);
	time_iso8601(ended, si->ended_at ? si->ended_at : si->started_at);
	snprintf(id, sizeof(id), "%lld (%s)", si->id, snap_status_name(si->status));
	snprintf(objects, sizeof(objects), "%lld", si->stats.objects);
	struct buf bl = BUF_INIT, parts = BUF_INIT;
	for (unsigned i = 0; i < n; i++)
		buf_printf(&bl, "%s%s v%s (%s, evaluation %lld)", i ? "; " : "", ev[i].baseline_id,
			   ev[i].baseline_version && *ev[i].baseline_version ? ev[i].baseline_version : "?",
			   ev[i].kind ? ev[i].kind : "", ev[i].id);
	struct part_info *pi = NULL;
	unsigned np = 0;
	if (store_parts(r->st, si->id, &pi, &np) == 0)
		for (unsigned i = 0; i < np; i++)
			buf_printf(&parts, "%s%s: %s, %lld objects%s%s", i ? "; " : "", part_name(pi[i].part),
				   part_status_name(pi[i].status), pi[i].objects, pi[i].error ? ", " : "",
				   pi[i].error ? pi[i].error : "");
	part_list_free(pi, np);
	char tool[64];
	snprintf(tool, sizeof(tool), "harden %s", HARDEN_VERSION);
	html_elem(p, "h2", NULL, web_tr(r, "Scope and provenance"));
	html_open(p, "table", "meta");
	web_kv(p, web_tr(r, "Target"), si->target);
	web_kv(p, web_tr(r, "Source"), si->source_url);
	web_kv(p, web_tr(r, "Snapshot"), id);
	web_kv(p, web_tr(r, "Started"), started);
	web_kv(p, web_tr(r, "Ended"), ended);
	web_kv(p, web_tr(r, "Objects"), objects);
	web_kv(p, web_tr(r, "Parts"), parts.data);
	web_kv(p, web_tr(r, "Tool"), tool);
	web_kv(p, web_tr(r, "Baselines"), bl.data);
	web_kv(p, web_tr(r, "Parameters"),
	       web_tr(r, "Site parameters are not recorded in the twin; the baselines' defaults apply unless the scan set them."));
	html_close(p);
	buf_release(&bl);
	buf_release(&parts);
}

/* Counts per section of one evaluation, in the order sections appear. */
struct sect {
	char name[64];
	struct counts c;
};
struct sect_ctx {
	struct sect *v;
	unsigned n, cap;
};

static void sect_add(void *ctx, const char *rule_id, enum rstatus status, long long n)
{
	struct sect_ctx *x = ctx;
	char sec[64], ctl[64];
	web_section(rule_id, sec, sizeof(sec), ctl, sizeof(ctl));
	unsigned i;
	for (i = 0; i < x->n && strcmp(x->v[i].name, sec); i++)
		;
	if (i == x->n) {
		if (x->n == x->cap) {
			x->cap = x->cap ? 2 * x->cap : 16;
			x->v = xrealloc(x->v, x->cap * sizeof(*x->v));
		}
		memset(&x->v[i], 0, sizeof(x->v[i]));
		snprintf(x->v[i].name, sizeof(x->v[i].name), "%s", sec);
		x->n++;
	}
	x->v[i].c.by[status][0] += n;
}

/* Sections in clause order: 1, 2, 10 rather than 1, 10, 2. */
static int sect_cmp(const void *a, const void *b)
{
	return strverscmp(((const struct sect *)a)->name, ((const struct sect *)b)->name);
}

static void svg_text(struct html_page *p, double x, double y, const char *anchor, const char *text)
{
	html_open(p, "text", NULL);
	html_attrf(p, "x", "%.1f", x);
	html_attrf(p, "y", "%.1f", y);
	if (anchor)
		html_attr(p, "text-anchor", anchor);
	html_text(p, text);
	html_close(p);
}

static void svg_rect(struct html_page *p, double x, double y, double w, double h, const char *fill)
{
	html_open(p, "rect", NULL);
	html_attrf(p, "x", "%.1f", x);
	html_attrf(p, "y", "%.1f", y);
	html_attrf(p, "width", "%.1f", w);
	html_attrf(p, "height", "%.1f", h);
	html_attr(p, "fill", fill);
	html_close_empty(p);
}

/* A row per section: its name, a bar of pass / fail / unknown / waived
 * scaled to the section's own results, and the pass rate. */
static void sections_chart(struct html_page *p, struct web_req *r, const struct evaluation_info *ev,
			   struct sect_ctx *sx)
{
	if (sx->n)
		qsort(sx->v, sx->n, sizeof(*sx->v), sect_cmp);
	html_open(p, "svg", NULL);
	int h = 20 * (int)sx->n + 10;
	html_attr(p, "width", "620");
	html_attrf(p, "height", "%d", h);
	html_attr(p, "role", "img");
	html_attrf(p, "aria-label", "%s: %s", web_tr(r, "Results by section"), ev->baseline_id);
	static const enum rstatus ord[] = { RS_PASS, RS_FAIL, RS_UNKNOWN, RS_WAIVED };
	static const char *const fill[] = { "#4caf50", "#e53935", "#ffb300", "#42a5f5" };
	for (unsigned i = 0; i < sx->n; i++) {
		const struct counts *c = &sx->v[i].c;
		double y = 5 + 20.0 * i, x = 110;
		long long all = 0;
		for (size_t k = 0; k < ARRAY_SIZE(ord); k++)
			all += counts_status(c, ord[k]);
		svg_text(p, 105, y + 12, "end", sx->v[i].name);
		for (size_t k = 0; k < ARRAY_SIZE(ord) && all; k++) {
			double w = 400.0 * (double)counts_status(c, ord[k]) / (double)all;
			if (w > 0)
				svg_rect(p, x, y, w, 15, fill[k]);
			x += w;
		}
		double pct;
		char label[64];
		if (report_score(c, &pct))
			snprintf(label, sizeof(label), "%.0f%% (%lld/%lld)", pct, counts_status(c, RS_PASS),
				 counts_status(c, RS_PASS) + counts_status(c, RS_FAIL));
		else
			snprintf(label, sizeof(label), "-");
		svg_text(p, 515, y + 12, NULL, label);
	}
	html_close(p);
}

static void severity_chart(struct html_page *p, struct web_req *r, const struct counts *c)
{
	long long max = 1;
	for (int s = 0; s < SEV_COUNT; s++)
		if (c->by[RS_FAIL][s] > max)
			max = c->by[RS_FAIL][s];
	html_open(p, "svg", NULL);
	html_attr(p, "width", "520");
	html_attrf(p, "height", "%d", 20 * SEV_COUNT + 10);
	html_attr(p, "role", "img");
	html_attr(p, "aria-label", web_tr(r, "Failures by severity"));
	for (int s = SEV_COUNT - 1, row = 0; s >= 0; s--, row++) {
		double y = 5 + 20.0 * row;
		char n[24];
		snprintf(n, sizeof(n), "%lld", c->by[RS_FAIL][s]);
		svg_text(p, 75, y + 12, "end", web_severity_label(r, (enum severity)s));
		double w = 380.0 * (double)c->by[RS_FAIL][s] / (double)max;
		if (w > 0)
			svg_rect(p, 80, y, w, 15, s >= SEV_HIGH ? "#c62828" : s == SEV_MEDIUM ? "#ef6c00" : "#fbc02d");
		svg_text(p, 85 + w, y + 12, NULL, n);
	}
	html_close(p);
}

/* ---- trend ---- */

struct point {
	long long id;
	double score;
	bool has_score;
	long long fails;
};
struct trend_ctx {
	struct web_req *r;
	struct point *v;
	unsigned n, cap;
	int rc;
};

static int trend_one(void *ctx, const struct snapshot_info *si)
{
	struct trend_ctx *x = ctx;
	if (si->status != SNAP_COMPLETED)
		return 0;
	if (x->n == x->cap) {
		x->cap = x->cap ? 2 * x->cap : 16;
		x->v = xrealloc(x->v, x->cap * sizeof(*x->v));
	}
	x->v[x->n++] = (struct point){ .id = si->id };
	return 0;
}

/* The snapshots a trend shows: the target's last TREND_MAX completed. */
#define TREND_MAX 30

static int trend(struct html_page *p, struct web_req *r)
{
	struct trend_ctx x = { .r = r };
	int rc = store_snapshots_each(r->st, r->target, trend_one, &x);
	if (rc < 0)
		goto out;
	unsigned first = x.n > TREND_MAX ? x.n - TREND_MAX : 0;
	long long maxf = 1;
	for (unsigned i = first; i < x.n; i++) {
		struct evaluation_info *ev;
		unsigned n;
		if ((rc = store_latest_evaluations(r->st, x.v[i].id, &ev, &n)) < 0)
			goto out;
		struct counts c = { 0 }, one;
		for (unsigned k = 0; k < n && rc == 0; k++)
			if ((rc = web_eval_counts(r, &ev[k], &one)) == 0)
				for (int st = 0; st < RS_COUNT; st++)
					for (int v = 0; v < SEV_COUNT; v++)
						c.by[st][v] += one.by[st][v];
		evaluation_list_free(ev, n);
		if (rc < 0)
			goto out;
		x.v[i].has_score = report_score(&c, &x.v[i].score);
		x.v[i].fails = counts_status(&c, RS_FAIL);
		if (x.v[i].fails > maxf)
			maxf = x.v[i].fails;
	}
	html_elem(p, "h2", NULL, web_tr(r, "Trend"));
	html_elem(p, "p", "muted", web_tr(r, "Score and failures across the target's snapshots"));
	unsigned n = x.n - first;
	double W = 640, H = 180, L = 40, B = 150, step = n > 1 ? (W - 2 * L) / (n - 1) : 0;
	html_open(p, "svg", NULL);
	html_attrf(p, "width", "%.0f", W);
	html_attrf(p, "height", "%.0f", H);
	html_attr(p, "role", "img");
	html_attr(p, "aria-label", web_tr(r, "Trend"));
	html_open(p, "line", NULL);
	html_attrf(p, "x1", "%.0f", L);
	html_attrf(p, "x2", "%.0f", W - L);
	html_attrf(p, "y1", "%.0f", B);
	html_attrf(p, "y2", "%.0f", B);
	html_attr(p, "stroke", "#999");
	html_close_empty(p);
	svg_text(p, 2, 20, NULL, "100%");
	svg_text(p, 2, B, NULL, "0%");
	struct buf score = BUF_INIT, fails = BUF_INIT;
	for (unsigned i = 0; i < n; i++) {
		const struct point *pt = &x.v[first + i];
		double px = L + step * i;
		if (pt->has_score)
			buf_printf(&score, "%s%.1f,%.1f", score.len ? " " : "", px, B - (B - 15) * pt->score / 100.0);
		buf_printf(&fails, "%s%.1f,%.1f", fails.len ? " " : "", px,
			   B - (B - 15) * (double)pt->fails / (double)maxf);
		char id[24];
		snprintf(id, sizeof(id), "#%lld", pt->id);
		svg_text(p, px, B + 15, "middle", id);
	}
	const struct {
		struct buf *b;
		const char *color;
	} lines[] = { { &score, "#2e7d32" }, { &fails, "#c62828" } };
	for (size_t i = 0; i < ARRAY_SIZE(lines); i++) {
		if (!lines[i].b->len)
			continue;
		html_open(p, "polyline", NULL);
		html_attr(p, "points", lines[i].b->data);
		html_attr(p, "fill", "none");
		html_attr(p, "stroke", lines[i].color);
		html_attr(p, "stroke-width", "2");
		html_close_empty(p);
	}
	char legend[128];
	snprintf(legend, sizeof(legend), "%s (max %lld)", web_tr(r, "failures"), maxf);
	html_open(p, "g", NULL);
	svg_rect(p, W - 200, 5, 10, 10, "#2e7d32");
	svg_text(p, W - 185, 14, NULL, web_tr(r, "Score"));
	svg_rect(p, W - 200, 20, 10, 10, "#c62828");
	svg_text(p, W - 185, 29, NULL, legend);
	html_close(p);
	html_close(p);
	buf_release(&score);
	buf_release(&fails);
out:
	free(x.v);
	return rc < 0 ? rc : 0;
}

int ui_overview(struct web_req *r)
{
	struct html_page *p = web_page_begin(r, "/", web_tr(r, "Overview"));
	if (!p)
		return HERR_OUTPUT;
	if (!r->si.id) {
		html_elem(p, "p", NULL, web_tr(r, "No completed snapshot in the twin."));
		web_page_end(r, p);
		return 0;
	}
	struct evaluation_info *ev = NULL;
	unsigned n = 0;
	int rc = store_latest_evaluations(r->st, r->si.id, &ev, &n);
	if (rc < 0)
		goto out;
	provenance(p, r, ev, n);
	struct counts total = { 0 };
	html_elem(p, "h2", NULL, web_tr(r, "Baselines"));
	if (!n)
		html_elem(p, "p", NULL, web_tr(r, "No evaluation of this snapshot."));
	html_open(p, "div", "cards");
	struct sect_ctx *sects = xcalloc(n ? n : 1, sizeof(*sects));
	for (unsigned i = 0; i < n; i++) {
		struct counts c;
		if ((rc = web_eval_counts(r, &ev[i], &c)) < 0 ||
		    (rc = web_rule_counts(r, &ev[i], sect_add, &sects[i])) < 0)
			break;
		for (int s = 0; s < RS_COUNT; s++)
			for (int v = 0; v < SEV_COUNT; v++)
				total.by[s][v] += c.by[s][v];
		html_open(p, "section", "card");
		char *u = web_url(r, "/framework", "baseline", ev[i].baseline_id, NULL);
		html_open(p, "h3", NULL);
		html_link(p, u, NULL, ev[i].baseline_title && *ev[i].baseline_title ? ev[i].baseline_title
									  : ev[i].baseline_id);
		html_close(p);
		free(u);
		html_elem(p, "p", "muted", ev[i].baseline_id);
		web_counts_row(p, r, &c);
		web_bar(p, &c, 360);
		web_score(p, r, &c);
		html_close(p);
	}
	html_close(p);
	if (rc >= 0 && n) {
		html_elem(p, "h2", NULL, web_tr(r, "Failures by severity"));
		severity_chart(p, r, &total);
		html_elem(p, "h2", NULL, web_tr(r, "Results by section"));
		for (unsigned i = 0; i < n; i++) {
			html_elem(p, "h3", NULL, ev[i].baseline_title && *ev[i].baseline_title ? ev[i].baseline_title
												 : ev[i].baseline_id);
			sections_chart(p, r, &ev[i], &sects[i]);
		}
	}
	for (unsigned i = 0; i < n; i++)
		free(sects[i].v);
	free(sects);
	if (rc >= 0)
		rc = trend(p, r);
out:
	evaluation_list_free(ev, n);
	if (web_page_end(r, p) < 0 && rc >= 0)
		rc = HERR_OUTPUT;
	return rc;
}
