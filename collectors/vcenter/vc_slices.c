/* One object type's retrieval in slices: the view's objects, listed
 * first, are cut into slices of a page each; up to vc_retrievals()
 * threads retrieve a slice at a time on connections of their own that
 * share the session, each into a batch of its own, and hand the slices
 * to the collection's sink in the view's order, so the twin receives
 * exactly what one retrieval after the other would have written. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"
#include "vcenter/vc_internal.h"

struct slices_run {
	const struct vc_slices *spec;
	pthread_mutex_t mu;
	pthread_cond_t turn;
	size_t next;		/* the next slice to take */
	size_t emit;		/* the slice whose turn it is to reach the sink */
	int rc;			/* the first error, its message in err */
	char *err;
	bool expired;		/* a connection was told the session expired */
};

static void run_fail(struct slices_run *r, int rc)
{
	if (!r->rc) {
		r->rc = rc;
		r->err = xstrdup(err_get());
	}
	pthread_cond_broadcast(&r->turn);
}

/* Retrieves slice i into b, then waits for its turn and hands it on. */
static int slice_one(struct slices_run *r, void *w, struct batch *b, size_t i)
{
	const struct vc_slices *sp = r->spec;
	size_t from = i * sp->slice, n = sp->n - from < sp->slice ? sp->n - from : sp->slice;
	batch_clear(b);
	int rc = sp->retrieve(w, sp->morefs + from, n);
	pthread_mutex_lock(&r->mu);
	if (rc < 0)
		run_fail(r, rc);
	while (!r->rc && r->emit != i)
		pthread_cond_wait(&r->turn, &r->mu);
	if (r->rc) {
		pthread_mutex_unlock(&r->mu);
		return -1;
	}
	pthread_mutex_unlock(&r->mu);
	/* Only the slice whose turn it is writes to the sink. */
	rc = sink_forward(sp->out, b);
	pthread_mutex_lock(&r->mu);
	if (rc < 0) {
		err_set("%s", sp->out->err);
		run_fail(r, rc);
	} else {
		r->emit++;
		pthread_cond_broadcast(&r->turn);
	}
	pthread_mutex_unlock(&r->mu);
	return rc < 0 ? -1 : 0;
}

static void *slice_worker(void *arg)
{
	struct slices_run *r = arg;
	const struct vc_slices *sp = r->spec;
	struct vc *conn = NULL;
	struct batch b = { 0 };
	void *w = NULL;
	pthread_mutex_lock(&r->mu);	/* the owner's handle is read */
	int rc = vc_clone(sp->v, &conn);
	if (rc < 0)
		run_fail(r, rc);
	pthread_mutex_unlock(&r->mu);
	if (rc == 0)
		w = sp->begin(sp->ctx, conn, &b);
	for (; rc == 0;) {
		pthread_mutex_lock(&r->mu);
		size_t i = r->next;
		bool stop = r->rc || i * sp->slice >= sp->n;
		if (!stop)
			r->next++;
		pthread_mutex_unlock(&r->mu);
		if (stop || slice_one(r, w, &b, i) < 0)
			break;
	}
	pthread_mutex_lock(&r->mu);
	if (w)
		sp->end(sp->ctx, w);
	if (vc_clone_done(sp->v, conn))
		r->expired = true;
	pthread_mutex_unlock(&r->mu);
	batch_release(&b);
	return NULL;
}

int vc_slices_run(const struct vc_slices *sp)
{
	struct slices_run r = { .spec = sp };
	pthread_mutex_init(&r.mu, NULL);
	pthread_cond_init(&r.turn, NULL);
	size_t nslices = (sp->n + sp->slice - 1) / sp->slice;
	size_t nthreads = (size_t)vc_retrievals(sp->v) < nslices ? (size_t)vc_retrievals(sp->v) : nslices;
	pthread_t *th = xcalloc(nthreads ? nthreads : 1, sizeof(*th));
	size_t started = 0;
	while (started < nthreads && pthread_create(&th[started], NULL, slice_worker, &r) == 0)
		started++;
	if (!started && nslices) {
		err_set("cannot start a thread to collect vCenter for target '%s'", vc_target(sp->v));
		r.rc = HERR_COLLECT;
	}
	for (size_t i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	free(th);
	int rc = r.rc;
	if (r.err)
		err_set("%s", r.err);
	if (r.expired && vc_relogin(sp->v) == 0) {
		/* The caller starts over on the renewed session. */
		err_set("vCenter for target '%s' ended the session while collecting", vc_target(sp->v));
		rc = HERR_COLLECT;
	}
	free(r.err);
	pthread_cond_destroy(&r.turn);
	pthread_mutex_destroy(&r.mu);
	return rc;
}
