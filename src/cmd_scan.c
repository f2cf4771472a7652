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
#include "drift/drift.h"
#include "store/store.h"
#include "util/util.h"
#include "nsx/nsx.h"
#include "vcenter/vc.h"

static const char help[] =
	"  -t, --target T        target name from the targets file (required)\n"
	"  -b, --baseline B      baseline name or file; repeat for several (required)\n"
	"  --set NAME=VALUE      override a baseline's site parameter (a list: a,b,c)\n"
	"  --waivers FILE        waivers to apply (scan: default the target's 'waivers')\n"
	CMD_GATE_HELP
	"  -f, --format F        table|json|sarif|junit|csv|html on standard output (default table)\n"
	"  -o, --output F:PATH   also write format F to PATH (repeatable; PATH - is standard output)\n"
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

static int scan_exit_for_nsx(int rc)
{
	switch (rc) {
	case NSX_EAUTH: return EXIT_AUTH;
	case NSX_ESTORE:
	case NSX_EFULL: return EXIT_STORE;
	default: return EXIT_COLLECT;
	}
}

/* The NSX part: collected in its own transaction after the vCenter part
 * committed, so that its failure leaves the vCenter part usable.  Returns
 * 0, or the exit code the failure calls for; *fatal when the twin itself
 * failed and the scan cannot go on. */
static int scan_nsx(const struct target *t, struct store *st, long long snap, char **password, bool progress,
		    struct scan_stats *total, bool *fatal)
{
	*fatal = false;
	if (!t->nsx.present) {
		if (nsx_record_unavailable(st, snap, NULL) < 0 ||
		    store_part_set(st, snap, PART_NSX, PS_NOT_CONFIGURED, NULL, NULL, NULL) < 0) {
			log_error("%s", err_get());
			*fatal = true;
			return EXIT_STORE;
		}
		return 0;
	}
	struct nsx_opts no = {
		.target = t->name, .url = t->nsx.url, .user = t->nsx.user, .password = *password,
		.ca_file = t->nsx.ca_file, .insecure = t->nsx.insecure, .timeout_s = t->nsx.timeout_s,
		.auth = t->nsx.auth_basic ? NSX_AUTH_BASIC : NSX_AUTH_SESSION, .progress = progress,
	};
	struct scan_stats ns = { 0 };
	struct nsx *n = NULL;
	double t0 = now_ms();
	int r = nsx_connect(&n, &no);
	targets_password_free(*password);
	*password = NULL;
	if (r == 0) {
		if ((r = store_begin(st)) < 0) {
			r = r == HERR_FULL ? NSX_EFULL : NSX_ESTORE;
		} else {
			r = nsx_collect(n, st, snap, &ns);
			if (r == 0 && (r = store_commit(st)) < 0)
				r = r == HERR_FULL ? NSX_EFULL : NSX_ESTORE;
			if (r < 0)
				store_rollback(st);
		}
	}
	if (n) {
		ns.api_calls = nsx_api_calls(n);
		ns.bytes_received = nsx_bytes_received(n);
	}
	nsx_close(n);
	if (r < 0)
		ns.collect_ms = now_ms() - t0;
	total->objects += ns.objects;
	total->api_calls += ns.api_calls;
	total->bytes_received += ns.bytes_received;
	total->collect_ms += ns.collect_ms;
	total->store_ms += ns.store_ms;
	if (r == 0) {
		if (store_part_set(st, snap, PART_NSX, PS_COMPLETED, t->nsx.url, NULL, &ns) < 0) {
			log_error("%s", err_get());
			*fatal = true;
			return EXIT_STORE;
		}
		return 0;
	}
	char *msg = xstrdup(err_get());
	int rc = scan_exit_for_nsx(r);
	if (rc == EXIT_STORE) {
		log_error("scan of target '%s' failed: %s", t->name, msg);
		free(msg);
		*fatal = true;
		return rc;
	}
	log_error("NSX part of target '%s' failed: %s", t->name, msg);
	log_warn("the vCenter part is evaluated; rules over the DFW are unknown for this snapshot");
	if (nsx_record_unavailable(st, snap, t->nsx.url) < 0 ||
	    store_part_set(st, snap, PART_NSX, PS_FAILED, t->nsx.url, msg, &ns) < 0) {
		log_error("%s", err_get());
		*fatal = true;
		rc = EXIT_STORE;
	}
	free(msg);
	return rc;
}

/* Drift against the target's previous completed snapshot, stored, with a
 * one-line summary on stderr. */
static int scan_drift(struct store *st, const struct snapshot_info *si, bool quiet, double *ms)
{
	long long prev, n[DK_COUNT];
	double t0 = now_ms();
	int r = store_snapshot_previous(st, si->target, si->id, &prev);
	if (r > 0)
		return 0;
	if (r < 0 || drift_compute(st, prev, si->id, n) < 0) {
		log_error("%s", err_get());
		return EXIT_STORE;
	}
	*ms = now_ms() - t0;
	if (quiet)
		return 0;
	struct buf b = BUF_INIT;
	for (int k = 0; k < DK_COUNT; k++)
		if (n[k])
			buf_printf(&b, "%s%lld %s", b.len ? ", " : "", n[k], drift_kind_name((enum drift_kind)k));
	log_info("drift since snapshot %lld: %s (harden drift --target %s)", prev, b.len ? b.data : "no changes",
		 si->target);
	buf_release(&b);
	return 0;
}

static int run(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "target", required_argument, NULL, 't' },
		{ "baseline", required_argument, NULL, 'b' },
		{ "set", required_argument, NULL, 0x210 },
		{ "waivers", required_argument, NULL, 0x211 },
		CMD_GATE_OPTIONS,
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
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
	struct gate gate = GATE_INIT;
	struct report_output *outs = NULL;
	unsigned nouts = 0;
	struct evaluation_info *evals = NULL;
	unsigned nev = 0;
	long long page = 500, wait_s = 0;
	bool want_stats = false;
	double t_start = now_ms();
	int opt, r, rc = EXIT_USAGE;
	struct baseline **bl = NULL;
	struct targets tg = { 0 };
	struct store *st = NULL;
	struct vc *vc = NULL;
	char *password = NULL, *nsx_password = NULL, *cfg = NULL, *dbp = NULL;
	int part_rc = 0;
	long long snap = 0;
	struct snapshot_info si = { 0 };
	double eval_ms = 0, drift_ms = 0;
	struct waivers wv = { 0 };
	while ((opt = getopt_long(argc, argv, "t:b:f:o:aqh", opts, NULL)) != -1) {
		if ((r = cmd_common(ctx, &cmd_scan, opt)) != 0) {
			if (r < 0) {
				rc = EXIT_CLEAN;
				goto out;
			}
			continue;
		}
		if ((r = cmd_gate_option(&cmd_scan, opt, optarg, &gate)) != 0) {
			if (r != 1) {
				rc = r;
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
				rc = cmd_bad_usage(&cmd_scan, "unknown format '%s' (table, json, sarif, junit, csv or html)",
						   optarg);
				goto out;
			}
			break;
		case 'o':
			if (report_outputs_add(&outs, &nouts, optarg) < 0) {
				rc = cmd_bad_usage(&cmd_scan, "%s", err_get());
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
	if (t->nsx.present && endpoint_password(&t->nsx, t->name, &nsx_password) < 0) {
		log_error("%s", err_get());
		goto out;
	}
	if (t->vcenter.insecure)
		log_warn("target '%s': TLS verification is off (insecure: true); the vCenter at %s is not authenticated",
			 t->name, t->vcenter.url);
	if (t->nsx.present && t->nsx.insecure)
		log_warn("target '%s': TLS verification is off (insecure: true); the NSX manager at %s is not authenticated",
			 t->name, t->nsx.url);

	dbp = cmd_db_path(ctx);
	if (store_open(&st, dbp, false) < 0) {
		log_error("%s", err_get());
		rc = EXIT_STORE;
		goto out;
	}
	if (gate.since) {
		/* A wrong --since is a usage error, found before collecting. */
		struct snapshot_info ref = { 0 };
		r = cmd_completed_snapshot(st, t->name, NULL, gate.since, &ref);
		snapshot_info_release(&ref);
		if (r != 0) {
			rc = r;
			goto out;
		}
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
		store_part_set(st, snap, PART_VCENTER, PS_FAILED, t->vcenter.url, msg, &stats);
		store_snapshot_end(st, snap, SNAP_FAILED, msg, &stats);
		log_error("scan of target '%s' failed: %s", t->name, msg);
		log_info("snapshot %lld marked failed; earlier snapshots are unchanged", snap);
		free(msg);
		rc = scan_exit_for_vc(r);
		goto out;
	}
	vc_close(vc);
	vc = NULL;
	if (store_part_set(st, snap, PART_VCENTER, PS_COMPLETED, t->vcenter.url, NULL, &stats) < 0) {
		log_error("%s", err_get());
		rc = EXIT_STORE;
		goto out;
	}
	bool fatal;
	part_rc = scan_nsx(t, st, snap, &nsx_password, vo.progress, &stats, &fatal);
	if (fatal) {
		store_snapshot_end(st, snap, SNAP_FAILED, err_get(), &stats);
		rc = part_rc;
		goto out;
	}
	if (store_snapshot_end(st, snap, SNAP_COMPLETED, NULL, &stats) < 0) {
		log_error("%s", err_get());
		rc = EXIT_STORE;
		goto out;
	}

	if (store_snapshot_get(st, snap, &si) != 0) {
		log_error("%s", err_get());
		rc = EXIT_STORE;
		goto out;
	}
	ro.fail_on = gate.fail_on;
	/* Evaluate, store the drift since the previous scan (the HTML report
	 * shows it), report, then gate. */
	struct counts total;
	if ((rc = cmd_run_evaluations(st, &si, bl, bnames.n, "scan", &wv, waiver_file, &evals, &nev, &eval_ms)) == 0 &&
	    (rc = scan_drift(st, &si, ctx->quiet, &drift_ms)) == 0) {
		struct report_extra x = { report_html_drift, NULL };
		if ((rc = cmd_write_reports(ctx->quiet, st, &si, evals, nev, &ro, outs, nouts, &x, &total)) == 0)
			rc = cmd_gate(st, &si, evals, nev, &total, &gate);
	}
	/* A part that failed outranks the gate: the verdicts are incomplete. */
	if (part_rc && rc != EXIT_STORE && rc != EXIT_USAGE)
		rc = part_rc;
	if (want_stats && rc != EXIT_STORE)
		fprintf(stderr, "harden: stats: wall_ms=%.0f collect_ms=%.0f store_ms=%.0f eval_ms=%.0f drift_ms=%.0f "
			"objects=%lld api_calls=%lld bytes_received=%lld peak_rss_kib=%ld\n",
			now_ms() - t_start, stats.collect_ms, stats.store_ms, eval_ms, drift_ms, stats.objects,
			stats.api_calls, stats.bytes_received, peak_rss_kib());
out:
	evaluation_list_free(evals, nev);
	report_outputs_free(outs, nouts);
	targets_password_free(password);
	targets_password_free(nsx_password);
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
	"                   [--fail-on SEV] [--fail-on-new] [--since ID] [--max-unknown N] [--min-score P]\n"
	"                   [--format F] [--output F:PATH ...] [--all] [--page-size N] [--wait SECONDS] [--stats]",
	"Collect a target into a new snapshot and evaluate baselines against it",
	help,
	run,
};
