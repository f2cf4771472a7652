/* Scenarios as data: every tests/data/scenarios/NAME.scenario starts the
 * labs it names, changes them through their own APIs, runs the real harden
 * binary and checks what it says.  The format is described in
 * tests/data/scenarios/README. */
#include <dirent.h>
#include <glob.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/lab.h"
#include "lib/testutil.h"
#include "rules/rules.h"
#include "util/util.h"

#define SCENARIOS "tests/data/scenarios"

static struct dirent **names;
static int nnames;
/* Every "BASELINE RULE STATUS" a scenario's JSON report showed, one a line,
 * appended by the (forked) scenario tests and read by the coverage test. */
static char seen_path[64];

/* One directive: its line number, keyword, the rest of its line, and the
 * indented lines that follow it. */
struct step {
	int line;
	char *word;
	char *rest;
	struct strlist more;
};

struct scenario {
	const char *file;
	struct lab lab;
	bool vc_up, nsx_up;
	struct vc *session;
	struct run run;
	bool ran;
	json_t *json;	/* the last run's stdout, when it is JSON */
};

/* Static, so that the teardown finds the labs after a failed assertion. */
static struct scenario the;

static void setup(void)
{
	memset(&the, 0, sizeof(the));
}

static void teardown(void)
{
	lab_stop(&the.lab);
}

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r'))
		s[--n] = '\0';
	return s;
}

/* Reads the file into steps; comments and blank lines dropped. */
static size_t parse(const char *path, struct step **out)
{
	FILE *f = fopen(path, "r");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	struct step *steps = NULL;
	size_t n = 0;
	char *line = NULL;
	size_t cap = 0;
	int no = 0;
	while (getline(&line, &cap, f) >= 0) {
		no++;
		bool indented = line[0] == ' ' || line[0] == '\t';
		char *s = trim(line);
		if (!*s || *s == '#')
			continue;
		if (indented) {
			ck_assert_msg(n > 0, "%s:%d: an indented line continues a directive; there is none", path, no);
			strlist_add(&steps[n - 1].more, s);
			continue;
		}
		steps = xrealloc(steps, (n + 1) * sizeof(*steps));
		struct step *st = &steps[n++];
		memset(st, 0, sizeof(*st));
		st->line = no;
		size_t w = strcspn(s, " \t");
		st->word = xstrndup(s, w);
		st->rest = xstrdup(trim(s + w));
	}
	free(line);
	fclose(f);
	*out = steps;
	return n;
}

static void steps_free(struct step *steps, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(steps[i].word);
		free(steps[i].rest);
		strlist_release(&steps[i].more);
	}
	free(steps);
}

/* The rest of the line and its indented continuation, joined by sep. */
static char *joined(const struct step *st, const char *sep)
{
	struct buf b = BUF_INIT;
	buf_puts(&b, st->rest);
	for (size_t i = 0; i < st->more.n; i++) {
		buf_puts(&b, sep);
		buf_puts(&b, st->more.v[i]);
	}
	return buf_detach(&b);
}

/* Splits on blanks into a NULL-terminated vector of at most max words. */
static size_t words(char *s, char **v, size_t max)
{
	size_t n = 0;
	for (char *t = strtok(s, " \t"); t; t = strtok(NULL, " \t")) {
		ck_assert_msg(n + 1 < max, "too many words");
		v[n++] = t;
	}
	v[n] = NULL;
	return n;
}

static struct vc *session(struct scenario *sc)
{
	if (!sc->session)
		sc->session = lab_session(&sc->lab);
	return sc->session;
}

/* Replaces {Type:name} by the managed object's moref and
 * {Type:name/manager} by that host's config manager. */
static char *expand(struct scenario *sc, const char *text)
{
	struct buf b = BUF_INIT;
	const char *p = text;
	const char *open;
	while ((open = strchr(p, '{')) != NULL) {
		const char *close = strchr(open, '}');
		const char *colon = close ? memchr(open, ':', (size_t)(close - open)) : NULL;
		if (!colon) {
			buf_add(&b, p, (size_t)(open - p) + 1);
			p = open + 1;
			continue;
		}
		buf_add(&b, p, (size_t)(open - p));
		char *type = xstrndup(open + 1, (size_t)(colon - open - 1));
		char *name = xstrndup(colon + 1, (size_t)(close - colon - 1));
		char *mgr = strchr(name, '/');
		if (mgr)
			*mgr++ = '\0';
		char *moref = lab_moref(session(sc), type, name);
		if (mgr) {
			char *m = lab_host_manager(session(sc), moref, mgr);
			free(moref);
			moref = m;
		}
		buf_puts(&b, moref);
		free(moref);
		free(type);
		free(name);
		p = close + 1;
	}
	buf_puts(&b, p);
	return buf_detach(&b);
}

static const char *str(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s ? s : "-";
}

static void close_session(struct scenario *sc)
{
	if (sc->session)
		vc_close(sc->session);
	sc->session = NULL;
}

static void start_lab(struct scenario *sc, const struct step *st)
{
	char *rest = xstrdup(st->rest);
	char *v[16];
	size_t n = words(rest, v, ARRAY_SIZE(v));
	ck_assert_msg(n >= 1, "%s:%d: lab vcenter|nsx [FLAGS]", sc->file, st->line);
	if (!strcmp(v[0], "vcenter")) {
		ck_assert_msg(!sc->vc_up, "%s:%d: the vCenter lab is already up", sc->file, st->line);
		lab_start(&sc->lab, (const char *const *)v + 1);
		sc->vc_up = true;
	} else if (!strcmp(v[0], "nsx")) {
		ck_assert_msg(sc->vc_up && !sc->nsx_up, "%s:%d: start the vCenter lab first, NSX once", sc->file,
			      st->line);
		lab_start_nsx(&sc->lab, (const char *const *)v + 1);
		sc->nsx_up = true;
	} else {
		ck_abort_msg("%s:%d: unknown lab '%s'", sc->file, st->line, v[0]);
	}
	free(rest);
}

/* Appends the (baseline, rule, status) triples of a report to seen_path. */
static void record_statuses(json_t *j)
{
	json_t *all = json_object_get(j, "findings");
	if (!json_is_array(all) || !json_array_size(all))
		return;
	FILE *f = fopen(seen_path, "a");
	ck_assert_msg(f != NULL, "cannot append to %s", seen_path);
	size_t i;
	json_t *x;
	json_array_foreach(all, i, x)
		fprintf(f, "%s %s %s\n", str(x, "baseline_id"), str(x, "rule_id"), str(x, "status"));
	ck_assert_int_eq(fclose(f), 0);
}

static void run_harden(struct scenario *sc, const struct step *st)
{
	close_session(sc);
	if (sc->ran) {
		run_release(&sc->run);
		json_decref(sc->json);
	}
	char *rest = joined(st, " ");
	char *v[64];
	words(rest, v, ARRAY_SIZE(v));
	harden_run(&sc->lab, &sc->run, (const char *const *)v);
	sc->ran = true;
	sc->json = json_loads(sc->run.out, 0, NULL);
	record_statuses(sc->json);
	free(rest);
}

static json_t *report(struct scenario *sc, const struct step *st)
{
	ck_assert_msg(sc->ran, "%s:%d: '%s' before any 'harden'", sc->file, st->line, st->word);
	ck_assert_msg(sc->json != NULL, "%s:%d: harden's output is not JSON:\n%s", sc->file, st->line, sc->run.out);
	return sc->json;
}

/* OBJECT in a find line: '*', name=NAME, type=T1,T2,... or an object id. */
static bool object_matches(json_t *o, const char *sel)
{
	if (!strcmp(sel, "*"))
		return true;
	if (!strncmp(sel, "name=", 5))
		return !strcmp(str(o, "name"), sel + 5);
	if (!strncmp(sel, "type=", 5)) {
		const char *t = str(o, "type");
		size_t n = strlen(t);
		for (const char *p = sel + 5; *p; p += strcspn(p, ",") + (p[strcspn(p, ",")] == ',')) {
			if (strcspn(p, ",") == n && !strncmp(p, t, n))
				return true;
		}
		return false;
	}
	return !strcmp(str(o, "id"), sel);
}

/* find N RULE STATUS OBJECT: exactly N findings match ('*' matches any). */
static void find(struct scenario *sc, const struct step *st)
{
	json_t *j = report(sc, st);
	char *rest = xstrdup(st->rest);
	char *v[8];
	ck_assert_msg(words(rest, v, ARRAY_SIZE(v)) == 4, "%s:%d: find N RULE STATUS OBJECT", sc->file, st->line);
	long want = strtol(v[0], NULL, 10);
	long n = 0;
	size_t i;
	json_t *f;
	json_array_foreach(json_object_get(j, "findings"), i, f) {
		if (strcmp(v[1], "*") && strcmp(str(f, "rule_id"), v[1]))
			continue;
		if (strcmp(v[2], "*") && strcmp(str(f, "status"), v[2]))
			continue;
		if (!object_matches(json_object_get(f, "object"), v[3]))
			continue;
		n++;
	}
	ck_assert_msg(n == want, "%s:%d: %ld findings of %s %s %s, want %ld", sc->file, st->line, n, v[1], v[2], v[3],
		      want);
	free(rest);
}

/* count STATUS OP N: the report's counts.STATUS compared with N (=, >). */
static void count(struct scenario *sc, const struct step *st)
{
	json_t *j = report(sc, st);
	char *rest = xstrdup(st->rest);
	char *v[8];
	ck_assert_msg(words(rest, v, ARRAY_SIZE(v)) == 3 && (!strcmp(v[1], "=") || !strcmp(v[1], ">")),
		      "%s:%d: count STATUS =|> N", sc->file, st->line);
	json_t *c = json_object_get(json_object_get(j, "counts"), v[0]);
	ck_assert_msg(json_is_integer(c), "%s:%d: no count of '%s'", sc->file, st->line, v[0]);
	long long got = json_integer_value(c), want = strtoll(v[2], NULL, 10);
	ck_assert_msg(v[1][0] == '=' ? got == want : got > want, "%s:%d: count %s is %lld, want %s %lld", sc->file,
		      st->line, v[0], got, v[1], want);
	free(rest);
}

/* json KEY VALUE: a top-level member of the report, as compact JSON. */
static void json_member(struct scenario *sc, const struct step *st)
{
	json_t *j = report(sc, st);
	char *rest = xstrdup(st->rest);
	size_t w = strcspn(rest, " \t");
	ck_assert_msg(rest[w] != '\0', "%s:%d: json KEY VALUE", sc->file, st->line);
	rest[w] = '\0';
	const char *want = trim(rest + w + 1);
	json_t *m = json_object_get(j, rest);
	char *got = m ? json_dumps(m, JSON_ENCODE_ANY | JSON_COMPACT) : xstrdup("(absent)");
	ck_assert_msg(!strcmp(got, want), "%s:%d: %s is %s, want %s", sc->file, st->line, rest, got, want);
	free(got);
	free(rest);
}

/* Every finding with this status as "RULE OBJECT-NAME" lines, sorted. */
static char *finding_lines(json_t *j, const char *status)
{
	struct strlist l = { 0 };
	size_t i;
	json_t *f;
	json_array_foreach(json_object_get(j, "findings"), i, f) {
		if (strcmp(str(f, "status"), status))
			continue;
		strlist_add_owned(&l, xasprintf("%s %s", str(f, "rule_id"), str(json_object_get(f, "object"), "name")));
	}
	return tu_sorted_lines(&l);
}

static char *listed(const struct step *st)
{
	struct buf b = BUF_INIT;
	for (size_t i = 0; i < st->more.n; i++)
		buf_printf(&b, "%s\n", st->more.v[i]);
	return b.data ? buf_detach(&b) : xstrdup("");
}

static void step(struct scenario *sc, const struct step *st)
{
	const char *w = st->word;
	if (!strcmp(w, "lab")) {
		start_lab(sc, st);
	} else if (!strcmp(w, "soap") || !strcmp(w, "soap-task")) {
		char *body = joined(st, "");
		char *x = expand(sc, body);
		if (!strcmp(w, "soap"))
			lab_soap(session(sc), "%s", x);
		else
			lab_soap_task(session(sc), "%s", x);
		free(x);
		free(body);
	} else if (!strcmp(w, "nsx-patch")) {
		char *body = joined(st, "");
		size_t p = strcspn(body, " \t");
		ck_assert_msg(body[p] != '\0', "%s:%d: nsx-patch PATH JSON", sc->file, st->line);
		body[p] = '\0';
		nsx_patch(&sc->lab, body, trim(body + p + 1));
		free(body);
	} else if (!strcmp(w, "nsx-put")) {
		char *body = joined(st, "");
		size_t p = strcspn(body, " \t");
		ck_assert_msg(body[p] != '\0', "%s:%d: nsx-put PATH JSON", sc->file, st->line);
		body[p] = '\0';
		long status;
		char *path = xasprintf("/policy/api/v1%s", body);
		free(nsx_request(&sc->lab, "PUT", path, trim(body + p + 1), &status));
		ck_assert_msg(status == 200, "%s:%d: PUT %s: status %ld", sc->file, st->line, body, status);
		free(path);
		free(body);
	} else if (!strcmp(w, "nsx-delete")) {
		long status;
		char *path = xasprintf("/policy/api/v1%s", st->rest);
		free(nsx_request(&sc->lab, "DELETE", path, NULL, &status));
		ck_assert_msg(status == 200, "%s:%d: DELETE %s: status %ld", sc->file, st->line, st->rest, status);
		free(path);
	} else if (!strcmp(w, "harden")) {
		run_harden(sc, st);
	} else if (!strcmp(w, "exit")) {
		ck_assert_msg(sc->ran, "%s:%d: exit before any harden", sc->file, st->line);
		int want = (int)strtol(st->rest, NULL, 10);
		ck_assert_msg(sc->run.status == want, "%s:%d: exit %d, want %d; stderr: %s", sc->file, st->line,
			      sc->run.status, want, sc->run.err);
	} else if (!strcmp(w, "stdout") || !strcmp(w, "stderr")) {
		ck_assert_msg(sc->ran, "%s:%d: %s before any harden", sc->file, st->line, w);
		const char *text = !strcmp(w, "stdout") ? sc->run.out : sc->run.err;
		ck_assert_msg(strstr(text, st->rest) != NULL, "%s:%d: %s lacks '%s':\n%s", sc->file, st->line, w,
			      st->rest, text);
	} else if (!strcmp(w, "find")) {
		find(sc, st);
	} else if (!strcmp(w, "count")) {
		count(sc, st);
	} else if (!strcmp(w, "json")) {
		json_member(sc, st);
	} else if (!strcmp(w, "findings")) {
		char *got = finding_lines(report(sc, st), st->rest);
		char *want = listed(st);
		ck_assert_msg(!strcmp(got, want), "%s:%d: findings %s:\n%s\nwant:\n%s", sc->file, st->line, st->rest,
			      got, want);
		free(got);
		free(want);
	} else if (!strcmp(w, "events") || !strcmp(w, "event") || !strcmp(w, "no-event")) {
		char *got = drift_event_lines(report(sc, st));
		if (!strcmp(w, "events")) {
			char *want = listed(st);
			ck_assert_msg(!strcmp(got, want), "%s:%d: events:\n%s\nwant:\n%s", sc->file, st->line, got, want);
			free(want);
		} else {
			char *line = !strcmp(w, "event") ? xasprintf("%s\n", st->rest) : xstrdup(st->rest);
			bool seen = strstr(got, line) != NULL;
			ck_assert_msg(seen == !strcmp(w, "event"), "%s:%d: %s '%s' in:\n%s", sc->file, st->line,
				      seen ? "unwanted" : "no", st->rest, got);
			free(line);
		}
		free(got);
	} else {
		ck_abort_msg("%s:%d: unknown directive '%s'", sc->file, st->line, w);
	}
}

START_TEST(test_scenario)
{
	char *path = xasprintf("%s/%s", SCENARIOS, names[_i]->d_name);
	the.file = path;
	struct step *steps;
	size_t n = parse(path, &steps);
	ck_assert_msg(n > 0 && !strcmp(steps[0].word, "lab"), "%s: a scenario starts with 'lab'", path);
	bool checked = false;
	for (size_t i = 0; i < n; i++) {
		step(&the, &steps[i]);
		checked |= strcmp(steps[i].word, "lab") && strcmp(steps[i].word, "harden") &&
			   strncmp(steps[i].word, "soap", 4) && strncmp(steps[i].word, "nsx-", 4);
	}
	ck_assert_msg(checked, "%s: a scenario checks something", path);
	close_session(&the);
	if (the.ran) {
		run_release(&the.run);
		json_decref(the.json);
	}
	steps_free(steps, n);
	printf("scenario %s: passed\n", names[_i]->d_name);
	fflush(stdout);
	free(path);
}
END_TEST

/* Statuses the labs cannot show for a rule of a builtin baseline, and why.
 * Everything else must be seen both failing and passing through the labs'
 * APIs in the scenarios above; keep this list short and honest. */
static const struct exemption {
	const char *rule;
	const char *status;	/* "fail" or "pass": the one never seen */
	const char *why;
} exemptions[] = {
	{ NULL, NULL, NULL },
};

static const struct exemption *exemption(const char *rule, const char *status)
{
	for (const struct exemption *e = exemptions; e->rule; e++) {
		if (!strcmp(e->rule, rule) && !strcmp(e->status, status))
			return e;
	}
	return NULL;
}

/* "BASELINE RULE" -> { STATUS: true } for every status a scenario showed. */
static json_t *seen_statuses(void)
{
	json_t *seen = json_object();
	FILE *f = fopen(seen_path, "r");
	ck_assert_msg(f != NULL, "cannot read %s", seen_path);
	char b[512], r[512], s[64];
	while (fscanf(f, "%511s %511s %63s", b, r, s) == 3) {
		char *key = xasprintf("%s %s", b, r);
		json_t *e = json_object_get(seen, key);
		if (!e)
			json_object_set_new(seen, key, e = json_object());
		json_object_set_new(e, s, json_true());
		free(key);
	}
	fclose(f);
	return seen;
}

/* One baseline's rules against what the scenarios showed: a line in gaps
 * per status neither seen nor exempt; the exemptions used are ticked. */
static void baseline_coverage(const char *path, json_t *seen, struct strlist *gaps, bool *used)
{
	static const char *const want[] = { "fail", "pass" };
	struct baseline *b;
	ck_assert_msg(baseline_load(&b, path) == 0, "%s: %s", path, err_get());
	unsigned shown[2] = { 0, 0 };
	for (unsigned i = 0; i < b->nrules; i++) {
		char *key = xasprintf("%s %s", b->id, b->rules[i].id);
		json_t *e = json_object_get(seen, key);
		for (unsigned k = 0; k < ARRAY_SIZE(want); k++) {
			const struct exemption *x = exemption(b->rules[i].id, want[k]);
			if (json_object_get(e, want[k])) {
				shown[k]++;
				ck_assert_msg(!x, "%s %s is shown %s: drop its exemption", b->id, b->rules[i].id,
					      want[k]);
			} else if (x) {
				used[x - exemptions] = true;
			} else {
				strlist_add_owned(gaps, xasprintf("%s %s never %s", b->id, b->rules[i].id,
								  want[k]));
			}
		}
		free(key);
	}
	printf("coverage %s: %u rules, %u shown failing, %u shown passing\n", b->id, b->nrules, shown[0],
	       shown[1]);
	fflush(stdout);
	baseline_free(b);
}

/* Every rule of every builtin baseline (read now, so new rules count) is
 * shown both failing and passing by the scenarios, through the labs' APIs,
 * unless the table above says why it cannot be. */
START_TEST(test_every_builtin_rule_fails_and_passes)
{
	const char *only = getenv("HARDEN_SCENARIO");
	if (only && *only) {
		printf("rule coverage: skipped, HARDEN_SCENARIO runs only some scenarios\n");
		return;
	}
	json_t *seen = seen_statuses();
	glob_t g;
	ck_assert_int_eq(glob("baselines/*.yaml", 0, NULL, &g), 0);
	struct strlist gaps = { 0 };
	bool used[ARRAY_SIZE(exemptions)] = { false };
	for (size_t i = 0; i < g.gl_pathc; i++)
		baseline_coverage(g.gl_pathv[i], seen, &gaps, used);
	for (size_t i = 0; exemptions[i].rule; i++)
		ck_assert_msg(used[i], "exemption of %s (%s) names no rule of a builtin baseline",
			      exemptions[i].rule, exemptions[i].status);
	char *list = tu_sorted_lines(&gaps);
	ck_assert_msg(!*list, "rules the scenarios never show failing or passing:\n%s", list);
	free(list);
	globfree(&g);
	json_decref(seen);
}
END_TEST

START_TEST(test_scenarios_exist)
{
	ck_assert_msg(nnames > 0, "no scenarios in " SCENARIOS);
}
END_TEST

static int scenario_name(const struct dirent *d)
{
	size_t n = strlen(d->d_name);
	/* HARDEN_SCENARIO=TEXT runs only the scenarios whose name holds TEXT. */
	const char *only = getenv("HARDEN_SCENARIO");
	if (only && *only && !strstr(d->d_name, only))
		return 0;
	return n > 9 && !strcmp(d->d_name + n - 9, ".scenario");
}

int main(void)
{
	const char *tmp = getenv("TMPDIR");
	snprintf(seen_path, sizeof(seen_path), "%s/harden-seen-XXXXXX", tmp && *tmp && strlen(tmp) < 40 ? tmp : "/tmp");
	int fd = mkstemp(seen_path);
	if (fd < 0) {
		perror(seen_path);
		return 1;
	}
	close(fd);
	nnames = scandir(SCENARIOS, &names, scenario_name, alphasort);
	if (nnames < 0)
		nnames = 0;
	Suite *s = suite_create("scenarios");
	TCase *tc = tcase_create("scenarios");
	tcase_set_timeout(tc, 240);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_scenarios_exist);
	tcase_add_loop_test(tc, test_scenario, 0, nnames);
	tcase_add_test(tc, test_every_builtin_rule_fails_and_passes);
	suite_add_tcase(s, tc);
	int failed = tu_run(s);
	unlink(seen_path);
	for (int i = 0; i < nnames; i++)
		free(names[i]);
	free(names);
	return failed ? 1 : 0;
}
