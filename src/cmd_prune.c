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

static const char help[] =
	"  --keep N              keep the newest N completed snapshots of each target (N >= 1)\n"
	"  --older-than DAYS     remove snapshots started more than DAYS days ago\n"
	"  -t, --target T        only this target's snapshots (default: every target)\n"
	"  -n, --dry-run         list what would be removed, remove nothing\n"
	"  --wait SECONDS        wait this long for a running scan (default 0)\n";

static int run(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "keep", required_argument, NULL, 0x200 },
		{ "older-than", required_argument, NULL, 0x201 },
		{ "target", required_argument, NULL, 't' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "wait", required_argument, NULL, 0x202 },
		CMD_COMMON_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	const char *target = NULL;
	long long keep = 0, days = -1, wait_s = 0;
	bool dry = false;
	int opt, r;
	while ((opt = getopt_long(argc, argv, "t:nqh", opts, NULL)) != -1) {
		if ((r = cmd_common(ctx, &cmd_prune, opt)) != 0) {
			if (r < 0)
				return EXIT_CLEAN;
			continue;
		}
		switch (opt) {
		case 0x200:
			if (!parse_int64(optarg, &keep) || keep < 1)
				return cmd_bad_usage(&cmd_prune, "--keep takes a number of snapshots, 1 or more");
			break;
		case 0x201:
			if (!parse_int64(optarg, &days) || days < 0 || days > 36500)
				return cmd_bad_usage(&cmd_prune, "--older-than takes a number of days");
			break;
		case 0x202:
			if (!parse_int64(optarg, &wait_s) || wait_s < 0 || wait_s > 86400)
				return cmd_bad_usage(&cmd_prune, "--wait takes a number of seconds");
			break;
		case 't': target = optarg; break;
		case 'n': dry = true; break;
		default:
			cmd_usage(&cmd_prune, false);
			return EXIT_USAGE;
		}
	}
	if (optind < argc)
		return cmd_bad_usage(&cmd_prune, "unexpected argument '%s'", argv[optind]);
	if ((keep > 0) == (days >= 0))
		return cmd_bad_usage(&cmd_prune, "give exactly one of --keep or --older-than");
	char *dbp = cmd_db_path(ctx);
	struct store *st = NULL;
	long long *ids = NULL;
	unsigned n = 0;
	int rc = EXIT_STORE;
	if (store_open(&st, dbp, dry) < 0) {
		log_error("%s", err_get());
		goto out;
	}
	/* A scan in progress writes a snapshot this must not race. */
	if (!dry && store_scan_lock(st, (int)wait_s) < 0) {
		log_error("%s", err_get());
		rc = EXIT_BUSY;
		goto out;
	}
	long long before = days >= 0 ? (long long)time(NULL) - days * 86400 : 0;
	if (store_prune_select(st, target, keep, before, &ids, &n) < 0 ||
	    (!dry && n && store_snapshots_delete(st, ids, n) < 0)) {
		log_error("%s", err_get());
		goto out;
	}
	if (!ctx->quiet) {
		for (unsigned i = 0; i < n; i++)
			printf("%s snapshot %lld\n", dry ? "would remove" : "removed", ids[i]);
		printf("%s %u snapshot%s\n", dry ? "would remove" : "removed", n, n == 1 ? "" : "s");
	}
	rc = EXIT_CLEAN;
out:
	free(ids);
	store_close(st);
	free(dbp);
	return rc;
}

const struct cmd cmd_prune = {
	"prune",
	"--keep N | --older-than DAYS [--target T] [--dry-run] [--wait SECONDS]",
	"Remove old snapshots, never a target's latest completed one",
	help,
	run,
};
