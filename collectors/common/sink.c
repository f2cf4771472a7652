#include "common/sink.h"

#include <stdlib.h>
#include <string.h>

#include "common/writer.h"
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

static void ids_add(struct batch_ids *m, long long id)
{
	if (m->n + 2 > m->cap) {
		m->cap = m->cap ? m->cap * 2 : 1024;
		m->ids = xrealloc(m->ids, m->cap * sizeof(*m->ids));
	}
	m->ids[++m->n] = id;
}

/* One record of a batch, as batch_put wrote it; s3 only for an object. */
struct record {
	char kind;
	long long obj;
	enum ptype t;
	const char *s1, *s2, *s3;
};

static void batch_read(const struct batch *b, size_t *pos, struct record *r)
{
	r->kind = b->data[(*pos)++];
	memcpy(&r->obj, b->data + *pos, sizeof(r->obj));
	*pos += sizeof(r->obj);
	r->t = (enum ptype)b->data[(*pos)++];
	r->s1 = batch_next_str(b, pos);
	r->s2 = batch_next_str(b, pos);
	r->s3 = r->kind == 'O' ? batch_next_str(b, pos) : NULL;
}

int batch_write(const struct batch *b, struct store *st, long long snap, struct batch_ids *m)
{
	int rc = 0;
	struct record r;
	for (size_t pos = 0; pos < b->len && rc == 0;) {
		batch_read(b, &pos, &r);
		if (r.kind == 'O') {
			long long id = 0;
			rc = store_object_add(st, snap, r.s1, r.s2, r.s3, &id);
			ids_add(m, id);
		} else if (r.obj > 0 && (size_t)r.obj <= m->n) {
			rc = store_prop(st, m->ids[r.obj], r.s1, r.t, r.kind == 'P' ? r.s2 : NULL);
		}
	}
	return rc < 0 ? (rc == HERR_FULL ? HERR_FULL : HERR_STORE) : 0;
}

int batch_replay(const struct batch *b, struct store *st, long long snap, double *ms)
{
	struct batch_ids m = { 0 };
	double t0 = now_ms();
	int rc = batch_write(b, st, snap, &m);
	free(m.ids);
	*ms += now_ms() - t0;
	return rc;
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

/* ---- what collectors call ---- */

/* Hands the filled chunk to the writer; its error ends the collection. */
static void push(struct sink *s)
{
	int rc = writer_push(s->writer, &s->stall_ms);
	if (rc < 0)
		failed(s, rc, false);
}

void sink_start(struct sink *s)
{
	if (s->st && !s->writer)
		s->writer = writer_start(s->st, s->snap);
}

int sink_finish(struct sink *s, bool abort)
{
	if (!s->writer)
		return s->rc;
	int rc = writer_finish(s->writer, abort || s->rc, &s->ms, &s->stall_ms);
	s->writer = NULL;
	if (rc < 0)
		failed(s, rc, false);
	return s->rc;
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
	if (s->writer) {
		struct batch *b = writer_chunk(s->writer);
		batch_put(b, 'O', 0, 0, type, moref);
		batch_str(b, name);
		if (b->len >= WRITER_CHUNK)
			push(s);
		return s->rc ? 0 : s->objects;
	}
	if (!s->st) {
		batch_put(s->batch, 'O', 0, 0, type, moref);
		batch_str(s->batch, name);
		return ++s->batch->objects;
	}
	double t0 = now_ms();
	int rc = store_object_add(s->st, s->snap, type, moref, name, &id);
	double ms = now_ms() - t0;
	s->ms += ms;
	s->stall_ms += ms;
	if (rc < 0)
		failed(s, rc, false);
	return id;
}

void sink_prop(struct sink *s, long long obj, const char *name, enum ptype t, const char *value)
{
	if (s->rc)
		return;
	if (s->writer || !s->st) {
		struct batch *b = s->writer ? writer_chunk(s->writer) : s->batch;
		batch_put(b, value ? 'P' : 'N', obj, t, name, value ? value : "");
		if (s->writer && b->len >= WRITER_CHUNK)
			push(s);
		return;
	}
	double t0 = now_ms();
	int rc = store_prop(s->st, obj, name, t, value);
	double ms = now_ms() - t0;
	s->ms += ms;
	s->stall_ms += ms;
	if (rc < 0)
		failed(s, rc, false);
}

int sink_forward(struct sink *s, const struct batch *b)
{
	long long *ids = xcalloc((size_t)b->objects + 1, sizeof(*ids)), n = 0;
	struct record r;
	for (size_t pos = 0; pos < b->len && !s->rc;) {
		batch_read(b, &pos, &r);
		if (r.kind == 'O') {
			long long id = sink_object(s, r.s1, r.s2, r.s3);
			if (n < b->objects)
				ids[++n] = id;
		} else if (r.obj > 0 && r.obj <= n) {
			sink_prop(s, ids[r.obj], r.s1, r.t, r.kind == 'P' ? r.s2 : NULL);
		}
	}
	free(ids);
	return s->rc;
}

void sink_release(struct sink *s)
{
	sink_finish(s, true);
	free(s->err);
	s->err = NULL;
	for (size_t i = 0; i < s->capseen; i++)
		free(s->seen[i]);
	free(s->seen);
	s->seen = NULL;
	s->nseen = s->capseen = 0;
}
