/* The search of harden web's /violations (browse_filter.search): its words,
 * and the form the browsing statements read them in.
 *
 * The query is split on white space into words; a word that begins with a
 * double quote is a phrase, running to the next double quote (or to the
 * end of the query when there is none), spaces included.  A double quote
 * inside a word is an ordinary character.  Empty words are dropped, and
 * so are repeats (letters compared without case).  A result matches when
 * each word occurs, without regard to ASCII case, in one of its texts:
 * rule id, rule title, object name, moref, property, observed value. */
#include <stdlib.h>
#include <string.h>

#include "store/store_int.h"
#include "util/util.h"

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* ASCII only, as strcasestr() in harden_unmatched folds (harden never
 * sets a locale). */
static char *ascii_lower(const char *s, size_t n)
{
	char *w = xmalloc(n + 1);
	for (size_t i = 0; i < n; i++)
		w[i] = s[i] >= 'A' && s[i] <= 'Z' ? (char)(s[i] - 'A' + 'a') : s[i];
	w[n] = 0;
	return w;
}

/* The next word of *q (start and length; *q moves past it): 0, or 1 at
 * the end of the query. */
static int next_word(const char **q, const char **start, size_t *len)
{
	const char *s = *q;
	while (is_space(*s))
		s++;
	if (!*s)
		return 1;
	if (*s == '"') {
		const char *end = strchr(s + 1, '"');
		*start = s + 1;
		*len = end ? (size_t)(end - s - 1) : strlen(s + 1);
		*q = end ? end + 1 : s + 1 + *len;
		return 0;
	}
	const char *e = s;
	while (*e && !is_space(*e))
		e++;
	*start = s;
	*len = (size_t)(e - s);
	*q = e;
	return 0;
}

int store_search_words(const char *q, struct strlist *words)
{
	const char *s, *p = q ? q : "";
	size_t n;
	while (next_word(&p, &s, &n) == 0) {
		char *w = ascii_lower(s, n);
		if (!*w || strlist_has(words, w)) {
			free(w);
			continue;
		}
		if (words->n == STORE_SEARCH_WORDS_MAX) {
			free(w);
			err_set("the search has more than %d words", STORE_SEARCH_WORDS_MAX);
			return HERR_INPUT;
		}
		strlist_add_owned(words, w);
	}
	return 0;
}

/* harden_unmatched(q, text, ...): the words of the search q that occur in
 * none of the texts (NULL texts hold none), as a bit mask (word i is bit
 * i); 0 when q is NULL.  A row matches when the words its result's texts
 * miss and those its object's miss have no bit in common.  q's words are
 * kept with the statement while q stays bound. */
static void words_free(void *p)
{
	strlist_release(p);
	free(p);
}

static void sql_unmatched(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {
		sqlite3_result_int64(ctx, 0);
		return;
	}
	struct strlist *w = sqlite3_get_auxdata(ctx, 0), *made = NULL;
	if (!w) {
		w = made = xcalloc(1, sizeof(*made));
		if (store_search_words((const char *)sqlite3_value_text(argv[0]), made) < 0) {
			sqlite3_result_error(ctx, err_get(), -1);
			words_free(made);
			return;
		}
	}
	sqlite3_int64 missing = 0;
	for (size_t i = 0; i < w->n; i++) {
		int a = 1;
		while (a < argc && !(sqlite3_value_type(argv[a]) != SQLITE_NULL &&
				     strcasestr((const char *)sqlite3_value_text(argv[a]), w->v[i])))
			a++;
		if (a == argc)
			missing |= (sqlite3_int64)1 << i;
	}
	sqlite3_result_int64(ctx, missing);
	/* Last: SQLite may free what it is given at once. */
	if (made)
		sqlite3_set_auxdata(ctx, 0, made, words_free);
}

int store_search_register(sqlite3 *db)
{
	return sqlite3_create_function(db, "harden_unmatched", -1, SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL,
				       sql_unmatched, NULL, NULL);
}
