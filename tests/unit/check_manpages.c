/* The manual pages against the program's own tables: every command and
 * sub-command is described in harden(1)'s COMMANDS, every long option is
 * documented, no page documents an option that does not exist, and
 * harden-properties(7) names each object type the vocabulary has, with the
 * right count. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "lib/testutil.h"
#include "util/util.h"
#include "vocab.h"

/* The options every command takes (cmd.c's global_opts) and --version. */
static const char *const global_options[] = { "db", "config", "quiet", "color", "help", "version", NULL };

static const char *const pages[] = { "man/harden.1", "man/harden-baseline.5", "man/harden-properties.7" };

static char *page(const char *path)
{
	size_t len;
	char *text = file_read(path, &len);
	ck_assert_msg(text != NULL, "cannot read %s", path);
	return text;
}

/* The text between a line starting ".Sh NAME" and the next ".Sh". */
static char *section(const char *text, const char *name)
{
	char *head = xasprintf("\n.Sh %s\n", name);
	const char *b = strstr(text, head);
	ck_assert_msg(b != NULL, "no section %s", name);
	b += strlen(head);
	const char *e = strstr(b, "\n.Sh ");
	free(head);
	return xstrndup(b, e ? (size_t)(e - b) : strlen(b));
}

static void each_command(const struct cmd *c, const char *prefix, struct strlist *paths, struct strlist *options)
{
	char *path = prefix ? xasprintf("%s %s", prefix, c->name) : xstrdup(c->name);
	if (c->subs) {
		for (const struct cmd *const *s = c->subs; *s; s++)
			each_command(*s, path, paths, options);
	} else {
		strlist_add(paths, path);
	}
	for (int k = 0; k < CMD_MAX_OPTSETS; k++)
		for (const struct cmd_opt *o = c->optsets[k].opts; o && o->name; o++)
			if (!strlist_has(options, o->name))
				strlist_add(options, o->name);
	free(path);
}

static void command_table(struct strlist *paths, struct strlist *options)
{
	for (const struct cmd *const *c = cmd_table(); *c; c++)
		each_command(*c, NULL, paths, options);
	for (const char *const *g = global_options; *g; g++)
		if (!strlist_has(options, *g))
			strlist_add(options, *g);
}

/* Whether text holds ".Cm path" (or "Cm path" after another macro) with
 * path ending at a word boundary. */
static bool names_command(const char *text, const char *path)
{
	char *want = xasprintf("Cm %s", path);
	bool found = false;
	for (const char *p = strstr(text, want); p && !found; p = strstr(p + 1, want)) {
		char after = p[strlen(want)];
		found = (p == text || p[-1] == '.' || p[-1] == ' ') && (after == '\n' || after == ' ');
	}
	free(want);
	return found;
}

START_TEST(test_every_command_is_described)
{
	struct strlist paths = { 0 }, options = { 0 };
	command_table(&paths, &options);
	char *text = page("man/harden.1");
	char *commands = section(text, "COMMANDS"), *synopsis = section(text, "SYNOPSIS");
	struct buf missing = BUF_INIT;
	for (size_t i = 0; i < paths.n; i++) {
		if (!names_command(commands, paths.v[i]))
			buf_printf(&missing, " '%s' (COMMANDS)", paths.v[i]);
		if (!names_command(synopsis, paths.v[i]))
			buf_printf(&missing, " '%s' (SYNOPSIS)", paths.v[i]);
	}
	ck_assert_msg(!missing.len, "harden(1) does not describe:%s", missing.data);
	free(commands);
	free(synopsis);
	free(text);
	strlist_release(&paths);
	strlist_release(&options);
}
END_TEST

START_TEST(test_every_option_is_documented)
{
	struct strlist paths = { 0 }, options = { 0 };
	command_table(&paths, &options);
	char *text = page("man/harden.1");
	/* Outside the generated SYNOPSIS: in prose, where a person reads it. */
	char *body = xstrdup(strstr(text, "\n.Sh DESCRIPTION\n"));
	struct buf missing = BUF_INIT;
	for (size_t i = 0; i < options.n; i++) {
		char *want = xasprintf("Fl -%s", options.v[i]);
		bool found = false;
		for (const char *p = strstr(body, want); p && !found; p = strstr(p + 1, want)) {
			char after = p[strlen(want)];
			found = after == '\n' || after == ' ';
		}
		if (!found)
			buf_printf(&missing, " --%s", options.v[i]);
		free(want);
	}
	ck_assert_msg(!missing.len, "harden(1) never documents, outside its SYNOPSIS:%s", missing.data);
	free(body);
	free(text);
	strlist_release(&paths);
	strlist_release(&options);
}
END_TEST

/* Every "Fl -name" of every page is an option harden has. */
START_TEST(test_no_page_documents_a_missing_option)
{
	struct strlist paths = { 0 }, options = { 0 };
	command_table(&paths, &options);
	int seen = 0;
	for (size_t i = 0; i < sizeof(pages) / sizeof(pages[0]); i++) {
		char *text = page(pages[i]);
		for (const char *p = strstr(text, "Fl -"); p; p = strstr(p + 1, "Fl -")) {
			const char *n = p + 4, *e = n;
			while ((*e >= 'a' && *e <= 'z') || (*e >= '0' && *e <= '9') || *e == '-')
				e++;
			if (e == n)
				continue;	/* "Fl -" alone: a dash */
			char *name = xstrndup(n, (size_t)(e - n));
			ck_assert_msg(strlist_has(&options, name), "%s documents --%s, which no command has", pages[i],
				      name);
			free(name);
			seen++;
		}
		free(text);
	}
	ck_assert_int_gt(seen, 100);
	strlist_release(&paths);
	strlist_release(&options);
}
END_TEST

static const char *const numbers[] = { "zero", "one", "two", "three", "four", "five", "six", "seven", "eight",
				       "nine", "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen" };

START_TEST(test_properties_page_lists_every_object_type)
{
	unsigned n;
	const struct vocab_entry *v = vocab_all(&n);
	struct strlist types = { 0 };
	for (unsigned i = 0; i < n; i++)
		if (!strlist_has(&types, v[i].otype))
			strlist_add(&types, v[i].otype);
	ck_assert_uint_lt(types.n, sizeof(numbers) / sizeof(numbers[0]));
	char *text = page("man/harden-properties.7");
	char *claim = xasprintf("There are %s object types", numbers[types.n]);
	const char *list = strstr(text, claim);
	ck_assert_msg(list != NULL, "harden-properties(7) does not say '%s'", claim);
	list = strstr(list, "\n.Bl ");
	ck_assert_ptr_nonnull(list);
	char *items = xstrndup(list, (size_t)(strstr(list, "\n.El\n") - list));
	unsigned listed = 0;
	for (const char *p = strstr(items, "\n.It Cm "); p; p = strstr(p + 1, "\n.It Cm "))
		listed++;
	ck_assert_msg(listed == types.n, "the list has %u types, the vocabulary %zu", listed, types.n);
	for (size_t i = 0; i < types.n; i++) {
		char *it = xasprintf("\n.It Cm %s\n", types.v[i]);
		ck_assert_msg(strstr(items, it) != NULL, "object type %s is not listed", types.v[i]);
		free(it);
		/* And its properties are in a generated block. */
		bool block = false;
		for (const char *p = strstr(text, "BEGIN GENERATED properties "); p && !block;
		     p = strstr(p + 1, "BEGIN GENERATED properties ")) {
			const char *a = p + strlen("BEGIN GENERATED properties ");
			char *line = xstrndup(a, strcspn(a, "\n")), *list_ = xasprintf(",%s,", line), *t =
				xasprintf(",%s,", types.v[i]);
			block = strstr(list_, t) != NULL;
			free(line);
			free(list_);
			free(t);
		}
		ck_assert_msg(block, "no generated property list for %s", types.v[i]);
	}
	free(items);
	free(claim);
	free(text);
	strlist_release(&types);
}
END_TEST

/* Nested quote macros inside .Pq render as ("a, "b""). */
START_TEST(test_no_nested_quotes_in_parentheses)
{
	for (size_t i = 0; i < sizeof(pages) / sizeof(pages[0]); i++) {
		char *text = page(pages[i]);
		for (const char *p = strstr(text, "\n.Pq "); p; p = strstr(p + 1, "\n.Pq ")) {
			const char *eol = strchr(p + 1, '\n');
			char *line = xstrndup(p + 1, eol ? (size_t)(eol - p - 1) : strlen(p + 1));
			int quotes = 0;
			for (const char *q = strstr(line, "Qq "); q; q = strstr(q + 1, "Qq "))
				quotes++;
			ck_assert_msg(quotes <= 1, "%s: %s renders with broken quotes", pages[i], line);
			free(line);
		}
		free(text);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("manpages");
	TCase *tc = tcase_create("truth");
	tcase_add_test(tc, test_every_command_is_described);
	tcase_add_test(tc, test_every_option_is_documented);
	tcase_add_test(tc, test_no_page_documents_a_missing_option);
	tcase_add_test(tc, test_properties_page_lists_every_object_type);
	tcase_add_test(tc, test_no_nested_quotes_in_parentheses);
	suite_add_tcase(s, tc);
	return tu_run(s) ? 1 : 0;
}
