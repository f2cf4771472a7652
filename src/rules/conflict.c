/* harden baseline conflicts: rules of two baselines that demand values of
 * the same property that no value can meet at once (one baseline wants
 * Security.AccountLockFailures 5, another 3).  Decided with the engine's
 * own comparisons, on candidate values drawn from both checks. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules/rules.h"
#include "util/util.h"

/* The leaves a rule requires outright: itself, or under nested 'all'. */
static void required(const struct check *c, const struct check **out, unsigned *n, unsigned cap)
{
	if (c->op == OP_ALL) {
		for (unsigned i = 0; i < c->nkids; i++)
			required(c->kids[i], out, n, cap);
	} else if (c->op >= OP_EQ && c->op <= OP_NOT_IN && *n < cap) {
		out[(*n)++] = c;
	}
}

static void add_candidates(struct strlist *cand, const char *v)
{
	strlist_add(cand, v);
	long long n;
	if (parse_int64(v, &n))
		for (long long d = -2; d <= 2; d++)
			if (d)
				strlist_add_owned(cand, xasprintf("%lld", n + d));
}

static bool conflicting(const struct check *a, const struct check *b)
{
	struct strlist cand = { 0 };
	const struct check *both[] = { a, b };
	for (int k = 0; k < 2; k++) {
		if (both[k]->value)
			add_candidates(&cand, both[k]->value);
		for (size_t i = 0; i < both[k]->values.n; i++)
			add_candidates(&cand, both[k]->values.v[i]);
	}
	strlist_add(&cand, "-1000000000");
	strlist_add(&cand, "1000000000");
	strlist_add(&cand, "\x01other");
	bool satisfiable = false;
	for (size_t i = 0; i < cand.n && !satisfiable; i++)
		satisfiable = check_value(a, a->ptype, cand.v[i]) == RS_PASS &&
			      check_value(b, b->ptype, cand.v[i]) == RS_PASS;
	strlist_release(&cand);
	return !satisfiable;
}

int baselines_conflicts(const struct baseline *a, const struct baseline *b, conflict_fn fn, void *ctx)
{
	int found = 0;
	const struct check *la[64], *lb[64];
	for (unsigned i = 0; i < a->nrules; i++) {
		unsigned na = 0;
		if (!a->rules[i].check)
			continue;
		required(a->rules[i].check, la, &na, 64);
		for (unsigned j = 0; j < b->nrules; j++) {
			if (strcmp(a->rules[i].object_type, b->rules[j].object_type))
				continue;
			unsigned nb = 0;
			if (!b->rules[j].check)
				continue;
			required(b->rules[j].check, lb, &nb, 64);
			for (unsigned x = 0; x < na; x++)
				for (unsigned y = 0; y < nb; y++)
					if (!strcmp(la[x]->property, lb[y]->property) && conflicting(la[x], lb[y])) {
						fn(ctx, &a->rules[i], la[x], &b->rules[j], lb[y]);
						found++;
					}
		}
	}
	return found;
}
