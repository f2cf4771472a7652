/* harden scan: collect a target into a new snapshot, evaluate baselines,
 * report, and gate.  The pipeline itself is src/scan/. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd_common.h"
#include "exitcode.h"
#include "scan/scan.h"
#include "vcenter/vc.h"
#include "util/progress.h"
#include "util/interrupt.h"

struct scan_opts {
	struct strlist targets;
	bool all_targets;
	long long jobs;
	struct baseline_args b;
	struct gate gate;
	struct report_args r;
	struct view_args v;
	long long page_size, wait_s, retrievals;
	int collect;
	bool stats, progress;
	const char *stats_json;
};

static const char *const collect_modes[] = { "baselines", "all", NULL };

#define O(f) offsetof(struct scan_opts, f)
static const struct cmd_opt opts[] = {
	{ .name = "target", .sname = 't', .arg = "T", .kind = OPT_LIST, .off = O(targets),
	  .help = "the target's name in the targets file; repeat to scan several" },
	{ .name = "all-targets", .kind = OPT_FLAG, .off = O(all_targets), .help = "scan every target of the targets file" },
	{ .name = "jobs", .sname = 'j', .arg = "N", .kind = OPT_INT, .off = O(jobs), .min = 1, .max = 64,
	  .help = "collect up to N targets at once (default: their number, at most 8)" },
	{ 0 },
};
static const struct cmd_opt tail_opts[] = {
	{ .name = "page-size", .arg = "N", .kind = OPT_INT, .off = O(page_size), .min = 1, .max = 100000,
	  .help = "objects per RetrievePropertiesEx page (default 500)" },
	{ .name = "retrievals", .arg = "N", .kind = OPT_INT, .off = O(retrievals), .min = 1, .max = VC_RETRIEVALS_MAX,
	  .help = "retrieve a vCenter's VMs N pages at a time on its session (default 2; 1: one after another)" },
	{ .name = "wait", .arg = "SECONDS", .kind = OPT_INT, .off = O(wait_s), .min = 0, .max = 86400,
	  .help = "wait this long for another scan of the twin (default 0)" },
	{ .name = "collect", .arg = "WHAT", .kind = OPT_CHOICE, .off = O(collect), .choices = collect_modes,
	  .help = "baselines: only what the baselines read (default); all: everything" },
	{ .name = "progress", .kind = OPT_FLAG, .off = O(progress),
	  .help = "show progress on stderr even when it is not a terminal (a line a step; never with --quiet)" },
	{ .name = "stats", .kind = OPT_FLAG, .off = O(stats),
	  .help = "print timings, objects, API calls, bytes and peak memory on stderr" },
	{ .name = "stats-json", .arg = "FILE", .kind = OPT_STR, .off = O(stats_json),
	  .help = "write the same as JSON (schema harden.stats) to FILE, '-' for stderr" },
	{ 0 },
};

static const struct scan_opts defaults = {
	.gate = GATE_INIT, .r = REPORT_ARGS_INIT, .page_size = 500, .retrievals = VC_RETRIEVALS_DEFAULT,
};

/* For people: times in seconds, sizes in MB, one aspect a line. */
static void print_stats(const struct scan *s, double wall_ms)
{
	fprintf(stderr, "harden: stats of snapshot %lld of target '%s':\n", s->snapshot.id, s->target->name);
	fprintf(stderr, "  time        %.2f s: collecting %.2f s, storing %.2f s, evaluating %.2f s, drift %.2f s\n",
		wall_ms / 1000, s->stats.collect_ms / 1000, s->stats.store_ms / 1000, s->eval_ms / 1000,
		s->drift_ms / 1000);
	fprintf(stderr, "  collected   %lld objects in %lld API calls, %.1f MB received\n", s->stats.objects,
		s->stats.api_calls, (double)s->stats.bytes_received / 1e6);
	fprintf(stderr, "  memory      %.1f MiB at most\n", (double)peak_rss_kib() / 1024);
}

static json_int_t whole_ms(double ms)
{
	return (json_int_t)(ms + 0.5);
}

/* For scripts: the same figures (times in whole milliseconds, sizes in
 * bytes and KiB) as a JSON object. */
static int write_stats_json(const struct scan *s, double wall_ms, const char *path)
{
	json_t *j = json_pack("{s:s, s:i, s:s, s:I, s:{s:I, s:I, s:I, s:I, s:I}, s:I, s:I, s:I, s:I}", "schema",
			      "harden.stats", "schema_version", 1, "target", s->target->name, "snapshot_id",
			      (json_int_t)s->snapshot.id, "ms", "wall", whole_ms(wall_ms), "collect",
			      whole_ms(s->stats.collect_ms), "store", whole_ms(s->stats.store_ms), "evaluate",
			      whole_ms(s->eval_ms), "drift", whole_ms(s->drift_ms), "objects",
			      (json_int_t)s->stats.objects, "api_calls", (json_int_t)s->stats.api_calls,
			      "bytes_received", (json_int_t)s->stats.bytes_received, "peak_rss_kib",
			      (json_int_t)peak_rss_kib());
	int rc = strcmp(path, "-") ? json_dump_file(j, path, JSON_INDENT(2) | JSON_PRESERVE_ORDER)
				   : json_dumpf(j, stderr, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (!strcmp(path, "-"))
		fputc('\n', stderr);
	json_decref(j);
	if (rc < 0)
		log_error("cannot write the statistics to '%s'", path);
	return rc < 0 ? EXIT_STORE : 0;
}

/* After SIGINT or SIGTERM: one line saying what became of the scan, and
 * 128 + the signal; 0 when no signal came. */
static int interrupted(const struct scan *s)
{
	int sig = s->interrupted ? s->interrupted : interrupt_pending();
	if (!sig)
		return 0;
	if (s->failed_id)
		log_error("interrupted by %s: snapshot %lld of target '%s' marked failed, sessions logged out; earlier "
			  "snapshots are unchanged", interrupt_name(sig), s->failed_id, s->target->name);
	else if (s->snapshot.id)
		log_error("interrupted by %s after snapshot %lld of target '%s' completed; no report written",
			  interrupt_name(sig), s->snapshot.id, s->target->name);
	else
		log_error("interrupted by %s before collecting target '%s'", interrupt_name(sig), s->target->name);
	return 128 + sig;
}

/* The target named, or NULL after a usage error saying which it may mean. */
static const struct target *find_target(struct cmd_ctx *ctx, const char *name)
{
	const struct target *t = targets_find(ctx->targets, name);
	if (t)
		return t;
	const char **names = xcalloc(ctx->targets->n + 1, sizeof(*names));
	for (unsigned i = 0; i < ctx->targets->n; i++)
		names[i] = ctx->targets->v[i].name;
	const char *best = cmd_closest(name, names, ctx->targets->n);
	log_error("unknown target '%s' in '%s'%s%s%s", name, ctx->targets->path, best ? "; did you mean '" : "",
		  best ? best : "", best ? "'?" : "");
	free(names);
	return NULL;
}

static int run_many(struct cmd_ctx *ctx, struct scan_opts *o, double t_start);

static int run(struct cmd_ctx *ctx, void *vopts)
{
	struct scan_opts *o = vopts;
	if (!o->targets.n && !o->all_targets)
		return cmd_bad_usage(ctx, "--target or --all-targets is required");
	if (o->targets.n && o->all_targets)
		return cmd_bad_usage(ctx, "--target and --all-targets exclude each other");
	if (o->targets.n != 1)
		return run_many(ctx, o, now_ms());
	double t_start = now_ms();
	bool tty = isatty(STDERR_FILENO);
	progress_set(ctx->quiet ? PROGRESS_OFF : tty ? PROGRESS_TTY : o->progress ? PROGRESS_LINES : PROGRESS_OFF);
	struct scan s = { .page_size = (int)o->page_size, .retrievals = (int)o->retrievals, .wait_s = (int)o->wait_s,
			  .quiet = ctx->quiet, .progress = progress_on(), .collect_all = o->collect == 1 };
	struct waivers wv = { 0 };
	struct since ref = { 0 };
	int rc;

	/* Everything that can be wrong locally is checked before collecting. */
	if ((rc = cmd_load_baselines(&o->b.names, &s.baselines)) != 0)
		goto out;
	s.nbaselines = o->b.names.n;
	if (!(s.target = find_target(ctx, o->targets.v[0]))) {
		rc = EXIT_USAGE;
		goto out;
	}
	s.waiver_source = o->b.waivers ? o->b.waivers : s.target->waivers;
	if ((rc = cmd_bind_params(s.baselines, s.nbaselines, s.target, &o->b.sets)) != 0 ||
	    (rc = cmd_load_waivers(s.waiver_source, &wv)) != 0 || (rc = cmd_exit_for(scan_prepare(&s))) != 0 ||
	    (rc = cmd_open_twin(ctx, CMD_TWIN_WRITE)) != 0 ||
	    (rc = cmd_gate_prepare(ctx->store, s.target->name, 0, &o->gate, &ref)) != 0)
		goto out;
	s.waivers = &wv;

	enum herr e = scan_run(&s, ctx->store);
	if ((rc = interrupted(&s)) != 0)
		goto out;
	if (e) {
		rc = cmd_exit_for(e);
		goto out;
	}
	/* A wrong --since or --since-report was refused before collecting. */
	rc = cmd_report_gate(ctx, ctx->store, &s.snapshot, s.evals, s.nevals, &o->r, &o->gate, &ref, true, &o->v,
			     s.part_err ? cmd_exit_for(s.part_err) : 0);
	double wall = now_ms() - t_start;
	if (o->stats && rc != EXIT_STORE)
		print_stats(&s, wall);
	if (o->stats_json && rc != EXIT_STORE) {
		int r = write_stats_json(&s, wall, o->stats_json);
		if (r && rc == EXIT_CLEAN)
			rc = r;
	}
out:
	cmd_free_baselines(s.baselines, o->b.names.n);
	scan_release(&s);
	waivers_release(&wv);
	since_release(&ref);
	return rc;
}

/* ---- several targets ---- */

/* One target of a scan of several: its own baselines (bound to its
 * parameters), waivers, report files and exit code. */
struct one {
	struct scan s;
	struct waivers wv;
	struct report_args ra;
	struct since ref;	/* what --fail-on-new compares this target with */
	int rc;
};

/* The combined exit code is the worst of the targets': a store or lock
 * failure, then credentials refused, then a failed collection, then
 * failing results, then unknown results, then clean. */
static int exit_rank(int code)
{
	static const int order[] = { EXIT_CLEAN, EXIT_UNKNOWN, EXIT_FINDINGS, EXIT_COLLECT, EXIT_AUTH, EXIT_BUSY,
				     EXIT_STORE };
	for (unsigned i = 0; i < ARRAY_SIZE(order); i++)
		if (order[i] == code)
			return (int)i;
	return (int)ARRAY_SIZE(order);
}

/* path with every {target} replaced by name. */
static char *expand_target(const char *path, const char *name)
{
	struct buf b = BUF_INIT;
	for (const char *p = path; *p;) {
		if (!strncmp(p, "{target}", 8)) {
			buf_puts(&b, name);
			p += 8;
		} else {
			buf_putc(&b, *p++);
		}
	}
	return buf_detach(&b);
}

/* Several targets write one report each: standard output takes the table
 * (one after another) or JSON (an array of per-target objects), and every
 * --output path must name {target}. */
static int check_many_outputs(struct cmd_ctx *ctx, const struct scan_opts *o)
{
	if (o->r.format >= 0 && o->r.format != FMT_TABLE && o->r.format != FMT_JSON)
		return cmd_bad_usage(ctx, "with several targets, --format is table or json; write other formats with "
					  "--output F:PATH, {target} in PATH");
	for (unsigned i = 0; i < o->r.outputs.n; i++)
		if (!strstr(o->r.outputs.v[i].path, "{target}"))
			return cmd_bad_usage(ctx, "with several targets, --output path '%s' must contain {target}, "
						  "which becomes each target's name", o->r.outputs.v[i].path);
	if (o->gate.since)
		return cmd_bad_usage(ctx, "--since names one target's snapshot: give one --target");
	return 0;
}

static int prepare_one(struct cmd_ctx *ctx, const struct scan_opts *o, struct one *x, const struct target *t)
{
	x->s = (struct scan){ .target = t, .page_size = (int)o->page_size, .retrievals = (int)o->retrievals,
			      .wait_s = (int)o->wait_s, .quiet = ctx->quiet, .collect_all = o->collect == 1 };
	x->ra = o->r;
	x->ra.outputs.v = xcalloc(o->r.outputs.n ? o->r.outputs.n : 1, sizeof(*x->ra.outputs.v));
	for (unsigned i = 0; i < o->r.outputs.n; i++) {
		x->ra.outputs.v[i].format = o->r.outputs.v[i].format;
		x->ra.outputs.v[i].path = expand_target(o->r.outputs.v[i].path, t->name);
	}
	int rc = cmd_load_baselines(&o->b.names, &x->s.baselines);
	if (rc)
		return rc;
	x->s.nbaselines = o->b.names.n;
	x->s.waiver_source = o->b.waivers ? o->b.waivers : t->waivers;
	if ((rc = cmd_bind_params(x->s.baselines, x->s.nbaselines, t, &o->b.sets)) != 0 ||
	    (rc = cmd_load_waivers(x->s.waiver_source, &x->wv)) != 0 || (rc = cmd_exit_for(scan_prepare(&x->s))) != 0)
		return rc;
	x->s.waivers = &x->wv;
	return 0;
}

static void release_one(struct one *x, size_t nbaselines)
{
	cmd_free_baselines(x->s.baselines, nbaselines);
	scan_release(&x->s);
	waivers_release(&x->wv);
	since_release(&x->ref);
	for (unsigned i = 0; i < x->ra.outputs.n; i++)
		free(x->ra.outputs.v[i].path);
	free(x->ra.outputs.v);
}

/* The target's reports and gate; with JSON, its object in arr. */
static void report_one(struct cmd_ctx *ctx, const struct scan_opts *o, struct one *x, json_t *arr)
{
	char *text = NULL;
	size_t len = 0;
	json_t *report = json_null();
	if (x->s.job.rc) {
		x->rc = cmd_exit_for(x->s.job.rc);
	} else {
		if (arr)
			x->ra.out = open_memstream(&text, &len);
		x->rc = cmd_report_gate(ctx, ctx->store, &x->s.snapshot, x->s.evals, x->s.nevals, &x->ra, &o->gate,
					&x->ref, true, &o->v, x->s.part_err ? cmd_exit_for(x->s.part_err) : 0);
		if (x->ra.out) {
			fclose(x->ra.out);
			x->ra.out = NULL;
			report = json_loads(text ? text : "", 0, NULL);
			free(text);
		}
	}
	if (!arr) {
		json_decref(report);
		return;
	}
	json_t *j = json_pack("{s:s, s:i, s:I}", "target", x->s.target->name, "exit_code", x->rc, "snapshot_id",
			      (json_int_t)x->s.job.snap);
	json_object_set_new(j, "error", x->s.job.error ? json_string(x->s.job.error) : json_null());
	json_object_set_new(j, "report", report ? report : json_null());
	json_array_append_new(arr, j);
}

/* After the tables: one line per target. */
static void summary_table(struct one *v, size_t n, int worst)
{
	printf("\nTargets: %zu scanned, exit code %d\n", n, worst);
	for (size_t i = 0; i < n; i++) {
		fputs("  ", stdout);
		fput_safe(stdout, v[i].s.target->name, 24);
		printf(" snapshot %-6lld exit %d  ", v[i].s.job.snap, v[i].rc);
		fput_safe(stdout, v[i].s.job.error ? v[i].s.job.error : "completed", 0);
		fputc('\n', stdout);
	}
}

static int collect_many(struct cmd_ctx *ctx, const struct scan_opts *o, struct one *v, size_t n)
{
	int rc = cmd_open_twin(ctx, CMD_TWIN_WRITE);
	/* What --fail-on-new compares with, per target, before collecting. */
	for (size_t i = 0; i < n && !rc; i++)
		rc = cmd_gate_prepare(ctx->store, v[i].s.target->name, 0, &o->gate, &v[i].ref);
	if (rc)
		return rc;
	struct scan **sv = xcalloc(n, sizeof(*sv));
	for (size_t i = 0; i < n; i++)
		sv[i] = &v[i].s;
	int jobs = o->jobs ? (int)o->jobs : n < 8 ? (int)n : 8;
	enum herr e = scan_run_many(sv, n, ctx->store, jobs);
	free(sv);
	return e ? cmd_exit_for(e) : 0;
}

static int run_many(struct cmd_ctx *ctx, struct scan_opts *o, double t_start)
{
	size_t n = o->all_targets ? ctx->targets->n : o->targets.n;
	int rc = check_many_outputs(ctx, o), worst = EXIT_CLEAN;
	if (rc)
		return rc;
	if (!n) {
		log_error("no targets in '%s'", ctx->targets->path);
		return EXIT_USAGE;
	}
	struct one *v = xcalloc(n, sizeof(*v));
	size_t prepared = 0;
	for (; prepared < n && !rc; prepared++) {
		const char *name = o->all_targets ? ctx->targets->v[prepared].name : o->targets.v[prepared];
		const struct target *t = find_target(ctx, name);
		for (size_t k = 0; t && k < prepared; k++)
			if (v[k].s.target == t)
				t = NULL, rc = cmd_bad_usage(ctx, "target '%s' is given twice", name);
		rc = rc ? rc : !t ? EXIT_USAGE : prepare_one(ctx, o, &v[prepared], t);
	}
	if (!rc) {
		rc = collect_many(ctx, o, v, n);
		/* After SIGINT or SIGTERM: what became of each target, no
		 * reports, and 128 + the signal. */
		for (size_t i = 0; i < n && interrupt_pending(); i++)
			rc = interrupted(&v[i].s);
	}
	if (!rc) {
		bool json = o->r.format == FMT_JSON;
		json_t *arr = json ? json_array() : NULL;
		for (size_t i = 0; i < n; i++) {
			report_one(ctx, o, &v[i], arr);
			worst = exit_rank(v[i].rc) > exit_rank(worst) ? v[i].rc : worst;
			if (o->stats)
				print_stats(&v[i].s, now_ms() - t_start);
		}
		if (json) {
			json_t *doc = json_pack("{s:s, s:i, s:i, s:o}", "schema", "harden.scan-targets", "schema_version", 1,
						"exit_code", worst, "targets", arr);
			json_dumpf(doc, stdout, JSON_INDENT(2));
			fputc('\n', stdout);
			json_decref(doc);
		} else if (!ctx->quiet || o->r.format >= 0) {
			summary_table(v, n, worst);
		}
		rc = worst;
	}
	for (size_t i = 0; i < prepared; i++)
		release_one(&v[i], o->b.names.n);
	free(v);
	return rc;
}

static void release(void *vopts)
{
	cmd_report_args_release(&((struct scan_opts *)vopts)->r);
}

const struct cmd cmd_scan = {
	.name = "scan",
	.summary = "Collect a target into a new snapshot and evaluate baselines against it",
	.optsets = { { opts, 0 }, { cmd_baseline_opts, O(b) }, { cmd_gate_opts, O(gate) }, { cmd_report_opts, O(r) },
		      { cmd_view_opts, O(v) }, { tail_opts, 0 } },
	.opts_size = sizeof(struct scan_opts),
	.defaults = &defaults,
	.setup = CMD_TARGETS | CMD_NETWORK | CMD_INTERRUPTIBLE,
	.exits = EXITS(EXIT_CLEAN, EXIT_FINDINGS, EXIT_USAGE, EXIT_UNKNOWN, EXIT_COLLECT, EXIT_AUTH, EXIT_STORE,
		       EXIT_BUSY),
	.run = run,
	.release = release,
};
