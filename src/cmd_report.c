/* harden report: show a stored scan again. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "exitcode.h"
#include "report/report.h"
#include "store/store.h"
#include "util/util.h"

static const char help[] =
	"  -t, --target T        the target's latest completed snapshot (default: any target)\n"
	"  -s, --snapshot ID     a snapshot by id, or 'latest'\n"
	"  -f, --format F        table|json (default table)\n"
	"  -a, --all             also list passing and not-applicable results\n"
	"  --fail-on SEV         exit as scan would for this threshold (default: exit 0)\n";

int cmd_pick_snapshot(struct store *st, const char *target, const char *which, long long *id)
{
	if (which && strcmp(which, "latest")) {
		if (!parse_int64(which, id) || *id <= 0) {
			err_set("invalid snapshot id '%s'", which);
			return EXIT_USAGE;
		}
		return 0;
	}
	int r = store_snapshot_latest(st, target, id);
	if (r < 0)
		return EXIT_STORE;
	if (r > 0) {
		if (target)
			err_set("no completed snapshot of target '%s' in '%s' (run 'harden scan' first)", target, store_path(st));
		else
			err_set("no completed snapshot in '%s' (run 'harden scan' first)", store_path(st));
		return EXIT_USAGE;
	}
	return 0;
}

static int run(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "target", required_argument, NULL, 't' },
		{ "snapshot", required_argument, NULL, 's' },
		{ "format", required_argument, NULL, 'f' },
		{ "all", no_argument, NULL, 'a' },
		{ "fail-on", required_argument, NULL, 0x200 },
		CMD_COMMON_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	const char *target = NULL, *which = NULL;
	struct report_opts ro = { FMT_TABLE, false, false, -1 };
	int opt, r;
	while ((opt = getopt_long(argc, argv, "t:s:f:aqh", opts, NULL)) != -1) {
		if ((r = cmd_common(ctx, &cmd_report, opt)) != 0) {
			if (r < 0)
				return EXIT_CLEAN;
			continue;
		}
		switch (opt) {
		case 't': target = optarg; break;
		case 's': which = optarg; break;
		case 'a': ro.all = true; break;
		case 'f':
			if (report_format_parse(optarg, &ro.format) < 0)
				return cmd_bad_usage(&cmd_report, "unknown format '%s' (table or json)", optarg);
			break;
		case 0x200: {
			enum severity s;
			if (!strcmp(optarg, "none"))
				ro.fail_on = -1;
			else if (severity_parse(optarg, &s) == 0)
				ro.fail_on = (int)s;
			else
				return cmd_bad_usage(&cmd_report, "unknown severity '%s' for --fail-on", optarg);
			break;
		}
		default:
			cmd_usage(&cmd_report, false);
			return EXIT_USAGE;
		}
	}
	if (optind < argc)
		return cmd_bad_usage(&cmd_report, "unexpected argument '%s'", argv[optind]);
	char *dbp = cmd_db_path(ctx);
	struct store *st = NULL;
	struct snapshot_info si = { 0 };
	struct evaluation_info *ev = NULL;
	unsigned nev = 0;
	int rc = EXIT_STORE;
	long long id;
	if (store_open(&st, dbp, true) < 0) {
		log_error("%s", err_get());
		goto out;
	}
	if ((rc = cmd_pick_snapshot(st, target, which, &id)) != 0) {
		log_error("%s", err_get());
		goto out;
	}
	r = store_snapshot_get(st, id, &si);
	if (r != 0) {
		if (r > 0)
			log_error("no snapshot %lld in '%s'", id, dbp);
		else
			log_error("%s", err_get());
		rc = r > 0 ? EXIT_USAGE : EXIT_STORE;
		goto out;
	}
	if (target && strcmp(si.target, target)) {
		log_error("snapshot %lld belongs to target '%s', not '%s'", id, si.target, target);
		rc = EXIT_USAGE;
		goto out;
	}
	if (strcmp(si.status, "completed")) {
		log_error("snapshot %lld of target '%s' is %s: %s", id, si.target, si.status, si.error ? si.error : "");
		rc = EXIT_COLLECT;
		goto out;
	}
	if (store_evaluations(st, id, &ev, &nev) < 0) {
		log_error("%s", err_get());
		rc = EXIT_STORE;
		goto out;
	}
	ro.color = ro.format == FMT_TABLE && isatty(STDOUT_FILENO) && !(getenv("NO_COLOR") && *getenv("NO_COLOR"));
	struct counts total;
	if (report_write(stdout, st, &si, ev, nev, &ro, &total) < 0) {
		log_error("%s", err_get());
		rc = EXIT_STORE;
		goto out;
	}
	rc = gate_exit(&total, ro.fail_on);
out:
	evaluation_list_free(ev, nev);
	snapshot_info_release(&si);
	store_close(st);
	free(dbp);
	return rc;
}

const struct cmd cmd_report = {
	"report",
	"[--target T] [--snapshot ID|latest] [--format table|json] [--all] [--fail-on SEV]",
	"Show the results of a stored scan again",
	help,
	run,
};
