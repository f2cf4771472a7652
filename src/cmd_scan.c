/* harden scan: collect a target into a new snapshot, evaluate baselines,
 * report, and gate.  The pipeline itself is src/scan/. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd_common.h"
#include "scan/scan.h"
#include "util/progress.h"
#include "util/interrupt.h"

struct scan_opts {
	const char *target;
	struct baseline_args b;
	struct gate gate;
	struct report_args r;
	struct view_args v;
	long long page_size, wait_s;
	bool stats, progress;
	const char *stats_json;
};

#define O(f) offsetof(struct scan_opts, f)
static const struct cmd_opt opts[] = {
	{ .name = "target", .sname = 't', .arg = "T", .kind = OPT_STR, .off = O(target), .flags = OPTF_REQUIRED,
	  .help = "the target's name in the targets file" },
	{ 0 },
};
static const struct cmd_opt tail_opts[] = {
	{ .name = "page-size", .arg = "N", .kind = OPT_INT, .off = O(page_size), .min = 1, .max = 100000,
	  .help = "objects per RetrievePropertiesEx page (default 500)" },
	{ .name = "wait", .arg = "SECONDS", .kind = OPT_INT, .off = O(wait_s), .min = 0, .max = 86400,
	  .help = "wait this long for another scan of the twin (default 0)" },
	{ .name = "progress", .kind = OPT_FLAG, .off = O(progress),
	  .help = "show progress on stderr even when it is not a terminal (a line a step; never with --quiet)" },
	{ .name = "stats", .kind = OPT_FLAG, .off = O(stats),
	  .help = "print timings, objects, API calls, bytes and peak memory on stderr" },
	{ .name = "stats-json", .arg = "FILE", .kind = OPT_STR, .off = O(stats_json),
	  .help = "write the same as JSON (schema harden.stats) to FILE, '-' for stderr" },
	{ 0 },
};

static const struct scan_opts defaults = {
	.gate = GATE_INIT, .r = REPORT_ARGS_INIT, .page_size = 500,
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

static int run(struct cmd_ctx *ctx, void *vopts)
{
	struct scan_opts *o = vopts;
	double t_start = now_ms();
	bool tty = isatty(STDERR_FILENO);
	progress_set(ctx->quiet ? PROGRESS_OFF : tty ? PROGRESS_TTY : o->progress ? PROGRESS_LINES : PROGRESS_OFF);
	struct scan s = { .page_size = (int)o->page_size, .wait_s = (int)o->wait_s, .quiet = ctx->quiet,
			  .progress = progress_on() };
	struct waivers wv = { 0 };
	struct since ref = { 0 };
	int rc;

	/* Everything that can be wrong locally is checked before collecting. */
	if ((rc = cmd_load_baselines(&o->b.names, &s.baselines)) != 0)
		goto out;
	s.nbaselines = o->b.names.n;
	if (!(s.target = targets_find(ctx->targets, o->target))) {
		const char **names = xcalloc(ctx->targets->n + 1, sizeof(*names));
		for (unsigned i = 0; i < ctx->targets->n; i++)
			names[i] = ctx->targets->v[i].name;
		const char *best = cmd_closest(o->target, names, ctx->targets->n);
		log_error("unknown target '%s' in '%s'%s%s%s", o->target, ctx->targets->path, best ? "; did you mean '" : "",
			  best ? best : "", best ? "'?" : "");
		free(names);
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
