/* A page of /violations without sorting every result of the snapshot.
 * The sorts by severity, rule and status order results first by their
 * rule (its severity, id and baseline, and for the status sort the
 * status), and the evaluations' counts by rule and status are kept
 * (cache.c), or counted through the result sets when the filter keeps
 * some objects or searches; so the rows before the page are counted from
 * those, and only the rules the page reaches are read, each with the
 * filter narrowed to it.  The sort by object counts each object's rows
 * and reads only the objects the page reaches (store_browse_by_object).
 * The rows and their order are those of one statement over everything. */
#include <stdlib.h>
#include <string.h>

#include "util/util.h"
#include "web/web.h"

/* Results of one rule of one evaluation, in one status when the sort is by
 * status (else every status the filter takes). */
struct unit {
	const char *rule_id;	/* owned by the rule list below */
	const char *baseline_id;
	enum severity sev;
	int status;
	long long n;
};

struct rule_sev {
	char *rule_id;
	enum severity sev;
};

struct plan {
	const struct browse_filter *flt;
	const char *baseline_id;
	struct rule_sev *rules;	/* of the evaluation being read, id order */
	size_t nrules, caprules;
	struct unit *v;
	size_t n, cap;
	char **names;		/* rule ids kept for the units */
	size_t nnames, capnames;
};

static int rule_sev_cmp(const void *a, const void *b)
{
	return strcmp(((const struct rule_sev *)a)->rule_id, ((const struct rule_sev *)b)->rule_id);
}

static int keep_rule(void *ctx, const char *rule_id, const char *title, enum severity sev, const char *object_type,
		     const char *details_json)
{
	struct plan *x = ctx;
	(void)title, (void)object_type, (void)details_json;
	if (x->nrules == x->caprules) {
		x->caprules = x->caprules ? 2 * x->caprules : 64;
		x->rules = xrealloc(x->rules, x->caprules * sizeof(*x->rules));
	}
	x->rules[x->nrules++] = (struct rule_sev){ xstrdup(rule_id), sev };
	return 0;
}

static bool status_wanted(const struct browse_filter *flt, enum rstatus st)
{
	if (flt->status == -2)
		return st == RS_FAIL || st == RS_UNKNOWN || st == RS_WAIVED;
	return flt->status == -1 || flt->status == (int)st;
}

static void add_unit(void *ctx, const char *rule_id, enum rstatus status, long long n)
{
	struct plan *x = ctx;
	const struct browse_filter *flt = x->flt;
	if (!n || !status_wanted(flt, status) || (flt->rule && strcmp(flt->rule, rule_id)))
		return;
	struct rule_sev key = { (char *)rule_id, SEV_INFO };
	const struct rule_sev *rs = bsearch(&key, x->rules, x->nrules, sizeof(*x->rules), rule_sev_cmp);
	if (!rs || (flt->severity >= 0 && (int)rs->sev != flt->severity))
		return;
	int st = flt->sort == BROWSE_STATUS ? (int)status : -1;
	/* Counts arrive by rule, then status: one unit per rule unless by status. */
	if (x->n && x->v[x->n - 1].rule_id == rs->rule_id && x->v[x->n - 1].status == st) {
		x->v[x->n - 1].n += n;
		return;
	}
	if (x->n == x->cap) {
		x->cap = x->cap ? 2 * x->cap : 64;
		x->v = xrealloc(x->v, x->cap * sizeof(*x->v));
	}
	x->v[x->n++] = (struct unit){ rs->rule_id, x->baseline_id, rs->sev, st, n };
}

/* The order of the statements' ORDER BY: severity critical first, status
 * fail, unknown, waived, pass, then the rest. */
static int sev_rank(enum severity s)
{
	return SEV_CRITICAL - (int)s;
}

static int status_rank(int s)
{
	static const int rank[RS_COUNT] = { [RS_FAIL] = 0, [RS_UNKNOWN] = 1, [RS_WAIVED] = 2, [RS_PASS] = 3, [RS_NA] = 4 };
	return s >= 0 && s < RS_COUNT ? rank[s] : 4;
}

/* The leading keys of the sort; units equal here are one group, read by
 * one statement whose remaining keys order them. */
static int group_cmp(const struct unit *a, const struct unit *b, enum browse_sort sort)
{
	int c = 0;
	if (sort == BROWSE_STATUS)
		c = status_rank(a->status) - status_rank(b->status);
	if (!c && sort != BROWSE_RULE)
		c = sev_rank(a->sev) - sev_rank(b->sev);
	if (!c)
		c = natcmp(a->rule_id, b->rule_id);
	if (!c)
		c = strcmp(a->rule_id, b->rule_id);
	if (!c && sort == BROWSE_RULE)
		c = strcmp(a->baseline_id, b->baseline_id);
	return c;
}

static int unit_cmp(const void *a, const void *b, void *sort)
{
	return group_cmp(a, b, *(const enum browse_sort *)sort);
}

static void plan_free(struct plan *x)
{
	for (size_t i = 0; i < x->nnames; i++)
		free(x->names[i]);
	free(x->names);
	free(x->v);
}

static void rules_release(struct plan *x)
{
	/* Rule ids units point to stay, in names, until plan_free. */
	for (size_t i = 0; i < x->nrules; i++) {
		if (x->nnames == x->capnames) {
			x->capnames = x->capnames ? 2 * x->capnames : 256;
			x->names = xrealloc(x->names, x->capnames * sizeof(*x->names));
		}
		x->names[x->nnames++] = x->rules[i].rule_id;
	}
	x->nrules = 0;
}

/* Whether the filter keeps only some objects (or rows by their texts):
 * then the kept counts do not apply, and the rule counts are the filter's. */
static bool objects_filtered(const struct browse_filter *flt)
{
	return flt->object || flt->moref || flt->cluster || flt->search;
}

/* The filter's counts of every evaluation, read in one statement and
 * given to the plan one evaluation at a time. */
struct count_row {
	long long eval, n;
	char *rule_id;
	enum rstatus status;
};

struct count_list {
	struct count_row *v;
	size_t n, cap;
};

static void count_keep(void *ctx, long long eval, const char *rule_id, enum rstatus status, long long n)
{
	struct count_list *l = ctx;
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 256;
		l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	l->v[l->n++] = (struct count_row){ eval, n, xstrdup(rule_id), status };
}

struct web_counts {
	struct count_list l;
};

static void count_list_release(struct count_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].rule_id);
	free(l->v);
}

void web_counts_free(struct web_counts *c)
{
	if (c)
		count_list_release(&c->l);
	free(c);
}

int web_counts_read(struct web_req *r, const struct browse_filter *flt, struct web_counts **out, long long *total)
{
	struct web_counts *c = xcalloc(1, sizeof(*c));
	int rc = store_browse_rule_counts(r->st, flt, count_keep, &c->l);
	*total = 0;
	for (size_t i = 0; i < c->l.n && rc >= 0; i++)
		*total += c->l.v[i].n;
	if (rc < 0) {
		web_counts_free(c);
		c = NULL;
	}
	*out = c;
	return rc;
}

static int counts_replay(const struct count_list *l, long long eval, struct plan *x)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].eval == eval)
			add_unit(x, l->v[i].rule_id, l->v[i].status, l->v[i].n);
	return 0;
}

static int plan_build(struct plan *x, struct web_req *r, const struct web_counts *pre, const struct evaluation_info *ev,
		      unsigned nev)
{
	struct count_list c = { 0 };
	bool filtered = pre || objects_filtered(x->flt);
	int rc = filtered && !pre ? store_browse_rule_counts(r->st, x->flt, count_keep, &c) : 0;
	for (unsigned i = 0; i < nev && rc >= 0; i++) {
		if (x->flt->baseline && strcmp(x->flt->baseline, ev[i].baseline_id))
			continue;
		x->baseline_id = ev[i].baseline_id;
		if ((rc = store_eval_rules(r->st, ev[i].id, keep_rule, x)) >= 0) {
			qsort(x->rules, x->nrules, sizeof(*x->rules), rule_sev_cmp);
			rc = filtered ? counts_replay(pre ? &pre->l : &c, ev[i].id, x)
				      : web_rule_counts(r, &ev[i], add_unit, x);
		}
		rules_release(x);
	}
	free(x->rules);
	count_list_release(&c);
	enum browse_sort sort = x->flt->sort;
	if (x->n)
		qsort_r(x->v, x->n, sizeof(*x->v), unit_cmp, &sort);
	return rc;
}

int web_browse(struct web_req *r, const struct browse_filter *flt, const struct evaluation_info *ev, unsigned nev,
	       long long off, long long limit, browse_fn fn, void *ctx)
{
	return web_browse_counted(r, flt, NULL, ev, nev, off, limit, fn, ctx);
}

int web_browse_counted(struct web_req *r, const struct browse_filter *flt, const struct web_counts *counts,
		       const struct evaluation_info *ev, unsigned nev, long long off, long long limit, browse_fn fn,
		       void *ctx)
{
	if (flt->sort == BROWSE_OBJECT)
		return store_browse_by_object(r->st, flt, off, limit, fn, ctx);
	if ((unsigned)flt->sort >= BROWSE_SORT_COUNT)
		return store_browse(r->st, flt, off, limit, fn, ctx);
	struct plan x = { .flt = flt };
	int rc = plan_build(&x, r, counts, ev, nev);
	long long pos = 0;
	for (size_t i = 0; i < x.n && rc >= 0 && limit > 0;) {
		size_t j = i;
		long long n = 0;
		for (; j < x.n && !group_cmp(&x.v[i], &x.v[j], flt->sort); j++)
			n += x.v[j].n;
		if (pos + n > off) {
			struct browse_filter g = *flt;
			g.rule = x.v[i].rule_id;
			g.severity = (int)x.v[i].sev;
			if (flt->sort == BROWSE_RULE)
				g.baseline = x.v[i].baseline_id;
			if (flt->sort == BROWSE_STATUS)
				g.status = x.v[i].status;
			long long skip = off > pos ? off - pos : 0, take = n - skip < limit ? n - skip : limit;
			rc = store_browse(r->st, &g, skip, take, fn, ctx);
			limit -= take;
		}
		pos += n;
		i = j;
	}
	plan_free(&x);
	return rc;
}
