/* mangen: the parts of the manual pages that the program itself defines,
 * printed from the same tables --help and the rule loader use, so that the
 * two cannot disagree (in the spirit of curl's managen and git's t0450).
 *
 *   mangen check FILE...    exit 1 when a generated block differs
 *   mangen update FILE...   rewrite the generated blocks in place
 *
 * A generated block lies between the lines
 *   .\" BEGIN GENERATED name [argument]
 *   .\" END GENERATED
 * (in Markdown: <!-- BEGIN GENERATED name --> and <!-- END GENERATED -->)
 * where name is synopsis, exit-status, exit-table or properties (argument:
 * the object types, comma-separated). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "vocab.h"

#define BEGIN_MARK ".\\\" BEGIN GENERATED "
#define END_MARK ".\\\" END GENERATED"
/* The same in Markdown (README.md). */
#define MD_BEGIN_MARK "<!-- BEGIN GENERATED "
#define MD_END_MARK "<!-- END GENERATED -->"

/* Text as mdoc wants it: a backslash doubled, a line never starting with
 * a period or an apostrophe. */
static void put_text(struct buf *b, const char *s)
{
	if (*s == '.' || *s == '\'')
		buf_puts(b, "\\&");
	for (; *s; s++) {
		if (*s == '\\')
			buf_puts(b, "\\e");
		else
			buf_putc(b, *s);
	}
}

/* Prose, one sentence a line, as mdoc sources are written. */
static void put_prose(struct buf *b, const char *s)
{
	while (*s) {
		const char *end = strstr(s, ". ");
		size_t n = end ? (size_t)(end - s) + 1 : strlen(s);
		char *line = xstrndup(s, n);
		put_text(b, line);
		buf_putc(b, '\n');
		free(line);
		s += n;
		while (*s == ' ')
			s++;
	}
}

static void opt_mdoc(struct buf *b, const struct cmd_opt *o)
{
	buf_printf(b, "Fl -%s", o->name);
	if (o->arg)
		buf_printf(b, " Ar %s", o->arg);
	if (o->kind == OPT_LIST || (o->flags & OPTF_REPEAT))
		buf_puts(b, " ...");
}

static void args_mdoc(struct buf *b, const char *args)
{
	char *copy = xstrdup(args), *save = NULL;
	for (char *w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
		size_t n = strlen(w);
		if (n > 3 && !strcmp(w + n - 3, "..."))
			buf_printf(b, ".Ar %.*s ...\n", (int)(n - 3), w);
		else
			buf_printf(b, ".Ar %s\n", w);
	}
	free(copy);
}

static void synopsis_cmd(struct buf *b, const struct cmd *c, const char *path)
{
	if (c->subs) {
		for (const struct cmd *const *s = c->subs; *s; s++) {
			char *p = xasprintf("%s %s", path, (*s)->name);
			synopsis_cmd(b, *s, p);
			free(p);
		}
		return;
	}
	buf_printf(b, ".Nm harden\n.Cm %s\n", path);
	for (int pass = 0; pass < 2; pass++) {
		for (int k = 0; k < CMD_MAX_OPTSETS; k++) {
			for (const struct cmd_opt *o = c->optsets[k].opts; o && o->name; o++) {
				bool req = o->flags & OPTF_REQUIRED;
				if (req != (pass == 0))
					continue;
				buf_puts(b, req ? "." : ".Op ");
				opt_mdoc(b, o);
				while ((o->flags & OPTF_IMPLIES_NEXT) && o[1].name) {
					buf_putc(b, ' ');
					opt_mdoc(b, ++o);
				}
				buf_putc(b, '\n');
			}
		}
	}
	if (c->args)
		args_mdoc(b, c->args);
}

static void gen_synopsis(struct buf *b)
{
	buf_puts(b, ".Nm harden\n.Op Fl q\n.Op Fl -db Ar FILE\n.Op Fl -config Ar FILE\n.Ar command\n"
		    ".Op Ar options\n");
	for (const struct cmd *const *c = cmd_table(); *c; c++)
		synopsis_cmd(b, *c, (*c)->name);
	buf_puts(b, ".Nm harden\n.Fl -version\n.Nm harden\n.Fl -help\n");
}

/* The commands (and sub-commands) that can return code. */
static void returned_by(struct buf *b, const struct cmd *c, const char *path, int code, int *n)
{
	if (c->subs) {
		for (const struct cmd *const *s = c->subs; *s; s++) {
			char *p = xasprintf("%s %s", path, (*s)->name);
			returned_by(b, *s, p, code, n);
			free(p);
		}
		return;
	}
	bool returns = code == EXIT_SIGINT || code == EXIT_SIGTERM ? (c->setup & CMD_INTERRUPTIBLE) != 0
								    : (c->exits & (1u << code)) != 0;
	if (returns)
		buf_printf(b, "%s%s", (*n)++ ? ", " : "", path);
}

/* The codes of the exit table, then those of a command stopped by a signal. */
static int next_exit_code(int code)
{
	if (code == EXIT_SIGINT)
		return EXIT_SIGTERM;
	if (code == EXIT_SIGTERM)
		return -1;
	return cmd_exit_text(NULL, code + 1) ? code + 1 : EXIT_SIGINT;
}

static void gen_exit_status(struct buf *b)
{
	buf_puts(b, ".Bl -tag -width Ds\n");
	for (int code = 0; code >= 0; code = next_exit_code(code)) {
		buf_printf(b, ".It %d\n", code);
		char *t = xstrdup(cmd_exit_text(NULL, code));
		t[0] = (char)(t[0] >= 'a' && t[0] <= 'z' ? t[0] - 'a' + 'A' : t[0]);
		put_prose(b, t);
		free(t);
		struct buf by = BUF_INIT;
		int n = 0;
		for (const struct cmd *const *c = cmd_table(); *c; c++)
			returned_by(&by, *c, (*c)->name, code, &n);
		buf_printf(b, "Returned by: %s.\n", by.data ? by.data : "none");
		buf_release(&by);
	}
	buf_puts(b, ".El\n");
}

/* A property name with its key shown as an argument: service. Ns Ar key ... */
static void prop_name(struct buf *b, const char *name)
{
	const char *star = strchr(name, '*');
	if (!star) {
		buf_printf(b, "Li %s", name);
		return;
	}
	buf_printf(b, "Li %.*s Ns Ar key", (int)(star - name), name);
	if (star[1])
		buf_printf(b, " Ns Li %s", star + 1);
}

static void gen_properties(struct buf *b, const char *types)
{
	unsigned n;
	const struct vocab_entry *v = vocab_all(&n);
	bool several = strchr(types, ',') != NULL;
	buf_puts(b, ".Bl -tag -width Ds\n");
	for (unsigned i = 0; i < n; i++) {
		char *pat = xasprintf(",%s,", v[i].otype), *list = xasprintf(",%s,", types);
		bool want = strstr(list, pat) != NULL;
		free(pat);
		free(list);
		if (!want)
			continue;
		buf_puts(b, ".It ");
		if (several)
			buf_printf(b, "Cm %s ", v[i].otype);
		prop_name(b, v[i].name);
		buf_printf(b, " Pq Vt %s\n", ptype_name(v[i].type));
		buf_printf(b, ".Li \"%s\" .\n", v[i].path);
		put_prose(b, v[i].desc);
	}
	buf_puts(b, ".El\n");
}

/* The exit status table of README.md. */
static void gen_exit_table(struct buf *b)
{
	buf_puts(b, "| code | meaning |\n|-----:|---------|\n");
	for (int code = 0; code >= 0; code = next_exit_code(code))
		buf_printf(b, "| %d | %s |\n", code, cmd_exit_text(NULL, code));
}

static int generate(struct buf *b, const char *spec)
{
	char name[64] = "", arg[256] = "";
	if (sscanf(spec, "%63s %255s", name, arg) < 1)
		return -1;
	if (!strcmp(name, "synopsis"))
		gen_synopsis(b);
	else if (!strcmp(name, "exit-status"))
		gen_exit_status(b);
	else if (!strcmp(name, "exit-table"))
		gen_exit_table(b);
	else if (!strcmp(name, "properties") && *arg)
		gen_properties(b, arg);
	else
		return -1;
	return 0;
}

/* Rebuilds file's text with every generated block regenerated. */
static int rebuild(const char *path, const char *text, struct buf *out)
{
	const char *p = text;
	while (*p) {
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) + 1 : strlen(p);
		buf_add(out, p, len);
		bool md = !strncmp(p, MD_BEGIN_MARK, strlen(MD_BEGIN_MARK));
		if (md || !strncmp(p, BEGIN_MARK, strlen(BEGIN_MARK))) {
			size_t skip = strlen(md ? MD_BEGIN_MARK : BEGIN_MARK), tail = (eol ? 1 : 0) + (md ? 4 : 0);
			char *spec = xstrndup(p + skip, len - skip - tail);
			const char *end = strstr(p + len, md ? MD_END_MARK : END_MARK);
			if (!end || generate(out, spec) < 0) {
				fprintf(stderr, "mangen: %s: bad generated block '%s'\n", path, spec);
				free(spec);
				return -1;
			}
			free(spec);
			p = end;
			continue;
		}
		p += len;
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 3 || (strcmp(argv[1], "check") && strcmp(argv[1], "update"))) {
		fprintf(stderr, "usage: mangen check|update FILE...\n");
		return 2;
	}
	bool update = !strcmp(argv[1], "update");
	int rc = 0;
	for (int i = 2; i < argc; i++) {
		size_t len;
		char *text = file_read(argv[i], &len);
		struct buf out = BUF_INIT;
		if (!text || rebuild(argv[i], text, &out) < 0) {
			if (!text)
				fprintf(stderr, "mangen: %s\n", err_get());
			rc = 2;
		} else if (strcmp(text, out.data)) {
			if (update) {
				FILE *f = fopen(argv[i], "w");
				if (!f || fputs(out.data, f) < 0 || fclose(f) != 0) {
					fprintf(stderr, "mangen: cannot write '%s'\n", argv[i]);
					rc = 2;
				} else {
					printf("mangen: updated %s\n", argv[i]);
				}
			} else {
				fprintf(stderr, "mangen: %s: generated blocks are out of date; run 'make man'\n", argv[i]);
				rc = 1;
			}
		}
		free(text);
		buf_release(&out);
	}
	return rc;
}
