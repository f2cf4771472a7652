/* /violations paging (web/paging.c): every page read through the counts by
 * rule (or, sorted by object, through the counts by object) holds the
 * rows, in the order, that one statement over everything gives for the
 * same offset, whatever the sort and filter; and the count is theirs. */
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
 * different severities; objects whose names sort naturally (esx-2 before
 * esx-10), two sharing a name; statuses spread over the five. */
static long long make_twin(struct store *st)
{
	static const char *const names[] = { "esx-10", "esx-2", "esx-1", "esx-2", "esx-33", "esx-3", "esx-21" };
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
			ck_assert_int_eq(store_eval_rule(st, ev, rules[k], "Rule", sev, "host", "{}"), 0);
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
	static const long long pers[] = { 1, 3, 7, 50 };
	for (size_t p = 0; p < ARRAY_SIZE(pers); p++) {
		struct rows got = { 0 };
		for (long long off = 0; off < (long long)all.v.n + pers[p]; off += pers[p])
			ck_assert_int_eq(web_browse(r, flt, ev, nev, off, pers[p], keep, &got), 0);
		ck_assert_uint_eq(got.v.n, all.v.n);
		for (size_t i = 0; i < all.v.n; i++)
			ck_assert_str_eq(got.v.v[i], all.v.v[i]);
		strlist_release(&got.v);
	}
	strlist_release(&all.v);
}

START_TEST(test_pages_match_one_statement)
{
	struct store *st;
	ck_assert_int_eq(store_open(&st, db, false), 0);
	long long snap = make_twin(st);
	struct web_req r = { .st = st, .cache = web_cache_new() };
	struct evaluation_info *ev;
	unsigned nev;
	ck_assert_int_eq(store_latest_evaluations(st, snap, &ev, &nev), 0);
	ck_assert_uint_eq(nev, 2);
	static const int statuses[] = { -1, -2, RS_FAIL, RS_PASS, RS_NA };
	static const int sevs[] = { -1, SEV_HIGH, SEV_INFO };
	static const char *const baselines[] = { NULL, "b2" };
	static const char *const rules[] = { NULL, "shared", "r-2" };
	for (int so = 0; so < BROWSE_SORT_COUNT; so++)
		for (size_t a = 0; a < ARRAY_SIZE(statuses); a++)
			for (size_t b = 0; b < ARRAY_SIZE(sevs); b++)
				for (size_t c = 0; c < ARRAY_SIZE(baselines); c++)
					for (size_t d = 0; d < ARRAY_SIZE(rules); d++) {
						struct browse_filter flt = { .snapshot = snap,
									     .baseline = baselines[c],
									     .rule = rules[d],
									     .severity = sevs[b],
									     .status = statuses[a],
									     .sort = (enum browse_sort)so };
						same_pages(&r, &flt, ev, nev);
					}
	evaluation_list_free(ev, nev);
	web_cache_free(r.cache);
	store_close(st);
}
END_TEST

/* The filters that keep some objects or search their texts are counted
 * through the result sets (a search term with a space is not): the same
 * rows, counts and pages as the one statement.  Each k is one combination
 * of sort, status, rule, search and object or cluster. */
START_TEST(test_object_filters_and_search_match_one_statement)
{
	struct store *st;
	ck_assert_int_eq(store_open(&st, db, false), 0);
	long long snap = make_twin(st);
	struct web_req r = { .st = st, .cache = web_cache_new() };
	struct evaluation_info *ev;
	unsigned nev;
	ck_assert_int_eq(store_latest_evaluations(st, snap, &ev, &nev), 0);
	static const char *const searches[] = { NULL, "esx-2", "R-1", "ule", "esx x" };
	static const char *const objects[] = { NULL, "esx-2", NULL };
	static const char *const clusters[] = { NULL, NULL, "c1" };
	for (unsigned k = 0; k < BROWSE_SORT_COUNT * 2 * 2 * ARRAY_SIZE(searches) * ARRAY_SIZE(objects); k++) {
		unsigned q = k / 16 % ARRAY_SIZE(searches), o = k / 16 / ARRAY_SIZE(searches);
		struct browse_filter flt = { .snapshot = snap, .severity = -1, .sort = (enum browse_sort)(k % 4) };
		flt.status = k / 4 % 2 ? -2 : -1;
		flt.rule = k / 8 % 2 ? "shared" : NULL;
		flt.search = searches[q];
		flt.object = objects[o];
		flt.cluster = clusters[o];
		same_pages(&r, &flt, ev, nev);
	}
	evaluation_list_free(ev, nev);
	web_cache_free(r.cache);
	store_close(st);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("paging");
	TCase *tc = tcase_create("violations");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_pages_match_one_statement);
	tcase_add_test(tc, test_object_filters_and_search_match_one_statement);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run(suite()) ? 1 : 0;
}
