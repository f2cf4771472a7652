/* Counts of evaluations kept for the server's life.  A stored evaluation
 * never changes (it is written in one transaction, and only pruning removes
 * it), so its counts by status and severity and by rule are read once; the
 * key includes the creation time in case pruning freed an id for reuse. */
#include <stdlib.h>
#include <string.h>

#include "util/util.h"
#include "web/web.h"

#define CACHE_SLOTS 256

struct rule_count {
	char *rule_id;
	enum rstatus status;
	long long n;
};

struct slot {
	long long eval, created_at;
	struct counts counts;
	bool have_counts;
	struct rule_count *rules;
	unsigned nrules;
	bool have_rules;
};

struct web_cache {
	struct slot slots[CACHE_SLOTS];
	unsigned next;		/* the slot to reuse next (oldest first) */
};

struct web_cache *web_cache_new(void)
{
	return xcalloc(1, sizeof(struct web_cache));
}

static void slot_clear(struct slot *s)
{
	for (unsigned i = 0; i < s->nrules; i++)
		free(s->rules[i].rule_id);
	free(s->rules);
	memset(s, 0, sizeof(*s));
}

void web_cache_free(struct web_cache *c)
{
	if (!c)
		return;
	for (unsigned i = 0; i < CACHE_SLOTS; i++)
		slot_clear(&c->slots[i]);
	free(c);
}

static struct slot *slot_for(struct web_cache *c, const struct evaluation_info *ev)
{
	for (unsigned i = 0; i < CACHE_SLOTS; i++)
		if (c->slots[i].eval == ev->id && c->slots[i].created_at == ev->created_at)
			return &c->slots[i];
	struct slot *s = &c->slots[c->next];
	c->next = (c->next + 1) % CACHE_SLOTS;
	slot_clear(s);
	s->eval = ev->id;
	s->created_at = ev->created_at;
	return s;
}

int web_eval_counts(struct web_req *r, const struct evaluation_info *ev, struct counts *out)
{
	struct slot *s = r->cache ? slot_for(r->cache, ev) : NULL;
	if (s && s->have_counts) {
		*out = s->counts;
		return 0;
	}
	memset(out, 0, sizeof(*out));
	int rc = store_eval_counts(r->st, ev->id, counts_add, out);
	if (rc == 0 && s) {
		s->counts = *out;
		s->have_counts = true;
	}
	return rc;
}

struct rule_list {
	struct rule_count *v;
	unsigned n, cap;
};

static void rule_keep(void *ctx, const char *rule_id, enum rstatus status, long long n)
{
	struct rule_list *l = ctx;
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 64;
		l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	l->v[l->n++] = (struct rule_count){ xstrdup(rule_id), status, n };
}

int web_rule_counts(struct web_req *r, const struct evaluation_info *ev, store_rule_count_fn fn, void *ctx)
{
	struct slot *s = r->cache ? slot_for(r->cache, ev) : NULL;
	if (!s || !s->have_rules) {
		struct rule_list l = { 0 };
		int rc = store_rule_counts(r->st, ev->id, rule_keep, &l);
		if (rc < 0 || !s) {
			for (unsigned i = 0; i < l.n; i++) {
				if (rc >= 0)
					fn(ctx, l.v[i].rule_id, l.v[i].status, l.v[i].n);
				free(l.v[i].rule_id);
			}
			free(l.v);
			return rc;
		}
		s->rules = l.v;
		s->nrules = l.n;
		s->have_rules = true;
	}
	for (unsigned i = 0; i < s->nrules; i++)
		fn(ctx, s->rules[i].rule_id, s->rules[i].status, s->rules[i].n);
	return 0;
}

struct warm_ctx {
	struct web_req r;
	struct strlist targets;
};

static int warm_snapshot(void *ctx, const struct snapshot_info *si)
{
	struct warm_ctx *x = ctx;
	if (si->status != SNAP_COMPLETED)
		return 0;
	if (!x->targets.n || strcmp(x->targets.v[x->targets.n - 1], si->target))
		strlist_add(&x->targets, si->target);
	return 0;
}

static void ignore(void *ctx, const char *rule_id, enum rstatus status, long long n)
{
	(void)ctx, (void)rule_id, (void)status, (void)n;
}

int web_cache_warm(struct web_cache *c, struct store *st)
{
	struct warm_ctx x = { .r = { .st = st, .cache = c } };
	int rc = store_snapshots_each(st, NULL, warm_snapshot, &x);
	for (size_t t = 0; t < x.targets.n && rc >= 0; t++) {
		long long id;
		struct evaluation_info *ev;
		unsigned n;
		if ((rc = store_snapshot_latest(st, x.targets.v[t], &id)) != 0)
			continue;
		rc = store_latest_evaluations(st, id, &ev, &n);
		struct counts cnt;
		for (unsigned k = 0; k < n && rc >= 0; k++)
			if ((rc = web_eval_counts(&x.r, &ev[k], &cnt)) >= 0)
				rc = web_rule_counts(&x.r, &ev[k], ignore, NULL);
		evaluation_list_free(ev, n);
	}
	strlist_release(&x.targets);
	return rc < 0 ? rc : 0;
}
