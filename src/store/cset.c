/* What the twin's content-addressed sets (property sets, result sets)
 * share: the rows held for the pending object, sorted with the last of
 * each key kept; a hash of their texts; and finding the stored set whose
 * rows are the same, by hash and then row by row, so that two sets whose
 * hashes collide stay apart. */
#include <stdlib.h>
#include <string.h>

#include "store/store_int.h"
#include "util/util.h"

void store_cset_sort(struct store_list *l, size_t size, int (*cmp)(const void *, const void *),
		     bool (*same_key)(const void *, const void *), void (*drop)(void *))
{
	char *v = l->v;
	unsigned out = 0;
	qsort(v, l->n, size, cmp);
	for (unsigned i = 0; i < l->n; i++) {
		if (i + 1 < l->n && same_key(v + i * size, v + (i + 1) * size)) {
			drop(v + i * size);
			continue;
		}
		if (out != i)
			memcpy(v + out * size, v + i * size, size);
		out++;
	}
	l->n = out;
}

unsigned long long store_hash_add(unsigned long long h, const char *s)
{
	for (; s && *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return (h ^ 0xffu) * 1099511628211ULL;
}

bool store_same_text(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

static int compare_row(void *ctx, sqlite3_stmt *s)
{
	struct store_cset *c = ctx;
	if (c->i >= c->n)
		return 1;
	const char *row = (const char *)c->rows + c->i++ * c->size;
	return c->same(row, s) ? 0 : 1;
}

int store_cset_find(struct store *st, const char *by_hash, const char *rows_sql, long long hash,
		    struct store_cset *c, long long *set)
{
	struct store_list ids = { 0 };
	*set = 0;
	int rc = store_query(st, "read", by_hash, store_id_row, &ids, "i", hash);
	for (unsigned i = 0; rc == 0 && i < ids.n; i++) {
		long long id = ((long long *)ids.v)[i];
		c->i = 0;
		rc = store_query(st, "read", rows_sql, compare_row, c, "i", id);
		if (rc == 0 && c->i == c->n) {
			*set = id;
			break;
		}
		rc = rc > 0 ? 0 : rc;
	}
	free(ids.v);
	return rc;
}
