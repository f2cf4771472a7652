/* The report writers: SARIF, JUnit, CSV and HTML against their schemas and
 * parsers, and several outputs at once. */
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <libxml/HTMLparser.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/testutil.h"
#include "cmd_common.h"
#include "report/report.h"
#include "report/report_util.h"
#include "report/since.h"
#include "store/store.h"
#include "util/util.h"

/* Relative to the repository root, where the tests run. */
#define SARIF_SCHEMA "tests/schemas/sarif-schema-2.1.0.json"
#define JUNIT_XSD "tests/schemas/junit.xsd"

#define HOSTILE "<script>alert(\"x\")</script>&, \"q\""
#define FORMULA "=cmd|' /C calc'!A0"
#define NSX_PATH "/infra/domains/default/security-policies/web-tier/rules/legacy-any-any"
#define MULTILINE "a,b\r\nc \"d\""
#define JUSTIFY "Vendor support case \"4711\", until the fix ships"
/* Not UTF-8, and a control character XML 1.0 forbids. */
#define BAD_BYTES "true\xff\x01"
#define BAD_FIXED "true\xef\xbf\xbd\x01"

static char *dir, *db;

static void setup(void)
{
	dir = tu_tmpdir();
	db = xasprintf("%s/twin.db", dir);
}

static void teardown(void)
{
	tu_rmdir(dir);
	free(dir);
	free(db);
}

/* A scan of target "lab": six objects and one evaluation holding 2 pass,
 * 3 fail, 1 unknown, 1 waived and 1 not_applicable results. */
static long long scan(struct store *st)
{
	long long snap, h1, h2, v1, v2, v3, ds, fw, ev, wv;
	ck_assert_int_eq(store_snapshot_begin(st, "lab", "cis", "https://admin@vc01.example.com:443/sdk", &snap), 0);
	ck_assert_int_eq(store_begin(st), 0);
	ck_assert_int_eq(store_object_add(st, snap, "host", "host-1", "esx-01", &h1), 0);
	ck_assert_int_eq(store_prop(st, h1, "cluster", PT_STRING, "Prod"), 0);
	ck_assert_int_eq(store_object_add(st, snap, "host", "host-2", "esx-02", &h2), 0);
	ck_assert_int_eq(store_prop(st, h2, "cluster", PT_STRING, ""), 0);
	ck_assert_int_eq(store_object_add(st, snap, "vm", "vm-1", HOSTILE, &v1), 0);
	ck_assert_int_eq(store_prop(st, v1, "host", PT_STRING, "esx-01"), 0);
	ck_assert_int_eq(store_object_add(st, snap, "vm", "vm-2", FORMULA, &v2), 0);
	ck_assert_int_eq(store_object_add(st, snap, "vm", "vm-3", "plain-vm", &v3), 0);
	ck_assert_int_eq(store_object_add(st, snap, "datastore", "datastore-1", "ds1", &ds), 0);
	ck_assert_int_eq(store_object_add(st, snap, "dfw_rule", NSX_PATH, "legacy-any-any", &fw), 0);
	ck_assert_int_eq(store_commit(st), 0);
	struct scan_stats s = { 7, 10, 100, 1.0, 2.0 };
	ck_assert_int_eq(store_snapshot_end(st, snap, SNAP_COMPLETED, NULL, &s), 0);

	struct eval_meta m = { "cis", "CIS test", "1.0", "/x/cis.yaml", "scan", NULL };
	ck_assert_int_eq(store_begin(st), 0);
	ck_assert_int_eq(store_evaluation_begin(st, snap, &m, &ev), 0);
	ck_assert_int_eq(store_waiver(st, ev, "r2", "{\"moref\":\"vm-2\"}", JUSTIFY, "alice@example.com",
				      "2030-01-01", "CHG-1", "t", false, &wv), 0);
	ck_assert_int_eq(store_eval_rule(st, ev, "r1", "Advanced option X", SEV_HIGH, "host",
					 "{\"description\":\"Checks X.\",\"rationale\":\"X matters.\","
					 "\"references\":[\"CIS 1.1\",\"CIS 1.1\",\"NIST AC-1\"],"
					 "\"remediation\":{\"summary\":\"Set X\",\"steps\":[\"one\",\"two\"]}}"), 0);
	ck_assert_int_eq(store_eval_rule(st, ev, "r2", "VM setting", SEV_MEDIUM, "vm", "{}"), 0);
	ck_assert_int_eq(store_eval_rule(st, ev, "r3", "Lockdown", SEV_CRITICAL, "host", NULL), 0);
	ck_assert_int_eq(store_eval_rule(st, ev, "r4", "No any-any", SEV_LOW, "dfw_rule", "{}"), 0);
	ck_assert_int_eq(store_eval_rule(st, ev, "r5", "Datastore", SEV_INFO, "datastore", "{}"), 0);
	ck_assert_int_eq(store_finding(st, ev, "r1", h1, RS_FAIL, "option.X", MULTILINE, "true", 0), 0);
	ck_assert_int_eq(store_finding(st, ev, "r1", h2, RS_PASS, "option.X", "true", "true", 0), 0);
	ck_assert_int_eq(store_finding(st, ev, "r2", v1, RS_FAIL, "extra.x", "\"quoted\"", "-1", 0), 0);
	ck_assert_int_eq(store_finding(st, ev, "r2", v2, RS_WAIVED, "extra.x", "1", "-1", wv), 0);
	ck_assert_int_eq(store_finding(st, ev, "r2", v3, RS_NA, NULL, NULL, NULL, 0), 0);
	ck_assert_int_eq(store_finding(st, ev, "r3", h2, RS_UNKNOWN, "lockdown_mode", "(not collected)",
				       "lockdownNormal", 0), 0);
	ck_assert_int_eq(store_finding(st, ev, "r4", fw, RS_FAIL, "source_any", BAD_BYTES, "false", 0), 0);
	ck_assert_int_eq(store_finding(st, ev, "r5", ds, RS_PASS, "accessible", "true", "true", 0), 0);
	ck_assert_int_eq(store_evaluation_end(st, ev, 3.5), 0);
	ck_assert_int_eq(store_commit(st), 0);
	return snap;
}

struct loaded {
	struct store *st;
	struct snapshot_info si;
	struct evaluation_info *ev;
	unsigned nev;
};

static void load(struct loaded *l, long long snap)
{
	ck_assert_int_eq(store_snapshot_get(l->st, snap, &l->si), 0);
	ck_assert_int_eq(store_evaluations(l->st, snap, &l->ev, &l->nev), 0);
	ck_assert_uint_eq(l->nev, 1);
}

static void unload(struct loaded *l)
{
	evaluation_list_free(l->ev, l->nev);
	snapshot_info_release(&l->si);
	memset(&l->si, 0, sizeof(l->si));
}

static void open_scan(struct loaded *l)
{
	memset(l, 0, sizeof(*l));
	ck_assert_int_eq(store_open(&l->st, db, false), 0);
	load(l, scan(l->st));
}

static void close_scan(struct loaded *l)
{
	unload(l);
	store_close(l->st);
}

/* Writes the report in fmt to dir/name (with the HTML drift section when
 * drift); c gets the counts it was given.  Returns the path. */
static char *write_report(struct loaded *l, enum rformat fmt, bool all, bool drift, const char *name,
			  struct counts *c)
{
	char *path = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	struct report_opts o = { fmt, all, false, -1, drift, NULL, false, NULL };
	struct report_counts rc;
	ck_assert_int_eq(report_counts(l->st, l->ev, l->nev, &rc), 0);
	ck_assert_int_eq(report_write(f, l->st, &l->si, l->ev, l->nev, &rc, &o), 0);
	*c = rc.total;
	report_counts_release(&rc);
	ck_assert_int_eq(fclose(f), 0);
	return path;
}

static void expect_counts(const struct counts *c)
{
	ck_assert_int_eq(counts_status(c, RS_PASS), 2);
	ck_assert_int_eq(counts_status(c, RS_FAIL), 3);
	ck_assert_int_eq(counts_status(c, RS_UNKNOWN), 1);
	ck_assert_int_eq(counts_status(c, RS_WAIVED), 1);
	ck_assert_int_eq(counts_status(c, RS_NA), 1);
	ck_assert_int_eq(c->by[RS_FAIL][SEV_HIGH], 1);
	ck_assert_int_eq(c->by[RS_UNKNOWN][SEV_CRITICAL], 1);
	ck_assert_int_eq(gate_exit(c, SEV_HIGH), EXIT_FINDINGS);
	ck_assert_int_eq(gate_exit(c, SEV_CRITICAL), EXIT_UNKNOWN);
	ck_assert_int_eq(gate_exit(c, -1), EXIT_CLEAN);
}

/* Runs and frees cmd. */
static int run_cmd(char *cmd)
{
	int rc = system(cmd);
	free(cmd);
	return rc;
}

/* ---- SARIF ---- */

static json_t *sarif_results(const char *path, json_t **doc)
{
	json_error_t je;
	*doc = json_load_file(path, 0, &je);
	ck_assert_msg(*doc != NULL, "%s: %s", path, je.text);
	json_t *run = json_array_get(json_object_get(*doc, "runs"), 0);
	ck_assert_ptr_nonnull(run);
	return json_object_get(run, "results");
}

static json_t *result_for(json_t *results, const char *rule, const char *fqn)
{
	size_t i;
	json_t *r;
	json_array_foreach(results, i, r) {
		json_t *loc = json_array_get(json_object_get(json_array_get(json_object_get(r, "locations"), 0),
							     "logicalLocations"), 0);
		if (!strcmp(json_string_value(json_object_get(r, "ruleId")), rule) &&
		    !strcmp(json_string_value(json_object_get(loc, "fullyQualifiedName")), fqn))
			return r;
	}
	ck_abort_msg("no result for %s on %s", rule, fqn);
	return NULL;
}

static const char *str_at(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	ck_assert_msg(s != NULL, "no string '%s'", key);
	return s;
}

static const char *fingerprint(json_t *r)
{
	return str_at(json_object_get(r, "partialFingerprints"), "harden/v1");
}

START_TEST(test_sarif_validates_and_maps_results)
{
	ck_assert_msg(access(SARIF_SCHEMA, R_OK) == 0, "%s not found: run the tests from the repository root",
		      SARIF_SCHEMA);
	/* Not a skip: without the validator this test proves nothing. */
	ck_assert_msg(system("/usr/bin/python3 -c 'import jsonschema' 2>/dev/null") == 0,
		      "python3's jsonschema module is missing (Debian: python3-jsonschema)");
	struct loaded l;
	struct counts c;
	open_scan(&l);
	char *path = write_report(&l, FMT_SARIF, true, false, "out.sarif", &c);
	expect_counts(&c);
	ck_assert_msg(run_cmd(xasprintf("/usr/bin/python3 -c 'import json,jsonschema,sys; "
					"jsonschema.validate(json.load(open(sys.argv[1])), json.load(open(sys.argv[2])))' "
					"'%s' '%s'", path, SARIF_SCHEMA)) == 0, "%s does not validate", path);

	json_t *doc, *results = sarif_results(path, &doc);
	ck_assert_str_eq(str_at(doc, "version"), "2.1.0");
	/* A failing result carries its violation id as a property. */
	size_t vi;
	json_t *vr;
	json_array_foreach(results, vi, vr) {
		json_t *props = json_object_get(vr, "properties");
		const char *vst = json_string_value(json_object_get(props, "status"));
		ck_assert_int_eq(violation_id_valid(json_string_value(json_object_get(props, "violation_id"))),
				 vst && !strcmp(vst, "fail"));
	}
	json_t *run = json_array_get(json_object_get(doc, "runs"), 0);
	json_t *driver = json_object_get(json_object_get(run, "tool"), "driver");
	ck_assert_str_eq(str_at(driver, "name"), "harden");
	ck_assert_str_eq(str_at(driver, "version"), HARDEN_VERSION);
	json_t *rules = json_object_get(driver, "rules");
	ck_assert_uint_eq(json_array_size(rules), 5);	/* every rule with a result, passing ones too */
	ck_assert(json_is_true(json_object_get(json_array_get(json_object_get(run, "invocations"), 0),
					       "executionSuccessful")));
	json_t *props = json_object_get(run, "properties");
	ck_assert_int_eq(json_integer_value(json_object_get(props, "snapshot_id")), l.si.id);
	ck_assert_str_eq(str_at(props, "target"), "lab");
	ck_assert(json_real_value(json_object_get(props, "score")) == 40.0);	/* 2 / (2 + 3) */

	/* fail, unknown and waived only: 3 + 1 + 1, whatever --all says */
	ck_assert_uint_eq(json_array_size(results), 5);
	size_t i;
	json_t *r;
	json_array_foreach(results, i, r) {
		json_int_t idx = json_integer_value(json_object_get(r, "ruleIndex"));
		ck_assert_str_eq(str_at(json_array_get(rules, (size_t)idx), "id"), str_at(r, "ruleId"));
	}
	r = result_for(results, "r1", "vc01.example.com/Prod/esx-01");
	ck_assert_str_eq(str_at(r, "level"), "error");
	const char *text = str_at(json_object_get(r, "message"), "text");
	ck_assert_ptr_nonnull(strstr(text, "esx-01"));
	ck_assert_ptr_nonnull(strstr(text, "option.X"));
	ck_assert_ptr_nonnull(strstr(text, MULTILINE));
	ck_assert_ptr_nonnull(strstr(text, "expected true"));
	ck_assert_ptr_null(json_object_get(r, "suppressions"));
	json_t *rule = json_array_get(rules, (size_t)json_integer_value(json_object_get(r, "ruleIndex")));
	ck_assert_str_eq(str_at(json_object_get(rule, "properties"), "security-severity"), "8.0");
	ck_assert_str_eq(str_at(json_object_get(rule, "shortDescription"), "text"), "Advanced option X");
	ck_assert_ptr_nonnull(strstr(str_at(json_object_get(rule, "help"), "text"), "Set X"));
	ck_assert_str_eq(str_at(json_object_get(rule, "defaultConfiguration"), "level"), "error");

	r = result_for(results, "r2", "vc01.example.com/esx-01/" HOSTILE);
	ck_assert_str_eq(str_at(r, "level"), "warning");
	r = result_for(results, "r2", "vc01.example.com/" FORMULA);
	ck_assert_str_eq(str_at(r, "level"), "warning");
	json_t *sup = json_array_get(json_object_get(r, "suppressions"), 0);
	ck_assert_str_eq(str_at(sup, "kind"), "external");
	ck_assert_str_eq(str_at(sup, "status"), "accepted");
	ck_assert_str_eq(str_at(sup, "justification"), JUSTIFY);
	r = result_for(results, "r3", "vc01.example.com/esx-02");
	ck_assert_str_eq(str_at(r, "level"), "warning");
	ck_assert_ptr_nonnull(strstr(str_at(json_object_get(r, "message"), "text"), "not collected"));
	r = result_for(results, "r4", NSX_PATH);
	ck_assert_str_eq(str_at(r, "level"), "note");
	ck_assert_str_eq(str_at(json_object_get(r, "properties"), "observed"), BAD_FIXED);

	/* The same target scanned again: fingerprints follow rule and object,
	 * not the snapshot. */
	unload(&l);
	load(&l, scan(l.st));
	char *again = write_report(&l, FMT_SARIF, false, false, "again.sarif", &c);
	json_t *doc2, *results2 = sarif_results(again, &doc2);
	ck_assert_uint_eq(json_array_size(results2), 5);
	const char *fqns[][2] = {
		{ "r1", "vc01.example.com/Prod/esx-01" }, { "r2", "vc01.example.com/esx-01/" HOSTILE },
		{ "r2", "vc01.example.com/" FORMULA }, { "r3", "vc01.example.com/esx-02" }, { "r4", NSX_PATH },
	};
	for (size_t a = 0; a < ARRAY_SIZE(fqns); a++) {
		const char *fa = fingerprint(result_for(results, fqns[a][0], fqns[a][1]));
		ck_assert_uint_eq(strlen(fa), 16);
		ck_assert_str_eq(fa, fingerprint(result_for(results2, fqns[a][0], fqns[a][1])));
		for (size_t b = 0; b < a; b++)
			ck_assert_str_ne(fa, fingerprint(result_for(results, fqns[b][0], fqns[b][1])));
	}
	json_decref(doc);
	json_decref(doc2);
	free(path);
	free(again);
	close_scan(&l);
}
END_TEST

/* ---- JUnit ---- */

static void count_elems(xmlNodePtr n, const char *name, int *count)
{
	for (; n; n = n->next) {
		if (n->type == XML_ELEMENT_NODE && !strcmp((const char *)n->name, name))
			(*count)++;
		count_elems(n->children, name, count);
	}
}

static int elems(xmlDocPtr d, const char *name)
{
	int n = 0;
	count_elems(xmlDocGetRootElement(d), name, &n);
	return n;
}

static void expect_attr(xmlNodePtr n, const char *name, const char *want)
{
	xmlChar *v = xmlGetProp(n, BAD_CAST name);
	ck_assert_msg(v != NULL, "no attribute %s", name);
	ck_assert_str_eq((const char *)v, want);
	xmlFree(v);
}

static bool has_testcase_named(xmlNodePtr n, const char *want)
{
	for (; n; n = n->next) {
		if (n->type == XML_ELEMENT_NODE && !strcmp((const char *)n->name, "testcase")) {
			xmlChar *v = xmlGetProp(n, BAD_CAST "name");
			bool eq = v && !strcmp((const char *)v, want);
			xmlFree(v);
			if (eq)
				return true;
		}
		if (has_testcase_named(n->children, want))
			return true;
	}
	return false;
}

START_TEST(test_junit_validates_with_exact_counts)
{
	ck_assert_msg(access(JUNIT_XSD, R_OK) == 0, "%s not found: run the tests from the repository root", JUNIT_XSD);
	ck_assert_msg(system("command -v xmllint >/dev/null") == 0, "xmllint is missing (Debian: libxml2-utils)");
	struct loaded l;
	struct counts c;
	open_scan(&l);
	char *path = write_report(&l, FMT_JUNIT, false, false, "out.xml", &c);
	expect_counts(&c);
	ck_assert_msg(run_cmd(xasprintf("xmllint --noout --schema '%s' '%s'", JUNIT_XSD, path)) == 0,
		      "%s does not validate against %s", path, JUNIT_XSD);
	char *jraw = file_read(path, NULL);
	ck_assert_ptr_nonnull(strstr(jraw, " [V-"));	/* a failure's message ends with its violation id */
	free(jraw);
	xmlDocPtr d = xmlReadFile(path, NULL, XML_PARSE_NONET);
	ck_assert_ptr_nonnull(d);
	xmlNodePtr root = xmlDocGetRootElement(d);
	ck_assert_str_eq((const char *)root->name, "testsuites");
	ck_assert_int_eq(elems(d, "testsuite"), 1);
	/* Every result, passes included, whatever --all says. */
	ck_assert_int_eq(elems(d, "testcase"), 8);
	ck_assert_int_eq(elems(d, "failure"), 3);
	ck_assert_int_eq(elems(d, "error"), 1);
	ck_assert_int_eq(elems(d, "skipped"), 2);
	xmlNodePtr suite = root->children;
	while (suite && suite->type != XML_ELEMENT_NODE)
		suite = suite->next;
	ck_assert_ptr_nonnull(suite);
	expect_attr(suite, "name", "cis");
	expect_attr(suite, "tests", "8");
	expect_attr(suite, "failures", "3");
	expect_attr(suite, "errors", "1");
	expect_attr(suite, "skipped", "2");
	expect_attr(suite, "hostname", "vc01.example.com");
	ck_assert(has_testcase_named(root, HOSTILE));
	xmlFreeDoc(d);
	free(path);
	close_scan(&l);
}
END_TEST

/* ---- CSV ---- */

struct csv_rows {
	struct strlist *v;
	size_t n;
};

/* A strict RFC 4180 reader: quoted fields with doubled quotes, CRLF rows. */
static void csv_parse(const char *s, struct csv_rows *out)
{
	struct buf fld = BUF_INIT;
	struct strlist cur = { 0 };
	memset(out, 0, sizeof(*out));
	while (*s) {
		if (*s == '"') {
			for (s++;; s++) {
				ck_assert_msg(*s, "unterminated quoted field");
				if (*s == '"' && s[1] == '"')
					s++;
				else if (*s == '"')
					break;
				buf_putc(&fld, *s);
			}
			s++;
		} else {
			for (; *s && *s != ',' && *s != '\r'; s++) {
				ck_assert_msg(*s != '"' && *s != '\n', "bare quote or LF in an unquoted field");
				buf_putc(&fld, *s);
			}
		}
		strlist_add(&cur, fld.data ? fld.data : "");
		buf_reset(&fld);
		if (*s == ',') {
			s++;
			continue;
		}
		ck_assert_msg(s[0] == '\r' && s[1] == '\n', "a row must end with CRLF");
		s += 2;
		out->v = xrealloc(out->v, (out->n + 1) * sizeof(*out->v));
		out->v[out->n++] = cur;
		memset(&cur, 0, sizeof(cur));
	}
	ck_assert_uint_eq(cur.n, 0);
	buf_release(&fld);
}

static void csv_free(struct csv_rows *r)
{
	for (size_t i = 0; i < r->n; i++)
		strlist_release(&r->v[i]);
	free(r->v);
}

static const struct strlist *csv_row(const struct csv_rows *r, const char *rule, const char *moref)
{
	for (size_t i = 1; i < r->n; i++)
		if (!strcmp(r->v[i].v[3], rule) && !strcmp(r->v[i].v[8], moref))
			return &r->v[i];
	ck_abort_msg("no row for %s on %s", rule, moref);
	return NULL;
}

START_TEST(test_csv_round_trips_and_guards_formulas)
{
	static const char *const header[] = {
		"snapshot", "target", "baseline", "rule_id", "title", "severity", "status", "object_type",
		"object_moref", "object_name", "property", "observed", "expected", "waiver_justification",
		"waiver_expires", "violation_id", "references", "rationale", "remediation",
	};
	struct loaded l;
	struct counts c;
	open_scan(&l);
	char *path = write_report(&l, FMT_CSV, true, false, "out.csv", &c);
	expect_counts(&c);
	char *text = file_read(path, NULL);
	ck_assert_ptr_nonnull(text);
	struct csv_rows rows;
	csv_parse(text, &rows);
	ck_assert_uint_eq(rows.n, 1 + 8);
	for (size_t i = 0; i < rows.n; i++)
		ck_assert_uint_eq(rows.v[i].n, ARRAY_SIZE(header));
	for (size_t i = 0; i < ARRAY_SIZE(header); i++)
		ck_assert_str_eq(rows.v[0].v[i], header[i]);

	char *snap = xasprintf("%lld", l.si.id);
	const struct strlist *r = csv_row(&rows, "r1", "host-1");
	ck_assert_str_eq(r->v[0], snap);
	ck_assert_str_eq(r->v[1], "lab");
	ck_assert_str_eq(r->v[2], "cis");
	ck_assert_str_eq(r->v[4], "Advanced option X");
	/* A failing row carries its violation id, any other row none. */
	for (size_t i = 1; i < rows.n; i++)
		ck_assert_int_eq(violation_id_valid(rows.v[i].v[15]), !strcmp(rows.v[i].v[6], "fail"));
	ck_assert_str_eq(r->v[5], "high");
	ck_assert_str_eq(r->v[6], "fail");
	ck_assert_str_eq(r->v[7], "host");
	ck_assert_str_eq(r->v[9], "esx-01");
	ck_assert_str_eq(r->v[10], "option.X");
	ck_assert_str_eq(r->v[11], MULTILINE);	/* comma, quotes, CR and LF come back whole */
	ck_assert_str_eq(r->v[12], "true");
	r = csv_row(&rows, "r2", "vm-1");
	ck_assert_str_eq(r->v[9], HOSTILE);
	ck_assert_str_eq(r->v[11], "\"quoted\"");
	ck_assert_str_eq(r->v[12], "'-1");	/* a formula guard on a leading '-' */
	r = csv_row(&rows, "r2", "vm-2");
	ck_assert_str_eq(r->v[6], "waived");
	ck_assert_str_eq(r->v[9], "'" FORMULA);
	ck_assert_str_eq(r->v[13], JUSTIFY);
	ck_assert_str_eq(r->v[14], "2030-01-01");
	r = csv_row(&rows, "r2", "vm-3");
	ck_assert_str_eq(r->v[6], "not_applicable");
	ck_assert_str_eq(r->v[10], "");
	r = csv_row(&rows, "r4", NSX_PATH);
	ck_assert_str_eq(r->v[7], "dfw_rule");
	ck_assert_str_eq(r->v[11], BAD_FIXED);	/* valid UTF-8; CSV may hold controls */
	csv_free(&rows);
	free(text);
	free(path);

	/* Without --all, only fail, unknown and waived, as in the table. */
	path = write_report(&l, FMT_CSV, false, false, "some.csv", &c);
	text = file_read(path, NULL);
	csv_parse(text, &rows);
	ck_assert_uint_eq(rows.n, 1 + 5);
	csv_free(&rows);
	free(text);
	free(path);
	free(snap);
	close_scan(&l);
}
END_TEST

/* ---- HTML ---- */

static void html_walk(xmlNodePtr n, int *scripts, int *refs, int *drift_in_body, bool in_body)
{
	for (; n; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		const char *name = (const char *)n->name;
		if (!strcmp(name, "script") || !strcmp(name, "iframe") || !strcmp(name, "object") ||
		    !strcmp(name, "embed") || !strcmp(name, "img") || !strcmp(name, "link"))
			(*scripts)++;
		for (xmlAttrPtr a = n->properties; a; a = a->next) {
			const char *an = (const char *)a->name;
			if (!strcmp(an, "src") || !strcmp(an, "href") || !strncmp(an, "on", 2))
				(*refs)++;
			if (!strcmp(an, "class") && a->children && !strcmp((const char *)a->children->content, "drift"))
				*drift_in_body += in_body;
		}
		html_walk(n->children, scripts, refs, drift_in_body, in_body || !strcmp(name, "body"));
	}
}

START_TEST(test_html_escapes_hostile_names)
{
	struct loaded l;
	struct counts c;
	open_scan(&l);
	char *path = write_report(&l, FMT_HTML, true, true, "out.html", &c);
	expect_counts(&c);
	char *raw = file_read(path, NULL);
	ck_assert_ptr_null(strstr(raw, "<script"));
	ck_assert_ptr_nonnull(strstr(raw, "&lt;script&gt;"));
	ck_assert_ptr_nonnull(strstr(raw, "Content-Security-Policy"));
	htmlDocPtr d = htmlReadFile(path, "UTF-8", HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_NONET);
	ck_assert_ptr_nonnull(d);
	int scripts = 0, refs = 0, drift = 0;
	html_walk(xmlDocGetRootElement(d), &scripts, &refs, &drift, false);
	ck_assert_int_eq(scripts, 0);
	ck_assert_int_eq(refs, 0);
	ck_assert_int_eq(drift, 1);
	xmlChar *all = xmlNodeGetContent(xmlDocGetRootElement(d));
	ck_assert_ptr_nonnull(strstr((const char *)all, HOSTILE));	/* as text */
	ck_assert_ptr_nonnull(strstr((const char *)all, FORMULA));
	ck_assert_ptr_nonnull(strstr((const char *)all, "Compliance score: 40.0%"));
	ck_assert_ptr_nonnull(strstr(raw, "<th>Violation</th>"));
	ck_assert_ptr_nonnull(strstr((const char *)all, "V-"));
	ck_assert_ptr_nonnull(strstr((const char *)all, "passed / (passed + failed) = 2 / (2 + 3)"));
	ck_assert_ptr_nonnull(strstr((const char *)all, JUSTIFY));
	ck_assert_ptr_nonnull(strstr((const char *)all, "plain-vm"));	/* not applicable, listed with --all */
	ck_assert_ptr_nonnull(strstr((const char *)all, "first completed snapshot"));	/* the drift section */
	xmlFree(all);
	xmlFreeDoc(d);
	free(raw);
	free(path);

	/* Without --all, no passing or not applicable rows. */
	path = write_report(&l, FMT_HTML, false, false, "some.html", &c);
	d = htmlReadFile(path, "UTF-8", HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_NONET);
	all = xmlNodeGetContent(xmlDocGetRootElement(d));
	ck_assert_ptr_null(strstr((const char *)all, "plain-vm"));
	ck_assert_ptr_nonnull(strstr((const char *)all, HOSTILE));
	xmlFree(all);
	xmlFreeDoc(d);
	free(path);
	close_scan(&l);
}
END_TEST

/* ---- --output ---- */

START_TEST(test_output_parse)
{
	struct report_output o;
	ck_assert_int_eq(report_output_parse("sarif:out/x.sarif", &o), 0);
	ck_assert_int_eq(o.format, FMT_SARIF);
	ck_assert_str_eq(o.path, "out/x.sarif");
	report_output_release(&o);
	ck_assert_int_eq(report_output_parse("junit:-", &o), 0);
	ck_assert_int_eq(o.format, FMT_JUNIT);
	ck_assert(report_outputs_stdout(&o, 1));
	report_output_release(&o);
	ck_assert_int_eq(report_output_parse("csv:c:/odd:name.csv", &o), 0);	/* split at the first colon */
	ck_assert_int_eq(o.format, FMT_CSV);
	ck_assert_str_eq(o.path, "c:/odd:name.csv");
	ck_assert(!report_outputs_stdout(&o, 1));
	report_output_release(&o);
	ck_assert_int_eq(report_output_parse("html:r.html", &o), 0);
	ck_assert_int_eq(o.format, FMT_HTML);
	report_output_release(&o);
	ck_assert_int_eq(report_output_parse("json:r.json", &o), 0);
	report_output_release(&o);

	ck_assert_int_eq(report_output_parse("sarif", &o), -1);
	ck_assert_ptr_nonnull(strstr(err_get(), "FORMAT:PATH"));
	ck_assert_int_eq(report_output_parse("xml:out.xml", &o), -1);
	ck_assert_ptr_nonnull(strstr(err_get(), "unknown format 'xml'"));
	ck_assert_int_eq(report_output_parse(":out.json", &o), -1);
	ck_assert_ptr_nonnull(strstr(err_get(), "unknown format ''"));
	ck_assert_int_eq(report_output_parse("html:", &o), -1);
	ck_assert_ptr_nonnull(strstr(err_get(), "empty path"));
	ck_assert_ptr_null(o.path);

	/* Checked before any work: a missing directory, or a directory. */
	struct report_output *v = NULL;
	unsigned n = 0;
	char *spec = xasprintf("csv:%s/nope/x.csv", dir);
	ck_assert_int_eq(report_outputs_add(&v, &n, spec), -1);
	ck_assert_ptr_nonnull(strstr(err_get(), "nope/x.csv"));
	free(spec);
	spec = xasprintf("csv:%s", dir);
	ck_assert_int_eq(report_outputs_add(&v, &n, spec), -1);
	ck_assert_ptr_nonnull(strstr(err_get(), "is a directory"));
	free(spec);
	spec = xasprintf("csv:%s/x.csv", dir);
	ck_assert_int_eq(report_outputs_add(&v, &n, spec), 0);
	ck_assert_int_eq(report_outputs_add(&v, &n, "json:-"), 0);
	ck_assert_uint_eq(n, 2);
	report_outputs_free(v, n);
	free(spec);
}
END_TEST

/* Files in d whose name starts with '.', but for . and .. */
static int hidden_files(const char *d)
{
	DIR *dh = opendir(d);
	ck_assert_ptr_nonnull(dh);
	int n = 0;
	struct dirent *e;
	while ((e = readdir(dh)))
		if (e->d_name[0] == '.' && strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(dh);
	return n;
}

static int write_to(struct loaded *l, const char *spec)
{
	struct report_output o;
	ck_assert_int_eq(report_output_parse(spec, &o), 0);
	struct report_opts ro = { FMT_TABLE, false, false, SEV_HIGH, false, NULL, false, NULL };
	struct report_counts c;
	ck_assert_int_eq(report_counts(l->st, l->ev, l->nev, &c), 0);
	int rc = report_write_outputs(&o, 1, l->st, &l->si, l->ev, l->nev, &c, &ro);
	report_counts_release(&c);
	report_output_release(&o);
	return rc;
}

START_TEST(test_write_outputs_atomically)
{
	struct loaded l;
	open_scan(&l);
	char *out = xasprintf("%s/out", dir);
	ck_assert_int_eq(mkdir(out, 0755), 0);

	/* Several at once, from counts read once. */
	struct report_output v[3];
	char *specs[3] = { xasprintf("sarif:%s/r.sarif", out), xasprintf("csv:%s/r.csv", out),
			   xasprintf("junit:%s/r.xml", out) };
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(report_output_parse(specs[i], &v[i]), 0);
	struct report_opts ro = { FMT_TABLE, false, false, SEV_HIGH, false, NULL, false, NULL };
	struct report_counts c;
	ck_assert_int_eq(report_counts(l.st, l.ev, l.nev, &c), 0);
	ck_assert_int_eq(report_write_outputs(v, 0, l.st, &l.si, l.ev, l.nev, &c, &ro), 0);
	expect_counts(&c.total);
	ck_assert_int_eq(report_write_outputs(v, 3, l.st, &l.si, l.ev, l.nev, &c, &ro), 0);
	expect_counts(&c.total);
	report_counts_release(&c);
	for (int i = 0; i < 3; i++) {
		struct stat sb;
		ck_assert_int_eq(stat(v[i].path, &sb), 0);
		ck_assert_int_gt(sb.st_size, 100);
		report_output_release(&v[i]);
		free(specs[i]);
	}
	ck_assert_int_eq(hidden_files(out), 0);

	/* A destination that is a directory: written, then not renamed. */
	char *sub = xasprintf("%s/busy.sarif", out);
	ck_assert_int_eq(mkdir(sub, 0755), 0);
	char *spec = xasprintf("sarif:%s", sub);
	ck_assert_int_eq(write_to(&l, spec), REPORT_EOUTPUT);
	ck_assert_msg(strstr(err_get(), sub) != NULL, "error '%s' does not name %s", err_get(), sub);
	ck_assert_int_eq(hidden_files(out), 0);
	free(spec);

	/* A full file system, as RLIMIT_FSIZE fakes it: the write fails halfway. */
	struct rlimit old, lim;
	ck_assert_int_eq(getrlimit(RLIMIT_FSIZE, &old), 0);
	lim = old;
	lim.rlim_cur = 200;
	void (*prev)(int) = signal(SIGXFSZ, SIG_IGN);
	spec = xasprintf("html:%s/r.html", out);
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &lim), 0);
	int rc = write_to(&l, spec);
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, prev);
	ck_assert_int_eq(rc, REPORT_EOUTPUT);
	ck_assert_msg(strstr(err_get(), "/r.html") != NULL, "error '%s' does not name the path", err_get());
	ck_assert_int_eq(hidden_files(out), 0);
	ck_assert_int_eq(access(spec + 5, F_OK), -1);
	free(spec);

	/* A read-only directory (root writes anywhere: use /proc then). */
	char *ro_dir = xasprintf("%s/ro", dir);
	ck_assert_int_eq(mkdir(ro_dir, 0555), 0);
	char *target = geteuid() == 0 ? xstrdup("/proc/self/r.json") : xasprintf("%s/r.json", ro_dir);
	spec = xasprintf("json:%s", target);
	ck_assert_int_eq(write_to(&l, spec), REPORT_EOUTPUT);
	ck_assert_msg(strstr(err_get(), target) != NULL, "error '%s' does not name %s", err_get(), target);
	ck_assert_int_eq(hidden_files(ro_dir), 0);
	ck_assert_int_eq(access(target, F_OK), -1);
	chmod(ro_dir, 0755);
	free(spec);
	free(target);
	free(ro_dir);
	free(sub);
	free(out);
	close_scan(&l);
}
END_TEST

START_TEST(test_formats_parse_and_json_unchanged)
{
	enum rformat f;
	static const char *const names[] = { "table", "json", "sarif", "junit", "csv", "html" };
	for (unsigned i = 0; i < ARRAY_SIZE(names); i++) {
		ck_assert_int_eq(report_format_parse(names[i], &f), 0);
		ck_assert_int_eq(f, (enum rformat)i);
		ck_assert_str_eq(report_format_name(f), names[i]);
	}
	ck_assert_int_eq(report_format_parse("xml", &f), -1);
	struct loaded l;
	struct counts c;
	open_scan(&l);
	char *path = write_report(&l, FMT_JSON, false, false, "out.json", &c);
	expect_counts(&c);
	json_error_t je;
	json_t *doc = json_load_file(path, 0, &je);
	ck_assert_ptr_nonnull(doc);
	ck_assert_uint_eq(json_array_size(json_object_get(doc, "findings")), 5);
	json_decref(doc);
	free(path);
	path = write_report(&l, FMT_TABLE, true, false, "out.txt", &c);
	expect_counts(&c);
	free(path);
	close_scan(&l);
}
END_TEST

/* The score in integer tenths, half up, at the boundaries of rounding. */
START_TEST(test_score_rounds_in_tenths)
{
	static const struct {
		long long pass, fail, tenths;
	} cases[] = {
		{ 814, 186, 814 }, /* 81.4 exactly */
		{ 1, 2, 333 },	 /* 33.33... down */
		{ 2, 1, 667 },	 /* 66.66... up */
		{ 1, 15, 63 },	 /* 6.25: half up */
		{ 1, 7, 125 },	 /* 12.5 */
		{ 1999, 1, 1000 }, /* 99.95: half up to 100.0 */
		{ 1998, 2, 999 },  /* 99.90 */
		{ 0, 5, 0 },	 { 5, 0, 1000 },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct counts c = { 0 };
		c.by[RS_PASS][SEV_HIGH] = cases[i].pass;
		c.by[RS_FAIL][SEV_LOW] = cases[i].fail;
		c.by[RS_UNKNOWN][SEV_HIGH] = 7;	/* left out */
		long long t;
		double pct;
		ck_assert(report_score_tenths(&c, &t));
		ck_assert_int_eq(t, cases[i].tenths);
		ck_assert(report_score(&c, &pct));
		ck_assert(pct == (double)cases[i].tenths / 10);
		/* As JSON: one decimal at most, never the double's 17 digits. */
		json_t *j = rpt_json_score(&c);
		char *s = json_dumps(j, JSON_ENCODE_ANY | RPT_JSON_REALS);
		char want[32];
		snprintf(want, sizeof(want), "%lld.%lld", cases[i].tenths / 10, cases[i].tenths % 10);
		ck_assert_str_eq(s, want);
		free(s);
		json_decref(j);
	}
	struct counts none = { 0 };
	long long t;
	ck_assert(!report_score_tenths(&none, &t));
	json_t *j = rpt_json_score(&none);
	ck_assert(json_is_null(j));
	json_decref(j);
}
END_TEST

/* ---- the reference of --fail-on-new ---- */

static struct finding_row since_row(const char *rule, const char *moref, enum rstatus st, const char *details)
{
	struct finding_row r = { 0 };
	r.rule_id = rule;
	r.object_type = "host";
	r.moref = moref;
	r.status = st;
	r.details_json = details;
	return r;
}

START_TEST(test_since_report_matches_by_violation)
{
	char *json = tu_write(dir, "ref.json",
			      "{\"schema\": \"harden.scan\", \"schema_version\": 1, \"target\": \"lab\", \"findings\": ["
			      "{\"rule_id\": \"r1\", \"status\": \"fail\", \"object\": {\"type\": \"host\", \"id\": \"host-1\"}},"
			      "{\"rule_id\": \"old-r2\", \"status\": \"fail\", \"object\": {\"type\": \"host\", \"id\": \"host-1\"}},"
			      "{\"rule_id\": \"r3\", \"status\": \"unknown\", \"object\": {\"type\": \"host\", \"id\": \"host-1\"}},"
			      "{\"rule_id\": \"r4\", \"status\": \"waived\", \"object\": {\"type\": \"host\", \"id\": \"host-1\"}}]}",
			      0644);
	char *sarif = tu_write(dir, "ref.sarif",
			       "{\"version\": \"2.1.0\", \"runs\": ["
			       "{\"tool\": {\"driver\": {\"name\": \"harden\"}}, \"properties\": {\"target\": \"lab\"}, \"results\": ["
			       "{\"ruleId\": \"r1\", \"properties\": {\"status\": \"fail\", \"object\": {\"type\": \"host\", \"id\": \"host-1\"}}}]},"
			       "{\"tool\": {\"driver\": {\"name\": \"harden\"}}, \"properties\": {\"target\": \"lab\"}, \"results\": ["
			       "{\"ruleId\": \"r3\", \"properties\": {\"status\": \"unknown\", \"object\": {\"type\": \"host\", \"id\": \"host-1\"}}}]}]}",
			       0644);
	struct since s;
	ck_assert_int_eq(since_from_report(&s, json, "lab"), HERR_OK);
	struct finding_row r = since_row("r1", "host-1", RS_FAIL, NULL);
	ck_assert(!since_is_new(&s, "lab", &r));	/* the same failure */
	r = since_row("r1", "host-2", RS_FAIL, NULL);
	ck_assert(since_is_new(&s, "lab", &r));		/* another object */
	r = since_row("r1", "host-1", RS_UNKNOWN, NULL);
	ck_assert(since_is_new(&s, "lab", &r));		/* failed then, unknown now */
	r = since_row("r3", "host-1", RS_FAIL, NULL);
	ck_assert(since_is_new(&s, "lab", &r));		/* unknown then, failing now */
	r = since_row("r4", "host-1", RS_FAIL, NULL);
	ck_assert(since_is_new(&s, "lab", &r));		/* waived then: failing now is new */
	r = since_row("r2", "host-1", RS_FAIL, "{\"aliases\": [\"old-r2\"]}");
	ck_assert(!since_is_new(&s, "lab", &r));	/* recorded under its alias */
	r = since_row("r2", "host-1", RS_FAIL, "{\"aliases\": [\"other\"]}");
	ck_assert(since_is_new(&s, "lab", &r));
	r = since_row("r9", "host-1", RS_PASS, NULL);
	ck_assert(!since_is_new(&s, "lab", &r));	/* only fail and unknown are ever new */
	ck_assert_ptr_nonnull(strstr(s.what, "(json)"));
	since_release(&s);

	ck_assert_int_eq(since_from_report(&s, sarif, "lab"), HERR_OK);
	r = since_row("r1", "host-1", RS_FAIL, NULL);
	ck_assert(!since_is_new(&s, "lab", &r));
	r = since_row("r3", "host-1", RS_UNKNOWN, NULL);
	ck_assert(!since_is_new(&s, "lab", &r));	/* from the second run */
	r = since_row("r3", "host-1", RS_FAIL, NULL);
	ck_assert(since_is_new(&s, "lab", &r));
	ck_assert_ptr_nonnull(strstr(s.what, "(sarif)"));
	since_release(&s);

	/* Another target's report, another tool's SARIF, another schema, not
	 * JSON, no file: refused, naming the file. */
	ck_assert_int_eq(since_from_report(&s, json, "prod"), HERR_INPUT);
	ck_assert_ptr_nonnull(strstr(err_get(), "target 'lab', not 'prod'"));
	const char *const bad[][2] = {
		{ "{\"version\": \"2.1.0\", \"runs\": [{\"tool\": {\"driver\": {\"name\": \"lint\"}}}]}", "another tool" },
		{ "{\"schema\": \"harden.inventory\", \"schema_version\": 1}", "not a harden JSON" },
		{ "[1, 2]", "not a harden JSON" },
		{ "{\"schema\": \"harden.scan\", \"findings\": []}", "without a target" },
		{ "{\"a\": 1, \"a\": 2}", "duplicate" },
		{ "", "bad.json" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		char *p = tu_write(dir, "bad.json", bad[i][0], 0644);
		ck_assert_int_eq(since_from_report(&s, p, "lab"), HERR_INPUT);
		ck_assert_msg(strstr(err_get(), bad[i][1]) && strstr(err_get(), "bad.json"), "%s", err_get());
		free(p);
	}
	char *none = xasprintf("%s/none.json", dir);
	ck_assert_int_eq(since_from_report(&s, none, "lab"), HERR_INPUT);
	ck_assert_ptr_nonnull(strstr(err_get(), "none.json"));
	free(none);
	free(json);
	free(sarif);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("report");
	TCase *tc = tcase_create("formats");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_sarif_validates_and_maps_results);
	tcase_add_test(tc, test_junit_validates_with_exact_counts);
	tcase_add_test(tc, test_csv_round_trips_and_guards_formulas);
	tcase_add_test(tc, test_html_escapes_hostile_names);
	tcase_add_test(tc, test_output_parse);
	tcase_add_test(tc, test_write_outputs_atomically);
	tcase_add_test(tc, test_formats_parse_and_json_unchanged);
	tcase_add_test(tc, test_score_rounds_in_tenths);
	tcase_add_test(tc, test_since_report_matches_by_violation);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	int failed = tu_run(suite());
	xmlCleanupParser();
	return failed ? 1 : 0;
}
