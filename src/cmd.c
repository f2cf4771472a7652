/* The command table and everything commands share: option parsing from
 * each descriptor's spec, --help and usage from the same spec, the setup a
 * command asks for, and the mapping of errors to exit codes. */
#include "cmd.h"

#include <curl/curl.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <libxml/parser.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "config/targets.h"
#include "rules/rules.h"
#include "store/store.h"
#include "util/interrupt.h"

static const struct cmd *const commands[] = {
	&cmd_scan, &cmd_evaluate, &cmd_report, &cmd_drift, &cmd_history, &cmd_inventory, &cmd_snapshots,
	&cmd_targets, &cmd_prune, &cmd_baseline, &cmd_waiver, &cmd_advise, &cmd_apply, &cmd_remediation, &cmd_mcp, &cmd_web,
	&cmd_doctor, &cmd_help, &cmd_version, NULL,
};

const struct cmd *const *cmd_table(void)
{
	return commands;
}

/* Exit codes: defined in exitcode.h, explained here once for --help, the
 * manual (man/mangen.c prints its EXIT STATUS from this) and the tests. */
static const char *const exit_texts[] = {
	[EXIT_CLEAN] = "clean: no failing or unknown result at or above --fail-on",
	[EXIT_FINDINGS] = "failing findings at or above --fail-on (default critical)",
	[EXIT_USAGE] = "usage, targets file or baseline error (nothing was collected)",
	[EXIT_UNKNOWN] = "no failure, but unknown results (data not collected) at or above --fail-on",
	[EXIT_COLLECT] = "collection failed (unreachable, TLS, timeout, protocol; or the NSX part), or a failed snapshot",
	[EXIT_AUTH] = "authentication failed (vCenter or NSX)",
	[EXIT_STORE] = "twin database error (cannot open, disk full) or a report file not written",
	[EXIT_BUSY] = "another scan holds the twin database, or another harden is writing it",
	[EXIT_STALE] = "the violation is not failing in the target's latest completed snapshot, or that snapshot is "
		       "too old: re-run harden scan",
	[EXIT_NOT_APPROVED] = "the change needs human approval and did not get it (no terminal and no --yes, or "
			      "not approved at the prompt)",
	[EXIT_PILOT_MISSING] = "vmware-pilot is not installed or does not start (see the pilot: block and "
			       "HARDEN_PILOT_COMMAND)",
	[EXIT_PILOT_REFUSED] = "vmware-pilot refused the workflow (its approval gates); nothing was submitted",
	[EXIT_PILOT_FAILED] = "vmware-pilot failed, or the workflow failed or was rolled back",
	[EXIT_NO_SCAN] = "no scan yet: no twin database, or no completed snapshot of the target (run harden scan "
			 "first); nothing is created",
};

const char *cmd_exit_text(const struct cmd *c, int code)
{
	if (code == EXIT_SIGINT)
		return "interrupted by SIGINT (Ctrl-C): the running snapshot is marked failed (interrupted), the "
		       "sessions are logged out; a second signal exits at once";
	if (code == EXIT_SIGTERM)
		return "stopped by SIGTERM: the running snapshot is marked failed (interrupted), the sessions are "
		       "logged out; a second signal exits at once";
	if (code < 0 || (size_t)code >= ARRAY_SIZE(exit_texts))
		return NULL;
	if (c && (size_t)code < ARRAY_SIZE(c->exit_texts) && c->exit_texts[code])
		return c->exit_texts[code];
	return exit_texts[code];
}

int cmd_exit_for(enum herr e)
{
	switch (e) {
	case HERR_OK: return EXIT_CLEAN;
	case HERR_INPUT: return EXIT_USAGE;
	case HERR_COLLECT:
	case HERR_FAULT: return EXIT_COLLECT;
	case HERR_AUTH: return EXIT_AUTH;
	case HERR_STORE:
	case HERR_FULL:
	case HERR_OUTPUT: return EXIT_STORE;
	case HERR_BUSY: return EXIT_BUSY;
	}
	return EXIT_STORE;
}

/* Options every command takes, before or after its name. */
struct global_opts {
	const char *db, *config;
	bool quiet, help;
	int color;
};
static const char *const color_words[] = { "auto", "always", "never", NULL };
#define G(f) offsetof(struct global_opts, f)
static const struct cmd_opt global_opts[] = {
	{ .name = "db", .arg = "FILE", .kind = OPT_STR, .off = G(db),
	  .help = "the twin database (default $HARDEN_DB, else $XDG_DATA_HOME/harden/twin.db)" },
	{ .name = "config", .arg = "FILE", .kind = OPT_STR, .off = G(config),
	  .help = "the targets file (default $HARDEN_CONFIG, else $XDG_CONFIG_HOME/harden/targets.yaml)" },
	{ .name = "quiet", .sname = 'q', .kind = OPT_FLAG, .off = G(quiet),
	  .help = "no progress, report or information lines; warnings and errors still print" },
	{ .name = "color", .arg = "WHEN", .kind = OPT_CHOICE, .off = G(color), .choices = color_words,
	  .help = "colour the table on standard output (default auto: on a terminal, unless NO_COLOR is set)" },
	{ .name = "help", .sname = 'h', .kind = OPT_FLAG, .off = G(help), .help = "show this help" },
	{ 0 },
};
#undef G

const struct cmd_opt *cmd_global_opts(void)
{
	return global_opts;
}

/* One option with where its value goes: the command's options or the
 * global ones. */
struct bound_opt {
	const struct cmd_opt *o;
	char *dst;
};

struct optv {
	struct bound_opt *v;
	size_t n;
};

static void optv_add_set(struct optv *ov, const struct cmd_opt *set, char *base)
{
	for (const struct cmd_opt *o = set; o && o->name; o++) {
		ov->v = xrealloc(ov->v, (ov->n + 1) * sizeof(*ov->v));
		ov->v[ov->n++] = (struct bound_opt){ o, base ? base + o->off : NULL };
	}
}

static void optv_build(struct optv *ov, const struct cmd *c, void *opts, struct global_opts *g)
{
	ov->v = NULL;
	ov->n = 0;
	for (int i = 0; i < CMD_MAX_OPTSETS; i++)
		if (c->optsets[i].opts)
			optv_add_set(ov, c->optsets[i].opts, opts ? (char *)opts + c->optsets[i].base : NULL);
	optv_add_set(ov, global_opts, (char *)g);
}

/* ---- help and usage ---- */

#define HELP_WIDTH 80
#define HELP_COL 24

/* Writes text wrapped at HELP_WIDTH, continuation lines indented by indent;
 * col is the column the cursor is at. */
static void put_wrapped(FILE *f, const char *text, int col, int indent)
{
	const char *p = text;
	while (*p) {
		while (*p == ' ')
			p++;
		size_t w = strcspn(p, " ");
		if (col > indent && col + 1 + (int)w > HELP_WIDTH) {
			fprintf(f, "\n%*s", indent, "");
			col = indent;
		} else if (col > indent) {
			fputc(' ', f);
			col++;
		}
		fwrite(p, 1, w, f);
		col += (int)w;
		p += w;
	}
	fputc('\n', f);
}

static void opt_synopsis(struct buf *b, const struct cmd_opt *o)
{
	buf_printf(b, "--%s", o->name);
	if (o->arg)
		buf_printf(b, " %s", o->arg);
	if (o->kind == OPT_LIST || (o->flags & OPTF_REPEAT))
		buf_puts(b, "...");
}

/* The items of a command's usage after "harden NAME": required options,
 * optional ones in brackets, then the positional arguments.  Usage lines
 * wrap between items, never inside one. */
void cmd_usage_items(const struct cmd *c, struct strlist *out)
{
	struct optv ov;
	optv_build(&ov, c, NULL, NULL);
	size_t own = ov.n - (ARRAY_SIZE(global_opts) - 1);
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < own; i++) {
			const struct cmd_opt *o = ov.v[i].o;
			bool req = o->flags & OPTF_REQUIRED;
			if (req != (pass == 0))
				continue;
			struct buf b = BUF_INIT;
			if (!req)
				buf_putc(&b, '[');
			opt_synopsis(&b, o);
			while (ov.v[i].o->flags & OPTF_IMPLIES_NEXT && i + 1 < own) {
				buf_putc(&b, ' ');
				opt_synopsis(&b, ov.v[++i].o);
			}
			if (!req)
				buf_putc(&b, ']');
			strlist_add_owned(out, buf_detach(&b));
		}
	}
	if (c->subs)
		strlist_add(out, "COMMAND");
	else if (c->args)
		strlist_add(out, c->args);
	free(ov.v);
}

void cmd_print_usage(FILE *f, const struct cmd *c, const char *path)
{
	if (c->subs) {
		for (const struct cmd *const *s = c->subs; *s; s++) {
			char *p = xasprintf("%s %s", path, (*s)->name);
			cmd_print_usage(f, *s, p);
			free(p);
		}
		return;
	}
	struct strlist items = { 0 };
	cmd_usage_items(c, &items);
	int col = fprintf(f, "usage: harden %s", path);
	int indent = col + 1;
	for (size_t i = 0; i < items.n; i++) {
		int w = (int)strlen(items.v[i]);
		if (col >= indent && col + 1 + w > HELP_WIDTH) {
			fprintf(f, "\n%*s", indent, "");
			col = indent;
		} else {
			fputc(' ', f);
			col++;
		}
		fputs(items.v[i], f);
		col += w;
	}
	fputc('\n', f);
	strlist_release(&items);
}

static void print_opt_help(FILE *f, const struct cmd_opt *o)
{
	int col;
	if (o->sname)
		col = fprintf(f, "  -%c, --%s", o->sname, o->name);
	else
		col = fprintf(f, "      --%s", o->name);
	if (o->arg)
		col += fprintf(f, " %s", o->arg);
	if (col >= HELP_COL - 1) {
		fprintf(f, "\n%*s", HELP_COL, "");
	} else {
		fprintf(f, "%*s", HELP_COL - col, "");
	}
	struct buf h = BUF_INIT;
	buf_puts(&h, o->help);
	if (o->kind == OPT_CHOICE && o->choices) {
		buf_puts(&h, " (one of:");
		for (const char *const *ch = o->choices; *ch; ch++)
			buf_printf(&h, " %s", *ch);
		buf_putc(&h, ')');
	}
	if (o->flags & OPTF_REQUIRED)
		buf_puts(&h, " (required)");
	if (o->kind == OPT_LIST || (o->flags & OPTF_REPEAT))
		buf_puts(&h, " (repeatable)");
	put_wrapped(f, h.data, HELP_COL, HELP_COL);
	buf_release(&h);
}

void cmd_print_help(FILE *f, const struct cmd *c, const char *path)
{
	cmd_print_usage(f, c, path);
	fputc('\n', f);
	char *s = xasprintf("%s.", c->summary);
	put_wrapped(f, s, 0, 0);
	free(s);
	if (c->description) {
		fputc('\n', f);
		put_wrapped(f, c->description, 0, 0);
	}
	if (c->subs) {
		fputs("\nCommands:\n", f);
		for (const struct cmd *const *sc = c->subs; *sc; sc++) {
			int col = fprintf(f, "  %s", (*sc)->name);
			fprintf(f, "%*s", col < HELP_COL ? HELP_COL - col : 1, "");
			put_wrapped(f, (*sc)->summary, HELP_COL, HELP_COL);
		}
		fprintf(f, "\nRun 'harden %s COMMAND --help' for a command's options.\n", path);
	}
	struct optv ov;
	optv_build(&ov, c, NULL, NULL);
	size_t nglobal = ARRAY_SIZE(global_opts) - 1;
	if (ov.n > nglobal) {
		fputs("\nOptions:\n", f);
		for (size_t i = 0; i < ov.n - nglobal; i++)
			print_opt_help(f, ov.v[i].o);
	}
	fputs("\nGlobal options:\n", f);
	for (size_t i = ov.n - nglobal; i < ov.n; i++)
		print_opt_help(f, ov.v[i].o);
	free(ov.v);
	fputs("\nExit status:\n", f);
	for (int code = 0; code < 32; code++) {
		if (!(c->exits & (1u << code)))
			continue;
		int col = fprintf(f, "  %d  ", code);
		put_wrapped(f, cmd_exit_text(c, code), col, col);
	}
	static const int signal_exits[] = { EXIT_SIGINT, EXIT_SIGTERM };
	for (size_t i = 0; (c->setup & CMD_INTERRUPTIBLE) && i < ARRAY_SIZE(signal_exits); i++) {
		int col = fprintf(f, "  %d  ", signal_exits[i]);
		put_wrapped(f, cmd_exit_text(c, signal_exits[i]), col, col);
	}
}

/* ---- errors a person sees ---- */

static const char *cur_path = "";

int cmd_bad_usage(const struct cmd_ctx *ctx, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *m = xvasprintf(fmt, ap);
	va_end(ap);
	(void)ctx;
	fprintf(stderr, "harden: %s: %s\n", cur_path, m);
	fprintf(stderr, "harden: see 'harden %s --help'\n", cur_path);
	free(m);
	return EXIT_USAGE;
}

/* The edit distance of two short words, a swap of neighbours counting as
 * one edit (optimal string alignment), for "did you mean". */
static size_t distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 40 || lb > 40)
		return SIZE_MAX;
	size_t d[41][41];
	for (size_t i = 0; i <= la; i++)
		d[i][0] = i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = j;
	for (size_t i = 1; i <= la; i++) {
		for (size_t j = 1; j <= lb; j++) {
			size_t best = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
			if (d[i - 1][j] + 1 < best)
				best = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < best)
				best = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < best)
				best = d[i - 2][j - 2] + 1;
			d[i][j] = best;
		}
	}
	return d[la][lb];
}

const char *cmd_closest(const char *word, const char *const *names, size_t n)
{
	const char *best = NULL;
	size_t bd = SIZE_MAX;
	for (size_t i = 0; i < n; i++) {
		size_t d = distance(word, names[i]);
		if (d < bd) {
			bd = d;
			best = names[i];
		}
	}
	size_t limit = strlen(word) < 5 ? 1 : 2;
	return bd <= limit ? best : NULL;
}

static void suggest_option(const struct optv *ov, const char *arg)
{
	const char *word = arg;
	while (*word == '-')
		word++;
	size_t wl = strcspn(word, "=");
	char *w = xstrndup(word, wl);
	const char **names = xcalloc(ov->n + 1, sizeof(*names));
	for (size_t i = 0; i < ov->n; i++)
		names[i] = ov->v[i].o->name;
	const char *best = cmd_closest(w, names, ov->n);
	if (best)
		fprintf(stderr, "harden: did you mean '--%s'?\n", best);
	free(names);
	free(w);
}

/* ---- parsing ---- */

static int set_value(const struct bound_opt *b, const char *arg)
{
	const struct cmd_opt *o = b->o;
	long long v;
	switch (o->kind) {
	case OPT_FLAG:
		*(bool *)b->dst = true;
		return 0;
	case OPT_STR:
		*(const char **)b->dst = arg;
		return 0;
	case OPT_LIST:
		strlist_add((struct strlist *)b->dst, arg);
		return 0;
	case OPT_INT:
		if (!parse_int64(arg, &v) || v < o->min || v > o->max) {
			err_set("--%s takes a number from %lld to %lld, not '%s'", o->name, o->min, o->max, arg);
			return -1;
		}
		*(long long *)b->dst = v;
		return 0;
	case OPT_ID:
		if (!parse_int64(arg, &v) || v < 1) {
			err_set("--%s takes an id (a number, 1 or more), not '%s'", o->name, arg);
			return -1;
		}
		*(long long *)b->dst = v;
		return 0;
	case OPT_CHOICE:
		for (int i = 0; o->choices[i]; i++) {
			if (!strcasecmp(o->choices[i], arg)) {
				*(int *)b->dst = i;
				return 0;
			}
		}
		{
			struct buf m = BUF_INIT;
			for (int i = 0; o->choices[i]; i++)
				buf_printf(&m, "%s%s", i ? ", " : "", o->choices[i]);
			err_set("unknown value '%s' for --%s (%s)", arg, o->name, m.data);
			buf_release(&m);
		}
		return -1;
	case OPT_FN:
		return o->parse(arg, b->dst) < 0 ? -1 : 0;
	}
	return -1;
}

/* Parses argv with getopt_long from the bound options; positional
 * arguments are left in argc and argv.  Returns 0, or an exit code. */
static int parse_opts(const struct optv *ov, bool stop_at_word, int *argc, char ***argv)
{
	struct option *lo = xcalloc(ov->n + 1, sizeof(*lo));
	struct buf shorts = BUF_INIT;
	buf_puts(&shorts, stop_at_word ? "+:" : ":");
	for (size_t i = 0; i < ov->n; i++) {
		const struct cmd_opt *o = ov->v[i].o;
		lo[i] = (struct option){ o->name, o->arg ? required_argument : no_argument, NULL, (int)(0x1000 + i) };
		if (o->sname)
			buf_printf(&shorts, "%c%s", o->sname, o->arg ? ":" : "");
	}
	int rc = 0, opt, longidx;
	optind = 0;	/* glibc: 0 also resets its internal state */
	opterr = 0;
	while ((opt = getopt_long(*argc, *argv, shorts.data, lo, &longidx)) != -1) {
		const char *bad = (*argv)[optind - 1];
		if (opt == '?') {
			if (optopt && optopt < 0x1000)
				err_set("unknown option '-%c'", optopt);
			else
				err_set("unknown option '%s'", bad);
			rc = cmd_bad_usage(NULL, "%s", err_get());
			if (!optopt || optopt >= 0x1000)
				suggest_option(ov, bad);
			break;
		}
		if (opt == ':') {
			const char *name = optopt >= 0x1000 ? ov->v[optopt - 0x1000].o->name : NULL;
			if (name)
				rc = cmd_bad_usage(NULL, "option '--%s' needs an argument", name);
			else
				rc = cmd_bad_usage(NULL, "option '-%c' needs an argument", optopt);
			break;
		}
		size_t idx = ov->n;
		if (opt >= 0x1000) {
			idx = (size_t)(opt - 0x1000);
		} else {
			for (size_t i = 0; i < ov->n; i++)
				if (ov->v[i].o->sname == opt)
					idx = i;
		}
		if (idx >= ov->n || set_value(&ov->v[idx], optarg) < 0) {
			rc = cmd_bad_usage(NULL, "%s", err_get());
			break;
		}
	}
	*argc -= optind;
	*argv += optind;
	free(lo);
	buf_release(&shorts);
	return rc;
}

static int check_required(const struct optv *ov, const void *opts_base)
{
	struct buf m = BUF_INIT;
	int missing = 0;
	(void)opts_base;
	for (size_t i = 0; i < ov->n; i++) {
		const struct bound_opt *b = &ov->v[i];
		if (!(b->o->flags & OPTF_REQUIRED))
			continue;
		bool given;
		switch (b->o->kind) {
		case OPT_LIST: given = ((struct strlist *)b->dst)->n > 0; break;
		case OPT_STR: given = *(const char **)b->dst != NULL; break;
		default: given = true; break;
		}
		if (!given) {
			buf_printf(&m, "%s--%s", missing ? " and " : "", b->o->name);
			missing++;
		}
	}
	int rc = 0;
	if (missing)
		rc = cmd_bad_usage(NULL, "%s %s required", m.data, missing > 1 ? "are" : "is");
	buf_release(&m);
	return rc;
}

static void release_lists(const struct cmd *c, void *opts)
{
	for (int i = 0; i < CMD_MAX_OPTSETS; i++) {
		for (const struct cmd_opt *o = c->optsets[i].opts; o && o->name; o++)
			if (o->kind == OPT_LIST)
				strlist_release((struct strlist *)((char *)opts + c->optsets[i].base + o->off));
	}
}

/* ---- paths and setup ---- */

/* A file of harden's: the option's value, else the environment variable,
 * else under the XDG base directory (or its default under HOME).  NULL,
 * with the error set, when there is neither: never a relative path. */
static char *xdg_path(const char *given, const char *env, const char *xdg, const char *home_dir,
		      const char *name)
{
	if (given)
		return xstrdup(given);
	const char *e = getenv(env);
	if (e && *e)
		return xstrdup(e);
	const char *x = getenv(xdg), *home = getenv("HOME");
	if (x && *x)
		return xasprintf("%s/harden/%s", x, name);
	if (home && *home)
		return xasprintf("%s/%s/harden/%s", home, home_dir, name);
	err_set("no HOME and no %s: give the file with an option or set %s", xdg, env);
	return NULL;
}

char *cmd_db_path(const struct cmd_ctx *ctx)
{
	return xdg_path(ctx->db_path, "HARDEN_DB", "XDG_DATA_HOME", ".local/share", "twin.db");
}

#define ETC_TARGETS "/etc/harden/targets.yaml"

char *cmd_config_path(const struct cmd_ctx *ctx)
{
	char *p = xdg_path(ctx->config_path, "HARDEN_CONFIG", "XDG_CONFIG_HOME", ".config", "targets.yaml");
	/* The system-wide file, for cron and systemd, when the user has none. */
	if (!ctx->config_path && !getenv("HARDEN_CONFIG") && (!p || access(p, F_OK) < 0) &&
	    access(ETC_TARGETS, F_OK) == 0) {
		free(p);
		return xstrdup(ETC_TARGETS);
	}
	if (!p && access(ETC_TARGETS, F_OK) < 0)
		err_set("no HOME, no XDG_CONFIG_HOME and no " ETC_TARGETS ": give --config or set HARDEN_CONFIG");
	return p;
}

bool cmd_color(const struct cmd_ctx *ctx)
{
	if (ctx->color == CMD_COLOR_ALWAYS)
		return true;
	if (ctx->color == CMD_COLOR_NEVER)
		return false;
	const char *nc = getenv("NO_COLOR");
	return isatty(STDOUT_FILENO) && !(nc && *nc);
}

int cmd_parse_fail_on(const char *s, void *dst)
{
	if (!strcasecmp(s, "none")) {
		*(int *)dst = -1;
		return 0;
	}
	for (int sev = 0; sev < SEV_COUNT; sev++) {
		if (!strcasecmp(s, severity_name((enum severity)sev))) {
			*(int *)dst = sev;
			return 0;
		}
	}
	err_set("unknown severity '%s' for --fail-on (critical, high, medium, low, info or none)", s);
	return -1;
}

int cmd_open_twin(struct cmd_ctx *ctx, unsigned how)
{
	if (!ctx->db && !(ctx->db = cmd_db_path(ctx))) {
		log_error("%s", err_get());
		return EXIT_USAGE;
	}
	bool write = how & CMD_TWIN_WRITE;
	if ((!write || (how & CMD_TWIN_EXISTING)) && access(ctx->db, F_OK) < 0) {
		log_error("no scan yet; run harden scan first (no twin database at '%s')", ctx->db);
		return EXIT_NO_SCAN;
	}
	int r = store_open(&ctx->store, ctx->db, !write);
	if (r < 0) {
		log_error("%s", err_get());
		return cmd_exit_for(r == HERR_FULL || r == HERR_BUSY ? r : HERR_STORE);
	}
	return 0;
}

static int setup(struct cmd_ctx *ctx, const struct cmd *c)
{
	int rc;
	if ((c->setup & (CMD_TWIN_READ | CMD_TWIN_WRITE)) && (rc = cmd_open_twin(ctx, c->setup)) != 0)
		return rc;
	if (c->setup & CMD_TARGETS) {
		char *cfg = cmd_config_path(ctx);
		ctx->targets = xcalloc(1, sizeof(*ctx->targets));
		int r = cfg ? targets_load(ctx->targets, cfg) : -1;
		free(cfg);
		if (r < 0) {
			log_error("%s", err_get());
			return EXIT_USAGE;
		}
	}
	if (c->setup & CMD_NETWORK) {
		curl_global_init(CURL_GLOBAL_DEFAULT);
		xmlInitParser();
	}
	if (c->setup & CMD_INTERRUPTIBLE)
		interrupt_install();
	return 0;
}

static void teardown(struct cmd_ctx *ctx, const struct cmd *c)
{
	if (c->setup & CMD_INTERRUPTIBLE)
		interrupt_restore();
	if (c->setup & CMD_NETWORK) {
		xmlCleanupParser();
		curl_global_cleanup();
	}
	if (ctx->targets) {
		targets_release(ctx->targets);
		free(ctx->targets);
		ctx->targets = NULL;
	}
	store_close(ctx->store);
	ctx->store = NULL;
	free(ctx->db);
	ctx->db = NULL;
}

static const struct cmd *find_cmd(const struct cmd *const *tab, const char *name)
{
	for (; *tab; tab++)
		if (!strcmp((*tab)->name, name))
			return *tab;
	return NULL;
}

static void unknown_command(const struct cmd *const *tab, const char *name, const char *where)
{
	size_t n = 0;
	while (tab[n])
		n++;
	const char **names = xcalloc(n + 1, sizeof(*names));
	for (size_t i = 0; i < n; i++)
		names[i] = tab[i]->name;
	if (where)
		fprintf(stderr, "harden: unknown command '%s' for %s (see 'harden %s --help')\n", name, where, where);
	else
		fprintf(stderr, "harden: unknown command '%s' (see 'harden --help')\n", name);
	const char *best = cmd_closest(name, names, n);
	if (best)
		fprintf(stderr, "harden: did you mean '%s'?\n", best);
	free(names);
}

static void apply_globals(struct cmd_ctx *ctx, const struct global_opts *g)
{
	if (g->db)
		ctx->db_path = g->db;
	if (g->config)
		ctx->config_path = g->config;
	if (g->quiet) {
		ctx->quiet = true;
		log_quiet = 1;
	}
	if (g->color)
		ctx->color = g->color;
}

/* Runs command c (path: its words after "harden") with argv[0] its name. */
static int run_cmd(struct cmd_ctx *ctx, const struct cmd *c, const char *path, int argc, char **argv)
{
	void *opts = xcalloc(1, c->opts_size ? c->opts_size : 1);
	if (c->defaults)
		memcpy(opts, c->defaults, c->opts_size);
	struct global_opts g = { 0 };
	struct optv ov;
	optv_build(&ov, c, opts, &g);
	const char *saved_path = cur_path;
	cur_path = path;
	int rc = parse_opts(&ov, c->subs != NULL, &argc, &argv);
	apply_globals(ctx, &g);
	if (rc == 0 && g.help) {
		cmd_print_help(stdout, c, path);
		goto out;
	}
	if (rc == 0 && c->subs) {
		if (argc < 1) {
			rc = cmd_bad_usage(ctx, "missing command");
			cmd_print_usage(stderr, c, path);
			goto out;
		}
		const struct cmd *sub = find_cmd(c->subs, argv[0]);
		if (!sub) {
			unknown_command(c->subs, argv[0], path);
			rc = EXIT_USAGE;
			goto out;
		}
		char *p = xasprintf("%s %s", path, sub->name);
		rc = run_cmd(ctx, sub, p, argc, argv);
		free(p);
		goto out;
	}
	if (rc == 0 && (rc = check_required(&ov, opts)) == 0) {
		if (argc < c->min_args) {
			rc = cmd_bad_usage(ctx, "missing %s", c->args ? c->args : "argument");
		} else if (c->max_args >= 0 && argc > c->max_args) {
			rc = cmd_bad_usage(ctx, "unexpected argument '%s'", argv[c->max_args]);
		} else {
			ctx->argc = argc;
			ctx->argv = argv;
			ctx->cmd = c;
			if ((rc = setup(ctx, c)) == 0)
				rc = c->run(ctx, opts);
			teardown(ctx, c);
		}
	}
out:
	cur_path = saved_path;
	if (c->release)
		c->release(opts);
	release_lists(c, opts);
	free(ov.v);
	free(opts);
	return rc;
}

void cmd_print_program_usage(FILE *f)
{
	fputs("usage: harden [--db FILE] [--config FILE] [--quiet] [--color WHEN] COMMAND [ARGS]\n"
	      "       harden --version | --help\n\nCommands:\n", f);
	for (const struct cmd *const *c = commands; *c; c++) {
		int col = fprintf(f, "  %s", (*c)->name);
		fprintf(f, "%*s", col < 14 ? 14 - col : 1, "");
		put_wrapped(f, (*c)->summary, 14, 14);
	}
	fputs("\nRun 'harden COMMAND --help' for a command's options and exit status.\n", f);
}

/* A report that did not reach standard output is not a success. */
static int finish(int rc)
{
	errno = 0;
	if (fflush(stdout) != 0 || ferror(stdout)) {
		log_error("cannot write standard output: %s", strerror(errno ? errno : EIO));
		if (rc == EXIT_CLEAN || rc == EXIT_FINDINGS || rc == EXIT_UNKNOWN)
			rc = EXIT_STORE;
	}
	return rc;
}

int cmd_main(int argc, char **argv)
{
	struct cmd_ctx ctx = { 0 };
	int i = 1;
	/* Global options before the command; each command parses its own. */
	for (; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--version") || !strcmp(a, "-V")) {
			cmd_print_version(stdout, &ctx);
			return finish(EXIT_CLEAN);
		} else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			cmd_print_program_usage(stdout);
			return finish(EXIT_CLEAN);
		} else if (!strcmp(a, "--quiet") || !strcmp(a, "-q")) {
			ctx.quiet = true;
			log_quiet = 1;
		} else if (!strcmp(a, "--db") || !strcmp(a, "--config")) {
			if (i + 1 >= argc) {
				fprintf(stderr, "harden: option '%s' needs an argument\n", a);
				return EXIT_USAGE;
			}
			if (a[2] == 'd')
				ctx.db_path = argv[++i];
			else
				ctx.config_path = argv[++i];
		} else if (!strncmp(a, "--color", 7) && (a[7] == '=' || (!a[7] && i + 1 < argc))) {
			const char *w = a[7] == '=' ? a + 8 : argv[++i];
			int k = 0;
			while (color_words[k] && strcasecmp(color_words[k], w))
				k++;
			if (!color_words[k]) {
				fprintf(stderr, "harden: unknown value '%s' for --color (auto, always or never)\n", w);
				return EXIT_USAGE;
			}
			ctx.color = k;
		} else if (!strncmp(a, "--db=", 5)) {
			ctx.db_path = a + 5;
		} else if (!strncmp(a, "--config=", 9)) {
			ctx.config_path = a + 9;
		} else {
			fprintf(stderr, "harden: unknown option '%s' (see 'harden --help')\n", a);
			return EXIT_USAGE;
		}
	}
	if (i >= argc) {
		cmd_print_program_usage(stderr);
		return EXIT_USAGE;
	}
	const struct cmd *c = find_cmd(commands, argv[i]);
	if (!c) {
		unknown_command(commands, argv[i], NULL);
		return EXIT_USAGE;
	}
	/* A file-size limit makes writes fail (and be reported), not kill. */
	signal(SIGXFSZ, SIG_IGN);
	return finish(run_cmd(&ctx, c, c->name, argc - i, argv + i));
}
