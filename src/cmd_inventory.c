/* harden inventory: the objects and properties of a stored snapshot. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_common.h"
#include "exitcode.h"
#include "report/report.h"
#include "store/store.h"
#include "util/util.h"

struct inventory_opts {
	struct pick_args p;
	int format;
	struct view_args v;
};

#define O(f) offsetof(struct inventory_opts, f)
static const struct cmd_opt opts[] = {
	{ .name = "format", .sname = 'f', .arg = "F", .kind = OPT_CHOICE, .off = O(format), .choices = cmd_table_json,
	  .help = "the output (default table)" },
	{ 0 },
};

static int run(struct cmd_ctx *ctx, void *vopts)
{
	struct inventory_opts *o = vopts;
	struct snapshot_info si = { 0 };
	int rc;
	if (!o->p.target && !o->p.snapshot)
		return cmd_bad_usage(ctx, "--target or --snapshot is required");
	if ((rc = cmd_completed_snapshot(ctx->store, o->p.target, o->p.snapshot, 0, &si)) != 0)
		goto out;
	/* The other report formats are for results, not objects. */
	rc = inventory_write(stdout, ctx->store, &si, o->format == 1 ? FMT_JSON : FMT_TABLE, &o->v.f) < 0 ? EXIT_STORE : 0;
	if (rc)
		log_error("%s", err_get());
out:
	snapshot_info_release(&si);
	return rc;
}

const struct cmd cmd_inventory = {
	.name = "inventory",
	.summary = "Show the objects and properties of a stored snapshot",
	.optsets = { { cmd_pick_opts, O(p) }, { opts, 0 }, { cmd_object_opts, O(v) } },
	.opts_size = sizeof(struct inventory_opts),
	.setup = CMD_TWIN_READ,
	.exits = EXITS(EXIT_CLEAN, EXIT_USAGE, EXIT_COLLECT, EXIT_STORE, EXIT_NO_SCAN),
	.exit_texts = { CMD_PLAIN_EXITS },
	.run = run,
};
