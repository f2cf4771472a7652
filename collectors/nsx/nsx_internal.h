/* Between the NSX transport (nsx.c) and the collector (nsx_collect.c). */
#ifndef HARDEN_NSX_INTERNAL_H
#define HARDEN_NSX_INTERNAL_H

#include <jansson.h>

#include "nsx/nsx.h"

/* GET base+path; on success *out is the JSON object of a 2xx answer. */
int nsx_get(struct nsx *n, const char *path, json_t **out);

/* Called for each element of a list's "results"; non-zero stops. */
typedef int (*nsx_item_fn)(void *ctx, json_t *item);
/* GETs every page of a list, following "cursor" until it is absent or empty. */
int nsx_list(struct nsx *n, const char *path, nsx_item_fn fn, void *ctx);
/* One page of the list at path, from memory instead of the manager: the
 * body checked as nsx_get checks an answer, then its results handed to fn as
 * nsx_list hands them.  No network; for fuzzing. */
int nsx_list_body(struct nsx *n, const char *path, const char *body, size_t len, nsx_item_fn fn, void *ctx);
/* One list answer of kind (domains, groups, policies, rules or services)
 * from memory, through nsx_list_body and the handler the collector uses for
 * that list, into snapshot snap; the rules belong to one policy.  Returns 0
 * or an NSX_E* code; for fuzzing. */
int nsx_collect_body(struct nsx *n, struct store *st, long long snap, const char *kind, const char *body,
		     size_t len);
/* s percent-encoded for a path segment or query value; caller frees. */
char *nsx_escape(struct nsx *n, const char *s);

bool nsx_progress(const struct nsx *n);
const char *nsx_target(const struct nsx *n);
const char *nsx_base(const struct nsx *n);

#endif
