/* The remediation loop end to end on the labs, real protocols throughout:
 * harden scans the vCenter and NSX labs, advises, and applies through the
 * vmware-pilot lab over MCP (stdio); the lab agent performs pilot's
 * pending steps against the labs (SOAP, REST) as an AI agent would; the
 * next scan verifies the fix.  Seed workflows 1 (NTP) and 2 (DFW ANY/ANY)
 * and the seed's failure modes: pilot not installed, pilot refusing, a
 * sibling failing mid-workflow, an unknown tool, a stale twin. */
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "exitcode.h"
#include "lib/lab.h"
#include "lib/testutil.h"
#include "util/util.h"

#define CIS "cis-vmware-esxi-8.0-subset"
#define PCI "pci-dss-4.0-vmware"
#define PILOT "python3 tests/lab/pilot/vmware-pilot mcp"

static struct lab lab;
static char *pilot_db;

static void setup(void)
{
	/* No terminal: apply must refuse a change that needs review. */
	ck_assert_ptr_nonnull(freopen("/dev/null", "r", stdin));
	lab_start(&lab, NULL);
	lab_start_nsx(&lab, NULL);
	pilot_db = xasprintf("%s/pilot.db", lab.dir);
	setenv("PILOT_LAB_DB", pilot_db, 1);
	setenv("HARDEN_PILOT_COMMAND", PILOT, 1);
	unsetenv("PILOT_LAB_CATALOG");
	unsetenv("PILOT_LAB_DISPATCH");
	unsetenv("LAB_AGENT_FAIL");
}

static void teardown(void)
{
	lab_stop(&lab);
	free(pilot_db);
	pilot_db = NULL;
}

static void run_ok(struct run *r, const char *const *args, int want)
{
	harden_run(&lab, r, args);
	ck_assert_msg(r->status == want, "harden %s: exit %d, want %d\nstdout: %s\nstderr: %s", args[0], r->status,
		      want, r->out, r->err);
}

static json_t *run_json(const char *const *args, int want)
{
	struct run r;
	run_ok(&r, args, want);
	json_error_t je;
	json_t *j = json_loads(r.out, 0, &je);
	ck_assert_msg(j != NULL, "not JSON: %s\n%s", je.text, r.out);
	run_release(&r);
	return j;
}

/* The violation id of rule's first failing result (and its object's name). */
static char *violation_of(json_t *report, const char *rule, char **object)
{
	size_t i;
	json_t *f;
	json_array_foreach(json_object_get(report, "findings"), i, f) {
		if (strcmp(json_string_value(json_object_get(f, "rule_id")), rule) ||
		    strcmp(json_string_value(json_object_get(f, "status")), "fail"))
			continue;
		const char *vid = json_string_value(json_object_get(f, "violation_id"));
		ck_assert_ptr_nonnull(vid);
		if (object)
			*object = xstrdup(json_string_value(json_object_get(json_object_get(f, "object"), "name")));
		return xstrdup(vid);
	}
	ck_abort_msg("no failing %s", rule);
	return NULL;
}

static int status_of(json_t *report, const char *vid_rule, const char *object)
{
	size_t i;
	json_t *f;
	json_array_foreach(json_object_get(report, "findings"), i, f)
		if (!strcmp(json_string_value(json_object_get(f, "rule_id")), vid_rule) &&
		    !strcmp(json_string_value(json_object_get(json_object_get(f, "object"), "name")), object))
			return !strcmp(json_string_value(json_object_get(f, "status")), "pass") ? 1 : 0;
	return -1;	/* gone */
}

/* Runs a program (not harden) with its output captured. */
static int run_prog(const char *const *argv, char **out)
{
	char *path = xasprintf("%s/prog.out", lab.dir);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int o = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		dup2(o, 1);
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	int st;
	waitpid(pid, &st, 0);
	*out = file_read(path, NULL);
	free(path);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

/* harden with a terminal on its standard input, answering the prompt. */
static int run_tty(const char *const *args, const char *answer, char **out)
{
	int m = posix_openpt(O_RDWR | O_NOCTTY);
	ck_assert_int_ge(m, 0);
	ck_assert_int_eq(grantpt(m), 0);
	ck_assert_int_eq(unlockpt(m), 0);
	char *slave = xstrdup(ptsname(m));
	char *path = xasprintf("%s/tty.out", lab.dir);
	const char *argv[32];
	int n = 0;
	argv[n++] = harden_bin();
	argv[n++] = "--db";
	argv[n++] = lab.db;
	argv[n++] = "--config";
	argv[n++] = lab.config;
	for (int i = 0; args[i] && n < 31; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		setsid();
		int s = open(slave, O_RDWR);
		int o = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		dup2(s, 0);
		dup2(o, 1);
		dup2(o, 2);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	ck_assert_int_eq(write(m, answer, strlen(answer)), (ssize_t)strlen(answer));
	int st;
	waitpid(pid, &st, 0);
	close(m);
	*out = file_read(path, NULL);
	free(path);
	free(slave);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

/* A scan with the CIS baseline, and the NTP rule's violation id. */
static char *ntp_violation(void)
{
	static const char *const scan[] = { "scan", "--target", "lab", "--baseline", CIS, "--format", "json", NULL };
	json_t *rep = run_json(scan, EXIT_FINDINGS);
	char *vid = violation_of(rep, "cis-esxi-2.7", NULL);
	json_decref(rep);
	return vid;
}

static json_t *remediations(void)
{
	static const char *const args[] = { "remediation", "list", "--format", "json", NULL };
	json_t *doc = run_json(args, EXIT_CLEAN);
	json_t *list = json_incref(json_object_get(doc, "remediations"));
	json_decref(doc);
	return list;
}

static int agent_drive(const char *workflow, const char *extra1, const char *extra2, char **out)
{
	const char *argv[] = { "python3", "tests/lab/skills/lab-agent", "--targets", lab.config, "drive", "--pilot",
			       PILOT, "--workflow", workflow, "--approver", "agent", extra1, extra2, NULL };
	return run_prog(argv, out);
}

/* ---- seed workflow 1: NTP ---- */

START_TEST(test_workflow_ntp)
{
	static const char *const scan[] = { "scan", "--target", "lab", "--baseline", CIS, "--format", "json", "--all",
					     NULL };
	json_t *rep = run_json(scan, EXIT_FINDINGS);
	char *host, *vid = violation_of(rep, "cis-esxi-2.7", &host);
	json_decref(rep);

	/* advise: a stored suggestion naming the sibling tool and its rollback. */
	const char *advise[] = { "advise", "--violation-id", vid, "--format", "json", NULL };
	json_t *adv = run_json(advise, EXIT_CLEAN);
	ck_assert_int_eq(json_integer_value(json_object_get(adv, "schema_version")), 1);
	json_t *s = json_array_get(json_object_get(adv, "suggestions"), 0);
	ck_assert_str_eq(json_string_value(json_object_get(s, "violation_id")), vid);
	json_t *step = json_array_get(json_object_get(json_object_get(s, "execution_plan"), "steps"), 0);
	ck_assert_str_eq(json_string_value(json_object_get(step, "skill")), "aiops");
	ck_assert_str_eq(json_string_value(json_object_get(step, "tool")), "host_ntp_configure");
	ck_assert_str_eq(json_string_value(json_object_get(step, "rollback_tool")), "host_ntp_configure");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(step, "params"), "host")), host);
	ck_assert(json_is_false(json_object_get(json_object_get(step, "rollback_params"), "enabled")));
	ck_assert(json_is_true(json_object_get(step, "verified")));	/* pilot's catalog lists it */
	ck_assert_int_eq(json_integer_value(json_object_get(s, "revision")), 1);
	json_decref(adv);
	adv = run_json(advise, EXIT_CLEAN);
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(json_object_get(adv, "suggestions"), 0),
							    "revision")), 2);
	json_decref(adv);
	const char *ansible[] = { "advise", "--violation-id", vid, "--format", "ansible", NULL };
	struct run r;
	run_ok(&r, ansible, EXIT_CLEAN);
	ck_assert_ptr_nonnull(strstr(r.out, "community.vmware.vmware_host_ntp:"));
	ck_assert_ptr_nonnull(strstr(r.out, "community.vmware.vmware_host_service_manager:"));
	run_release(&r);

	/* apply: pilot gates the unclassified tool, so a person must approve. */
	const char *apply[] = { "apply", "--violation-id", vid, NULL };
	run_ok(&r, apply, EXIT_NOT_APPROVED);
	ck_assert_ptr_nonnull(strstr(r.err, "no terminal"));
	run_release(&r);
	char *out;
	ck_assert_int_eq(run_tty(apply, "n\n", &out), EXIT_NOT_APPROVED);
	ck_assert_ptr_nonnull(strstr(out, "Approve? [y/N]"));
	free(out);
	json_t *list = remediations();
	ck_assert_uint_eq(json_array_size(list), 0);	/* nothing submitted */
	json_decref(list);
	const char *apply_yes[] = { "apply", "--violation-id", vid, "--yes", "--approver", "alice", NULL };
	run_ok(&r, apply_yes, EXIT_CLEAN);
	ck_assert_ptr_nonnull(strstr(r.out, "pilot's review: approved"));
	ck_assert_ptr_nonnull(strstr(r.out, "approved in pilot as alice"));
	ck_assert_ptr_nonnull(strstr(r.out, "dispatch required"));
	run_release(&r);
	list = remediations();
	ck_assert_uint_eq(json_array_size(list), 1);
	json_t *rem = json_array_get(list, 0);
	ck_assert_str_eq(json_string_value(json_object_get(rem, "state")), "submitted");
	ck_assert_str_eq(json_string_value(json_object_get(rem, "approver")), "alice");
	ck_assert_int_ge(json_integer_value(json_object_get(rem, "suggestion_revision")), 3);
	char *wf = xstrdup(json_string_value(json_object_get(rem, "workflow_id")));
	json_decref(list);

	/* The agent performs pilot's pending step against the vCenter lab. */
	ck_assert_msg(agent_drive(wf, NULL, NULL, &out) == 0, "%s", out);
	ck_assert_ptr_nonnull(strstr(out, "\"ok\": true"));
	free(out);

	/* The re-scan: the rule passes, drift shows the change, verified. */
	harden_run(&lab, &r, scan);
	ck_assert_ptr_nonnull(strstr(r.err, "1 remediation verified"));
	rep = json_loads(r.out, 0, NULL);
	ck_assert_int_eq(status_of(rep, "cis-esxi-2.7", host), 1);
	long long snap = json_integer_value(json_object_get(rep, "snapshot_id"));
	json_decref(rep);
	run_release(&r);
	static const char *const drift[] = { "drift", "--target", "lab", "--format", "json", NULL };
	json_t *d = run_json(drift, EXIT_CLEAN);
	char *lines = drift_event_lines(d);
	char *want = xasprintf("%s service.ntpd.running false->true", host);
	ck_assert_msg(strstr(lines, want), "%s", lines);
	free(want);
	want = xasprintf("%s ntp.servers []->", host);
	ck_assert_msg(strstr(lines, want), "%s", lines);
	free(want);
	free(lines);
	json_decref(d);
	list = remediations();
	rem = json_array_get(list, 0);
	ck_assert_str_eq(json_string_value(json_object_get(rem, "state")), "verified");
	ck_assert_int_eq(json_integer_value(json_object_get(rem, "proof_snapshot")), snap);
	char *id = xasprintf("%lld", (long long)json_integer_value(json_object_get(rem, "id")));
	json_decref(list);
	const char *show[] = { "remediation", "show", id, NULL };
	run_ok(&r, show, EXIT_CLEAN);
	ck_assert_ptr_nonnull(strstr(r.out, "proved by snapshot"));
	ck_assert_ptr_nonnull(strstr(r.out, "harden drift --target lab --from"));
	run_release(&r);

	/* A fixed violation is not applied again. */
	run_ok(&r, apply_yes, EXIT_STALE);
	ck_assert_ptr_nonnull(strstr(r.err, "not failing"));
	run_release(&r);
	free(id), free(wf), free(vid), free(host);
}
END_TEST

/* ---- seed workflow 2: DFW ANY/ANY ---- */

START_TEST(test_workflow_dfw_any_any)
{
	static const char *const scan[] = { "scan", "--target", "lab", "--baseline", PCI, "--format", "json", "--all",
					     NULL };
	json_t *rep = run_json(scan, EXIT_FINDINGS);
	char *rule, *vid = violation_of(rep, "pci-r1-1", &rule);
	json_decref(rep);

	static const char *const advise[] = { "advise", "--all-critical", "--format", "json", NULL };
	json_t *adv = run_json(advise, EXIT_CLEAN);
	json_t *s = NULL, *x;
	size_t i;
	json_array_foreach(json_object_get(adv, "suggestions"), i, x)
		if (!strcmp(json_string_value(json_object_get(x, "violation_id")), vid))
			s = x;
	ck_assert_ptr_nonnull(s);
	json_t *step = json_array_get(json_object_get(json_object_get(s, "execution_plan"), "steps"), 0);
	ck_assert_str_eq(json_string_value(json_object_get(step, "skill")), "nsx-security");
	ck_assert_str_eq(json_string_value(json_object_get(step, "tool")), "delete_dfw_rule");
	ck_assert(json_is_true(json_object_get(step, "destructive")));
	ck_assert(json_is_true(json_object_get(json_object_get(step, "params"), "confirm")));
	ck_assert_str_eq(json_string_value(json_object_get(step, "rollback_tool")), "create_dfw_rule");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(step, "rollback_params"), "action")), "ALLOW");
	ck_assert(json_is_true(json_object_get(s, "human_review_required")));
	ck_assert(json_is_true(json_object_get(json_object_get(s, "impact_prediction"), "affects_running_workload")));
	json_decref(adv);

	const char *apply[] = { "apply", "--violation-id", vid, NULL };
	struct run r;
	run_ok(&r, apply, EXIT_NOT_APPROVED);
	ck_assert_ptr_nonnull(strstr(r.out, "is destructive"));
	run_release(&r);
	json_t *list = remediations();
	ck_assert_uint_eq(json_array_size(list), 0);
	json_decref(list);
	const char *apply_yes[] = { "apply", "--violation-id", vid, "--yes", "--approver", "bob", NULL };
	run_ok(&r, apply_yes, EXIT_CLEAN);
	run_release(&r);
	list = remediations();
	char *wf = xstrdup(json_string_value(json_object_get(json_array_get(list, 0), "workflow_id")));
	json_decref(list);

	/* Pilot holds the gate in front of the delete. */
	char *sql = xasprintf("sqlite3 '%s' \"select data from workflows where id = '%s'\"", pilot_db, wf);
	FILE *p = popen(sql, "r");
	json_t *wfj = json_loadf(p, 0, NULL);
	pclose(p);
	free(sql);
	ck_assert_ptr_nonnull(wfj);
	json_t *steps = json_object_get(wfj, "steps");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(steps, 0), "action")), "require_approval");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(steps, 1), "tool")), "delete_dfw_rule");
	ck_assert_str_eq(json_string_value(json_object_get(wfj, "approved_by")), "bob");
	json_decref(wfj);

	char *out;
	ck_assert_msg(agent_drive(wf, NULL, NULL, &out) == 0, "%s", out);
	free(out);
	harden_run(&lab, &r, scan);
	ck_assert_ptr_nonnull(strstr(r.err, "1 remediation verified"));
	rep = json_loads(r.out, 0, NULL);
	ck_assert_int_eq(status_of(rep, "pci-r1-1", rule), -1);	/* the rule is gone */
	json_decref(rep);
	run_release(&r);
	list = remediations();
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(list, 0), "state")), "verified");
	json_decref(list);
	free(wf), free(vid), free(rule);
}
END_TEST

/* ---- failure modes ---- */

START_TEST(test_pilot_missing_and_unknown_tool)
{
	char *vid = ntp_violation();
	setenv("HARDEN_PILOT_COMMAND", "/nonexistent/vmware-pilot mcp", 1);
	/* Without pilot the shipped catalog is used: the seed's NTP tool is
	 * in no real catalog, so the step is unverified and needs review. */
	const char *advise[] = { "advise", "--violation-id", vid, "--format", "json", NULL };
	json_t *adv = run_json(advise, EXIT_CLEAN);
	json_t *s = json_array_get(json_object_get(adv, "suggestions"), 0);
	json_t *step = json_array_get(json_object_get(json_object_get(s, "execution_plan"), "steps"), 0);
	ck_assert(json_is_false(json_object_get(step, "verified")));
	ck_assert(json_is_true(json_object_get(s, "human_review_required")));
	char *reasons = json_dumps(json_object_get(s, "review_reasons"), 0);
	ck_assert_msg(strstr(reasons, "does not list"), "%s", reasons);
	free(reasons);
	json_decref(adv);
	const char *apply[] = { "apply", "--violation-id", vid, "--yes", NULL };
	struct run r;
	run_ok(&r, apply, EXIT_PILOT_MISSING);
	ck_assert_ptr_nonnull(strstr(r.err, "not installed"));
	run_release(&r);
	/* baseline validate names the unknown tools. */
	static const char *const validate[] = { "baseline", "validate", "baselines/" CIS ".yaml", NULL };
	run_ok(&r, validate, EXIT_CLEAN);
	ck_assert_ptr_nonnull(strstr(r.err, "unknown tool vmware_aiops.host_ntp_configure"));
	run_release(&r);
	free(vid);
}
END_TEST

START_TEST(test_pilot_refusing)
{
	/* Pilot gates a step with an explicit falsy dry_run whatever its
	 * risk; harden gates by risk alone, so a site baseline naming a
	 * medium-risk tool with dry_run: false goes to pilot ungated, and
	 * pilot refuses the workflow. */
	char *dir = xasprintf("%s/xdg/harden/baselines", lab.dir);
	ck_assert_int_eq(mkdir_parents(dir), 0);
	ck_assert_int_eq(mkdir(dir, 0755), 0);
	char *file = xasprintf("%s/lab-refusal.yaml", dir);
	FILE *f = fopen(file, "w");
	ck_assert_ptr_nonnull(f);
	fputs("id: lab-refusal\ntitle: A site rule whose tool pilot refuses ungated\nversion: \"1\"\nrules:\n"
	      "  - id: site-vm-suspended\n    title: VMs are suspended\n    severity: low\n    object: vm\n"
	      "    check: { property: power_state, eq: suspended }\n"
	      "    remediation:\n      summary: Power the VM on for real.\n"
	      "      mcp_tool: vmware_aiops.vm_power_on\n"
	      "      params: { vm: \"{object.name}\", dry_run: false }\n"
	      "      rollback_tool: vm_power_off\n      rollback_params: { vm: \"{object.name}\" }\n"
	      "    review: { human_review_required: false, min_confidence: 0.5 }\n", f);
	ck_assert_int_eq(fclose(f), 0);
	char *xdg = xasprintf("%s/xdg", lab.dir);
	setenv("XDG_CONFIG_HOME", xdg, 1);
	static const char *const scan[] = { "scan", "--target", "lab", "--baseline", "lab-refusal", "--format",
					     "json", "--fail-on", "none", NULL };
	json_t *rep = run_json(scan, EXIT_CLEAN);
	char *vid = violation_of(rep, "site-vm-suspended", NULL);
	json_decref(rep);
	const char *apply[] = { "apply", "--violation-id", vid, "--yes", NULL };
	struct run r;
	run_ok(&r, apply, EXIT_PILOT_REFUSED);
	ck_assert_ptr_nonnull(strstr(r.err, "approval gate"));
	ck_assert_ptr_nonnull(strstr(r.err, "confirm_without_approval"));
	run_release(&r);
	json_t *list = remediations();
	ck_assert_uint_eq(json_array_size(list), 0);
	json_decref(list);
	unsetenv("XDG_CONFIG_HOME");
	free(vid), free(xdg), free(file), free(dir);
}
END_TEST

START_TEST(test_sibling_fails_mid_workflow)
{
	char *vid = ntp_violation();
	const char *apply[] = { "apply", "--violation-id", vid, "--yes", NULL };
	struct run r;
	run_ok(&r, apply, EXIT_CLEAN);
	run_release(&r);
	json_t *list = remediations();
	char *wf = xstrdup(json_string_value(json_object_get(json_array_get(list, 0), "workflow_id")));
	json_decref(list);
	char *out;
	/* The sibling fails; the agent reports it to pilot: rollback(confirm=true). */
	setenv("LAB_AGENT_FAIL", "aiops.host_ntp_configure", 1);
	ck_assert_int_eq(agent_drive(wf, "--mark-failed", NULL, &out), 1);
	unsetenv("LAB_AGENT_FAIL");
	free(out);
	list = remediations();
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(list, 0), "state")), "failed");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(list, 0), "pilot_state")), "failed");
	json_decref(list);
	free(wf), free(vid);
}
END_TEST

START_TEST(test_stale_twin)
{
	char *vid = ntp_violation();
	sleep(2);
	const char *apply[] = { "apply", "--violation-id", vid, "--yes", "--max-age", "1", NULL };
	struct run r;
	run_ok(&r, apply, EXIT_STALE);
	ck_assert_ptr_nonnull(strstr(r.err, "re-run harden scan"));
	run_release(&r);
	static const char *const bogus[] = { "apply", "--violation-id", "V-00000000", "--yes", NULL };
	run_ok(&r, bogus, EXIT_STALE);
	run_release(&r);
	/* --approved or --violation-id, one of them; nothing approved: nothing done. */
	static const char *const neither[] = { "apply", NULL };
	run_ok(&r, neither, EXIT_USAGE);
	ck_assert_ptr_nonnull(strstr(r.err, "--approved"));
	run_release(&r);
	const char *both[] = { "apply", "--approved", "--violation-id", vid, NULL };
	run_ok(&r, both, EXIT_USAGE);
	run_release(&r);
	static const char *const approved[] = { "apply", "--approved", NULL };
	run_ok(&r, approved, EXIT_CLEAN);
	ck_assert_ptr_nonnull(strstr(r.out, "0 approved suggestions submitted"));
	run_release(&r);
	free(vid);
}
END_TEST


/* Pilot with a dispatcher (PILOT_LAB_DISPATCH: pilot's executor calls the
 * skill itself) reaches completed and failed.  A sibling that reports
 * success but changes nothing leaves the violation failing: the re-scan
 * marks the remediation not_effective.  A sibling that fails fails the
 * workflow, and apply says so. */
START_TEST(test_dispatcher_completed_but_not_effective)
{
	char *vid = ntp_violation();
	setenv("PILOT_LAB_DISPATCH", "sh -c 'cat >/dev/null; echo {}' no-op-sibling", 1);
	const char *apply[] = { "apply", "--violation-id", vid, "--yes", NULL };
	struct run r;
	run_ok(&r, apply, EXIT_CLEAN);
	ck_assert_ptr_nonnull(strstr(r.out, "pilot state completed"));
	run_release(&r);
	json_t *list = remediations();
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(list, 0), "pilot_state")), "completed");
	json_decref(list);
	static const char *const scan[] = { "scan", "--target", "lab", "--baseline", CIS, NULL };
	harden_run(&lab, &r, scan);
	ck_assert_msg(strstr(r.err, "not effective"), "%s", r.err);
	run_release(&r);
	list = remediations();
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(list, 0), "state")), "not_effective");
	json_decref(list);

	char *dispatch = xasprintf("python3 tests/lab/skills/lab-agent --targets %s call", lab.config);
	setenv("PILOT_LAB_DISPATCH", dispatch, 1);
	setenv("LAB_AGENT_FAIL", "aiops.host_ntp_configure", 1);
	run_ok(&r, apply, EXIT_PILOT_FAILED);
	ck_assert_ptr_nonnull(strstr(r.err, "failed"));
	run_release(&r);
	list = remediations();
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(list, 0), "state")), "failed");
	json_decref(list);
	unsetenv("LAB_AGENT_FAIL");
	unsetenv("PILOT_LAB_DISPATCH");
	free(dispatch);
	free(vid);
}
END_TEST

/* ---- the optional model (advise --llm) against the LLM lab ---- */

#define LLM_KEY "sk-lab-4f9e2c"
static pid_t llm_pid;
static char *llm_url;

static void llm_setup(void)
{
	setup();
	char *keyfile = xasprintf("%s/llm.key", lab.dir), *urlfile = xasprintf("%s/llm.url", lab.dir);
	FILE *f = fopen(keyfile, "w");
	ck_assert_ptr_nonnull(f);
	fputs(LLM_KEY "\n", f);
	fclose(f);
	llm_pid = fork();
	ck_assert_int_ge(llm_pid, 0);
	if (llm_pid == 0) {
		int n = open("/dev/null", O_WRONLY);
		dup2(n, 1);
		dup2(n, 2);
		execlp("python3", "python3", "tests/lab/llm/llm-lab", "-url-file", urlfile, "-api-key-file", keyfile,
		       "-exit-with-parent", (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 400 && !(llm_url = file_read(urlfile, NULL)); i++)
		usleep(25000);
	ck_assert_ptr_nonnull(llm_url);
	llm_url[strcspn(llm_url, "\r\n")] = '\0';
	free(keyfile), free(urlfile);
}

static void llm_teardown(void)
{
	kill(llm_pid, SIGTERM);
	waitpid(llm_pid, NULL, 0);
	free(llm_url);
	llm_url = NULL;
	unsetenv("LAB_LLM_KEY");
	teardown();
}

/* The targets file with an advisor: block for provider. */
static void advisor(const char *provider)
{
	char *text = file_read(lab.config, NULL);
	char *cut = strstr(text, "advisor:");
	if (cut)
		*cut = '\0';
	FILE *f = fopen(lab.config, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "%sadvisor:\n  provider: %s\n  base_url: %s\n  model: lab-model\n  api_key_env: LAB_LLM_KEY\n"
		   "  timeout: 20\n", text, provider, llm_url);
	fclose(f);
	free(text);
}

static void llm_fault(const char *kind, int count)
{
	char *cmd = xasprintf("curl -sf -o /dev/null -X POST '%s/lab/fault?kind=%s&count=%d&retry_after=1'", llm_url,
			      kind, count);
	ck_assert_int_eq(system(cmd), 0);
	free(cmd);
}

/* advise --llm on vid: the suggestion, and stderr. */
static json_t *advise_llm(const char *vid, char **err)
{
	const char *args[] = { "advise", "--llm", "--violation-id", vid, "--format", "json", NULL };
	struct run r;
	run_ok(&r, args, EXIT_CLEAN);
	json_t *doc = json_loads(r.out, 0, NULL);
	ck_assert_ptr_nonnull(doc);
	json_t *s = json_incref(json_array_get(json_object_get(doc, "suggestions"), 0));
	json_decref(doc);
	*err = xstrdup(r.err);
	run_release(&r);
	return s;
}

static const char *source_kind(const json_t *s)
{
	return json_string_value(json_object_get(json_object_get(s, "source"), "kind"));
}

START_TEST(test_model_both_shapes_and_faults)
{
	char *vid = ntp_violation(), *err;
	setenv("LAB_LLM_KEY", LLM_KEY, 1);
	static const char *const providers[] = { "anthropic", "openai" };
	for (size_t i = 0; i < ARRAY_SIZE(providers); i++) {
		advisor(providers[i]);
		json_t *s = advise_llm(vid, &err);
		ck_assert_msg(!strcmp(source_kind(s), "model"), "%s: %s", providers[i], err);
		ck_assert_str_eq(json_string_value(json_object_get(json_object_get(s, "source"), "provider")),
				 providers[i]);
		json_t *step = json_array_get(json_object_get(json_object_get(s, "execution_plan"), "steps"), 0);
		ck_assert_str_eq(json_string_value(json_object_get(step, "tool")), "host_ntp_configure");
		/* The model gave no rollback: review is forced. */
		ck_assert(json_is_true(json_object_get(s, "human_review_required")));
		json_decref(s);
		free(err);
	}
	advisor("anthropic");
	/* 429 and 529 are retried (Retry-After honoured). */
	llm_fault("429", 2);
	json_t *s = advise_llm(vid, &err);
	ck_assert_msg(!strcmp(source_kind(s), "model"), "%s", err);
	json_decref(s), free(err);
	llm_fault("529", 1);
	s = advise_llm(vid, &err);
	ck_assert_msg(!strcmp(source_kind(s), "model"), "%s", err);
	json_decref(s), free(err);
	/* Every other fault falls back to the offline suggestion, warning. */
	static const struct {
		const char *kind;
		int count;
	} faults[] = { { "500", 9 }, { "malformed", 1 }, { "unknown-tool", 1 }, { "injection", 1 } };
	for (size_t i = 0; i < ARRAY_SIZE(faults); i++) {
		llm_fault(faults[i].kind, faults[i].count);
		s = advise_llm(vid, &err);
		ck_assert_msg(!strcmp(source_kind(s), "baseline"), "%s: %s", faults[i].kind, err);
		ck_assert_msg(strstr(err, "the model failed"), "%s: %s", faults[i].kind, err);
		char *dump = json_dumps(s, 0);
		ck_assert_msg(!strstr(dump, "delete_dfw_policy"), "%s", dump);
		free(dump);
		json_decref(s), free(err);
		llm_fault(faults[i].kind, 0);
	}
	/* No key: offline, never a pretend model. */
	unsetenv("LAB_LLM_KEY");
	s = advise_llm(vid, &err);
	ck_assert_str_eq(source_kind(s), "baseline");
	ck_assert_ptr_nonnull(strstr(err, "no model"));
	json_decref(s), free(err);
	/* The key went in its header only; estate data was framed as untrusted. */
	char *cmd = xasprintf("curl -sf '%s/lab/requests'", llm_url);
	FILE *p = popen(cmd, "r");
	json_t *doc = json_loadf(p, 0, NULL), *reqs = json_object_get(doc, "requests");
	pclose(p);
	free(cmd);
	ck_assert_uint_gt(json_array_size(reqs), 0);
	size_t k;
	json_t *q;
	json_array_foreach(reqs, k, q) {
		char *body = json_dumps(json_object_get(q, "body"), 0);
		ck_assert_ptr_null(strstr(body, LLM_KEY));
		ck_assert_ptr_nonnull(strstr(body, "untrusted"));
		ck_assert_ptr_nonnull(strstr(body, "<estate-data>"));
		free(body);
	}
	json_decref(doc);
	/* Nor is it in the twin. */
	size_t n = 0, wn = 0;
	char *db = file_read(lab.db, &n), *wal = xasprintf("%s-wal", lab.db), *w = file_read(wal, &wn);
	ck_assert_ptr_null(db ? memmem(db, n, LLM_KEY, strlen(LLM_KEY)) : NULL);
	ck_assert_ptr_null(w ? memmem(w, wn, LLM_KEY, strlen(LLM_KEY)) : NULL);
	free(db), free(wal), free(w);
	free(vid);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("remediation");
	TCase *tc = tcase_create("loop");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test_workflow_ntp);
	tcase_add_test(tc, test_workflow_dfw_any_any);
	tcase_add_test(tc, test_pilot_missing_and_unknown_tool);
	tcase_add_test(tc, test_pilot_refusing);
	tcase_add_test(tc, test_sibling_fails_mid_workflow);
	tcase_add_test(tc, test_stale_twin);
	tcase_add_test(tc, test_dispatcher_completed_but_not_effective);
	suite_add_tcase(s, tc);
	tc = tcase_create("model");
	tcase_add_checked_fixture(tc, llm_setup, llm_teardown);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test_model_both_shapes_and_faults);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run(suite()) ? 1 : 0;
}
