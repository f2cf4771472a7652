/* harden prune: remove old snapshots and everything that belongs to them,
 * never a target's latest completed snapshot. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd_common.h"
#include "exitcode.h"
#include "store/store.h"
#include "util/util.h"

struct prune_opts {
	long long keep, days, wait_s;
	const char *target;
	bool dry;
};

#define O(f) offsetof(struct prune_opts, f)
static const struct cmd_opt opts[] = {
	{ .name = "keep", .arg = "N", .kind = OPT_INT, .off = O(keep), .min = 1, .max = 1000000000,
	  .help = "keep the newest N completed snapshots of each target" },
	{ .name = "older-than", .arg = "DAYS", .kind = OPT_INT, .off = O(days), .min = 0, .max = 36500,
	  .help = "remove snapshots started more than DAYS days ago" },
	{ .name = "target", .sname = 't', .arg = "T", .kind = OPT_STR, .off = O(target),
	  .help = "only this target's snapshots (default: every target)" },
	{ .name = "dry-run", .sname = 'n', .kind = OPT_FLAG, .off = O(dry),
	  .help = "list what would be removed, remove nothing" },
	{ .name = "wait", .arg = "SECONDS", .kind = OPT_INT, .off = O(wait_s), .min = 0, .max = 86400,
	  .help = "wait this long for a running scan (default 0)" },
	{ 0 },
};

static const struct prune_opts defaults = { .days = -1 };

static int run(struct cmd_ctx *ctx, void *vopts)
{
	struct prune_opts *o = vopts;
	long long *ids = NULL;
	unsigned n = 0;
	int rc;
	if ((o->keep > 0) == (o->days >= 0))
		return cmd_bad_usage(ctx, "give exactly one of --keep or --older-than");
	if ((rc = cmd_open_twin(ctx, o->dry ? CMD_TWIN_READ : CMD_TWIN_WRITE | CMD_TWIN_EXISTING)) != 0)
		return rc;
	struct store *st = ctx->store;
	/* A scan in progress writes a snapshot this must not race. */
	if (!o->dry && store_scan_lock(st, (int)o->wait_s) < 0) {
		log_error("%s", err_get());
		return EXIT_BUSY;
	}
	rc = EXIT_STORE;
	long long before = o->days >= 0 ? (long long)time(NULL) - o->days * 86400 : 0;
	if (store_prune_select(st, o->target, o->keep, before, &ids, &n) < 0 ||
	    (!o->dry && n && store_snapshots_delete(st, ids, n) < 0)) {
		log_error("%s", err_get());
		goto out;
	}
	long long freed = 0;
	if (!o->dry && n && store_reclaim(st, &freed) < 0) {
		log_error("%s", err_get());
		goto out;
	}
	if (!o->dry && n)
		log_info("reclaimed %lld bytes", freed);
	if (!ctx->quiet) {
		for (unsigned i = 0; i < n; i++)
			printf("%s snapshot %lld\n", o->dry ? "would remove" : "removed", ids[i]);
		printf("%s %u snapshot%s\n", o->dry ? "would remove" : "removed", n, n == 1 ? "" : "s");
	}
	rc = EXIT_CLEAN;
out:
	free(ids);
	return rc;
}

const struct cmd cmd_prune = {
	.name = "prune",
	.summary = "Remove old snapshots, never a target's latest completed one",
	.optsets = { { opts, 0 } },
	.opts_size = sizeof(struct prune_opts),
	.defaults = &defaults,
	.exits = EXITS(EXIT_CLEAN, EXIT_USAGE, EXIT_STORE, EXIT_BUSY, EXIT_NO_SCAN),
	.exit_texts = { CMD_PLAIN_EXITS },
	.run = run,
};
