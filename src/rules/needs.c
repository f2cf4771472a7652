/* What a set of baselines reads: the vocabulary entries of every check
 * leaf, `when:` leaf and SQL rule's `reads:`, and whether any rule is over
 * a type of the NSX part.  The scan requests exactly these (and the
 * identity properties every report needs), so a rule's properties are
 * always requested. */
#include "rules/rules.h"

#include <string.h>

static void check_needs(const char *otype, const struct check *c, struct prop_needs *n)
{
	if (!c)
		return;
	for (unsigned i = 0; i < c->nkids; i++)
		check_needs(otype, c->kids[i], n);
	const struct vocab_entry *e = c->property ? vocab_lookup(otype, c->property) : NULL;
	if (e)
		prop_needs_add(n, e);
}

void baselines_needs(struct baseline *const *bl, size_t nbl, struct prop_needs *n)
{
	for (size_t b = 0; b < nbl; b++) {
		for (unsigned i = 0; i < bl[b]->nrules; i++) {
			const struct rule *r = &bl[b]->rules[i];
			if (vocab_part(r->object_type) == PART_NSX)
				n->nsx = true;
			check_needs(r->object_type, r->when, n);
			check_needs(r->object_type, r->check, n);
			for (size_t k = 0; k < r->reads.n; k++) {
				const struct vocab_entry *e = vocab_lookup(r->object_type, r->reads.v[k]);
				if (e)
					prop_needs_add(n, e);
			}
		}
	}
}
