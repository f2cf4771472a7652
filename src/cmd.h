/* The command layer: each cmd_<name>.c exports one descriptor, built with
 * designated initialisers, that says what the command takes and what setup
 * it needs.  cmd.c parses the options from that spec, prints --help and the
 * usage line from it, does the shared setup (the twin, the targets file,
 * libcurl) and maps harden's errors to exit codes, in one place. */
#ifndef HARDEN_CMD_H
#define HARDEN_CMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "exitcode.h"
#include "util/error.h"
#include "util/util.h"

enum opt_kind {
	OPT_FLAG,	/* bool */
	OPT_STR,	/* const char * (points into argv) */
	OPT_LIST,	/* struct strlist: the option may be repeated */
	OPT_INT,	/* long long from min to max */
	OPT_ID,		/* long long, a snapshot or evaluation id: 1 or more */
	OPT_CHOICE,	/* int: the index of the value in choices, any case */
	OPT_FN,		/* parse(arg, destination): 0, or -1 with the error set */
};

#define OPTF_REQUIRED 0x1	/* the command cannot run without it */
#define OPTF_IMPLIES_NEXT 0x2	/* usage shows it with the next option: [--from ID --to ID] */
#define OPTF_REPEAT 0x4		/* OPT_FN: the option may be repeated */

struct cmd_opt {
	const char *name;	/* the long name, without "--" */
	const char *arg;	/* the argument's name in help, NULL for flags */
	const char *help;	/* one sentence; wrapped by cmd.c */
	size_t off;		/* where the value goes in the command's options */
	long long min, max;	/* OPT_INT */
	const char *const *choices;	/* OPT_CHOICE: NULL-terminated */
	int (*parse)(const char *arg, void *dst);	/* OPT_FN */
	enum opt_kind kind;
	unsigned flags;
	char sname;		/* the short name, or 0 */
};

/* A group of options whose destinations lie in a struct at offset base of
 * the command's options (so that groups such as the CI gate are shared). */
struct cmd_optset {
	const struct cmd_opt *opts;	/* terminated by an entry without name */
	size_t base;
};

/* What cmd.c prepares before calling run. */
#define CMD_TWIN_READ 0x1	/* open the twin read-only; a missing twin is an error */
#define CMD_TWIN_WRITE 0x2	/* open (or create) the twin read-write */
#define CMD_TWIN_EXISTING 0x4	/* with CMD_TWIN_WRITE: the twin must exist already */
#define CMD_NETWORK 0x8		/* initialise libcurl and libxml2 */
#define CMD_TARGETS 0x10	/* load the targets file */
#define CMD_INTERRUPTIBLE 0x20	/* SIGINT/SIGTERM stop it cleanly: exit 130/143 (util/interrupt.h) */

#define CMD_MAX_OPTSETS 6
/* Exit texts for commands that show or check rather than gate. */
#define CMD_PLAIN_EXITS [EXIT_CLEAN] = "success", [EXIT_COLLECT] = "the snapshot asked for is failed"

/* The set of exit codes a command returns: EXITS(EXIT_CLEAN, EXIT_USAGE). */
#define EXIT_BIT_(c) | (1u << (c))
#define EXITS_1_(a) EXIT_BIT_(a)
#define EXITS_2_(a, ...) EXIT_BIT_(a) EXITS_1_(__VA_ARGS__)
#define EXITS_3_(a, ...) EXIT_BIT_(a) EXITS_2_(__VA_ARGS__)
#define EXITS_4_(a, ...) EXIT_BIT_(a) EXITS_3_(__VA_ARGS__)
#define EXITS_5_(a, ...) EXIT_BIT_(a) EXITS_4_(__VA_ARGS__)
#define EXITS_6_(a, ...) EXIT_BIT_(a) EXITS_5_(__VA_ARGS__)
#define EXITS_7_(a, ...) EXIT_BIT_(a) EXITS_6_(__VA_ARGS__)
#define EXITS_8_(a, ...) EXIT_BIT_(a) EXITS_7_(__VA_ARGS__)
#define EXITS_PICK_(_1, _2, _3, _4, _5, _6, _7, _8, name, ...) name
#define EXITS(...) (0u EXITS_PICK_(__VA_ARGS__, EXITS_8_, EXITS_7_, EXITS_6_, EXITS_5_, EXITS_4_, EXITS_3_, \
				   EXITS_2_, EXITS_1_)(__VA_ARGS__))

struct store;
struct targets;

struct cmd_ctx {
	const char *db_path;	/* --db, or NULL: see cmd_db_path */
	const char *config_path;	/* --config, or NULL */
	bool quiet;
	int color;		/* --color: CMD_COLOR_AUTO, _ALWAYS or _NEVER */
	char *db;		/* the twin's path in use */
	struct store *store;	/* opened as the setup flags say, or NULL */
	struct targets *targets;	/* with CMD_TARGETS */
	int argc;		/* the arguments left after the options */
	char **argv;
	const struct cmd *cmd;	/* the command (or sub-command) running */
};

struct cmd {
	const char *name;
	const char *summary;	/* one line, no full stop */
	const char *args;	/* positional arguments in usage, e.g. "FILE...", or NULL */
	int min_args, max_args;	/* max_args -1: no limit */
	const char *description;	/* a paragraph printed by --help, or NULL */
	struct cmd_optset optsets[CMD_MAX_OPTSETS];
	size_t opts_size;	/* the size of the options struct run gets */
	const void *defaults;	/* its initial value, or NULL for zeroes */
	unsigned setup;
	unsigned exits;		/* the exit codes it can return: EXITS(0, 1, ...) */
	const char *exit_texts[16];	/* what a code means for this command, when not the default */
	const struct cmd *const *subs;	/* sub-commands (NULL-terminated), or NULL */
	int (*run)(struct cmd_ctx *ctx, void *opts);
	void (*release)(void *opts);	/* frees what OPT_FN options allocated */
};

extern const struct cmd cmd_scan, cmd_evaluate, cmd_report, cmd_drift, cmd_history, cmd_inventory, cmd_prune,
	cmd_baseline, cmd_waiver, cmd_snapshots, cmd_targets, cmd_mcp, cmd_web, cmd_help, cmd_version, cmd_advise,
	cmd_apply, cmd_remediation, cmd_doctor;

enum { CMD_COLOR_AUTO, CMD_COLOR_ALWAYS, CMD_COLOR_NEVER };
/* Whether stdout may be coloured: --color, else a terminal without NO_COLOR. */
bool cmd_color(const struct cmd_ctx *ctx);

/* The program: global options, the command's lookup (exact names only),
 * its options and setup; returns the exit status. */
int cmd_main(int argc, char **argv);
/* The command table, NULL-terminated. */
const struct cmd *const *cmd_table(void);
/* The options every command takes (--db, --config, ...), terminated by an
 * entry without name: for generators such as man/compgen.c. */
const struct cmd_opt *cmd_global_opts(void);

/* The one table from harden's errors to exit codes. */
int cmd_exit_for(enum herr e);
/* The meaning of an exit code, as --help and the manual give it. */
const char *cmd_exit_text(const struct cmd *c, int code);

/* Prints "harden: NAME: msg" and a hint to run --help; returns EXIT_USAGE. */
int cmd_bad_usage(const struct cmd_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The whole program's usage, and harden --version's text. */
void cmd_print_program_usage(FILE *f);
void cmd_print_version(FILE *f, const struct cmd_ctx *ctx);
/* The usage line(s) of a command, and its whole --help text. */
void cmd_print_usage(FILE *f, const struct cmd *c, const char *path);
void cmd_print_help(FILE *f, const struct cmd *c, const char *path);

/* The twin and the targets file a command uses: --db / --config, then
 * $HARDEN_DB / $HARDEN_CONFIG, then the XDG directories (for the targets
 * file, /etc/harden/targets.yaml when the XDG one does not exist).  NULL,
 * with the error set, when none of them is set and there is no HOME. */
char *cmd_db_path(const struct cmd_ctx *ctx);
char *cmd_config_path(const struct cmd_ctx *ctx);

/* Opens the twin (ctx->store) as how says: CMD_TWIN_READ, or CMD_TWIN_WRITE
 * with or without CMD_TWIN_EXISTING.  Commands whose setup flags name the
 * twin get it opened before run; others open it when they are ready.
 * Returns 0 or an exit code, having said why. */
int cmd_open_twin(struct cmd_ctx *ctx, unsigned how);
/* The items of a command's usage line after "harden NAME". */
void cmd_usage_items(const struct cmd *c, struct strlist *out);

/* The closest of names to word, when it is close enough to be a typo. */
const char *cmd_closest(const char *word, const char *const *names, size_t n);

/* Shared option parsers (OPT_FN). */
int cmd_parse_fail_on(const char *s, void *dst);	/* int: a severity, or -1 for none */

#endif
