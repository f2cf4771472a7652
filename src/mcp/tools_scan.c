/* The tools that evaluate: scan_target (collects a target, the only tool
 * that contacts vCenter and NSX, read-only towards them) and
 * evaluate_snapshot (offline).  Both take the steps harden scan and harden
 * evaluate take (src/scan, cmd_common.c): the same baselines, site
 * parameters, waivers, scan lock and time limits, and the exit code the
 * command would return with its default gate (--fail-on critical). */
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "cmd_common.h"
#include "mcp/server.h"
#include "report/report.h"
#include "report/report_util.h"
#include "scan/scan.h"
#include "util/util.h"

static const char *const verdicts[] = {
	[EXIT_CLEAN] = "clean", [EXIT_FINDINGS] = "findings", [EXIT_USAGE] = "usage", [EXIT_UNKNOWN] = "unknown",
	[EXIT_COLLECT] = "collection_failed", [EXIT_AUTH] = "authentication_failed", [EXIT_STORE] = "store_failed",
	[EXIT_BUSY] = "busy",
};

static void set_exit(json_t *o, int code)
{
	json_object_set_new(o, "exit_code", json_integer(code));
	json_object_set_new(o, "verdict", json_string(code >= 0 && code < (int)ARRAY_SIZE(verdicts) && verdicts[code] ?
						      verdicts[code] : "?"));
}

/* Counts and score of evaluations, per baseline and in all. */
static enum herr results_json(struct store *st, const struct evaluation_info *ev, unsigned n, json_t *o,
			      struct counts *total)
{
	struct report_counts rc;
	int r = report_counts(st, ev, n, &rc);
	if (r < 0) {
		report_counts_release(&rc);
		return (enum herr)r;
	}
	json_t *bl = json_array();
	for (unsigned i = 0; i < n; i++)
		json_array_append_new(bl, json_pack("{s:o, s:o, s:o, s:I, s:o}", "id", mcp_str(ev[i].baseline_id),
						    "title", mcp_str(ev[i].baseline_title), "version",
						    mcp_str(ev[i].baseline_version), "evaluation_id", (json_int_t)ev[i].id,
						    "counts", rpt_json_by_status(&rc.per[i])));
	json_object_set_new(o, "baselines", bl);
	json_object_set_new(o, "counts", rpt_json_by_status(&rc.total));
	json_object_set_new(o, "score", rpt_json_score(&rc.total));
	*total = rc.total;
	report_counts_release(&rc);
	return HERR_OK;
}

/* An error the command would exit with: the tool error carries the code. */
static enum herr failed(json_t **out, enum herr e, int code)
{
	*out = json_object();
	set_exit(*out, code);
	return e ? e : HERR_INPUT;
}

static enum herr scan_target(struct mcp_ctx *x, const json_t *args, json_t **out)
{
	const char *name = mcp_arg_str(args, "target");
	struct strlist names = { 0 }, sets = { 0 };
	struct targets *targets;
	struct scan s = { .page_size = 500, .wait_s = 0, .quiet = true, .progress = false };
	struct waivers wv = { 0 };
	struct store *st;
	enum herr e;
	int rc;
	strlist_add(&names, mcp_arg_str(args, "baseline"));
	if ((e = mcp_baseline_name(names.v[0]))) {
		e = failed(out, e, EXIT_USAGE);
		goto out;
	}
	if ((rc = cmd_load_baselines(&names, &s.baselines)) != 0) {
		e = failed(out, HERR_INPUT, rc);
		goto out;
	}
	s.nbaselines = names.n;
	if ((e = mcp_targets(x, &targets))) {
		e = failed(out, e, cmd_exit_for(e));
		goto out;
	}
	if (!(s.target = targets_find(targets, name))) {
		err_set("unknown target '%.256s' in '%s' (list_targets names them)", name, targets->path);
		e = failed(out, HERR_INPUT, EXIT_USAGE);
		goto out;
	}
	s.waiver_source = s.target->waivers;
	if ((rc = cmd_bind_params(s.baselines, s.nbaselines, s.target, &sets)) != 0 ||
	    (rc = cmd_load_waivers(s.waiver_source, &wv)) != 0) {
		e = failed(out, HERR_INPUT, rc);
		goto out;
	}
	s.waivers = &wv;
	if ((e = scan_prepare(&s)) || (e = mcp_twin(x, true, &st)) || (e = scan_run(&s, st))) {
		if (e == HERR_BUSY) {
			char *why = xstrdup(err_get());
			err_set("the twin is busy: %s; try again when that scan has finished", why);
			free(why);
		}
		e = failed(out, e, cmd_exit_for(e));
		goto out;
	}
	struct counts total;
	json_t *o = json_pack("{s:o, s:I, s:o, s:o}", "target", mcp_str(s.snapshot.target), "snapshot_id",
			      (json_int_t)s.snapshot.id, "started_at", mcp_time(s.snapshot.started_at), "objects",
			      json_integer(s.stats.objects));
	if ((e = results_json(st, s.evals, s.nevals, o, &total))) {
		json_decref(o);
		goto out;
	}
	/* As harden scan: a part that failed outranks the gate. */
	rc = gate_exit(&total, SEV_CRITICAL);
	if (s.part_err)
		rc = cmd_exit_for(s.part_err);
	json_object_set_new(o, "part_error", s.part_err ? mcp_str(err_get()) : json_null());
	set_exit(o, rc);
	*out = o;
out:
	cmd_free_baselines(s.baselines, names.n);
	scan_release(&s);
	waivers_release(&wv);
	strlist_release(&names);
	return e;
}

struct fail_ctx {
	struct mcp_page p;
	const struct snapshot_info *si;
	const char *baseline_id;
};

static int fail_row(void *vctx, const struct finding_row *r)
{
	struct fail_ctx *x = vctx;
	if (r->status == RS_FAIL && mcp_page_want(&x->p))
		json_array_append_new(x->p.items, mcp_finding_json(x->si->target, x->si->id, x->baseline_id, r));
	return 0;
}

static enum herr evaluate_snapshot(struct mcp_ctx *x, const json_t *args, json_t **out)
{
	const char *target = mcp_arg_str(args, "target");
	long long snap = mcp_arg_int(args, "snapshot", 0);
	struct strlist names = { 0 }, sets = { 0 };
	struct baseline **bl = NULL;
	struct snapshot_info si = { 0 };
	struct evaluation_info *evals = NULL;
	unsigned nev = 0;
	struct store *st;
	struct fail_ctx fx = { 0 };
	double ms;
	enum herr e = HERR_INPUT;
	int r;
	strlist_add(&names, mcp_arg_str(args, "baseline"));
	mcp_page_init(&fx.p, args);
	if (mcp_baseline_name(names.v[0]) || cmd_load_baselines(&names, &bl) != 0 || cmd_bind_params(bl, names.n, NULL, &sets) != 0 ||
	    (e = mcp_twin(x, false, &st)))
		goto out;
	if (!snap && (r = store_snapshot_latest(st, target, &snap)) != 0) {
		if (target)
			err_set("no completed snapshot of target '%.256s' in the twin", target);
		else
			err_set("no completed snapshot in the twin");
		e = r < 0 ? (enum herr)r : HERR_INPUT;
		goto out;
	}
	if ((r = store_snapshot_get(st, snap, &si)) != 0 || si.status != SNAP_COMPLETED ||
	    (target && strcmp(si.target, target))) {
		if (r >= 0)
			err_set("no completed snapshot %lld%s%.256s in the twin", snap, target ? " of target " : "",
				target ? target : "");
		e = r < 0 ? (enum herr)r : HERR_INPUT;
		goto out;
	}
	if ((e = mcp_twin(x, true, &st)) ||
	    (e = scan_evaluate(st, &si, bl, names.n, "evaluate", NULL, NULL, &evals, &nev, &ms)))
		goto out;
	struct counts total;
	json_t *o = json_pack("{s:o, s:I}", "target", mcp_str(si.target), "snapshot_id", (json_int_t)si.id);
	if ((e = results_json(st, evals, nev, o, &total))) {
		json_decref(o);
		goto out;
	}
	fx.si = &si;
	for (unsigned i = 0; i < nev && !e; i++) {
		fx.baseline_id = evals[i].baseline_id;
		e = (enum herr)store_findings_each(st, evals[i].id, fail_row, &fx);
	}
	if (e) {
		json_decref(o);
		goto out;
	}
	set_exit(o, gate_exit(&total, SEV_CRITICAL));
	*out = mcp_page_finish(&fx.p, o, "violations");
out:
	json_decref(fx.p.items);
	evaluation_list_free(evals, nev);
	cmd_free_baselines(bl, names.n);
	snapshot_info_release(&si);
	strlist_release(&names);
	return e;
}

#define BASELINE "\"baseline\": {\"type\": \"string\", \"maxLength\": 256, \"description\": \"a baseline id " \
	"from list_baselines\"}"
#define RESULT_PROPS "\"target\": {\"type\": \"string\"}, \"snapshot_id\": {\"type\": \"integer\"}, " \
	"\"baselines\": {\"type\": \"array\"}, \"counts\": {\"type\": \"object\"}, \"score\": {\"type\": " \
	"[\"number\", \"null\"]}, \"exit_code\": {\"type\": \"integer\"}, \"verdict\": {\"type\": \"string\"}"
#define RESULT_REQ "\"target\", \"snapshot_id\", \"counts\", \"exit_code\", \"verdict\""

const struct mcp_tool mcp_tools_scan[] = {
	{ .name = "scan_target", .title = "Scan a target",
	  .description = "Collects a target from the targets file (its vCenter, then its NSX manager; read-only "
			 "towards both) into a new snapshot and evaluates one baseline, as 'harden scan --target T "
			 "--baseline B' does: the same scan lock (a busy twin is an error, at once), time limits and "
			 "verdicts.  exit_code is what harden scan would exit with (0 clean, 1 findings at critical, "
			 "3 unknown, 4 collection failed, 5 authentication, 7 busy).",
	  .input_schema = "{\"type\": \"object\", \"properties\": {\"target\": {\"type\": \"string\", \"maxLength\": "
			  "256, \"description\": \"a target's name in the targets file\"}, " BASELINE "}, "
			  "\"required\": [\"target\", \"baseline\"], \"additionalProperties\": false}",
	  .output_schema = "{\"type\": \"object\", \"properties\": {" RESULT_PROPS ", \"part_error\": {\"type\": "
			   "[\"string\", \"null\"]}}, \"required\": [" RESULT_REQ "]}",
	  .hints = MCP_OPEN_WORLD, .call = scan_target },
	{ .name = "evaluate_snapshot", .title = "Evaluate a stored snapshot",
	  .description = "Evaluates a baseline against a stored snapshot without contacting vCenter or NSX, as "
			 "'harden evaluate' does; the results are kept in the twin as an evaluation of kind "
			 "'evaluate' and their failing results listed.",
	  .input_schema = "{\"type\": \"object\", \"properties\": {" BASELINE ", \"snapshot\": {\"type\": "
			  "\"integer\", \"minimum\": 1, \"description\": \"a snapshot id (default: the latest "
			  "completed, of target if given)\"}, \"target\": {\"type\": \"string\", \"maxLength\": 256, "
			  "\"description\": \"the target whose latest snapshot is meant\"}, " MCP_PAGE_IN "}, "
			  "\"required\": [\"baseline\"], \"additionalProperties\": false}",
	  .output_schema = "{\"type\": \"object\", \"properties\": {" RESULT_PROPS ", \"violations\": {\"type\": "
			   "\"array\"}, " MCP_PAGE_OUT "}, \"required\": [" RESULT_REQ ", \"violations\", "
			   MCP_PAGE_REQ "]}",
	  .hints = 0, .call = evaluate_snapshot },
	{ 0 },
};
