/* The writer thread: a ring of WRITER_DEPTH full chunks between the
 * collector and the twin, and the buffers of written chunks kept for
 * reuse, so memory stays bounded whatever the collection's size. */
#include "common/writer.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "util/error.h"
#include "util/util.h"

struct writer {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t items, space;
	struct batch cur;		/* the collector's chunk being filled */
	struct batch q[WRITER_DEPTH];	/* full chunks, q[head] first */
	unsigned head, count;
	struct batch spare[WRITER_DEPTH + 1];	/* written chunks' buffers */
	unsigned nspare;
	bool closed, abort;
	int rc;				/* the first error */
	char *err;
	struct store *st;
	long long snap;
	struct batch_ids ids;
	double busy_ms;
};

/* Gives a written chunk's buffer back (with w->mu held). */
static void chunk_done(struct writer *w, struct batch *b)
{
	if (w->nspare < WRITER_DEPTH + 1)
		w->spare[w->nspare++] = *b;
	else
		batch_release(b);
}

static void *writer_main(void *arg)
{
	struct writer *w = arg;
	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (!w->count && !w->closed)
			pthread_cond_wait(&w->items, &w->mu);
		if (!w->count)
			break;
		struct batch b = w->q[w->head];
		bool skip = w->rc || w->abort;
		pthread_mutex_unlock(&w->mu);
		int rc = 0;
		if (!skip) {
			double t0 = now_ms();
			rc = batch_write(&b, w->st, w->snap, &w->ids);
			w->busy_ms += now_ms() - t0;
		}
		char *msg = rc ? xstrdup(err_get()) : NULL;
		pthread_mutex_lock(&w->mu);
		w->head = (w->head + 1) % WRITER_DEPTH;
		w->count--;
		chunk_done(w, &b);
		if (rc && !w->rc) {
			w->rc = rc;
			w->err = msg;
			msg = NULL;
		}
		free(msg);
		pthread_cond_signal(&w->space);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

struct writer *writer_start(struct store *st, long long snap)
{
	struct writer *w = xcalloc(1, sizeof(*w));
	w->st = st;
	w->snap = snap;
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->items, NULL);
	pthread_cond_init(&w->space, NULL);
	if (pthread_create(&w->thread, NULL, writer_main, w) != 0) {
		pthread_cond_destroy(&w->items);
		pthread_cond_destroy(&w->space);
		pthread_mutex_destroy(&w->mu);
		free(w);
		return NULL;
	}
	return w;
}

struct batch *writer_chunk(struct writer *w)
{
	return &w->cur;
}

/* The writer's error as the caller's (with w->mu held). */
static int writer_error(const struct writer *w)
{
	if (w->rc)
		err_set("%s", w->err);
	return w->rc;
}

int writer_push(struct writer *w, double *stall_ms)
{
	double t0 = now_ms();
	pthread_mutex_lock(&w->mu);
	while (w->count == WRITER_DEPTH && !w->rc)
		pthread_cond_wait(&w->space, &w->mu);
	int rc = writer_error(w);
	if (rc) {
		batch_clear(&w->cur);
	} else {
		w->q[(w->head + w->count) % WRITER_DEPTH] = w->cur;
		w->count++;
		pthread_cond_signal(&w->items);
		memset(&w->cur, 0, sizeof(w->cur));
		if (w->nspare) {
			w->cur = w->spare[--w->nspare];
			batch_clear(&w->cur);
		}
	}
	pthread_mutex_unlock(&w->mu);
	*stall_ms += now_ms() - t0;
	return rc;
}

int writer_finish(struct writer *w, bool abort, double *busy_ms, double *stall_ms)
{
	int rc = 0;
	if (!abort && w->cur.len)
		rc = writer_push(w, stall_ms);
	double t0 = now_ms();
	pthread_mutex_lock(&w->mu);
	w->closed = true;
	w->abort = abort || rc;
	pthread_cond_signal(&w->items);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->thread, NULL);
	*stall_ms += now_ms() - t0;
	*busy_ms += w->busy_ms;
	rc = writer_error(w);
	for (unsigned i = 0; i < w->nspare; i++)
		batch_release(&w->spare[i]);
	for (unsigned i = 0; i < w->count; i++)
		batch_release(&w->q[(w->head + i) % WRITER_DEPTH]);
	batch_release(&w->cur);
	free(w->ids.ids);
	free(w->err);
	pthread_cond_destroy(&w->items);
	pthread_cond_destroy(&w->space);
	pthread_mutex_destroy(&w->mu);
	free(w);
	return rc;
}
