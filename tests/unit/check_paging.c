/* /violations paging (web/paging.c): every page read through the counts by
 * rule (or, sorted by object, through the counts by object) holds the
 * rows, in the order, that one statement over everything gives for the
 * same offset, whatever the sort and filter; and the count is theirs. */
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "lib/testutil.h"
#include "store/store.h"
#include "util/util.h"
#include "web/web.h"

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

struct rows {
	struct strlist v;
};

static int keep(void *ctx, const struct browse_row *b)
{
	struct rows *x = ctx;
	char *k = xasprintf("%s|%s|%s|%s|%s", b->baseline_id, b->f.rule_id, b->f.object_name, b->f.moref,
			    rstatus_name(b->f.status));
	strlist_add(&x->v, k);
	free(k);
	return 0;
}

/* Two baselines; rules of every severity, one rule id in both with
 * different severities, each with its own title; objects whose names sort
 * naturally (esx-2 before esx-10), two sharing a name, one whose name has
 * a space, quotes, % and _; statuses spread over the five. */
static long long make_twin(struct store *st)
{
	static const char *const names[] = { "esx-10", "esx-2", "esx-1", "esx-2", "esx-33", "esx-3", "esx-21",
					     "db_1 \"50%\"" };
	long long snap, obj[ARRAY_SIZE(names)];
	ck_assert_int_eq(store_snapshot_begin(st, "lab", "b1,b2", "http://x/sdk", &snap), 0);
	ck_assert_int_eq(store_begin(st), 0);
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		char moref[16];
		snprintf(moref, sizeof(moref), "host-%zu", 40 - i);
		ck_assert_int_eq(store_object_add(st, snap, "host", moref, names[i], &obj[i]), 0);
		ck_assert_int_eq(store_prop(st, obj[i], "name", PT_STRING, names[i]), 0);
		ck_assert_int_eq(store_prop(st, obj[i], "cluster", PT_STRING, i % 2 ? "c2" : "c1"), 0);
	}
	ck_assert_int_eq(store_commit(st), 0);
	struct scan_stats s = { 1, 10, 100, 1.0, 2.0 };
	ck_assert_int_eq(store_snapshot_end(st, snap, SNAP_COMPLETED, NULL, &s), 0);
	static const char *const rules[] = { "r-10", "r-2", "shared", "r-1", "r-9", "r-11", "r-3" };
	static const char *const titles[] = { "Lockdown is on", "SSH is off", "Shared rule", "NTP is set",
					      "Logs are kept", "Disk wiping is off", "Console locks" };
	unsigned seed = 7;
	for (int b = 0; b < 2; b++) {
		struct eval_meta m = { b ? "b2" : "b1", "B", "1", "/x", "scan", NULL };
		long long ev;
		ck_assert_int_eq(store_begin(st), 0);
		ck_assert_int_eq(store_evaluation_begin(st, snap, &m, &ev), 0);
		for (size_t k = 0; k < ARRAY_SIZE(rules); k++) {
			if (b == 0 && k == 4)
				continue;
			enum severity sev = (enum severity)((k + (size_t)b * 3) % SEV_COUNT);
			ck_assert_int_eq(store_eval_rule(st, ev, rules[k], titles[k], sev, "host", "{}"), 0);
			for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
				seed = seed * 1103515245u + 12345u;
				enum rstatus rs = (enum rstatus)((seed >> 16) % RS_COUNT);
				if ((seed >> 8) % 9 == 0)
					continue;
				ck_assert_int_eq(store_finding(st, ev, rules[k], obj[i], rs, "name", names[i], "x", 0),
						 0);
			}
		}
		ck_assert_int_eq(store_commit(st), 0);
	}
	return snap;
}

static void same_pages(struct web_req *r, const struct browse_filter *flt, const struct evaluation_info *ev,
		       unsigned nev)
{
	struct rows all = { 0 };
	ck_assert_int_eq(store_browse(r->st, flt, 0, 100000, keep, &all), 0);
	long long n = -1;
	ck_assert_int_eq(store_browse_count(r->st, flt, &n), 0);
	ck_assert_int_eq(n, (long long)all.v.n);
	/* The counts a page reads once, for its total then its rows. */
	struct web_counts *wc;
	ck_assert_int_eq(web_counts_read(r, flt, &wc, &n), 0);
	ck_assert_int_eq(n, (long long)all.v.n);
	static const long long pers[] = { 1, 3, 7, 50 };
	for (size_t p = 0; p < ARRAY_SIZE(pers); p++) {
		struct rows got = { 0 };
		for (long long off = 0; off < (long long)all.v.n + pers[p]; off += pers[p])
			ck_assert_int_eq(web_browse_counted(r, flt, p % 2 ? wc : NULL, ev, nev, off, pers[p], keep, &got),
					 0);
		ck_assert_uint_eq(got.v.n, all.v.n);
		for (size_t i = 0; i < all.v.n; i++)
			ck_assert_str_eq(got.v.v[i], all.v.v[i]);
		strlist_release(&got.v);
	}
	web_counts_free(wc);
	strlist_release(&all.v);
}

/* The twin of make_twin, open, with its latest evaluations. */
struct twin {
	struct store *st;
	long long snap;
	struct web_req r;
	struct evaluation_info *ev;
	unsigned nev;
};

static void twin_open(struct twin *t)
{
	ck_assert_int_eq(store_open(&t->st, db, false), 0);
	t->snap = make_twin(t->st);
	t->r = (struct web_req){ .st = t->st, .cache = web_cache_new() };
	ck_assert_int_eq(store_latest_evaluations(t->st, t->snap, &t->ev, &t->nev), 0);
}

static void twin_close(struct twin *t)
{
	evaluation_list_free(t->ev, t->nev);
	web_cache_free(t->r.cache);
	store_close(t->st);
}

START_TEST(test_pages_match_one_statement)
{
	struct twin t;
	twin_open(&t);
	ck_assert_uint_eq(t.nev, 2);
	static const int statuses[] = { -1, -2, RS_FAIL, RS_PASS, RS_NA };
	static const int sevs[] = { -1, SEV_HIGH, SEV_INFO };
	static const char *const baselines[] = { NULL, "b2" };
	static const char *const rules[] = { NULL, "shared", "r-2" };
	for (int so = 0; so < BROWSE_SORT_COUNT; so++)
		for (size_t a = 0; a < ARRAY_SIZE(statuses); a++)
			for (size_t b = 0; b < ARRAY_SIZE(sevs); b++)
				for (size_t c = 0; c < ARRAY_SIZE(baselines); c++)
					for (size_t d = 0; d < ARRAY_SIZE(rules); d++) {
						struct browse_filter flt = { .snapshot = t.snap,
									     .baseline = baselines[c],
									     .rule = rules[d],
									     .severity = sevs[b],
									     .status = statuses[a],
									     .sort = (enum browse_sort)so };
						same_pages(&t.r, &flt, t.ev, t.nev);
					}
	twin_close(&t);
}
END_TEST

/* The filters that keep some objects or search their texts are counted
 * through the result sets: the same rows, counts and pages as the one
 * statement.  Each k is one combination
 * of sort, status, rule, search and object or cluster. */
START_TEST(test_object_filters_and_search_match_one_statement)
{
	struct twin t;
	twin_open(&t);
	static const char *const searches[] = { NULL, "esx-2", "R-1", "ule", "esx x" };
	static const char *const objects[] = { NULL, "esx-2", NULL };
	static const char *const clusters[] = { NULL, NULL, "c1" };
	for (unsigned k = 0; k < BROWSE_SORT_COUNT * 2 * 2 * ARRAY_SIZE(searches) * ARRAY_SIZE(objects); k++) {
		unsigned q = k / 16 % ARRAY_SIZE(searches), o = k / 16 / ARRAY_SIZE(searches);
		struct browse_filter flt = { .snapshot = t.snap, .severity = -1, .sort = (enum browse_sort)(k % 4) };
		flt.status = k / 4 % 2 ? -2 : -1;
		flt.rule = k / 8 % 2 ? "shared" : NULL;
		flt.search = searches[q];
		flt.object = objects[o];
		flt.cluster = clusters[o];
		same_pages(&t.r, &flt, t.ev, t.nev);
	}
	twin_close(&t);
}
END_TEST

/* The rows whose every word occurs in one of their rule id, title, object
 * name, moref, property and observed value, by a statement of its own:
 * LIKE with the word's wildcards escaped, over the views. */
static void reference_rows(long long snap, const char *words_json, struct strlist *out)
{
	static const char sql[] =
		"WITH words AS (SELECT '%' || replace(replace(replace(value, '\\', '\\\\'), '%', '\\%'), '_', '\\_') "
		"|| '%' AS pat FROM json_each(?2)) "
		"SELECT e.baseline_id || '|' || f.rule_id || '|' || o.name || '|' || o.moref || '|' || f.status "
		"FROM evaluation e JOIN finding f ON f.evaluation_id = e.id "
		"JOIN eval_rule r ON r.evaluation_id = e.id AND r.rule_id = f.rule_id JOIN object o ON o.id = f.object_id "
		"WHERE e.id IN (SELECT max(id) FROM evaluation WHERE snapshot_id = ?1 GROUP BY baseline_id) "
		"AND NOT EXISTS (SELECT 1 FROM words WHERE NOT (f.rule_id LIKE pat ESCAPE '\\' "
		"OR r.title LIKE pat ESCAPE '\\' OR o.name LIKE pat ESCAPE '\\' OR o.moref LIKE pat ESCAPE '\\' "
		"OR coalesce(f.property, '') LIKE pat ESCAPE '\\' OR coalesce(f.observed, '') LIKE pat ESCAPE '\\'))";
	sqlite3 *h;
	sqlite3_stmt *s;
	ck_assert_int_eq(sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(h, sql, -1, &s, NULL), SQLITE_OK);
	sqlite3_bind_int64(s, 1, snap);
	sqlite3_bind_text(s, 2, words_json, -1, SQLITE_STATIC);
	while (sqlite3_step(s) == SQLITE_ROW)
		strlist_add(out, (const char *)sqlite3_column_text(s, 0));
	sqlite3_finalize(s);
	sqlite3_close(h);
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Searches with their words (a JSON array, lower-cased, as the parser
 * should give them), and whether rows must match (1), none (0) or any
 * count may (-1). */
static const struct {
	const char *q, *words;
	int some;
} searches[] = {
	{ "SSH esx-2", "[\"ssh\",\"esx-2\"]", 1 },		/* a title word and a name word */
	{ "esx-2 R-1", "[\"esx-2\",\"r-1\"]", 1 },		/* a name word and a rule id word */
	{ "\"ssh is\" host-39", "[\"ssh is\",\"host-39\"]", 1 },	/* a phrase of the title, a moref */
	{ "\"is off\" esx", "[\"is off\",\"esx\"]", 1 },
	{ "\"off esx\"", "[\"off esx\"]", 0 },			/* a phrase across two texts */
	{ "off esx", "[\"off\",\"esx\"]", 1 },			/* the same as two words */
	{ "esx zzz", "[\"esx\",\"zzz\"]", 0 },			/* a word matching nothing */
	{ "_1", "[\"_1\"]", 1 },				/* _ and % are no wildcards */
	{ "%", "[\"%\"]", 1 },
	{ "%\"", "[\"%\\\"\"]", 1 },				/* a quote inside a word */
	{ "\"db_1 \"50", "[\"db_1 \",\"50\"]", 1 },		/* a phrase, then a word right after */
	{ "\"Shared rule", "[\"shared rule\"]", 1 },		/* an unmatched quote: to the end */
	{ "lockdown\tHOST-3", "[\"lockdown\",\"host-3\"]", 1 },	/* a tab separates */
	{ "ESX esx Esx", "[\"esx\"]", 1 },			/* repeats dropped */
	{ "   ", "[]", 1 },					/* no words: every row */
	{ "\"\" \"", "[]", 1 },
};

/* A search's words are parsed as documented; its rows are those of the
 * reference statement; and every page of it, under each sort and with
 * other filters, holds the rows of the one statement. */
START_TEST(test_search_words_match_a_reference)
{
	struct twin t;
	twin_open(&t);
	static const char *const objects[] = { NULL, "esx-2", NULL };
	static const char *const clusters[] = { NULL, NULL, "c1" };
	for (size_t q = 0; q < ARRAY_SIZE(searches); q++) {
		struct strlist w = { 0 };
		ck_assert_int_eq(store_search_words(searches[q].q, &w), 0);
		struct buf j = BUF_INIT;
		buf_putc(&j, '[');
		for (size_t i = 0; i < w.n; i++) {
			buf_printf(&j, "%s\"", i ? "," : "");
			for (const char *c = w.v[i]; *c; c++)
				buf_printf(&j, "%s%c", *c == '"' ? "\\" : "", *c);
			buf_putc(&j, '"');
		}
		buf_putc(&j, ']');
		ck_assert_msg(!strcmp(j.data, searches[q].words), "%s: %s", searches[q].q, j.data);
		buf_release(&j);
		strlist_release(&w);

		struct strlist want = { 0 };
		struct rows got = { 0 };
		reference_rows(t.snap, searches[q].words, &want);
		struct browse_filter flt = { .snapshot = t.snap, .severity = -1, .status = -1, .search = searches[q].q };
		ck_assert_int_eq(store_browse(t.st, &flt, 0, 100000, keep, &got), 0);
		ck_assert_msg(got.v.n == want.n, "%s: %zu rows, the reference %zu", searches[q].q, got.v.n, want.n);
		if (searches[q].some >= 0)
			ck_assert_msg((want.n > 0) == searches[q].some, "%s: %zu rows", searches[q].q, want.n);
		if (want.n) {
			qsort(got.v.v, got.v.n, sizeof(char *), str_cmp);
			qsort(want.v, want.n, sizeof(char *), str_cmp);
		}
		for (size_t i = 0; i < want.n; i++)
			ck_assert_str_eq(got.v.v[i], want.v[i]);
		strlist_release(&want);
		strlist_release(&got.v);
		/* Six of the 48 combinations of sort, status, rule and object or
		 * cluster for each search, a different six for the next. */
		for (unsigned k = (unsigned)q % 8; k < BROWSE_SORT_COUNT * 2 * 2 * ARRAY_SIZE(objects); k += 8) {
			struct browse_filter f = { .snapshot = t.snap, .severity = -1, .sort = (enum browse_sort)(k % 4),
						   .search = searches[q].q };
			f.status = k / 4 % 2 ? -2 : -1;
			f.rule = k / 8 % 2 ? "shared" : NULL;
			f.object = objects[k / 16];
			f.cluster = clusters[k / 16];
			same_pages(&t.r, &f, t.ev, t.nev);
		}
	}
	twin_close(&t);
}
END_TEST

/* At most STORE_SEARCH_WORDS_MAX distinct words; repeats do not count. */
START_TEST(test_search_words_bounded)
{
	struct buf q = BUF_INIT;
	struct strlist w = { 0 };
	for (int i = 0; i < STORE_SEARCH_WORDS_MAX; i++)
		buf_printf(&q, "w%d ", i);
	for (int i = 0; i < 40; i++)
		buf_puts(&q, "W1 ");
	ck_assert_int_eq(store_search_words(q.data, &w), 0);
	ck_assert_uint_eq(w.n, STORE_SEARCH_WORDS_MAX);
	strlist_release(&w);
	buf_puts(&q, "one-more");
	ck_assert_int_eq(store_search_words(q.data, &w), HERR_INPUT);
	ck_assert_str_eq(err_get(), "the search has more than 32 words");
	strlist_release(&w);
	/* The browsing reads refuse it alike. */
	struct twin t;
	twin_open(&t);
	long long n = -1;
	struct browse_filter flt = { .snapshot = t.snap, .severity = -1, .status = -1, .search = q.data };
	ck_assert_int_eq(store_browse_count(t.st, &flt, &n), HERR_INPUT);
	struct rows got = { 0 };
	ck_assert_int_eq(store_browse(t.st, &flt, 0, 10, keep, &got), HERR_INPUT);
	ck_assert_uint_eq(got.v.n, 0);
	ck_assert_int_eq(web_browse(&t.r, &flt, t.ev, t.nev, 0, 10, keep, &got), HERR_INPUT);
	ck_assert_uint_eq(got.v.n, 0);
	twin_close(&t);
	buf_release(&q);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("paging");
	TCase *tc = tcase_create("violations");
	tcase_add_checked_fixture(tc, setup, teardown);
	/* Each test reads hundreds of pages; the machine may be shared. */
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_pages_match_one_statement);
	tcase_add_test(tc, test_object_filters_and_search_match_one_statement);
	tcase_add_test(tc, test_search_words_match_a_reference);
	tcase_add_test(tc, test_search_words_bounded);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run(suite()) ? 1 : 0;
}
