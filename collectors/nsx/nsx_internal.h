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
/* s percent-encoded for a path segment or query value; caller frees. */
char *nsx_escape(struct nsx *n, const char *s);

bool nsx_progress(const struct nsx *n);
const char *nsx_target(const struct nsx *n);
const char *nsx_base(const struct nsx *n);

#endif
