/* The per-rule view (--group-by rule): the findings of an evaluation
 * folded into one group per rule as they stream out of the store, so that
 * 10,000 objects make one line per rule and memory stays flat.  The store
 * orders by severity, then rule, so a rule's rows come together. */
#include <stdlib.h>
#include <string.h>

#include "report/report_int.h"
#include "report/report_util.h"

struct fold {
	struct rule_group g;
	bool open;
	rule_group_fn fn;
	void *ctx;
	int rc;
};

static void group_reset(struct rule_group *g)
{
	free(g->rule_id);
	free(g->title);
	for (unsigned s = 0; s < RS_COUNT; s++)
		for (unsigned i = 0; i < g->nsample[s]; i++)
			free(g->sample[s][i]);
	memset(g, 0, sizeof(*g));
}

static int flush(struct fold *f)
{
	int rc = 0;
	if (f->open)
		rc = f->fn(f->ctx, &f->g);
	group_reset(&f->g);
	f->open = false;
	return rc;
}

static int fold_row(void *vctx, const struct finding_row *r)
{
	struct fold *f = vctx;
	if (f->open && strcmp(f->g.rule_id, r->rule_id)) {
		int rc = flush(f);
		if (rc)
			return rc;
	}
	struct rule_group *g = &f->g;
	if (!f->open) {
		g->rule_id = xstrdup(r->rule_id);
		g->title = xstrdup(r->title ? r->title : "");
		g->severity = r->severity;
		f->open = true;
	}
	g->by_status[r->status]++;
	if (g->nsample[r->status] < RULE_GROUP_SAMPLE)
		g->sample[r->status][g->nsample[r->status]++] =
			xstrdup(r->object_name && *r->object_name ? r->object_name : r->moref);
	return 0;
}

int rpt_rules_each(const struct report_ctx *x, long long eval, rule_group_fn fn, void *ctx)
{
	/* Every status is counted; the writer shows a group by its counts. */
	struct finding_filter ff = { 0 };
	if (x->o->filter)
		ff = *x->o->filter;
	struct fold f = { .fn = fn, .ctx = ctx };
	int rc = store_findings_filtered(x->st, eval, &ff, fold_row, &f);
	int r = rc < 0 ? (group_reset(&f.g), 0) : flush(&f);
	return rc < 0 ? rc : r;
}

bool rpt_group_shown(const struct report_opts *o, const struct rule_group *g)
{
	for (int s = 0; s < RS_COUNT; s++)
		if (g->by_status[s] && rpt_show(o, (enum rstatus)s))
			return true;
	return false;
}

enum rstatus rpt_group_status(const struct rule_group *g)
{
	static const enum rstatus worst[] = { RS_FAIL, RS_UNKNOWN, RS_WAIVED, RS_PASS, RS_NA };
	for (size_t i = 0; i < ARRAY_SIZE(worst); i++)
		if (g->by_status[worst[i]])
			return worst[i];
	return RS_NA;
}

char *rpt_group_objects(const struct rule_group *g, enum rstatus s)
{
	if (!g->by_status[s])
		return NULL;
	struct buf b = BUF_INIT;
	for (unsigned i = 0; i < g->nsample[s]; i++)
		buf_printf(&b, "%s%s", i ? ", " : "", g->sample[s][i]);
	if (g->by_status[s] > g->nsample[s])
		buf_printf(&b, " ... and %lld more", g->by_status[s] - g->nsample[s]);
	return buf_detach(&b);
}
