/* harden mcp driven over pipes as an MCP client would, against a twin
 * scanned from the vCenter and NSX labs: the handshake and lifecycle,
 * garbage and out-of-order requests, tools/list, every tool, paging, bad
 * arguments, and answers that match the CLI's JSON reports. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "exitcode.h"
#include "lib/lab.h"
#include "lib/testutil.h"
#include "mcp/jsonrpc.h"
#include "status.h"
#include "util/util.h"

#define LEGACY "/infra/domains/default/security-policies/web-tier/rules/legacy-any-any"
#define TIMEOUT_MS 180000

static struct lab lab;
static struct jrpc srv;
static long long next_id = 100;

static json_t *cli_json(const char *const *args, int want)
{
	struct run r;
	harden_run(&lab, &r, args);
	ck_assert_msg(r.status == want, "%s: exit %d, not %d: %s", args[0], r.status, want, r.err);
	json_error_t je;
	json_t *j = json_loads(r.out, 0, &je);
	ck_assert_msg(j != NULL, "%s: not JSON: %s", args[0], je.text);
	run_release(&r);
	return j;
}

/* Two scans with a change to the NSX lab between them, so that drift has
 * events. */
static void start(void)
{
	static const char *const scan[] = { "scan", "--target", "lab", "--baseline", "vsphere-scg-v8-subset",
					    "--baseline", "pci-dss-4.0-vmware", "--fail-on", "none", "--format", "json",
					    NULL };
	lab_start(&lab, NULL);
	lab_start_nsx(&lab, NULL);
	json_decref(cli_json(scan, EXIT_CLEAN));
	nsx_patch(&lab, LEGACY, "{\"source_groups\": [\"/infra/domains/default/groups/mgmt-hosts\"]}");
	json_decref(cli_json(scan, EXIT_CLEAN));
}

static void stop(void)
{
	lab_stop(&lab);
}

static void srv_start(void)
{
	const char *const argv[] = { harden_bin(), "--db", lab.db, "--config", lab.config, "mcp", NULL };
	ck_assert_msg(jrpc_spawn(&srv, argv) == 0, "%s", err_get());
}

static void srv_stop(void)
{
	int st = jrpc_close(&srv, 10000);
	ck_assert_msg(st == 0, "harden mcp exited %d", st);
}

static void send_line(const char *s)
{
	size_t n = strlen(s);
	ck_assert(write(srv.out, s, n) == (ssize_t)n);
	ck_assert(write(srv.out, "\n", 1) == 1);
}

static json_t *recv_msg(void)
{
	json_t *m;
	int r = jrpc_read(&srv, &m, TIMEOUT_MS);
	ck_assert_msg(r == 0, "no answer from harden mcp (%d): %s", r, err_get());
	return m;
}

/* A request; returns the whole answer, checked to carry its id. */
static json_t *request(const char *method, json_t *params)
{
	long long id = next_id++;
	json_t *req = json_pack("{s:s, s:I, s:s}", "jsonrpc", "2.0", "id", (json_int_t)id, "method", method);
	if (params)
		json_object_set_new(req, "params", params);
	ck_assert(jrpc_write(&srv, req) == 0);
	json_decref(req);
	json_t *m = recv_msg();
	ck_assert_int_eq(json_integer_value(json_object_get(m, "id")), id);
	return m;
}

static int error_code(const json_t *m)
{
	json_t *e = json_object_get(m, "error");
	ck_assert_msg(e != NULL, "expected an error: %s", json_dumps(m, 0));
	return (int)json_integer_value(json_object_get(e, "code"));
}

/* tools/call; returns the result. */
static json_t *call(const char *tool, const char *args)
{
	json_t *a = args ? json_loads(args, 0, NULL) : json_object();
	ck_assert_msg(a != NULL, "bad test arguments %s", args);
	json_t *m = request("tools/call", json_pack("{s:s, s:o}", "name", tool, "arguments", a));
	json_t *res = json_incref(json_object_get(m, "result"));
	ck_assert_msg(res != NULL, "tools/call %s: %s", tool, json_dumps(m, 0));
	json_decref(m);
	return res;
}

/* A successful call: the structured content, checked to equal the text. */
static json_t *tool_ok(const char *tool, const char *args)
{
	json_t *res = call(tool, args);
	json_t *sc = json_object_get(res, "structuredContent");
	const char *text = json_string_value(json_object_get(json_array_get(json_object_get(res, "content"), 0), "text"));
	ck_assert_msg(!json_is_true(json_object_get(res, "isError")), "%s failed: %s", tool, text);
	ck_assert(json_is_object(sc) && text);
	json_t *t = json_loads(text, 0, NULL);
	ck_assert_msg(json_equal(t, sc), "%s: text and structuredContent differ", tool);
	json_decref(t);
	json_incref(sc);
	json_decref(res);
	return sc;
}

/* A failed call: the error object of its text block. */
static json_t *tool_err(const char *tool, const char *args)
{
	json_t *res = call(tool, args);
	ck_assert_msg(json_is_true(json_object_get(res, "isError")), "%s did not fail", tool);
	ck_assert(json_object_get(res, "structuredContent") == NULL);
	const char *text = json_string_value(json_object_get(json_array_get(json_object_get(res, "content"), 0), "text"));
	json_t *o = json_loads(text, 0, NULL);
	ck_assert_msg(json_is_string(json_object_get(o, "error")), "no error in %s", text);
	json_decref(res);
	return o;
}

static const char *member(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s ? s : "(null)";
}

static void initialize(const char *version, const char *want)
{
	json_t *m = request("initialize", json_pack("{s:s, s:{}, s:{s:s, s:s}}", "protocolVersion", version,
						    "capabilities", "clientInfo", "name", "check", "version", "1"));
	json_t *r = json_object_get(m, "result");
	ck_assert_str_eq(member(r, "protocolVersion"), want);
	ck_assert_str_eq(member(json_object_get(r, "serverInfo"), "name"), "harden");
	ck_assert(json_object_get(json_object_get(r, "capabilities"), "tools") != NULL);
	json_decref(m);
}

START_TEST(test_protocol)
{
	srv_start();
	initialize("2024-11-05", "2024-11-05");
	initialize("2025-03-26", "2025-03-26");
	initialize("2025-11-25", "2025-11-25");
	initialize("1999-01-01", "2025-06-18");
	send_line("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
	send_line("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/something-new\",\"params\":{}}");
	json_t *m = request("ping", NULL);
	ck_assert(json_is_object(json_object_get(m, "result")));
	json_decref(m);

	m = request("resources/list", NULL);
	ck_assert_int_eq(error_code(m), JRPC_METHOD_NOT_FOUND);
	json_decref(m);

	/* Garbage: each line answered, and the server serves on. */
	static const struct {
		const char *line;
		int code;
	} bad[] = {
		{ "this is not json", JRPC_PARSE_ERROR },
		{ "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":", JRPC_PARSE_ERROR },
		{ "[1, 2]", JRPC_INVALID_REQUEST },
		{ "42", JRPC_INVALID_REQUEST },
		{ "{\"jsonrpc\":\"1.0\",\"id\":1,\"method\":\"ping\"}", JRPC_INVALID_REQUEST },
		{ "{\"jsonrpc\":\"2.0\",\"id\":{},\"method\":\"ping\"}", JRPC_INVALID_REQUEST },
		{ "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":7}", JRPC_INVALID_REQUEST },
		{ "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"ping\",\"params\":\"x\"}", JRPC_INVALID_REQUEST },
	};
	for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
		send_line(bad[i].line);
		m = recv_msg();
		ck_assert_msg(error_code(m) == bad[i].code, "%s: code %d", bad[i].line, error_code(m));
		json_decref(m);
	}
	/* A response from the client, to nothing: ignored. */
	send_line("{\"jsonrpc\":\"2.0\",\"id\":77,\"result\":{}}");

	/* Several requests at once, string and integer ids: every one answered
	 * with its own id. */
	send_line("{\"jsonrpc\":\"2.0\",\"id\":\"b\",\"method\":\"tools/list\"}\n"
		  "{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"ping\"}\n"
		  "{\"jsonrpc\":\"2.0\",\"id\":-4,\"method\":\"tools/call\",\"params\":{\"name\":\"list_baselines\"}}\n"
		  "{\"jsonrpc\":\"2.0\",\"id\":\"a\",\"method\":\"nope\"}");
	bool seen[4] = { false };
	for (int i = 0; i < 4; i++) {
		m = recv_msg();
		json_t *id = json_object_get(m, "id");
		if (json_is_string(id) && !strcmp(json_string_value(id), "b"))
			seen[0] = json_object_get(json_object_get(m, "result"), "tools") != NULL;
		else if (json_integer_value(id) == 9)
			seen[1] = json_object_get(m, "result") != NULL;
		else if (json_integer_value(id) == -4)
			seen[2] = json_object_get(json_object_get(m, "result"), "structuredContent") != NULL;
		else if (json_is_string(id) && !strcmp(json_string_value(id), "a"))
			seen[3] = error_code(m) == JRPC_METHOD_NOT_FOUND;
		json_decref(m);
	}
	ck_assert(seen[0] && seen[1] && seen[2] && seen[3]);

	/* An unknown tool is a protocol error; bad arguments are tool errors. */
	m = request("tools/call", json_pack("{s:s}", "name", "apply"));
	ck_assert_int_eq(error_code(m), JRPC_INVALID_PARAMS);
	json_decref(m);
	m = request("tools/call", json_pack("{s:s, s:[]}", "name", "list_baselines", "arguments"));
	json_t *r = json_object_get(m, "result");
	ck_assert(json_is_true(json_object_get(r, "isError")));
	json_decref(m);
	static const char *const bad_args[][2] = {
		{ "list_violations", "{\"limit\": 0}" },
		{ "list_violations", "{\"limit\": 201}" },
		{ "list_violations", "{\"limit\": \"5\"}" },
		{ "list_violations", "{\"offset\": -1}" },
		{ "list_violations", "{\"severity\": \"dire\"}" },
		{ "list_violations", "{\"everything\": true}" },
		{ "get_baseline_rules", "{}" },
		{ "get_baseline_rules", "{\"baseline_id\": \"no-such-baseline\"}" },
		{ "get_finding", "{\"violation_id\": \"not-an-id\"}" },
		{ "get_finding", "{\"violation_id\": \"V-00000000\"}" },
		{ "list_snapshots", "{\"target\": \"nowhere\"}" },
		{ "get_drift", "{\"target\": \"lab\", \"from\": 1, \"to\": 1}" },
		{ "get_history", "{\"target\": \"lab\"}" },
		{ "scan_target", "{\"target\": \"nowhere\", \"baseline\": \"vsphere-scg-v8-subset\"}" },
		{ "scan_target", "{\"target\": \"lab\", \"baseline\": \"../../etc/passwd\"}" },
		{ "evaluate_snapshot", "{\"baseline\": \"vsphere-scg-v8-subset\", \"snapshot\": 999}" },
	};
	for (unsigned i = 0; i < ARRAY_SIZE(bad_args); i++)
		json_decref(tool_err(bad_args[i][0], bad_args[i][1]));
	m = request("ping", NULL);
	ck_assert(json_object_get(m, "result") != NULL);
	json_decref(m);
	srv_stop();
}
END_TEST

static const char *const tool_names[] = { "list_baselines", "get_baseline_rules", "list_violations",
					  "get_remediation", "list_drift_events", "scan_target", "list_stig_controls",
					  "describe_stig_content_sync", "list_targets", "list_snapshots", "get_finding",
					  "get_drift", "get_history", "evaluate_snapshot", "advise" };

START_TEST(test_tools_list)
{
	srv_start();
	initialize("2025-06-18", "2025-06-18");
	json_t *m = request("tools/list", NULL);
	json_t *tools = json_object_get(json_object_get(m, "result"), "tools"), *t;
	ck_assert_int_eq(json_array_size(tools), ARRAY_SIZE(tool_names));
	for (unsigned i = 0; i < ARRAY_SIZE(tool_names); i++) {
		size_t k;
		bool found = false;
		json_array_foreach(tools, k, t) {
			if (strcmp(member(t, "name"), tool_names[i]))
				continue;
			found = true;
			json_t *in = json_object_get(t, "inputSchema"), *ann = json_object_get(t, "annotations");
			ck_assert_str_eq(member(in, "type"), "object");
			ck_assert_msg(json_is_false(json_object_get(in, "additionalProperties")), "%s: open", tool_names[i]);
			ck_assert_str_eq(member(json_object_get(t, "outputSchema"), "type"), "object");
			ck_assert(strlen(member(t, "title")) > 3 && strlen(member(t, "description")) > 20);
			ck_assert(json_is_false(json_object_get(ann, "destructiveHint")));
			ck_assert(json_is_boolean(json_object_get(ann, "readOnlyHint")));
			ck_assert(json_is_boolean(json_object_get(ann, "idempotentHint")));
			bool scan = !strcmp(tool_names[i], "scan_target");
			ck_assert_msg(json_is_true(json_object_get(ann, "openWorldHint")) == scan, "%s", tool_names[i]);
			if (scan || !strcmp(tool_names[i], "evaluate_snapshot") || !strcmp(tool_names[i], "get_drift") ||
			    !strcmp(tool_names[i], "advise"))
				ck_assert(json_is_false(json_object_get(ann, "readOnlyHint")));
		}
		ck_assert_msg(found, "tool %s missing", tool_names[i]);
	}
	size_t k;
	json_array_foreach(tools, k, t)
		ck_assert_msg(!strstr(member(t, "name"), "apply") && !strstr(member(t, "name"), "submit"),
			      "%s: apply is exposed", member(t, "name"));
	json_decref(m);
	srv_stop();
}
END_TEST

/* "baseline rule object" lines of failing results, sorted. */
static char *fail_lines(json_t *findings, bool cli)
{
	struct strlist l = { 0 };
	size_t i;
	json_t *f;
	json_array_foreach(findings, i, f) {
		if (cli && strcmp(member(f, "status"), "fail"))
			continue;
		strlist_add_owned(&l, xasprintf("%s %s %s", member(f, "baseline_id"), member(f, "rule_id"),
						member(json_object_get(f, "object"), "id")));
	}
	return tu_sorted_lines(&l);
}

/* Every page of a paged tool, its items appended to all. */
static long long all_pages(const char *tool, const char *extra, const char *key, json_t *all)
{
	long long total = -1;
	for (long long off = 0;; off += 7) {
		char *args = xasprintf("{\"limit\": 7, \"offset\": %lld%s}", off, extra);
		json_t *p = tool_ok(tool, args);
		free(args);
		json_t *items = json_object_get(p, key);
		long long t = json_integer_value(json_object_get(p, "total"));
		ck_assert(total < 0 || t == total);
		total = t;
		ck_assert_int_eq(json_integer_value(json_object_get(p, "limit")), 7);
		ck_assert(json_array_size(items) <= 7);
		bool trunc = json_is_true(json_object_get(p, "truncated"));
		ck_assert(trunc == (off + (long long)json_array_size(items) < total));
		json_array_extend(all, items);
		json_decref(p);
		if (!trunc)
			break;
	}
	return total;
}

/* The id of a result that passes in the report (no violation). */
static char *passing_id(json_t *findings)
{
	size_t i;
	json_t *f;
	json_array_foreach(findings, i, f)
		if (!strcmp(member(f, "status"), "pass")) {
			char vid[VIOLATION_ID_SIZE];
			json_t *o = json_object_get(f, "object");
			violation_id(vid, "lab", member(f, "rule_id"), member(o, "type"), member(o, "id"));
			return xstrdup(vid);
		}
	ck_abort_msg("no passing result in the report");
	return NULL;
}

/* A suggestion without its revision (each advise adds one). */
static json_t *unrevised(json_t *s)
{
	json_t *c = json_deep_copy(s);
	ck_assert(json_object_del(c, "revision") == 0);
	return c;
}

/* advise through MCP and harden advise -f json: the same suggestion, each
 * stored as the next revision; get_finding and get_remediation then show
 * the latest. */
static void advise_matches_the_cli(const char *vid)
{
	char *args = xasprintf("{\"violation_id\": \"%s\"}", vid);
	json_t *m = tool_ok("advise", args);
	ck_assert_str_eq(member(m, "violation_id"), vid);
	ck_assert_int_eq(json_integer_value(json_object_get(m, "revision")), 1);
	ck_assert_str_eq(member(m, "source"), "baseline");
	json_t *ms = json_object_get(m, "suggestion");
	ck_assert_str_eq(member(ms, "schema"), "harden.suggestion");
	const char *const cli[] = { "advise", "--violation-id", vid, "--format", "json", NULL };
	json_t *c = cli_json(cli, EXIT_CLEAN);
	json_t *cs = json_array_get(json_object_get(c, "suggestions"), 0);
	ck_assert_uint_eq(json_array_size(json_object_get(c, "suggestions")), 1);
	ck_assert_int_eq(json_integer_value(json_object_get(cs, "revision")), 2);
	json_t *a = unrevised(ms), *b = unrevised(cs);
	ck_assert_msg(json_equal(a, b), "advise differs from the CLI's:\n%s\n%s", json_dumps(a, JSON_SORT_KEYS),
		      json_dumps(b, JSON_SORT_KEYS));
	json_decref(a);
	json_decref(b);

	json_t *f = tool_ok("get_finding", args);
	ck_assert_str_eq(member(f, "remediation_state"), "suggested");
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(f, "suggestion"), "revision")), 2);
	ck_assert(json_equal(json_object_get(f, "suggestion"), cs));
	ck_assert(json_is_null(json_object_get(f, "remediation")));
	json_decref(f);
	json_t *g = tool_ok("get_remediation", args);
	ck_assert_str_eq(member(g, "state"), "suggested");
	ck_assert(json_is_true(json_object_get(g, "stored")));
	ck_assert_int_eq(json_integer_value(json_object_get(g, "revision")), 2);
	ck_assert(json_equal(json_object_get(g, "suggestion"), cs));
	ck_assert(json_equal(json_object_get(g, "plan"), json_object_get(cs, "execution_plan")));
	ck_assert(json_equal(json_object_get(g, "impact"), json_object_get(cs, "impact_prediction")));
	ck_assert_uint_eq(json_array_size(json_object_get(g, "rollback")),
			  json_array_size(json_object_get(json_object_get(cs, "execution_plan"), "steps")));
	json_decref(g);
	json_decref(c);
	json_decref(m);
	free(args);
}

START_TEST(test_twin_tools_match_the_cli)
{
	srv_start();
	initialize("2025-06-18", "2025-06-18");

	/* list_violations, page by page, against report's failing results. */
	static const char *const report[] = { "report", "--target", "lab", "--format", "json", NULL };
	json_t *rep = cli_json(report, EXIT_CLEAN);
	json_t *viol = json_array();
	long long total = all_pages("list_violations", ", \"target\": \"lab\"", "violations", viol);
	ck_assert_int_eq(total, (long long)json_array_size(viol));
	ck_assert(total > 7);
	char *a = fail_lines(json_object_get(rep, "findings"), true), *b = fail_lines(viol, false);
	ck_assert_str_eq(a, b);
	free(a);
	free(b);
	ck_assert_int_eq(total, json_integer_value(json_object_get(json_object_get(rep, "counts"), "fail")));
	json_t *all = tool_ok("list_violations", "{\"limit\": 200}");
	ck_assert_int_eq(json_integer_value(json_object_get(all, "total")), total);
	json_decref(all);
	json_t *high = tool_ok("list_violations", "{\"severity\": \"high\", \"limit\": 200}"), *v;
	size_t i;
	json_array_foreach(json_object_get(high, "violations"), i, v)
		ck_assert_str_eq(member(v, "severity"), "high");
	json_decref(high);

	/* get_finding of each of the first violations; get_remediation before
	 * any advice builds an offline suggestion and stores nothing. */
	json_array_foreach(viol, i, v) {
		if (i >= 5)
			break;
		char *args = xasprintf("{\"violation_id\": \"%s\"}", member(v, "violation_id"));
		json_t *f = tool_ok("get_finding", args);
		ck_assert_str_eq(member(f, "rule_id"), member(v, "rule_id"));
		ck_assert_str_eq(member(json_object_get(f, "evidence"), "observed"), member(v, "observed"));
		ck_assert(json_object_get(json_object_get(f, "rule_text"), "description") != NULL);
		ck_assert(json_object_get(f, "waiver") != NULL && json_is_null(json_object_get(f, "suggestion")));
		ck_assert_str_eq(member(f, "remediation_state"), "none");
		json_decref(f);
		json_t *g = tool_ok("get_remediation", args);
		ck_assert_str_eq(member(g, "state"), "none");
		ck_assert(json_is_true(json_object_get(g, "failing")) && json_is_false(json_object_get(g, "stored")));
		ck_assert_str_eq(member(g, "rule_id"), member(v, "rule_id"));
		ck_assert(json_is_array(json_object_get(json_object_get(g, "plan"), "steps")));
		ck_assert(json_is_object(json_object_get(g, "impact")) && json_is_array(json_object_get(g, "rollback")));
		ck_assert_uint_eq(json_array_size(json_object_get(g, "remediations")), 0);
		json_decref(g);
		free(args);
	}
	advise_matches_the_cli(member(json_array_get(viol, 0), "violation_id"));

	/* Unknown, malformed and passing ids are tool errors. */
	static const char *const bad_ids[] = { "{\"violation_id\": \"V-00000000\"}", "{\"violation_id\": \"x\"}",
					       NULL, NULL };
	static const char *const report_all[] = { "report", "--target", "lab", "--all", "--format", "json", NULL };
	json_t *rep_all = cli_json(report_all, EXIT_CLEAN);
	char *pass = passing_id(json_object_get(rep_all, "findings"));
	json_decref(rep_all);
	char *pass_args = xasprintf("{\"violation_id\": \"%s\"}", pass);
	for (unsigned k = 0; k < 3; k++) {
		const char *args = bad_ids[k] ? bad_ids[k] : pass_args;
		static const char *const tools[] = { "advise", "get_remediation", "get_finding" };
		for (unsigned n = 0; n < ARRAY_SIZE(tools); n++) {
			json_t *e = tool_err(tools[n], args);
			ck_assert_msg(strstr(member(e, "error"), k == 1 ? "not a violation id" : "no failing"), "%s %s: %s",
				      tools[n], args, member(e, "error"));
			json_decref(e);
		}
	}
	free(pass_args);
	free(pass);

	/* Targets and snapshots. */
	json_t *t = tool_ok("list_targets", NULL);
	ck_assert_int_eq(json_integer_value(json_object_get(t, "total")), 1);
	json_t *t0 = json_array_get(json_object_get(t, "targets"), 0);
	ck_assert_str_eq(member(t0, "name"), "lab");
	ck_assert(json_is_true(json_object_get(t0, "configured")));
	ck_assert_int_eq(json_integer_value(json_object_get(t0, "latest_snapshot_id")),
			 json_integer_value(json_object_get(rep, "snapshot_id")));
	json_decref(t);
	json_t *s = tool_ok("list_snapshots", "{\"target\": \"lab\"}");
	ck_assert_int_eq(json_integer_value(json_object_get(s, "total")), 2);
	json_t *s0 = json_array_get(json_object_get(s, "snapshots"), 0);
	ck_assert_int_eq(json_integer_value(json_object_get(s0, "id")), json_integer_value(json_object_get(rep, "snapshot_id")));
	ck_assert_str_eq(member(s0, "status"), "completed");
	ck_assert_int_eq(json_array_size(json_object_get(s0, "parts")), 2);
	json_decref(s);

	/* Drift: the same events as harden drift. */
	static const char *const drift[] = { "drift", "--target", "lab", "--format", "json", NULL };
	json_t *cd = cli_json(drift, EXIT_CLEAN);
	char *cli_lines = drift_event_lines(cd);
	json_t *md = json_pack("{s:s, s:o}", "schema", "harden.drift", "events", json_array());
	long long nev = all_pages("get_drift", ", \"target\": \"lab\"", "events", json_object_get(md, "events"));
	ck_assert(nev > 0);
	char *mcp_lines = drift_event_lines(md);
	ck_assert_str_eq(cli_lines, mcp_lines);
	free(mcp_lines);
	json_t *le = tool_ok("list_drift_events", "{\"limit\": 200}");
	ck_assert_int_eq(json_integer_value(json_object_get(le, "total")), nev);
	json_decref(le);
	json_decref(md);
	free(cli_lines);
	json_decref(cd);

	/* History of a host's property, as harden history sees it. */
	json_t *h = tool_ok("get_history", "{\"target\": \"lab\", \"object\": \"DC0_C0_H0\", \"limit\": 3}");
	ck_assert(json_is_true(json_object_get(h, "truncated")));
	ck_assert_int_eq(json_array_size(json_object_get(h, "points")), 3);
	char *args = xasprintf("{\"target\": \"lab\", \"object\": \"DC0_C0_H0\", \"property\": \"%s\"}",
			       member(json_array_get(json_object_get(h, "points"), 0), "property"));
	json_decref(h);
	h = tool_ok("get_history", args);
	free(args);
	ck_assert_int_eq(json_integer_value(json_object_get(h, "total")), 2);	/* one point a scan */
	json_decref(h);

	/* Content: baselines, their rules, STIG controls. */
	json_t *bl = tool_ok("list_baselines", NULL);
	ck_assert(json_integer_value(json_object_get(bl, "total")) >= 4);
	json_decref(bl);
	json_t *rules = tool_ok("get_baseline_rules", "{\"baseline_id\": \"vsphere-scg-v8-subset\", \"limit\": 200}");
	ck_assert(json_array_size(json_object_get(rules, "rules")) > 5);
	json_decref(rules);
	json_t *stig = tool_ok("list_stig_controls", "{\"framework\": \"nsx-4-dfw-stig\"}");
	ck_assert(json_integer_value(json_object_get(stig, "total")) >= 6);
	json_decref(stig);
	json_t *sync = tool_ok("describe_stig_content_sync", NULL);
	ck_assert(json_array_size(json_object_get(sync, "files")) >= 5);
	json_decref(sync);

	/* evaluate_snapshot against the latest: as harden evaluate. */
	static const char *const eval[] = { "evaluate", "--target", "lab", "--baseline", "cis-vmware-esxi-8.0-subset",
					    "--fail-on", "none", "--format", "json", NULL };
	json_t *ce = cli_json(eval, EXIT_CLEAN);
	json_t *me = tool_ok("evaluate_snapshot", "{\"baseline\": \"cis-vmware-esxi-8.0-subset\", \"target\": \"lab\"}");
	ck_assert(json_equal(json_object_get(ce, "counts"), json_object_get(me, "counts")));
	ck_assert_int_eq(json_integer_value(json_object_get(me, "total")),
			 json_integer_value(json_object_get(json_object_get(ce, "counts"), "fail")));
	json_decref(ce);
	json_decref(me);

	json_decref(viol);
	json_decref(rep);
	srv_stop();
}
END_TEST

START_TEST(test_scan_target)
{
	srv_start();
	initialize("2025-06-18", "2025-06-18");
	/* A busy twin is a tool error at once, with harden scan's exit code. */
	char *lp = xasprintf("%s.lock", lab.db);
	int fd = open(lp, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	ck_assert(fd >= 0 && flock(fd, LOCK_EX) == 0);
	double t0 = now_ms();
	json_t *e = tool_err("scan_target", "{\"target\": \"lab\", \"baseline\": \"vsphere-scg-v8-subset\"}");
	ck_assert(now_ms() - t0 < 30000);
	ck_assert_int_eq(json_integer_value(json_object_get(e, "exit_code")), EXIT_BUSY);
	ck_assert(strstr(member(e, "error"), "lock"));
	json_decref(e);
	close(fd);
	free(lp);

	/* A VM whose name carries control characters (XML allows DEL and the
	 * C1 range): MCP returns the name as data, without them. */
	struct vc *v = lab_session(&lab);
	char *vm = lab_moref(v, "VirtualMachine", "DC0_C0_H0_VM0");
	lab_soap_task(v, "<Rename_Task xmlns=\"urn:vim25\"><_this type=\"VirtualMachine\">%s</_this>"
			 "<newName>evil&#x7f;&#x9b;2J&#xd;&#xa;vm</newName></Rename_Task>", vm);
	vc_close(v);

	/* Scanned through MCP and by the CLI: the same verdicts. */
	json_t *m = tool_ok("scan_target", "{\"target\": \"lab\", \"baseline\": \"vsphere-scg-v8-subset\"}");
	static const char *const scan[] = { "scan", "--target", "lab", "--baseline", "vsphere-scg-v8-subset",
					    "--format", "json", NULL };
	struct run r;
	harden_run(&lab, &r, scan);
	ck_assert_int_eq(json_integer_value(json_object_get(m, "exit_code")), r.status);
	json_t *c = json_loads(r.out, 0, NULL);
	ck_assert(c != NULL);
	ck_assert(json_equal(json_object_get(c, "counts"), json_object_get(m, "counts")));
	ck_assert(json_equal(json_object_get(c, "score"), json_object_get(m, "score")));
	ck_assert_int_eq(json_integer_value(json_object_get(c, "snapshot_id")),
			 json_integer_value(json_object_get(m, "snapshot_id")) + 1);
	/* Result by result: the snapshot scan_target made, as harden report
	 * reads it, fails what the CLI's scan fails. */
	char *snap = xasprintf("%lld", (long long)json_integer_value(json_object_get(m, "snapshot_id")));
	const char *const rep_args[] = { "report", "--snapshot", snap, "--format", "json", NULL };
	json_t *mr = cli_json(rep_args, EXIT_CLEAN);
	char *a = fail_lines(json_object_get(mr, "findings"), true), *b = fail_lines(json_object_get(c, "findings"), true);
	ck_assert(strlen(a) > 0);
	ck_assert_str_eq(a, b);
	free(a);
	free(b);
	free(snap);
	json_decref(mr);
	json_decref(c);
	run_release(&r);
	json_decref(m);

	char *args = xasprintf("{\"target\": \"lab\", \"object\": \"%s\", \"limit\": 200}", vm);
	json_t *all = tool_ok("get_history", args);
	free(args);
	free(vm);
	char *text = json_dumps(all, JSON_ENSURE_ASCII);
	ck_assert_ptr_nonnull(strstr(text, "evil"));
	ck_assert_msg(!strchr(text, 0x7f) && !strstr(text, "\\u009b") && !strstr(text, "\\n") &&
		      !strstr(text, "\\r"), "a control character reached the client");
	free(text);
	json_decref(all);
	srv_stop();
}
END_TEST

/* Whether the official SDK is installed (make deps runs npm ci when node
 * and npm are present). */
static bool sdk_installed(void)
{
	return access("tests/mcp-sdk/node_modules/@modelcontextprotocol/sdk/package.json", R_OK) == 0 &&
	       system("node --version >/dev/null 2>&1") == 0;
}

/* The official MCP TypeScript SDK as the client: it lists the tools and
 * calls each, validating every answer against the protocol's schemas and
 * the tools' output schemas. */
START_TEST(test_official_sdk_client)
{
	if (!sdk_installed()) {
		fprintf(stderr, "check_mcp_server: node or @modelcontextprotocol/sdk missing (make deps); "
				"the SDK client is skipped\n");
		return;
	}
	char *bin = realpath(harden_bin(), NULL);
	ck_assert(bin != NULL);
	char *cmd = xasprintf("node tests/mcp-sdk/sdk-client.mjs '%s' '%s' '%s' lab", bin, lab.db, lab.config);
	FILE *p = popen(cmd, "r");
	ck_assert(p != NULL);
	struct buf b = BUF_INIT;
	char chunk[4096];
	size_t n;
	while ((n = fread(chunk, 1, sizeof(chunk), p)) > 0)
		buf_add(&b, chunk, n);
	int st = pclose(p);
	ck_assert_msg(st == 0, "the SDK client failed (status %d): %s", st, b.data ? b.data : "");
	json_error_t je;
	json_t *o = json_loads(b.data, 0, &je);
	ck_assert_msg(o != NULL, "the SDK client printed no JSON: %s", je.text);
	ck_assert_str_eq(member(json_object_get(o, "server"), "name"), "harden");
	json_t *tools = json_object_get(o, "tools"), *calls = json_object_get(o, "calls");
	ck_assert_int_eq(json_array_size(tools), ARRAY_SIZE(tool_names));
	for (unsigned i = 0; i < ARRAY_SIZE(tool_names); i++) {
		json_t *c = json_object_get(calls, tool_names[i]);
		ck_assert_msg(c != NULL, "the SDK did not call %s", tool_names[i]);
		ck_assert_msg(json_is_true(json_object_get(c, "ok")), "%s: %s", tool_names[i], json_dumps(c, 0));
	}
	ck_assert(json_is_true(json_object_get(o, "bad_argument_is_tool_error")));
	ck_assert(json_is_true(json_object_get(o, "unknown_violation_is_tool_error")));
	json_t *adv = json_object_get(json_object_get(calls, "advise"), "result");
	json_t *rem = json_object_get(json_object_get(calls, "get_remediation"), "result");
	ck_assert_str_eq(member(json_object_get(adv, "suggestion"), "schema"), "harden.suggestion");
	ck_assert(json_is_object(json_object_get(rem, "plan")));
	/* Its answers are the CLI's. */
	static const char *const report[] = { "report", "--target", "lab", "--format", "json", NULL };
	json_t *rep = cli_json(report, EXIT_CLEAN);
	json_t *lv = json_object_get(json_object_get(json_object_get(calls, "list_violations"), "result"), "total");
	json_t *scan = json_object_get(json_object_get(calls, "scan_target"), "result");
	ck_assert_int_eq(json_integer_value(lv) > 0, 1);
	ck_assert_int_eq(json_integer_value(json_object_get(scan, "snapshot_id")),
			 json_integer_value(json_object_get(rep, "snapshot_id")));
	ck_assert(json_equal(json_object_get(scan, "counts"), json_object_get(rep, "counts")));
	/* list_violations after scan_target: the report's failing results. */
	json_t *after = json_object_get(o, "violations_after_scan");
	ck_assert(json_is_false(json_object_get(after, "truncated")));
	char *cl = fail_lines(json_object_get(rep, "findings"), true);
	char *ml = fail_lines(json_object_get(after, "violations"), false);
	ck_assert_str_eq(cl, ml);
	free(cl);
	free(ml);
	ck_assert_int_eq(json_integer_value(json_object_get(after, "total")),
			 json_integer_value(json_object_get(json_object_get(rep, "counts"), "fail")));
	json_decref(rep);
	json_decref(o);
	buf_release(&b);
	free(cmd);
	free(bin);
}
END_TEST

/* After harden apply hands a fix to the pilot lab, get_remediation and
 * get_finding show what became of it; apply itself is no tool. */
START_TEST(test_remediation_state_after_apply)
{
	ck_assert_ptr_nonnull(freopen("/dev/null", "r", stdin));
	char *pilot_db = xasprintf("%s/pilot.db", lab.dir);
	setenv("PILOT_LAB_DB", pilot_db, 1);
	setenv("HARDEN_PILOT_COMMAND", "python3 tests/lab/pilot/vmware-pilot mcp", 1);
	static const char *const scan[] = { "scan", "--target", "lab", "--baseline", "cis-vmware-esxi-8.0-subset",
					    "--fail-on", "none", "--format", "json", NULL };
	json_t *rep = cli_json(scan, EXIT_CLEAN);
	const char *vid = NULL;
	size_t i;
	json_t *f;
	json_array_foreach(json_object_get(rep, "findings"), i, f)
		if (!strcmp(member(f, "rule_id"), "cis-esxi-2.7") && !strcmp(member(f, "status"), "fail")) {
			vid = member(f, "violation_id");
			break;
		}
	ck_assert_ptr_nonnull(vid);
	char *args = xasprintf("{\"violation_id\": \"%s\"}", vid);
	srv_start();
	initialize("2025-06-18", "2025-06-18");
	/* Pilot's catalog: the tool step is verified, as harden advise has it. */
	json_t *m = tool_ok("advise", args);
	json_t *step = json_array_get(json_object_get(json_object_get(json_object_get(m, "suggestion"),
								       "execution_plan"), "steps"), 0);
	ck_assert_str_eq(member(step, "tool"), "host_ntp_configure");
	ck_assert(json_is_true(json_object_get(step, "verified")));
	json_decref(m);
	const char *const apply[] = { "apply", "--violation-id", vid, "--yes", "--approver", "alice", NULL };
	struct run r;
	harden_run(&lab, &r, apply);
	ck_assert_msg(r.status == EXIT_CLEAN, "apply: exit %d: %s", r.status, r.err);
	run_release(&r);
	json_t *g = tool_ok("get_remediation", args);
	ck_assert_str_eq(member(g, "state"), "submitted");
	ck_assert(json_is_true(json_object_get(g, "failing")));
	json_t *rem = json_object_get(g, "remediation");
	ck_assert_str_eq(member(rem, "state"), "submitted");
	ck_assert_str_eq(member(rem, "approver"), "alice");
	ck_assert_str_eq(member(rem, "violation_id"), vid);
	ck_assert(strlen(member(rem, "workflow_id")) > 0 && strcmp(member(rem, "workflow_id"), "(null)"));
	ck_assert_uint_eq(json_array_size(json_object_get(g, "remediations")), 1);
	ck_assert_int_eq(json_integer_value(json_object_get(rem, "suggestion_revision")),
			 json_integer_value(json_object_get(g, "revision")));
	/* As harden remediation list has it. */
	static const char *const list[] = { "remediation", "list", "--format", "json", NULL };
	json_t *cl = cli_json(list, EXIT_CLEAN);
	json_t *c0 = json_array_get(json_object_get(cl, "remediations"), 0);
	ck_assert_str_eq(member(c0, "workflow_id"), member(rem, "workflow_id"));
	ck_assert_str_eq(member(c0, "state"), member(rem, "state"));
	json_decref(cl);
	json_t *fd = tool_ok("get_finding", args);
	ck_assert_str_eq(member(fd, "remediation_state"), "submitted");
	ck_assert_str_eq(member(json_object_get(fd, "remediation"), "workflow_id"), member(rem, "workflow_id"));
	json_decref(fd);
	json_decref(g);
	srv_stop();
	unsetenv("HARDEN_PILOT_COMMAND");
	unsetenv("PILOT_LAB_DB");
	free(args);
	free(pilot_db);
	json_decref(rep);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("mcp_server");
	TCase *tc = tcase_create("labs");
	tcase_set_timeout(tc, 600);
	tcase_add_unchecked_fixture(tc, start, stop);
	tcase_add_test(tc, test_protocol);
	tcase_add_test(tc, test_tools_list);
	tcase_add_test(tc, test_twin_tools_match_the_cli);
	tcase_add_test(tc, test_scan_target);
	tcase_add_test(tc, test_official_sdk_client);
	tcase_add_test(tc, test_remediation_state_after_apply);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run(suite()) ? EXIT_FAILURE : EXIT_SUCCESS;
}
