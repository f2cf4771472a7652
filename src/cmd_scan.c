/* harden scan: collect a target into a new snapshot, evaluate baselines,
 * report, and gate. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd_common.h"
#include "config/targets.h"
#include "exitcode.h"
#include "report/report.h"
#include "rules/rules.h"
#include "store/store.h"
#include "util/util.h"
#include "vcenter/vc.h"

static const char help[] =
	"  -t, --target T        target name from the targets file (required)\n"
	"  -b, --baseline B      baseline name or file; repeat for several (required)\n"
	"  --set NAME=VALUE      override a baseline's site parameter (a list: a,b,c)\n"
	"  --waivers FILE        waivers to apply (scan: default the target's 'waivers')\n"
	"  --fail-on SEV         critical|high|medium|low|info|none (default critical)\n"
	"  -f, --format F        table|json (default table)\n"
	"  -a, --all             also list passing and not-applicable results\n"
	"  --page-size N         objects per RetrievePropertiesEx page (default 500)\n"
	"  --wait SECONDS        wait this long for another scan of the database (default 0)\n"
	"  --stats               print timings, API calls, bytes and peak RSS on stderr\n";

static int scan_exit_for_vc(int rc)
{
	switch (rc) {
	case VC_EAUTH: return EXIT_AUTH;
	case VC_ESTORE:
	case VC_EFULL: return EXIT_STORE;
	default: return EXIT_COLLECT;
	}
}

static int run(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "target", required_argument, NULL, 't' },
		{ "baseline", required_argument, NULL, 'b' },
		{ "set", required_argument, NULL, 0x210 },
		{ "waivers", required_argument, NULL, 0x211 },
		{ "fail-on", required_argument, NULL, 0x200 },
		{ "format", required_argument, NULL, 'f' },
		{ "all", no_argument, NULL, 'a' },
		{ "page-size", required_argument, NULL, 0x201 },
		{ "wait", required_argument, NULL, 0x202 },
		{ "stats", no_argument, NULL, 0x203 },
		CMD_COMMON_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	const char *target_name = NULL;
	struct strlist bnames = { 0 }, sets = { 0 };
	const char *waiver_file = NULL;
	struct report_opts ro = { FMT_TABLE, false, false, SEV_CRITICAL };
	long long page = 500, wait_s = 0;
	bool want_stats = false;
	double t_start = now_ms();
	int opt, r, rc = EXIT_USAGE;
	struct baseline **bl = NULL;
	struct targets tg = { 0 };
	struct store *st = NULL;
	struct vc *vc = NULL;
	char *password = NULL, *cfg = NULL, *dbp = NULL;
	long long snap = 0;
	struct snapshot_info si = { 0 };
	double eval_ms = 0;
	struct waivers wv = { 0 };
	while ((opt = getopt_long(argc, argv, "t:b:f:aqh", opts, NULL)) != -1) {
		if ((r = cmd_common(ctx, &cmd_scan, opt)) != 0) {
			if (r < 0) {
				rc = EXIT_CLEAN;
				goto out;
			}
			continue;
		}
		switch (opt) {
		case 't': target_name = optarg; break;
		case 'b': strlist_add(&bnames, optarg); break;
		case 0x210: strlist_add(&sets, optarg); break;
		case 0x211: waiver_file = optarg; break;
		case 'a': ro.all = true; break;
		case 'f':
			if (report_format_parse(optarg, &ro.format) < 0) {
				rc = cmd_bad_usage(&cmd_scan, "unknown format '%s' (table or json)", optarg);
				goto out;
			}
			break;
		case 0x200:
			if (cmd_parse_fail_on(optarg, &ro.fail_on) < 0) {
				rc = cmd_bad_usage(&cmd_scan, "unknown severity '%s' for --fail-on", optarg);
				goto out;
			}
			break;
		case 0x201:
			if (!parse_int64(optarg, &page) || page < 1 || page > 100000) {
				rc = cmd_bad_usage(&cmd_scan, "--page-size takes a number from 1 to 100000");
				goto out;
			}
			break;
		case 0x203: want_stats = true; break;
		case 0x202:
			if (!parse_int64(optarg, &wait_s) || wait_s < 0 || wait_s > 86400) {
				rc = cmd_bad_usage(&cmd_scan, "--wait takes a number of seconds");
				goto out;
			}
			break;
		default:
			cmd_usage(&cmd_scan, false);
			rc = EXIT_USAGE;
			goto out;
		}
	}
	if (optind < argc) {
		rc = cmd_bad_usage(&cmd_scan, "unexpected argument '%s'", argv[optind]);
		goto out;
	}
	if (!target_name || !bnames.n) {
		rc = cmd_bad_usage(&cmd_scan, "--target and --baseline are required");
		goto out;
	}

	/* Everything that can be wrong locally is checked before collecting. */
	if (cmd_load_baselines(&bnames, &bl) != 0)
		goto out;
	cfg = cmd_config_path(ctx);
	if (targets_load(&tg, cfg) < 0) {
		log_error("%s", err_get());
		goto out;
	}
	const struct target *t = targets_find(&tg, target_name);
	if (!t) {
		log_error("unknown target '%s' in '%s'", target_name, cfg);
		goto out;
	}
	if (cmd_bind_params(bl, bnames.n, t, &sets) != 0)
		goto out;
	if (!waiver_file)
		waiver_file = t->waivers;
	if (cmd_load_waivers(waiver_file, &wv) != 0)
		goto out;
	if (endpoint_password(&t->vcenter, t->name, &password) < 0) {
		log_error("%s", err_get());
		goto out;
	}
	if (t->vcenter.insecure)
		log_warn("target '%s': TLS verification is off (insecure: true); the vCenter at %s is not authenticated",
			 t->name, t->vcenter.url);
	if (t->nsx.present)
		log_warn("target '%s': NSX collection is not available in this version; DFW rules are not scanned", t->name);

	dbp = cmd_db_path(ctx);
	if (store_open(&st, dbp, false) < 0) {
		log_error("%s", err_get());
		rc = EXIT_STORE;
		goto out;
	}
	if (store_scan_lock(st, (int)wait_s) < 0) {
		log_error("%s", err_get());
		rc = EXIT_BUSY;
		goto out;
	}
	struct buf joined = BUF_INIT;
	for (size_t i = 0; i < bnames.n; i++)
		buf_printf(&joined, "%s%s", i ? "," : "", bl[i]->id);
	r = store_snapshot_begin(st, t->name, joined.data, t->vcenter.url, &snap);
	buf_release(&joined);
	if (r < 0) {
		log_error("%s", err_get());
		rc = EXIT_STORE;
		goto out;
	}

	struct vc_opts vo = {
		.target = t->name, .url = t->vcenter.url, .user = t->vcenter.user, .password = password,
		.ca_file = t->vcenter.ca_file, .insecure = t->vcenter.insecure, .timeout_s = t->vcenter.timeout_s,
		.page_size = (int)page, .progress = !ctx->quiet && isatty(STDERR_FILENO),
	};
	struct scan_stats stats = { 0 };
	r = vc_connect(&vc, &vo);
	targets_password_free(password);
	password = NULL;
	if (r == 0) {
		if ((r = store_begin(st)) < 0) {
			r = VC_ESTORE;
		} else {
			r = vc_collect(vc, st, snap, &stats);
			if (r == 0 && store_commit(st) < 0)
				r = VC_ESTORE;
			if (r < 0)
				store_rollback(st);
		}
	}
	if (r < 0) {
		char *msg = xstrdup(err_get());
		if (vc) {
			stats.api_calls = vc_api_calls(vc);
			stats.bytes_received = vc_bytes_received(vc);
		}
		store_snapshot_end(st, snap, "failed", msg, &stats);
		log_error("scan of target '%s' failed: %s", t->name, msg);
		log_info("snapshot %lld marked failed; earlier snapshots are unchanged", snap);
		free(msg);
		rc = scan_exit_for_vc(r);
		goto out;
	}
	vc_close(vc);
	vc = NULL;
	if (store_snapshot_end(st, snap, "completed", NULL, &stats) < 0) {
		log_error("%s", err_get());
		rc = EXIT_STORE;
		goto out;
	}

	if (store_snapshot_get(st, snap, &si) != 0) {
		log_error("%s", err_get());
		rc = EXIT_STORE;
		goto out;
	}
	rc = cmd_evaluate_and_report(ctx, st, &si, bl, bnames.n, "scan", &wv, waiver_file, &ro, &eval_ms);
	if (want_stats && rc != EXIT_STORE)
		fprintf(stderr, "harden: stats: wall_ms=%.0f collect_ms=%.0f store_ms=%.0f eval_ms=%.0f "
			"objects=%lld api_calls=%lld bytes_received=%lld peak_rss_kib=%ld\n",
			now_ms() - t_start, stats.collect_ms, stats.store_ms, eval_ms, stats.objects,
			stats.api_calls, stats.bytes_received, peak_rss_kib());
out:
	targets_password_free(password);
	vc_close(vc);
	store_close(st);
	targets_release(&tg);
	cmd_free_baselines(bl, bnames.n);
	waivers_release(&wv);
	snapshot_info_release(&si);
	strlist_release(&bnames);
	strlist_release(&sets);
	free(cfg);
	free(dbp);
	return rc;
}

const struct cmd cmd_scan = {
	"scan",
	"--target T --baseline B [--baseline B ...] [--set NAME=VALUE ...] [--waivers FILE]\n"
	"                   [--fail-on SEV] [--format table|json] [--all] [--page-size N] [--wait SECONDS] [--stats]",
	"Collect a target into a new snapshot and evaluate baselines against it",
	help,
	run,
};
