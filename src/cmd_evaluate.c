/* harden evaluate: run baselines against a stored snapshot, offline. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_common.h"
#include "scan/scan.h"

struct evaluate_opts {
	struct pick_args p;
	struct baseline_args b;
	struct gate gate;
	struct report_args r;
	struct view_args v;
};

#define O(f) offsetof(struct evaluate_opts, f)
static const struct evaluate_opts defaults = { .gate = GATE_INIT, .r = REPORT_ARGS_INIT };

static int run(struct cmd_ctx *ctx, void *vopts)
{
	struct evaluate_opts *o = vopts;
	struct baseline **bl = NULL;
	struct snapshot_info si = { 0 };
	struct waivers wv = { 0 };
	struct since ref = { 0 };
	struct evaluation_info *evals = NULL;
	unsigned nev = 0;
	double ms;
	int rc;
	if ((rc = cmd_load_baselines(&o->b.names, &bl)) != 0 ||
	    (rc = cmd_bind_params(bl, o->b.names.n, NULL, &o->b.sets)) != 0 ||
	    (rc = cmd_load_waivers(o->b.waivers, &wv)) != 0 ||
	    (rc = cmd_open_twin(ctx, CMD_TWIN_WRITE | CMD_TWIN_EXISTING)) != 0 ||
	    (rc = cmd_completed_snapshot(ctx->store, o->p.target, o->p.snapshot, 0, &si)) != 0 ||
	    (rc = cmd_gate_prepare(ctx->store, si.target, si.id, &o->gate, &ref)) != 0)
		goto out;
	rc = cmd_exit_for(scan_evaluate(ctx->store, &si, bl, o->b.names.n, "evaluate", &wv, o->b.waivers, &evals,
					&nev, &ms));
	if (rc == 0)
		rc = cmd_report_gate(ctx, ctx->store, &si, evals, nev, &o->r, &o->gate, &ref, false, &o->v, 0);
out:
	evaluation_list_free(evals, nev);
	cmd_free_baselines(bl, o->b.names.n);
	waivers_release(&wv);
	snapshot_info_release(&si);
	since_release(&ref);
	return rc;
}

static void release(void *vopts)
{
	cmd_report_args_release(&((struct evaluate_opts *)vopts)->r);
}

const struct cmd cmd_evaluate = {
	.name = "evaluate",
	.summary = "Evaluate baselines against a stored snapshot without contacting vCenter or NSX",
	.description = "Nothing is collected.  The results are stored as an evaluation of kind 'evaluate', "
		       "apart from the scan's own.",
	.optsets = { { cmd_pick_opts, O(p) }, { cmd_baseline_opts, O(b) }, { cmd_gate_opts, O(gate) },
		     { cmd_report_opts, O(r) }, { cmd_view_opts, O(v) } },
	.opts_size = sizeof(struct evaluate_opts),
	.defaults = &defaults,
	.exits = EXITS(EXIT_CLEAN, EXIT_FINDINGS, EXIT_USAGE, EXIT_UNKNOWN, EXIT_COLLECT, EXIT_STORE, EXIT_BUSY,
		       EXIT_NO_SCAN),
	.run = run,
	.release = release,
};
