#include "scan/scan.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <string.h>

#include "nsx/nsx.h"
#include "drift/drift.h"
#include "util/progress.h"
#include "util/interrupt.h"
#include "util/util.h"
#include "vcenter/vc.h"

/* A part of a target, collected by one collector in a transaction of its
 * own.  The vCenter part is required: its failure fails the snapshot.  The
 * NSX part is not: its failure leaves the vCenter part to be evaluated and
 * every rule over the DFW unknown. */
struct part_ops {
	enum part part;
	const char *label;	/* in messages */
	bool required;
	const struct endpoint *(*endpoint)(const struct target *t);
	int (*open)(void **h, const struct scan *s, const char *password);
	int (*collect)(void *h, const struct sink_to *to, struct scan_stats *stats);
	void (*counters)(const void *h, struct scan_stats *stats);
	void (*close)(void *h);
	/* Records the part's objects as not collected (NULL: nothing to record). */
	int (*unavailable)(struct store *st, long long snap, const char *url);
};

static enum herr from_store(int r)
{
	return r == HERR_FULL || r == HERR_BUSY ? r : HERR_STORE;
}

/* Whether SIGINT or SIGTERM asked the scan to stop: then the reason is
 * the error message and s->interrupted the signal. */
static bool stop_requested(struct scan *s)
{
	int sig = interrupt_pending();
	if (!sig)
		return false;
	s->interrupted = sig;
	err_set("interrupted by %s", interrupt_name(sig));
	return true;
}

static const struct endpoint *vc_endpoint(const struct target *t)
{
	return &t->vcenter;
}

static int vc_open(void **h, const struct scan *s, const char *password)
{
	const struct endpoint *e = &s->target->vcenter;
	struct vc_opts o = {
		.target = s->target->name, .url = e->url, .user = e->user, .password = password,
		.ca_file = e->ca_file, .insecure = e->insecure, .timeout_s = e->timeout_s,
		.page_size = s->page_size, .retrievals = s->retrievals, .progress = s->progress, .needs = &s->needs,
	};
	return vc_connect((struct vc **)h, &o);
}

static int vc_collect_part(void *h, const struct sink_to *to, struct scan_stats *stats)
{
	return vc_collect(h, to, stats);
}

static void vc_counters(const void *h, struct scan_stats *stats)
{
	stats->api_calls = vc_api_calls(h);
	stats->bytes_received = vc_bytes_received(h);
}

static void vc_close_part(void *h)
{
	vc_close(h);
}

static const struct endpoint *nsx_endpoint(const struct target *t)
{
	return &t->nsx;
}

static int nsx_open(void **h, const struct scan *s, const char *password)
{
	const struct endpoint *e = &s->target->nsx;
	struct nsx_opts o = {
		.target = s->target->name, .url = e->url, .user = e->user, .password = password,
		.ca_file = e->ca_file, .insecure = e->insecure, .timeout_s = e->timeout_s,
		.auth = e->auth_basic ? NSX_AUTH_BASIC : NSX_AUTH_SESSION, .progress = s->progress,
	};
	return nsx_connect((struct nsx **)h, &o);
}

static int nsx_collect_part(void *h, const struct sink_to *to, struct scan_stats *stats)
{
	return nsx_collect(h, to, stats);
}

static void nsx_counters(const void *h, struct scan_stats *stats)
{
	stats->api_calls = nsx_api_calls(h);
	stats->bytes_received = nsx_bytes_received(h);
}

static void nsx_close_part(void *h)
{
	nsx_close(h);
}

static const struct part_ops parts[] = {
	{ PART_VCENTER, "vCenter", true, vc_endpoint, vc_open, vc_collect_part, vc_counters, vc_close_part, NULL },
	{ PART_NSX, "NSX", false, nsx_endpoint, nsx_open, nsx_collect_part, nsx_counters, nsx_close_part,
	  nsx_record_unavailable },
};

/* Whether the scan contacts the part: the vCenter part always (its objects
 * are every report's subject), the NSX part when a rule reads its types
 * or the scan collects everything. */
static bool part_needed(const struct scan *s, const struct part_ops *p)
{
	return p->part != PART_NSX || s->needs.all || s->needs.nsx;
}

static char **part_password(struct scan *s, const struct part_ops *p)
{
	return p->required ? &s->vc_password : &s->nsx_password;
}

/* A CA file must be a regular file of a sane size: libcurl would block on
 * a FIFO, and read a device forever. */
static enum herr check_ca_file(const struct scan *s, const struct endpoint *e)
{
	struct stat sb;
	if (!e->ca_file || e->insecure)
		return HERR_OK;
	if (stat(e->ca_file, &sb) < 0) {
		log_error("target '%s': cannot use ca_file '%s': %s", s->target->name, e->ca_file, strerror(errno));
		return HERR_INPUT;
	}
	if (!S_ISREG(sb.st_mode) || sb.st_size > 4 * 1024 * 1024) {
		log_error("target '%s': ca_file '%s' is not a regular file of PEM certificates", s->target->name,
			  e->ca_file);
		return HERR_INPUT;
	}
	return HERR_OK;
}

enum herr scan_prepare(struct scan *s)
{
	/* No core file may hold the passwords read below. */
	struct rlimit none = { 0, 0 };
	setrlimit(RLIMIT_CORE, &none);
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	prop_needs_release(&s->needs);
	s->needs.all = s->collect_all;
	baselines_needs(s->baselines, s->nbaselines, &s->needs);
	for (unsigned i = 0; i < ARRAY_SIZE(parts); i++) {
		const struct endpoint *e = parts[i].endpoint(s->target);
		if (!e->present || !part_needed(s, &parts[i]))
			continue;
		if (check_ca_file(s, e))
			return HERR_INPUT;
		if (endpoint_password(e, s->target->name, part_password(s, &parts[i])) < 0) {
			log_error("%s", err_get());
			return HERR_INPUT;
		}
		if (e->insecure)
			log_warn("target '%s': TLS verification is off (insecure: true); the %s at %s is not authenticated",
				 s->target->name, parts[i].required ? "vCenter" : "NSX manager", e->url);
	}
	return HERR_OK;
}

static void stats_add(struct scan_stats *total, const struct scan_stats *p)
{
	total->objects += p->objects;
	total->api_calls += p->api_calls;
	total->bytes_received += p->bytes_received;
	total->collect_ms += p->collect_ms;
	total->store_ms += p->store_ms;
}

/* Connects and collects one part, into the twin in a transaction of its
 * own or into to->batch; the password is wiped once the collector has it. */
static int collect_part(struct scan *s, const struct sink_to *to, const struct part_ops *p, struct scan_stats *ps)
{
	char **password = part_password(s, p);
	void *h = NULL;
	double t0 = now_ms();
	int r = p->open(&h, s, *password);
	targets_password_free(*password);
	*password = NULL;
	if (r == 0 && !to->st) {
		r = p->collect(h, to, ps);
	} else if (r == 0) {
		if ((r = store_begin(to->st)) < 0) {
			r = from_store(r);
		} else {
			r = p->collect(h, to, ps);
			if (r == 0 && (r = store_commit(to->st)) < 0)
				r = from_store(r);
			if (r < 0)
				store_rollback(to->st);
		}
	}
	if (h)
		p->counters(h, ps);
	p->close(h);
	if (r < 0 && !ps->collect_ms)
		ps->collect_ms = now_ms() - t0;
	return r;
}

/* Records a part that is not contacted: not configured, or not needed.
 * Returns 1 when the part is to be collected. */
static int part_skipped(struct scan *s, struct store *st, long long snap, const struct part_ops *p,
			enum herr *rc)
{
	const struct endpoint *e = p->endpoint(s->target);
	*rc = HERR_OK;
	if (e->present && part_needed(s, p))
		return 1;
	/* The part's object still tells a later evaluate that nothing of it
	 * was collected. */
	const char *url = e->present ? e->url : NULL;
	if ((p->unavailable && p->unavailable(st, snap, url) < 0) ||
	    store_part_set(st, snap, p->part, e->present ? PS_NOT_NEEDED : PS_NOT_CONFIGURED, url, NULL, NULL) < 0) {
		log_error("%s", err_get());
		*rc = HERR_STORE;
	}
	return 0;
}

/* Records what a collected part achieved (r: the collection's result, its
 * message in err_get()).  Returns 0 when the scan goes on (s->part_err set
 * when an optional part failed), or the error that ends it. */
static enum herr part_outcome(struct scan *s, struct store *st, long long snap, const struct part_ops *p, int r,
			      struct scan_stats *ps)
{
	const struct endpoint *e = p->endpoint(s->target);
	stats_add(&s->stats, ps);
	if (r == 0) {
		if (store_part_set(st, snap, p->part, PS_COMPLETED, e->url, NULL, ps) < 0) {
			log_error("%s", err_get());
			return HERR_STORE;
		}
		return HERR_OK;
	}
	if (stop_requested(s)) {
		store_part_set(st, snap, p->part, PS_FAILED, e->url, err_get(), ps);
		return HERR_COLLECT;
	}
	char *msg = xstrdup(err_get());
	enum herr rc = (enum herr)r;
	if (p->required || rc == HERR_STORE || rc == HERR_FULL || rc == HERR_BUSY) {
		store_part_set(st, snap, p->part, PS_FAILED, e->url, msg, ps);
		log_error("scan of target '%s' failed: %s", s->target->name, msg);
		err_set("%s", msg);
	} else {
		log_error("%s part of target '%s' failed: %s", p->label, s->target->name, msg);
		log_warn("the vCenter part is evaluated; rules over the DFW are unknown for this snapshot");
		if ((p->unavailable && p->unavailable(st, snap, e->url) < 0) ||
		    store_part_set(st, snap, p->part, PS_FAILED, e->url, msg, ps) < 0) {
			log_error("%s", err_get());
			rc = HERR_STORE;
		} else {
			s->part_err = rc;
			rc = HERR_OK;
		}
	}
	free(msg);
	return rc;
}

/* Collects one part straight into the twin and records the outcome. */
static enum herr run_part(struct scan *s, struct store *st, long long snap, const struct part_ops *p)
{
	enum herr rc;
	if (!part_skipped(s, st, snap, p, &rc))
		return rc;
	struct scan_stats ps = { 0 };
	struct sink_to to = { st, snap, NULL };
	return part_outcome(s, st, snap, p, collect_part(s, &to, p, &ps), &ps);
}

/* Drift against the target's previous completed snapshot, stored, with a
 * one-line summary on stderr. */
static enum herr store_drift(struct scan *s, struct store *st)
{
	const struct snapshot_info *si = &s->snapshot;
	long long prev, n[DK_COUNT];
	double t0 = now_ms();
	int r = store_snapshot_previous(st, si->target, si->id, &prev);
	if (r > 0)
		return HERR_OK;
	if (r < 0 || drift_compute(st, prev, si->id, n) < 0) {
		log_error("%s", err_get());
		return HERR_STORE;
	}
	s->drift_ms = now_ms() - t0;
	if (s->quiet)
		return HERR_OK;
	struct buf b = BUF_INIT;
	for (int k = 0; k < DK_COUNT; k++)
		if (n[k])
			buf_printf(&b, "%s%lld %s", b.len ? ", " : "", n[k], drift_kind_name((enum drift_kind)k));
	log_info("drift since snapshot %lld: %s (harden drift --target %s)", prev, b.len ? b.data : "no changes",
		 si->target);
	buf_release(&b);
	return HERR_OK;
}

/* Remediations proven (or not) by this snapshot: see
 * store_remediations_verify. */
static enum herr verify_remediations(struct scan *s, struct store *st)
{
	unsigned verified = 0, not_effective = 0;
	if (store_remediations_verify(st, s->snapshot.target, s->snapshot.id, &verified, &not_effective) < 0) {
		log_error("%s", err_get());
		return HERR_STORE;
	}
	if (verified && !s->quiet)
		log_info("%u remediation%s verified by snapshot %lld (harden remediation list --target %s)", verified,
			 verified == 1 ? "" : "s", s->snapshot.id, s->snapshot.target);
	if (not_effective)
		log_warn("%u remediation%s completed by pilot but not effective: the violation still fails in "
			 "snapshot %lld", not_effective, not_effective == 1 ? "" : "s", s->snapshot.id);
	return HERR_OK;
}

static enum herr scan_lock(struct store *st, int wait_s)
{
	if (store_scan_lock(st, wait_s) < 0) {
		/* A signal while waiting for another scan's lock. */
		int sig = interrupt_pending();
		if (sig) {
			err_set("interrupted by %s", interrupt_name(sig));
			return HERR_COLLECT;
		}
		log_error("%s", err_get());
		return HERR_BUSY;
	}
	return HERR_OK;
}

static enum herr snapshot_begin(struct scan *s, struct store *st, long long *snap)
{
	struct buf joined = BUF_INIT;
	for (size_t i = 0; i < s->nbaselines; i++)
		buf_printf(&joined, "%s%s", i ? "," : "", s->baselines[i]->id);
	int r = store_snapshot_begin(st, s->target->name, joined.data, s->target->vcenter.url, snap);
	buf_release(&joined);
	if (r < 0) {
		log_error("%s", err_get());
		return HERR_STORE;
	}
	return HERR_OK;
}

/* Marks the snapshot failed with why, keeping the message for the caller. */
static enum herr fail_snapshot(struct scan *s, struct store *st, long long snap, enum herr rc)
{
	char *why = xstrdup(err_get());
	s->failed_id = snap;
	if (store_snapshot_end(st, snap, SNAP_FAILED, why, &s->stats) == 0 && rc != HERR_STORE && rc != HERR_FULL &&
	    !s->interrupted)
		log_info("snapshot %lld marked failed; earlier snapshots are unchanged", snap);
	err_set("%s", why);
	free(why);
	return rc;
}

/* Evaluates, stores drift and verifies remediations for a snapshot whose
 * parts are recorded, then completes it. */
static enum herr scan_finish(struct scan *s, struct store *st, long long snap)
{
	/* The snapshot stays running until every evaluation and its drift
	 * have committed: a scan killed or starved of disk in between is
	 * failed, never a completed snapshot with results missing. */
	if (store_snapshot_get(st, snap, &s->snapshot) != 0) {
		log_error("%s", err_get());
		return fail_snapshot(s, st, snap, HERR_STORE);
	}
	enum herr rc = scan_evaluate(st, &s->snapshot, s->baselines, s->nbaselines, "scan", s->waivers,
				     s->waiver_source, &s->evals, &s->nevals, &s->eval_ms);
	if (!rc && !stop_requested(s))
		rc = store_drift(s, st);
	if (!rc && !s->interrupted)
		rc = verify_remediations(s, st);
	if (rc || s->interrupted || stop_requested(s)) {
		if (!stop_requested(s))
			err_set("evaluation of snapshot %lld failed: %s", snap, err_get());
		return fail_snapshot(s, st, snap, rc ? rc : HERR_COLLECT);
	}
	snapshot_info_release(&s->snapshot);
	if (store_snapshot_end(st, snap, SNAP_COMPLETED, NULL, &s->stats) < 0 ||
	    store_snapshot_get(st, snap, &s->snapshot) != 0) {
		log_error("%s", err_get());
		return fail_snapshot(s, st, snap, HERR_STORE);
	}
	return HERR_OK;
}

enum herr scan_run(struct scan *s, struct store *st)
{
	long long snap;
	if (stop_requested(s))
		return HERR_COLLECT;	/* before any snapshot */
	enum herr rc = scan_lock(st, s->wait_s);
	if (rc == HERR_COLLECT)
		stop_requested(s);
	if (!rc)
		rc = snapshot_begin(s, st, &snap);
	if (rc)
		return rc;
	for (unsigned i = 0; i < ARRAY_SIZE(parts) && !rc; i++)
		rc = stop_requested(s) ? HERR_COLLECT : run_part(s, st, snap, &parts[i]);
	if (rc || stop_requested(s))
		return fail_snapshot(s, st, snap, rc ? rc : HERR_COLLECT);
	return scan_finish(s, st, snap);
}

/* ---- several targets: collected in threads, written by one ---- */

/* A worker's collection of one target, every part into memory; no twin. */
static void collect_target(struct scan *s)
{
	for (unsigned i = 0; i < ARRAY_SIZE(parts); i++) {
		const struct part_ops *p = &parts[i];
		struct scan_job_part *jp = &s->job.part[p->part];
		if (!p->endpoint(s->target)->present || !part_needed(s, p))
			continue;
		if (interrupt_pending()) {
			/* No new connection after a signal: the writer marks
			 * the snapshot failed. */
			jp->rc = HERR_COLLECT;
			jp->msg = xasprintf("interrupted by %s", interrupt_name(interrupt_pending()));
			break;
		}
		struct sink_to to = { NULL, 0, &jp->batch };
		jp->rc = collect_part(s, &to, p, &jp->stats);
		if (jp->rc)
			jp->msg = xstrdup(err_get());
		/* A failed vCenter part ends the target: NSX is not contacted. */
		if (jp->rc && p->required)
			break;
	}
}

/* Writes a part's batch into the twin in a transaction of its own. */
static int write_batch(struct store *st, long long snap, struct scan_job_part *jp)
{
	int r = store_begin(st);
	if (r < 0)
		return from_store(r);
	double ms = 0;
	if ((r = batch_replay(&jp->batch, st, snap, &ms)) == 0 && (r = store_commit(st)) < 0)
		r = from_store(r);
	if (r < 0)
		store_rollback(st);
	jp->stats.store_ms += ms;
	return r;
}

/* The writer's part of one collected target: each part into the twin,
 * then evaluation and drift, as scan_run does. */
static enum herr write_target(struct scan *s, struct store *st)
{
	long long snap = s->job.snap;
	enum herr rc = stop_requested(s) ? HERR_COLLECT : HERR_OK;
	for (unsigned i = 0; i < ARRAY_SIZE(parts) && !rc; i++) {
		const struct part_ops *p = &parts[i];
		struct scan_job_part *jp = &s->job.part[p->part];
		if (!part_skipped(s, st, snap, p, &rc))
			continue;
		int r = jp->rc;
		if (r == 0)
			r = write_batch(st, snap, jp);
		else
			err_set("%s", jp->msg ? jp->msg : "collection failed");
		batch_release(&jp->batch);
		rc = part_outcome(s, st, snap, p, r, &jp->stats);
	}
	if (rc || stop_requested(s))
		return fail_snapshot(s, st, snap, rc ? rc : HERR_COLLECT);
	return scan_finish(s, st, snap);
}

struct pool {
	struct scan **v;
	size_t n, next;
	pthread_mutex_t mu;
	pthread_cond_t done;
};

static void *worker(void *arg)
{
	struct pool *pl = arg;
	for (;;) {
		pthread_mutex_lock(&pl->mu);
		size_t i = pl->next < pl->n ? pl->next++ : pl->n;
		pthread_mutex_unlock(&pl->mu);
		if (i >= pl->n)
			return NULL;
		collect_target(pl->v[i]);
		pthread_mutex_lock(&pl->mu);
		pl->v[i]->job.collected = true;
		pthread_cond_broadcast(&pl->done);
		pthread_mutex_unlock(&pl->mu);
	}
}

/* The next collected target not yet written, waiting for one. */
static struct scan *next_collected(struct pool *pl)
{
	pthread_mutex_lock(&pl->mu);
	for (;;) {
		for (size_t i = 0; i < pl->n; i++) {
			if (pl->v[i]->job.collected && !pl->v[i]->job.written) {
				pl->v[i]->job.written = true;
				pthread_mutex_unlock(&pl->mu);
				return pl->v[i];
			}
		}
		pthread_cond_wait(&pl->done, &pl->mu);
	}
}

enum herr scan_run_many(struct scan **v, size_t n, struct store *st, int jobs)
{
	enum herr rc = scan_lock(st, n ? v[0]->wait_s : 0);
	for (size_t i = 0; i < n && !rc; i++)
		rc = snapshot_begin(v[i], st, &v[i]->job.snap);
	if (rc)
		return rc;
	struct pool pl = { .v = v, .n = n };
	pthread_mutex_init(&pl.mu, NULL);
	pthread_cond_init(&pl.done, NULL);
	size_t nthreads = jobs < 1 ? 1 : (size_t)jobs < n ? (size_t)jobs : n, started = 0;
	pthread_t *th = xcalloc(nthreads ? nthreads : 1, sizeof(*th));
	while (started < nthreads && pthread_create(&th[started], NULL, worker, &pl) == 0)
		started++;
	if (!started)
		worker(&pl);	/* no thread at all: collect here, one by one */
	/* This thread alone uses the twin: each target as it arrives. */
	for (size_t k = 0; k < n; k++) {
		struct scan *s = next_collected(&pl);
		s->job.rc = write_target(s, st);
		if (s->job.rc)
			s->job.error = xstrdup(err_get());
		if (s->job.rc == HERR_STORE || s->job.rc == HERR_FULL)
			rc = s->job.rc;
	}
	for (size_t i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	free(th);
	pthread_cond_destroy(&pl.done);
	pthread_mutex_destroy(&pl.mu);
	return rc;
}

void scan_release(struct scan *s)
{
	targets_password_free(s->vc_password);
	targets_password_free(s->nsx_password);
	s->vc_password = s->nsx_password = NULL;
	prop_needs_release(&s->needs);
	for (int p = 0; p < PART_COUNT; p++) {
		batch_release(&s->job.part[p].batch);
		free(s->job.part[p].msg);
		s->job.part[p].msg = NULL;
	}
	free(s->job.error);
	s->job.error = NULL;
	evaluation_list_free(s->evals, s->nevals);
	s->evals = NULL;
	s->nevals = 0;
	snapshot_info_release(&s->snapshot);
}

enum herr scan_evaluate(struct store *st, const struct snapshot_info *si, struct baseline **bl, size_t n,
			const char *kind, const struct waivers *w, const char *waiver_source,
			struct evaluation_info **out, unsigned *nout, double *ms)
{
	struct evaluation_info *evals = xcalloc(n ? n : 1, sizeof(*evals));
	*ms = 0;
	*out = evals;
	*nout = 0;
	for (size_t i = 0; i < n; i++) {
		if (interrupt_pending()) {
			err_set("interrupted by %s", interrupt_name(interrupt_pending()));
			return HERR_COLLECT;
		}
		struct eval_summary sum;
		char step[160];
		snprintf(step, sizeof(step), "evaluating %s", bl[i]->id);
		progress_show(step, "baseline %zu of %zu, %u rules", i + 1, n, bl[i]->nrules);
		int r = rules_evaluate(st, si->id, bl[i], kind, w, waiver_source, &sum);
		progress_clear();
		if (r < 0) {
			log_error("%s", err_get());
			return from_store(r);
		}
		*ms += sum.ms;
		evals[i].id = sum.eval_id;
		evals[i].eval_ms = sum.ms;
		evals[i].snapshot_id = si->id;
		evals[i].baseline_id = xstrdup(bl[i]->id);
		evals[i].baseline_title = xstrdup(bl[i]->title);
		evals[i].baseline_version = xstrdup(bl[i]->version ? bl[i]->version : "");
		evals[i].kind = xstrdup(kind);
		evals[i].params = baseline_params_json(bl[i]);
		*nout = (unsigned)i + 1;
	}
	return HERR_OK;
}
