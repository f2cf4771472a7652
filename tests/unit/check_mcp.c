/* The JSON-RPC and MCP client core against the project's vmware-pilot lab
 * (a real MCP server over stdio), and against hostile peers. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "lib/testutil.h"
#include "mcp/jsonrpc.h"
#include "status.h"

static char *dir;

static void setup(void)
{
	dir = tu_tmpdir();
	char *db = xasprintf("%s/pilot.db", dir);
	setenv("PILOT_LAB_DB", db, 1);
	free(db);
}

static void teardown(void)
{
	tu_rmdir(dir);
	free(dir);
}

START_TEST(test_client_talks_to_the_pilot_lab)
{
	struct jrpc j;
	const char *const argv[] = { "python3", "tests/lab/pilot/vmware-pilot", "mcp", NULL };
	ck_assert_int_eq(jrpc_spawn(&j, argv), HERR_OK);
	ck_assert_msg(mcp_client_initialize(&j, 20000) == HERR_OK, "%s", err_get());
	json_t *out;
	bool failed;
	ck_assert_msg(mcp_call_tool(&j, "get_skill_catalog", NULL, &out, &failed, 20000) == HERR_OK, "%s", err_get());
	ck_assert(!failed);
	ck_assert_msg(json_object_get(out, "nsx-security") || json_object_get(json_object_get(out, "skills"), "nsx-security"),
		      "catalog without nsx-security");
	json_decref(out);
	/* A tool failure is a result, not a protocol error. */
	ck_assert_int_eq(mcp_call_tool(&j, "approve", json_pack("{s:s, s:s}", "workflow_id", "nope", "approver", ""), &out,
				       &failed, 20000),
			 HERR_OK);
	ck_assert(failed);
	json_decref(out);
	ck_assert_int_eq(jrpc_close(&j, 5000), 0);
}
END_TEST

START_TEST(test_missing_peer_is_an_input_error)
{
	struct jrpc j;
	const char *const argv[] = { "harden-no-such-pilot-command", "mcp", NULL };
	ck_assert_int_eq(jrpc_spawn(&j, argv), HERR_INPUT);
	ck_assert_ptr_nonnull(strstr(err_get(), "harden-no-such-pilot-command"));
}
END_TEST

START_TEST(test_hostile_peer_lines)
{
	/* A peer that answers with garbage, then a notification, then an
	 * answer to another id, then the answer: only the last one counts. */
	char *script = tu_write(dir, "peer.sh",
				"#!/bin/sh\nread line\n"
				"printf 'not json\\n'\n"
				"printf '{\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\"}\\n'\n"
				"printf '{\"jsonrpc\":\"2.0\",\"id\":99,\"result\":{}}\\n'\n"
				"printf '{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"ok\":true}}\\n'\n",
				0700);
	struct jrpc j;
	const char *const argv[] = { script, NULL };
	ck_assert_int_eq(jrpc_spawn(&j, argv), HERR_OK);
	json_t *res;
	/* The garbage line ends the call: a peer that sends it is not trusted. */
	ck_assert_int_eq(jrpc_call(&j, "ping", NULL, &res, 5000), HERR_COLLECT);
	ck_assert_ptr_nonnull(strstr(err_get(), "not JSON"));
	jrpc_close(&j, 1000);
	free(script);

	script = tu_write(dir, "peer2.sh",
			  "#!/bin/sh\nread line\n"
			  "printf '{\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\"}\\n'\n"
			  "printf '{\"jsonrpc\":\"2.0\",\"id\":99,\"result\":{}}\\n'\n"
			  "printf '{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"ok\":true}}\\n'\n",
			  0700);
	const char *const argv2[] = { script, NULL };
	ck_assert_int_eq(jrpc_spawn(&j, argv2), HERR_OK);
	ck_assert_int_eq(jrpc_call(&j, "ping", NULL, &res, 5000), HERR_OK);
	ck_assert(json_is_true(json_object_get(res, "ok")));
	json_decref(res);
	jrpc_close(&j, 1000);
	free(script);

	/* A peer that never answers times out. */
	script = tu_write(dir, "peer3.sh", "#!/bin/sh\nsleep 5\n", 0700);
	const char *const argv3[] = { script, NULL };
	ck_assert_int_eq(jrpc_spawn(&j, argv3), HERR_OK);
	ck_assert_int_eq(jrpc_call(&j, "ping", NULL, &res, 200), HERR_COLLECT);
	ck_assert_ptr_nonnull(strstr(err_get(), "did not answer"));
	jrpc_close(&j, 0);
	free(script);
}
END_TEST

START_TEST(test_classify)
{
	json_t *m = json_loads("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"x\"}", 0, NULL);
	ck_assert_int_eq(jrpc_classify(m), JRPC_REQUEST);
	json_decref(m);
	m = json_loads("{\"jsonrpc\":\"2.0\",\"method\":\"x\"}", 0, NULL);
	ck_assert_int_eq(jrpc_classify(m), JRPC_NOTIFICATION);
	json_decref(m);
	m = json_loads("{\"jsonrpc\":\"1.0\",\"id\":1,\"method\":\"x\"}", 0, NULL);
	ck_assert_int_eq(jrpc_classify(m), JRPC_INVALID);
	json_decref(m);
	m = json_loads("{\"jsonrpc\":\"2.0\",\"id\":{},\"method\":\"x\"}", 0, NULL);
	ck_assert_int_eq(jrpc_classify(m), JRPC_INVALID);
	json_decref(m);
	m = json_loads("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":1,\"error\":{}}", 0, NULL);
	ck_assert_int_eq(jrpc_classify(m), JRPC_INVALID);
	json_decref(m);
	m = json_loads("[1]", 0, NULL);
	ck_assert_int_eq(jrpc_classify(m), JRPC_INVALID);
	json_decref(m);
}
END_TEST

START_TEST(test_violation_ids_are_stable_and_typable)
{
	char a[VIOLATION_ID_SIZE], b[VIOLATION_ID_SIZE], c[VIOLATION_ID_SIZE];
	violation_id(a, "prod-vc", "cis-esxi-2.1.1", "host", "host-31");
	violation_id(b, "prod-vc", "cis-esxi-2.1.1", "host", "host-31");
	violation_id(c, "prod-vc", "cis-esxi-2.1.1", "host", "host-3");
	ck_assert_str_eq(a, b);
	ck_assert_str_ne(a, c);
	ck_assert(violation_id_valid(a));
	ck_assert(!violation_id_valid("V-0000000I"));
	ck_assert(!violation_id_valid("X-00000000"));
	ck_assert_int_eq(strlen(a), 10);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("mcp");
	TCase *tc = tcase_create("jsonrpc");
	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_client_talks_to_the_pilot_lab);
	tcase_add_test(tc, test_missing_peer_is_an_input_error);
	tcase_add_test(tc, test_hostile_peer_lines);
	tcase_add_test(tc, test_classify);
	tcase_add_test(tc, test_violation_ids_are_stable_and_typable);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run(suite()) ? 1 : 0;
}
