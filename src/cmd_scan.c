/* harden scan: collect a target into a new snapshot, evaluate baselines,
 * report, and gate.  The pipeline itself is src/scan/. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd_common.h"
#include "scan/scan.h"

struct scan_opts {
	const char *target;
	struct baseline_args b;
	struct gate gate;
	struct report_args r;
	long long page_size, wait_s;
	int collect;
	bool stats;
};

static const char *const collect_modes[] = { "baselines", "all", NULL };

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
	{ .name = "collect", .arg = "WHAT", .kind = OPT_CHOICE, .off = O(collect), .choices = collect_modes,
	  .help = "baselines: only what the baselines read (default); all: everything" },
	{ .name = "stats", .kind = OPT_FLAG, .off = O(stats),
	  .help = "print timings, API calls, bytes and peak RSS on stderr" },
	{ 0 },
};

static const struct scan_opts defaults = {
	.gate = GATE_INIT, .r = REPORT_ARGS_INIT, .page_size = 500,
};

static void print_stats(const struct scan *s, double t_start)
{
	fprintf(stderr, "harden: stats: wall_ms=%.0f collect_ms=%.0f store_ms=%.0f eval_ms=%.0f drift_ms=%.0f "
		"objects=%lld api_calls=%lld bytes_received=%lld peak_rss_kib=%ld\n",
		now_ms() - t_start, s->stats.collect_ms, s->stats.store_ms, s->eval_ms, s->drift_ms, s->stats.objects,
		s->stats.api_calls, s->stats.bytes_received, peak_rss_kib());
}

/* A wrong --since is a usage error, found before collecting. */
static int check_since(struct store *st, const char *target, long long since)
{
	if (!since)
		return 0;
	struct snapshot_info ref = { 0 };
	int rc = cmd_completed_snapshot(st, target, NULL, since, &ref);
	snapshot_info_release(&ref);
	return rc;
}

static int run(struct cmd_ctx *ctx, void *vopts)
{
	struct scan_opts *o = vopts;
	double t_start = now_ms();
	struct scan s = { .page_size = (int)o->page_size, .wait_s = (int)o->wait_s, .quiet = ctx->quiet,
			  .progress = !ctx->quiet && isatty(STDERR_FILENO), .collect_all = o->collect == 1 };
	struct waivers wv = { 0 };
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
	    (rc = check_since(ctx->store, s.target->name, o->gate.since)) != 0)
		goto out;
	s.waivers = &wv;

	enum herr e = scan_run(&s, ctx->store);
	if (e) {
		rc = cmd_exit_for(e);
		goto out;
	}
	struct counts total;
	if ((rc = cmd_write_reports(ctx, ctx->store, &s.snapshot, s.evals, s.nevals, &o->r, o->gate.fail_on, true,
				    &total)) == 0)
		rc = cmd_gate(ctx->store, &s.snapshot, s.evals, s.nevals, &total, &o->gate);
	/* A part that failed outranks the gate: the verdicts are incomplete. */
	if (s.part_err && rc != EXIT_STORE && rc != EXIT_USAGE)
		rc = cmd_exit_for(s.part_err);
	if (o->stats && rc != EXIT_STORE)
		print_stats(&s, t_start);
out:
	cmd_free_baselines(s.baselines, o->b.names.n);
	scan_release(&s);
	waivers_release(&wv);
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
		      { tail_opts, 0 } },
	.opts_size = sizeof(struct scan_opts),
	.defaults = &defaults,
	.setup = CMD_TARGETS | CMD_NETWORK,
	.exits = EXITS(EXIT_CLEAN, EXIT_FINDINGS, EXIT_USAGE, EXIT_UNKNOWN, EXIT_COLLECT, EXIT_AUTH, EXIT_STORE,
		       EXIT_BUSY),
	.run = run,
	.release = release,
};
