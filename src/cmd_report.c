/* harden report: show a stored scan again. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd_common.h"
#include "exitcode.h"
#include "report/report.h"
#include "store/store.h"
#include "util/util.h"

static const char help[] =
	"  -t, --target T        the target's latest completed snapshot (default: any target)\n"
	"  -s, --snapshot ID     a snapshot by id, or 'latest'\n"
	"  -f, --format F        table|json|sarif|junit|csv|html (default table)\n"
	"  --output F:PATH       also write format F to PATH ('-': standard output, instead of --format);\n"
	"                        may be repeated\n"
	"  -a, --all             also list passing and not-applicable results\n"
	"  -e, --evaluation ID   one evaluation, e.g. from 'harden evaluate' (default: the scan's own)\n"
	"  --fail-on SEV         exit as scan would for this threshold (default: exit 0)\n";

static int run(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "target", required_argument, NULL, 't' },
		{ "snapshot", required_argument, NULL, 's' },
		{ "format", required_argument, NULL, 'f' },
		{ "all", no_argument, NULL, 'a' },
		{ "evaluation", required_argument, NULL, 'e' },
		{ "fail-on", required_argument, NULL, 0x200 },
		{ "output", required_argument, NULL, 0x212 },
		CMD_COMMON_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	const char *target = NULL, *which = NULL;
	long long only_eval = 0;
	struct report_opts ro = { FMT_TABLE, false, false, -1, false };
	struct report_output *outs = NULL;
	unsigned nouts = 0;
	int opt, r;
	while ((opt = getopt_long(argc, argv, "t:s:f:e:aqh", opts, NULL)) != -1) {
		if ((r = cmd_common(ctx, &cmd_report, opt)) != 0) {
			if (r < 0) {
				report_outputs_free(outs, nouts);
				return EXIT_CLEAN;
			}
			continue;
		}
		switch (opt) {
		case 't': target = optarg; break;
		case 's': which = optarg; break;
		case 'a': ro.all = true; break;
		case 'e':
			if (!parse_int64(optarg, &only_eval) || only_eval <= 0)
				r = cmd_bad_usage(&cmd_report, "invalid evaluation id '%s'", optarg);
			break;
		case 'f':
			if (report_format_parse(optarg, &ro.format) < 0)
				r = cmd_bad_usage(&cmd_report, "unknown format '%s' (table, json, sarif, junit, csv or html)",
						  optarg);
			break;
		case 0x200:
			if (cmd_parse_fail_on(optarg, &ro.fail_on) < 0)
				r = cmd_bad_usage(&cmd_report, "unknown severity '%s' for --fail-on", optarg);
			break;
		case 0x212:
			if (report_outputs_add(&outs, &nouts, optarg) < 0)
				r = cmd_bad_usage(&cmd_report, "%s", err_get());
			break;
		default:
			cmd_usage(&cmd_report, false);
			r = EXIT_USAGE;
			break;
		}
		if (r) {
			report_outputs_free(outs, nouts);
			return r;
		}
	}
	if (optind < argc) {
		report_outputs_free(outs, nouts);
		return cmd_bad_usage(&cmd_report, "unexpected argument '%s'", argv[optind]);
	}
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
	if (only_eval && !which && !target) {
		/* The evaluation names its snapshot. */
		if ((r = store_evaluation_snapshot(st, only_eval, &id)) != 0) {
			if (r > 0)
				log_error("no evaluation %lld in '%s'", only_eval, dbp);
			else
				log_error("%s", err_get());
			rc = r > 0 ? EXIT_USAGE : EXIT_STORE;
			goto out;
		}
	} else {
		id = 0;
	}
	if ((rc = cmd_completed_snapshot(st, target, which, id, &si)) != 0)
		goto out;
	id = si.id;
	rc = EXIT_STORE;
	if (store_evaluations(st, id, &ev, &nev) < 0) {
		log_error("%s", err_get());
		rc = EXIT_STORE;
		goto out;
	}
	/* Keep the scan's own evaluations, or the one asked for. */
	unsigned kept = 0;
	for (unsigned i = 0; i < nev; i++) {
		bool keep = only_eval ? ev[i].id == only_eval : !strcmp(ev[i].kind, "scan");
		if (keep) {
			struct evaluation_info t = ev[kept];
			ev[kept++] = ev[i];
			ev[i] = t;
		}
	}
	if (only_eval && !kept) {
		log_error("evaluation %lld is not of snapshot %lld", only_eval, id);
		rc = EXIT_USAGE;
		goto out;
	}
	struct counts total;
	/* report is not quiet: the report is what it is run for. */
	ro.drift = true;
	if ((rc = cmd_write_reports(false, st, &si, ev, kept, &ro, outs, nouts, &total)) != 0)
		goto out;
	rc = gate_exit(&total, ro.fail_on);
out:
	report_outputs_free(outs, nouts);
	evaluation_list_free(ev, nev);
	snapshot_info_release(&si);
	store_close(st);
	free(dbp);
	return rc;
}

const struct cmd cmd_report = {
	"report",
	"[--target T] [--snapshot ID|latest] [--evaluation ID] [--format F] [--output F:PATH ...]\n"
	"                   [--all] [--fail-on SEV]",
	"Show the results of a stored scan again",
	help,
	run,
};
