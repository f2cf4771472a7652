#include "common/sink.h"

#include <stdlib.h>
#include <string.h>

#include "util/error.h"
#include "util/util.h"

/* Keeps the first error: a protocol error, or the store's (rc). */
static void failed(struct sink *s, int rc, bool protocol)
{
	if (s->rc)
		return;
	if (protocol)
		s->rc = HERR_COLLECT;
	else
		s->rc = rc == HERR_FULL ? HERR_FULL : HERR_STORE;
	s->err = xstrdup(err_get());
}

static size_t hash(const char *k)
{
	size_t h = 14695981039346656037ULL;
	for (; *k; k++)
		h = (h ^ (unsigned char)*k) * 1099511628211ULL;
	return h;
}

/* Adds key to the set; false when it was there already. */
static bool seen_add(struct sink *s, char *key)
{
	if (2 * (s->nseen + 1) > s->capseen) {
		size_t cap = s->capseen ? s->capseen * 2 : 1024;
		char **v = xcalloc(cap, sizeof(*v));
		for (size_t i = 0; i < s->capseen; i++) {
			if (!s->seen[i])
				continue;
			size_t j = hash(s->seen[i]) & (cap - 1);
			while (v[j])
				j = (j + 1) & (cap - 1);
			v[j] = s->seen[i];
		}
		free(s->seen);
		s->seen = v;
		s->capseen = cap;
	}
	size_t j = hash(key) & (s->capseen - 1);
	for (; s->seen[j]; j = (j + 1) & (s->capseen - 1)) {
		if (!strcmp(s->seen[j], key)) {
			free(key);
			return false;
		}
	}
	s->seen[j] = key;
	s->nseen++;
	return true;
}

long long sink_object(struct sink *s, const char *type, const char *moref, const char *name)
{
	long long id = 0;
	if (s->rc)
		return 0;
	if (!seen_add(s, xasprintf("%s/%s", type, moref))) {
		err_set("%s listed the %s object '%s' twice", s->source ? s->source : "the server", type, moref);
		failed(s, 0, true);
		return 0;
	}
	double t0 = now_ms();
	int rc = store_object_add(s->st, s->snap, type, moref, name, &id);
	s->ms += now_ms() - t0;
	if (rc < 0)
		failed(s, rc, false);
	s->objects++;
	return id;
}

void sink_prop(struct sink *s, long long obj, const char *name, enum ptype t, const char *value)
{
	if (s->rc)
		return;
	double t0 = now_ms();
	int rc = store_prop(s->st, obj, name, t, value);
	s->ms += now_ms() - t0;
	if (rc < 0)
		failed(s, rc, false);
}

void sink_release(struct sink *s)
{
	free(s->err);
	s->err = NULL;
	for (size_t i = 0; i < s->capseen; i++)
		free(s->seen[i]);
	free(s->seen);
	s->seen = NULL;
	s->nseen = s->capseen = 0;
}
