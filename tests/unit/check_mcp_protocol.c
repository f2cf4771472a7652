/* The MCP server in process: the lifecycle and error answers of
 * mcp_handle, the arguments checked against the closed schemas, paging,
 * and the sanitising of values from the estate.  tests/integration/
 * check_mcp_server.c drives the real binary against the labs. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "lib/testutil.h"
#include "mcp/jsonrpc.h"
#include "mcp/server.h"

static struct mcp_ctx ctx = { .db = "/nonexistent/harden-twin.db", .config = "/nonexistent/targets.yaml" };

static json_t *handle(const char *text)
{
	json_t *m = json_loads(text, JSON_DECODE_ANY, NULL);
	ck_assert_msg(m != NULL, "bad test message %s", text);
	json_t *a = mcp_handle(&ctx, m);
	json_decref(m);
	return a;
}

static int code_of(const json_t *a)
{
	return (int)json_integer_value(json_object_get(json_object_get(a, "error"), "code"));
}

START_TEST(test_lifecycle)
{
	static const char *const v[][2] = { { "2024-11-05", "2024-11-05" }, { "2025-03-26", "2025-03-26" },
					    { "2025-06-18", "2025-06-18" }, { "2025-11-25", "2025-11-25" },
					    { "2030-01-01", "2025-06-18" }, { "draft", "2025-06-18" } };
	for (unsigned i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		char *req = xasprintf("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":"
				      "{\"protocolVersion\":\"%s\",\"capabilities\":{}}}", v[i][0]);
		json_t *a = handle(req);
		ck_assert_str_eq(json_string_value(json_object_get(json_object_get(a, "result"), "protocolVersion")),
				 v[i][1]);
		json_decref(a);
		free(req);
	}
	json_t *a = handle("{\"jsonrpc\":\"2.0\",\"id\":\"x\",\"method\":\"ping\"}");
	ck_assert(json_is_object(json_object_get(a, "result")));
	ck_assert_str_eq(json_string_value(json_object_get(a, "id")), "x");
	json_decref(a);
	ck_assert_ptr_null(handle("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}"));
	ck_assert_ptr_null(handle("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/whatever\",\"params\":{}}"));
	ck_assert_ptr_null(handle("{\"jsonrpc\":\"2.0\",\"id\":5,\"result\":{}}"));
	a = handle("{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"prompts/list\"}");
	ck_assert_int_eq(code_of(a), JRPC_METHOD_NOT_FOUND);
	json_decref(a);
	static const char *const invalid[] = { "7", "\"ping\"", "[]", "{}", "{\"jsonrpc\":\"2.0\",\"id\":true,\"method\":\"ping\"}",
					       "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",\"params\":3}" };
	for (unsigned i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++) {
		a = handle(invalid[i]);
		ck_assert_msg(code_of(a) == JRPC_INVALID_REQUEST, "%s", invalid[i]);
		/* the id when it is one, else null */
		json_t *id = json_object_get(a, "id");
		ck_assert(json_is_null(id) || json_integer_value(id) == 1);
		json_decref(a);
	}
}
END_TEST

static json_t *call(const char *tool, const char *args, bool *is_error)
{
	char *req = xasprintf("{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{\"name\":\"%s\","
			      "\"arguments\":%s}}", tool, args);
	json_t *a = handle(req);
	free(req);
	json_t *r = json_object_get(a, "result");
	*is_error = json_is_true(json_object_get(r, "isError"));
	json_t *text = json_object_get(json_array_get(json_object_get(r, "content"), 0), "text");
	json_t *o = text ? json_loads(json_string_value(text), 0, NULL) : NULL;
	json_decref(a);
	return o;
}

START_TEST(test_arguments)
{
	static const char *const bad[][2] = {
		{ "list_violations", "{\"limit\": 201}" }, { "list_violations", "{\"limit\": 0}" },
		{ "list_violations", "{\"limit\": 1.5}" }, { "list_violations", "{\"severity\": \"HIGH\"}" },
		{ "list_violations", "{\"target\": 3}" }, { "list_violations", "{\"x\": 1}" },
		{ "list_violations", "[]" }, { "get_finding", "{}" },
		{ "get_finding", "{\"violation_id\": \"V-12345678901234567\"}" },
		{ "scan_target", "{\"target\": \"t\"}" },
		{ "get_baseline_rules", "{\"baseline_id\": \"/etc/passwd\"}" },
		{ "get_baseline_rules", "{\"baseline_id\": \"my.yaml\"}" },
		{ "evaluate_snapshot", "{\"baseline\": \"../secret\"}" }, { "describe_stig_content_sync", "{\"a\": null}" },
		/* the twin is missing: a tool error, not a crash */
		{ "list_violations", "{}" }, { "list_targets", "{}" },
	};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		bool err = false;
		json_t *o = call(bad[i][0], bad[i][1], &err);
		if (!strcmp(bad[i][0], "list_targets")) {
			/* no twin and no targets file: an empty list, with notes */
			ck_assert(!err);
			ck_assert_int_eq(json_integer_value(json_object_get(o, "total")), 0);
			ck_assert_int_eq(json_array_size(json_object_get(o, "notes")), 2);
		} else {
			ck_assert_msg(err, "%s %s did not fail", bad[i][0], bad[i][1]);
			ck_assert_msg(json_is_string(json_object_get(o, "error")), "%s: no error", bad[i][0]);
		}
		json_decref(o);
	}
	json_t *a = handle("{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"tools/call\",\"params\":{\"name\":\"apply\"}}");
	ck_assert_int_eq(code_of(a), JRPC_INVALID_PARAMS);
	json_decref(a);
	a = handle("{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"tools/call\",\"params\":{}}");
	ck_assert_int_eq(code_of(a), JRPC_INVALID_PARAMS);
	json_decref(a);
}
END_TEST

/* Every schema is closed, and every required argument is declared. */
START_TEST(test_schemas)
{
	json_t *a = handle("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}");
	json_t *tools = json_object_get(json_object_get(a, "result"), "tools"), *t, *r;
	size_t i, k;
	ck_assert_int_eq(json_array_size(tools), 15);
	json_array_foreach(tools, i, t) {
		json_t *in = json_object_get(t, "inputSchema"), *props = json_object_get(in, "properties"), *p;
		const char *name;
		ck_assert(json_is_false(json_object_get(in, "additionalProperties")));
		json_object_foreach(props, name, p) {
			const char *type = json_string_value(json_object_get(p, "type"));
			ck_assert(type && (!strcmp(type, "string") || !strcmp(type, "integer")));
			ck_assert(json_is_string(json_object_get(p, "description")));
		}
		json_array_foreach(json_object_get(in, "required"), k, r)
			ck_assert(json_object_get(props, json_string_value(r)) != NULL);
		ck_assert(json_is_object(json_object_get(t, "outputSchema")));
	}
	json_decref(a);
}
END_TEST

START_TEST(test_paging)
{
	static const struct {
		int limit, offset, items;
		bool truncated;
	} c[] = { { 3, 0, 3, true }, { 3, 8, 2, false }, { 3, 9, 1, false }, { 3, 10, 0, false }, { 50, 0, 10, false } };
	for (unsigned i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		json_t *args = json_pack("{s:i, s:i}", "limit", c[i].limit, "offset", c[i].offset);
		struct mcp_page p;
		mcp_page_init(&p, args);
		for (int n = 0; n < 10; n++)
			mcp_page_add(&p, json_integer(n));
		json_t *o = mcp_page_finish(&p, json_object(), "items");
		ck_assert_int_eq(json_array_size(json_object_get(o, "items")), c[i].items);
		ck_assert_int_eq(json_integer_value(json_object_get(o, "total")), 10);
		ck_assert(json_is_true(json_object_get(o, "truncated")) == c[i].truncated);
		if (c[i].items)
			ck_assert_int_eq(json_integer_value(json_array_get(json_object_get(o, "items"), 0)), c[i].offset);
		json_decref(o);
		json_decref(args);
	}
}
END_TEST

START_TEST(test_values_are_sanitised)
{
	json_t *s = mcp_str("vm\x1b[2J\x07name\r\nnext\xff");
	const char *v = json_string_value(s);
	ck_assert_ptr_nonnull(v);
	for (const unsigned char *c = (const unsigned char *)v; *c; c++)
		ck_assert_msg(*c >= 0x20 && *c != 0x7f, "control 0x%02x kept", *c);
	json_decref(s);
	ck_assert(json_is_null(mcp_str(NULL)));
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("mcp_protocol");
	TCase *tc = tcase_create("server");
	tcase_add_test(tc, test_lifecycle);
	tcase_add_test(tc, test_arguments);
	tcase_add_test(tc, test_schemas);
	tcase_add_test(tc, test_paging);
	tcase_add_test(tc, test_values_are_sanitised);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	log_quiet = 1;
	return tu_run(suite()) ? EXIT_FAILURE : EXIT_SUCCESS;
}
