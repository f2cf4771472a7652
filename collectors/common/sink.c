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

static void batch_grow(struct batch *b, size_t n)
{
	if (b->len + n <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 64 * 1024;
	while (cap < b->len + n)
		cap *= 2;
	b->data = xrealloc(b->data, cap);
	b->cap = cap;
}

static void batch_str(struct batch *b, const char *s)
{
	size_t n = strlen(s) + 1;
	batch_grow(b, n);
	memcpy(b->data + b->len, s, n);
	b->len += n;
}

/* A record: its kind (O object, P property, N property not collected),
 * the object's number and the property's type, then two strings. */
static void batch_put(struct batch *b, char kind, long long obj, enum ptype t, const char *s1, const char *s2)
{
	batch_grow(b, 1 + sizeof(obj) + 1);
	b->data[b->len++] = kind;
	memcpy(b->data + b->len, &obj, sizeof(obj));
	b->len += sizeof(obj);
	b->data[b->len++] = (char)t;
	batch_str(b, s1);
	batch_str(b, s2);
}

static const char *batch_next_str(const struct batch *b, size_t *pos)
{
	const char *s = b->data + *pos;
	*pos += strlen(s) + 1;
	return s;
}

int batch_replay(const struct batch *b, struct store *st, long long snap, double *ms)
{
	long long *ids = xcalloc((size_t)b->objects + 1, sizeof(*ids)), n = 0;
	double t0 = now_ms();
	int rc = 0;
	for (size_t pos = 0; pos < b->len && rc == 0;) {
		char kind = b->data[pos++];
		long long obj;
		memcpy(&obj, b->data + pos, sizeof(obj));
		pos += sizeof(obj);
		enum ptype t = (enum ptype)b->data[pos++];
		const char *s1 = batch_next_str(b, &pos), *s2 = batch_next_str(b, &pos);
		if (kind == 'O') {
			const char *name = batch_next_str(b, &pos);
			rc = store_object_add(st, snap, s1, s2, name, &ids[++n]);
		} else if (obj > 0 && obj <= n) {
			rc = store_prop(st, ids[obj], s1, t, kind == 'P' ? s2 : NULL);
		}
	}
	free(ids);
	*ms += now_ms() - t0;
	return rc < 0 ? (rc == HERR_FULL ? HERR_FULL : HERR_STORE) : 0;
}

void batch_clear(struct batch *b)
{
	b->len = 0;
	b->objects = 0;
}

void batch_release(struct batch *b)
{
	free(b->data);
	memset(b, 0, sizeof(*b));
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
	s->objects++;
	if (!s->st) {
		batch_put(s->batch, 'O', 0, 0, type, moref);
		batch_str(s->batch, name);
		return ++s->batch->objects;
	}
	double t0 = now_ms();
	int rc = store_object_add(s->st, s->snap, type, moref, name, &id);
	s->ms += now_ms() - t0;
	if (rc < 0)
		failed(s, rc, false);
	return id;
}

void sink_prop(struct sink *s, long long obj, const char *name, enum ptype t, const char *value)
{
	if (s->rc)
		return;
	if (!s->st) {
		batch_put(s->batch, value ? 'P' : 'N', obj, t, name, value ? value : "");
		return;
	}
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
