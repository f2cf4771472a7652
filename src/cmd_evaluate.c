/* harden evaluate: run baselines against a stored snapshot, offline. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd_common.h"
#include "exitcode.h"
#include "report/report.h"
#include "rules/rules.h"
#include "store/store.h"
#include "util/util.h"

static const char help[] =
	"  -s, --snapshot ID     a snapshot by id, or 'latest' (default)\n"
	"  -t, --target T        with latest: the target's latest completed snapshot\n"
	"  -b, --baseline B      baseline name or file; repeat for several (required)\n"
	"  --set NAME=VALUE      override a baseline's site parameter (a list: a,b,c)\n"
	"  --waivers FILE        waivers to apply (scan: default the target's 'waivers')\n"
	"  --fail-on SEV         critical|high|medium|low|info|none (default critical)\n"
	"  -f, --format F        table|json|sarif|junit|csv|html (default table)\n"
	"  --output F:PATH       also write format F to PATH ('-': standard output, instead of --format);\n"
	"                        may be repeated\n"
	"  -a, --all             also list passing and not-applicable results\n"
	"\nNothing is collected: vCenter and NSX are not contacted.  The results are\n"
	"stored as an evaluation of kind 'evaluate', apart from the scan's own.\n\n";

static int run(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "snapshot", required_argument, NULL, 's' },
		{ "target", required_argument, NULL, 't' },
		{ "baseline", required_argument, NULL, 'b' },
		{ "set", required_argument, NULL, 0x210 },
		{ "waivers", required_argument, NULL, 0x211 },
		{ "fail-on", required_argument, NULL, 0x200 },
		{ "format", required_argument, NULL, 'f' },
		{ "all", no_argument, NULL, 'a' },
		{ "output", required_argument, NULL, 0x212 },
		CMD_COMMON_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	const char *target = NULL, *which = NULL;
	struct strlist bnames = { 0 }, sets = { 0 };
	const char *waiver_file = NULL;
	struct report_opts ro = { FMT_TABLE, false, false, SEV_CRITICAL, false };
	struct report_output *outs = NULL;
	unsigned nouts = 0;
	int opt, r, rc;
	struct baseline **bl = NULL;
	struct store *st = NULL;
	struct snapshot_info si = { 0 };
	char *dbp = NULL;
	double eval_ms;
	struct waivers wv = { 0 };
	while ((opt = getopt_long(argc, argv, "s:t:b:f:aqh", opts, NULL)) != -1) {
		if ((r = cmd_common(ctx, &cmd_evaluate, opt)) != 0) {
			if (r < 0) {
				rc = EXIT_CLEAN;
				goto out;
			}
			continue;
		}
		switch (opt) {
		case 's': which = optarg; break;
		case 't': target = optarg; break;
		case 'b': strlist_add(&bnames, optarg); break;
		case 0x210: strlist_add(&sets, optarg); break;
		case 0x211: waiver_file = optarg; break;
		case 'a': ro.all = true; break;
		case 'f':
			if (report_format_parse(optarg, &ro.format) < 0) {
				rc = cmd_bad_usage(&cmd_evaluate, "unknown format '%s' (table, json, sarif, junit, csv or html)",
						   optarg);
				goto out;
			}
			break;
		case 0x200:
			if (cmd_parse_fail_on(optarg, &ro.fail_on) < 0) {
				rc = cmd_bad_usage(&cmd_evaluate, "unknown severity '%s' for --fail-on", optarg);
				goto out;
			}
			break;
		case 0x212:
			if (report_outputs_add(&outs, &nouts, optarg) < 0) {
				rc = cmd_bad_usage(&cmd_evaluate, "%s", err_get());
				goto out;
			}
			break;
		default:
			cmd_usage(&cmd_evaluate, false);
			rc = EXIT_USAGE;
			goto out;
		}
	}
	if (optind < argc || !bnames.n) {
		rc = cmd_bad_usage(&cmd_evaluate, optind < argc ? "unexpected argument" : "--baseline is required");
		goto out;
	}
	dbp = cmd_db_path(ctx);
	if ((rc = cmd_load_baselines(&bnames, &bl)) != 0 || (rc = cmd_bind_params(bl, bnames.n, NULL, &sets)) != 0 ||
	    (rc = cmd_load_waivers(waiver_file, &wv)) != 0)
		goto out;
	if (access(dbp, F_OK) < 0) {
		log_error("no twin database at '%s' (run 'harden scan' first)", dbp);
		rc = EXIT_USAGE;
		goto out;
	}
	if (store_open(&st, dbp, false) < 0) {
		log_error("%s", err_get());
		rc = EXIT_STORE;
		goto out;
	}
	if ((rc = cmd_completed_snapshot(st, target, which, 0, &si)) != 0)
		goto out;
	rc = cmd_evaluate_and_report_to(ctx, st, &si, bl, bnames.n, "evaluate", &wv, waiver_file, &ro, outs, nouts,
					&eval_ms);
out:
	report_outputs_free(outs, nouts);
	cmd_free_baselines(bl, bnames.n);
	waivers_release(&wv);
	snapshot_info_release(&si);
	store_close(st);
	strlist_release(&bnames);
	strlist_release(&sets);
	free(dbp);
	return rc;
}

const struct cmd cmd_evaluate = {
	"evaluate",
	"--baseline B [--baseline B ...] [--set NAME=VALUE ...] [--waivers FILE] [--snapshot ID|latest]\n"
	"                   [--target T] [--fail-on SEV] [--format F] [--output F:PATH ...] [--all]",
	"Evaluate baselines against a stored snapshot without contacting vCenter or NSX",
	help,
	run,
};
