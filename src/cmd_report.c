/* harden report: show a stored scan again. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_common.h"

struct report_cmd_opts {
	struct pick_args p;
	long long evaluation;
	struct gate gate;
	struct report_args r;
	struct view_args v;
};

#define O(f) offsetof(struct report_cmd_opts, f)
static const struct cmd_opt opts[] = {
	{ .name = "evaluation", .sname = 'e', .arg = "ID", .kind = OPT_ID, .off = O(evaluation),
	  .help = "one evaluation, e.g. from 'harden evaluate' (default: the scan's own)" },
	{ 0 },
};

static const struct report_cmd_opts defaults = { .gate = { -1, false, 0, NULL, -1, -1 }, .r = REPORT_ARGS_INIT };

/* The snapshot an --evaluation alone names. */
static int evaluation_snapshot(struct store *st, const char *db, long long eval, long long *id)
{
	int r = store_evaluation_snapshot(st, eval, id);
	if (r > 0)
		log_error("no evaluation %lld in '%s'", eval, db);
	else if (r < 0)
		log_error("%s", err_get());
	return r > 0 ? EXIT_USAGE : r < 0 ? EXIT_STORE : 0;
}

/* Keeps, first in ev, the scan's own evaluations or the one asked for. */
static unsigned keep_evaluations(struct evaluation_info *ev, unsigned nev, long long only)
{
	unsigned kept = 0;
	for (unsigned i = 0; i < nev; i++) {
		bool keep = only ? ev[i].id == only : !strcmp(ev[i].kind, "scan");
		if (keep) {
			struct evaluation_info t = ev[kept];
			ev[kept++] = ev[i];
			ev[i] = t;
		}
	}
	return kept;
}

static int run(struct cmd_ctx *ctx, void *vopts)
{
	struct report_cmd_opts *o = vopts;
	struct store *st = ctx->store;
	struct snapshot_info si = { 0 };
	struct evaluation_info *ev = NULL;
	unsigned nev = 0;
	long long id = 0;
	struct since ref = { 0 };
	int rc;
	if (o->evaluation && !o->p.snapshot && !o->p.target &&
	    (rc = evaluation_snapshot(st, ctx->db, o->evaluation, &id)) != 0)
		goto out;
	if ((rc = cmd_completed_snapshot(st, o->p.target, o->p.snapshot, id, &si)) != 0 ||
	    (rc = cmd_gate_prepare(st, si.target, si.id, &o->gate, &ref)) != 0)
		goto out;
	if (store_evaluations(st, si.id, &ev, &nev) < 0) {
		log_error("%s", err_get());
		rc = EXIT_STORE;
		goto out;
	}
	unsigned kept = keep_evaluations(ev, nev, o->evaluation);
	if (o->evaluation && !kept) {
		log_error("evaluation %lld is not of snapshot %lld", o->evaluation, si.id);
		rc = EXIT_USAGE;
		goto out;
	}
	/* report is not quiet: the report is what it is run for. */
	struct cmd_ctx loud = *ctx;
	loud.quiet = false;
	rc = cmd_report_gate(&loud, st, &si, ev, kept, &o->r, &o->gate, &ref, true, &o->v, 0);
out:
	evaluation_list_free(ev, nev);
	snapshot_info_release(&si);
	since_release(&ref);
	return rc;
}

static void release(void *vopts)
{
	cmd_report_args_release(&((struct report_cmd_opts *)vopts)->r);
}

const struct cmd cmd_report = {
	.name = "report",
	.summary = "Show the results of a stored scan again",
	.optsets = { { cmd_pick_opts, O(p) }, { opts, 0 }, { cmd_gate_opts, O(gate) }, { cmd_report_opts, O(r) }, { cmd_view_opts, O(v) } },
	.opts_size = sizeof(struct report_cmd_opts),
	.defaults = &defaults,
	.setup = CMD_TWIN_READ,
	.exits = EXITS(EXIT_CLEAN, EXIT_FINDINGS, EXIT_USAGE, EXIT_UNKNOWN, EXIT_COLLECT, EXIT_STORE, EXIT_NO_SCAN),
	.run = run,
	.release = release,
};
