/* harden inventory: the objects and properties of a stored snapshot. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_common.h"
#include "exitcode.h"
#include "report/report.h"
#include "store/store.h"
#include "util/util.h"

static const char help[] =
	"  -t, --target T        the target's latest completed snapshot (required unless --snapshot)\n"
	"  -s, --snapshot ID     a snapshot by id, or 'latest'\n"
	"  -f, --format F        table|json (default table)\n";

static int run(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "target", required_argument, NULL, 't' },
		{ "snapshot", required_argument, NULL, 's' },
		{ "format", required_argument, NULL, 'f' },
		CMD_COMMON_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	const char *target = NULL, *which = NULL;
	enum rformat fmt = FMT_TABLE;
	int opt, r;
	while ((opt = getopt_long(argc, argv, "t:s:f:qh", opts, NULL)) != -1) {
		if ((r = cmd_common(ctx, &cmd_inventory, opt)) != 0) {
			if (r < 0)
				return EXIT_CLEAN;
			continue;
		}
		switch (opt) {
		case 't': target = optarg; break;
		case 's': which = optarg; break;
		case 'f':
			/* The other report formats are for results, not objects. */
			if (report_format_parse(optarg, &fmt) < 0 || (fmt != FMT_TABLE && fmt != FMT_JSON))
				return cmd_bad_usage(&cmd_inventory, "unknown format '%s' (table or json)", optarg);
			break;
		default:
			cmd_usage(&cmd_inventory, false);
			return EXIT_USAGE;
		}
	}
	if (optind < argc)
		return cmd_bad_usage(&cmd_inventory, "unexpected argument '%s'", argv[optind]);
	if (!target && !which)
		return cmd_bad_usage(&cmd_inventory, "--target or --snapshot is required");
	char *dbp = cmd_db_path(ctx);
	struct store *st = NULL;
	struct snapshot_info si = { 0 };
	int rc = EXIT_STORE;
	if (store_open(&st, dbp, true) < 0) {
		log_error("%s", err_get());
		goto out;
	}
	if ((rc = cmd_completed_snapshot(st, target, which, 0, &si)) != 0)
		goto out;
	rc = inventory_write(stdout, st, &si, fmt) < 0 ? EXIT_STORE : EXIT_CLEAN;
	if (rc)
		log_error("%s", err_get());
out:
	snapshot_info_release(&si);
	store_close(st);
	free(dbp);
	return rc;
}

const struct cmd cmd_inventory = {
	"inventory",
	"--target T | --snapshot ID [--format table|json]",
	"Show the objects and properties of a stored snapshot",
	help,
	run,
};
