/* The command line as a person meets it: every command's --help, usage
 * errors, and the spec each descriptor declares, through the real binary. */
#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "exitcode.h"
#include "lib/lab.h"
#include "lib/testutil.h"

/* Runs the binary with args and no lab. */
static void run_plain(struct run *r, const char *const *args)
{
	static struct lab none;
	if (!none.dir) {
		none.dir = tu_tmpdir();
		none.db = xasprintf("%s/twin.db", none.dir);
		none.config = xasprintf("%s/targets.yaml", none.dir);
	}
	harden_run(&none, r, args);
}

static bool has_option(const struct cmd *c, const char *name)
{
	for (int k = 0; k < CMD_MAX_OPTSETS; k++)
		for (const struct cmd_opt *o = c->optsets[k].opts; o && o->name; o++)
			if (!strcmp(o->name, name))
				return true;
	return !strcmp(name, "db") || !strcmp(name, "config") || !strcmp(name, "quiet") || !strcmp(name, "help");
}

/* Every option name any command declares. */
static void all_options(const struct cmd *c, struct strlist *out)
{
	if (c->subs)
		for (const struct cmd *const *s = c->subs; *s; s++)
			all_options(*s, out);
	for (int k = 0; k < CMD_MAX_OPTSETS; k++)
		for (const struct cmd_opt *o = c->optsets[k].opts; o && o->name; o++)
			if (!strlist_has(out, o->name))
				strlist_add(out, o->name);
}

static void check_help(const struct cmd *c, const char *path, const struct strlist *every)
{
	char *words = xstrdup(path), *save = NULL;
	const char *args[8] = { 0 };
	int n = 0;
	for (char *w = strtok_r(words, " ", &save); w && n < 6; w = strtok_r(NULL, " ", &save))
		args[n++] = w;
	args[n++] = "--help";
	struct run r;
	run_plain(&r, args);
	ck_assert_msg(r.status == 0, "%s --help: exit %d: %s", path, r.status, r.err);
	char *want = xasprintf("usage: harden %s", path);
	ck_assert_msg(!strncmp(r.out, want, strlen(want)), "%s --help starts: %.60s", path, r.out);
	/* Within 80 columns, every line. */
	for (const char *p = r.out; *p;) {
		const char *e = strchr(p, '\n');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		ck_assert_msg(len <= 80, "%s --help: line of %zu columns: %.*s", path, len, (int)len, p);
		p += len + (e ? 1 : 0);
	}
	/* Its own options, and no other command's. */
	for (size_t i = 0; i < every->n; i++) {
		char *opt = xasprintf("--%s ", every->v[i]);
		char *optnl = xasprintf("--%s\n", every->v[i]);
		bool shown = strstr(r.out, opt) || strstr(r.out, optnl);
		if (!c->subs)
			ck_assert_msg(shown == has_option(c, every->v[i]), "%s --help %s --%s", path,
				      shown ? "shows foreign" : "lacks its", every->v[i]);
		free(opt);
		free(optnl);
	}
	/* Exactly the exit codes it can return. */
	const char *st = strstr(r.out, "\nExit status:\n");
	ck_assert_msg(st, "%s --help has no exit status", path);
	for (int code = 0; code < 8; code++) {
		char *line = xasprintf("\n  %d  ", code);
		bool listed = strstr(st, line) != NULL;
		ck_assert_msg(listed == !!(c->exits & (1u << code)), "%s --help: exit %d %s", path, code,
			      listed ? "listed but never returned" : "returned but not listed");
		free(line);
	}
	free(want);
	free(words);
	run_release(&r);
}

static void walk(const struct cmd *c, const char *path, const struct strlist *every)
{
	check_help(c, path, every);
	if (c->subs)
		for (const struct cmd *const *s = c->subs; *s; s++) {
			char *p = xasprintf("%s %s", path, (*s)->name);
			walk(*s, p, every);
			free(p);
		}
}

START_TEST(test_every_command_help_lists_its_own_options_and_exit_codes)
{
	struct strlist every = { 0 };
	for (const struct cmd *const *c = cmd_table(); *c; c++)
		all_options(*c, &every);
	int n = 0;
	for (const struct cmd *const *c = cmd_table(); *c; c++, n++)
		walk(*c, (*c)->name, &every);
	ck_assert_int_ge(n, 9);
	strlist_release(&every);
}
END_TEST

START_TEST(test_short_options_mean_one_thing_everywhere)
{
	/* A short option is the same long option in every command. */
	const char *meaning[128] = { 0 };
	for (const struct cmd *const *c = cmd_table(); *c; c++) {
		const struct cmd *list[16] = { *c };
		int nl = 1;
		if ((*c)->subs)
			for (const struct cmd *const *s = (*c)->subs; *s && nl < 16; s++)
				list[nl++] = *s;
		for (int i = 0; i < nl; i++)
			for (int k = 0; k < CMD_MAX_OPTSETS; k++)
				for (const struct cmd_opt *o = list[i]->optsets[k].opts; o && o->name; o++) {
					if (!o->sname)
						continue;
					const char **m = &meaning[(unsigned char)o->sname];
					ck_assert_msg(!*m || !strcmp(*m, o->name), "-%c is --%s and --%s", o->sname, *m,
						      o->name);
					*m = o->name;
				}
	}
	ck_assert_str_eq(meaning['o'], "output");
}
END_TEST

START_TEST(test_usage_errors_name_the_problem_in_one_line)
{
	struct run r;
	run_plain(&r, (const char *[]){ "scan", "--targte", "x", NULL });
	ck_assert_int_eq(r.status, EXIT_USAGE);
	ck_assert_msg(strstr(r.err, "harden: scan: unknown option '--targte'"), "%s", r.err);
	ck_assert_msg(strstr(r.err, "did you mean '--target'?"), "%s", r.err);
	ck_assert_ptr_null(strstr(r.err, "Exit status"));
	run_release(&r);

	run_plain(&r, (const char *[]){ "drift", "--target", NULL });
	ck_assert_int_eq(r.status, EXIT_USAGE);
	ck_assert_msg(strstr(r.err, "option '--target' needs an argument"), "%s", r.err);
	run_release(&r);

	run_plain(&r, (const char *[]){ "scan", "--target", "lab", NULL });
	ck_assert_int_eq(r.status, EXIT_USAGE);
	ck_assert_msg(strstr(r.err, "--baseline is required"), "%s", r.err);
	run_release(&r);

	run_plain(&r, (const char *[]){ "scna", NULL });
	ck_assert_int_eq(r.status, EXIT_USAGE);
	ck_assert_msg(strstr(r.err, "unknown command 'scna'") && strstr(r.err, "did you mean 'scan'?"), "%s", r.err);
	run_release(&r);

	run_plain(&r, (const char *[]){ "report", "--format", "JSON", "--snapshot", "x", NULL });
	ck_assert_msg(!strstr(r.err, "unknown value"), "format values are case-insensitive: %s", r.err);
	run_release(&r);

	run_plain(&r, (const char *[]){ "prune", "--keep", "0", NULL });
	ck_assert_int_eq(r.status, EXIT_USAGE);
	ck_assert_msg(strstr(r.err, "--keep takes a number from 1 to"), "%s", r.err);
	run_release(&r);

	run_plain(&r, (const char *[]){ "baseline", "frob", NULL });
	ck_assert_int_eq(r.status, EXIT_USAGE);
	ck_assert_msg(strstr(r.err, "unknown command 'frob' for baseline"), "%s", r.err);
	run_release(&r);
}
END_TEST

/* The first run: every command that reads the twin says there is no scan
 * yet, exits 13 and creates nothing; once the twin exists, a target never
 * scanned (or only scanned and failed) is the same. */
START_TEST(test_read_commands_never_create_a_twin)
{
	struct lab l = { 0 };
	l.dir = tu_tmpdir();
	l.db = xasprintf("%s/twin.db", l.dir);
	l.config = tu_write(l.dir, "targets.yaml",
			    "targets:\n  lab:\n    vcenter:\n      url: http://127.0.0.1:1/sdk\n      user: u\n"
			    "      password_env: HARDEN_CLI_TEST_PW\n", 0600);
	const char *const *cases[] = {
		(const char *[]){ "report", NULL },
		(const char *[]){ "report", "--target", "lab", "--format", "json", NULL },
		(const char *[]){ "inventory", "--target", "lab", NULL },
		(const char *[]){ "drift", "--target", "lab", NULL },
		(const char *[]){ "history", "--target", "lab", "--object", "h", NULL },
		(const char *[]){ "history", "--target", "lab", "--object", "h", "--format", "json", NULL },
		(const char *[]){ "evaluate", "--target", "lab", "--baseline", "cis-vmware-esxi-8.0-subset", NULL },
		(const char *[]){ "advise", "--target", "lab", "--all-critical", NULL },
		(const char *[]){ "snapshots", NULL },
		(const char *[]){ "prune", "--keep", "1", NULL },
		(const char *[]){ "prune", "--keep", "1", "--dry-run", NULL },
		(const char *[]){ "remediation", "list", NULL },
		(const char *[]){ "web", NULL },
	};
	struct run r;
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		harden_run(&l, &r, cases[i]);
		ck_assert_msg(r.status == EXIT_NO_SCAN, "%s: exit %d: %s", cases[i][0], r.status, r.err);
		ck_assert_msg(strstr(r.err, "harden: no scan yet; run harden scan first"), "%s: %s", cases[i][0], r.err);
		ck_assert_msg(strchr(r.err, '\n') == r.err + strlen(r.err) - 1, "%s: more than a line: %s", cases[i][0],
			      r.err);
		ck_assert_str_eq(r.out, "");
		run_release(&r);
		static const char *const made[] = { "", "-wal", "-shm", "-journal", ".lock" };
		for (unsigned k = 0; k < sizeof(made) / sizeof(made[0]); k++) {
			char *f = xasprintf("%s%s", l.db, made[k]);
			ck_assert_msg(access(f, F_OK) < 0, "%s created %s", cases[i][0], f);
			free(f);
		}
	}
	/* A twin holding only a failed scan of the target. */
	setenv("HARDEN_CLI_TEST_PW", "pw", 1);
	harden_run(&l, &r, (const char *[]){ "scan", "--target", "lab", "--baseline", "cis-vmware-esxi-8.0-subset", NULL });
	ck_assert_msg(r.status == EXIT_COLLECT, "exit %d: %s", r.status, r.err);
	run_release(&r);
	for (unsigned i = 0; i < 8; i++) {
		harden_run(&l, &r, cases[i]);
		ck_assert_msg(r.status == EXIT_NO_SCAN, "%s: exit %d: %s", cases[i][0], r.status, r.err);
		ck_assert_msg(strstr(r.err, i ? "harden: no scan yet of target 'lab'; run harden scan --target lab first"
					      : "harden: no scan yet; run harden scan first"),
			      "%s: %s", cases[i][0], r.err);
		ck_assert_str_eq(r.out, "");
		run_release(&r);
	}
	tu_rmdir(l.dir);
	free(l.dir);
	free(l.db);
	free(l.config);
}
END_TEST

START_TEST(test_version_help_and_paths)
{
	struct run r;
	run_plain(&r, (const char *[]){ "version", NULL });
	ck_assert_int_eq(r.status, 0);
	ck_assert_msg(strstr(r.out, "harden ") && strstr(r.out, "commit") && strstr(r.out, "SQLite") &&
			      strstr(r.out, "libcurl") && strstr(r.out, "twin") && strstr(r.out, "baselines"),
		      "%s", r.out);
	char *v = xstrdup(r.out);
	run_release(&r);
	run_plain(&r, (const char *[]){ "help", "drift", NULL });
	ck_assert_int_eq(r.status, 0);
	struct run h;
	run_plain(&h, (const char *[]){ "drift", "--help", NULL });
	ck_assert_str_eq(r.out, h.out);
	run_release(&r);
	run_release(&h);
	run_plain(&r, (const char *[]){ "help", "frob", NULL });
	ck_assert_int_eq(r.status, EXIT_USAGE);
	run_release(&r);
	free(v);
}
END_TEST

START_TEST(test_no_home_is_an_error_not_a_relative_path)
{
	/* env -i: no HOME, no XDG variables, no HARDEN_DB. */
	char *dir = tu_tmpdir();
	char *out = xasprintf("%s/noenv.txt", dir);
	char *cmd = xasprintf("cd /tmp && env -i %s report > /dev/null 2> %s; echo $? >> %s", harden_bin(), out, out);
	ck_assert_int_eq(system(cmd), 0);
	size_t len;
	char *text = file_read(out, &len);
	ck_assert_msg(strstr(text, "no HOME and no XDG_DATA_HOME") && strstr(text, "\n2\n"), "%s", text);
	free(text);
	free(cmd);
	free(out);
	tu_rmdir(dir);
	free(dir);
}
END_TEST

/* baseline coverage prints a benchmark's controls with the share covered,
 * judged from the rules the baselines have. */
START_TEST(test_baseline_coverage_shows_the_share_covered)
{
	struct run r;
	static const char *const json[] = { "baseline", "coverage", "vsphere-scg-8", "-f", "json", NULL };
	run_plain(&r, json);
	ck_assert_msg(r.status == EXIT_CLEAN, "exit %d: %s", r.status, r.err);
	json_t *j = json_loads(r.out, 0, NULL);
	ck_assert_ptr_nonnull(j);
	json_t *c = json_object_get(j, "counts");
	ck_assert_int_eq(json_integer_value(json_object_get(c, "controls")), 156);
	ck_assert_int_eq(json_integer_value(json_object_get(c, "not_checkable")), 60);
	long long impl = json_integer_value(json_object_get(c, "implemented"));
	ck_assert_int_gt(impl, 0);
	ck_assert(json_real_value(json_object_get(c, "share_of_checkable")) > 0);
	/* The five device rules implement one control between them. */
	size_t i;
	json_t *x;
	bool seen = false;
	json_array_foreach(json_object_get(j, "controls"), i, x) {
		if (strcmp(json_string_value(json_object_get(x, "id")), "vm-8.remove-unnecessary-devices"))
			continue;
		ck_assert_str_eq(json_string_value(json_object_get(x, "state")), "implemented");
		ck_assert_int_eq(json_integer_value(json_object_get(x, "rules")), 5);
		seen = true;
	}
	ck_assert(seen);
	json_decref(j);
	run_release(&r);
	static const char *const table[] = { "baseline", "coverage", "cis-esxi-8.0", NULL };
	run_plain(&r, table);
	ck_assert_int_eq(r.status, EXIT_CLEAN);
	ck_assert_ptr_nonnull(strstr(r.out, "of the checkable controls"));
	ck_assert_ptr_nonnull(strstr(r.out, "esxcli"));
	run_release(&r);
	static const char *const bad[] = { "baseline", "coverage", "no-such-benchmark", NULL };
	run_plain(&r, bad);
	ck_assert_int_eq(r.status, EXIT_USAGE);
	ck_assert_ptr_nonnull(strstr(r.err, "unknown coverage 'no-such-benchmark'"));
	run_release(&r);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("cli");
	TCase *tc = tcase_create("cli");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_every_command_help_lists_its_own_options_and_exit_codes);
	tcase_add_test(tc, test_short_options_mean_one_thing_everywhere);
	tcase_add_test(tc, test_usage_errors_name_the_problem_in_one_line);
	tcase_add_test(tc, test_read_commands_never_create_a_twin);
	tcase_add_test(tc, test_version_help_and_paths);
	tcase_add_test(tc, test_no_home_is_an_error_not_a_relative_path);
	tcase_add_test(tc, test_baseline_coverage_shows_the_share_covered);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
