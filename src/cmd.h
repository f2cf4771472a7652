/* The command table: each cmd_<name>.c exports one descriptor. */
#ifndef HARDEN_CMD_H
#define HARDEN_CMD_H

#include <getopt.h>
#include <stdbool.h>

struct cmd_ctx {
	const char *db_path;
	const char *config_path;
	bool quiet;
};

struct cmd {
	const char *name;
	const char *usage;	/* after "harden NAME " */
	const char *summary;
	const char *help;	/* option descriptions, printed by --help */
	int (*run)(struct cmd_ctx *ctx, int argc, char **argv);
};

extern const struct cmd cmd_scan, cmd_evaluate, cmd_report, cmd_drift, cmd_history, cmd_inventory, cmd_prune,
	cmd_baseline, cmd_waiver;

/* Long options every command accepts. */
#define CMD_COMMON_OPTIONS \
	{ "db", required_argument, NULL, 0x100 }, \
	{ "config", required_argument, NULL, 0x101 }, \
	{ "quiet", no_argument, NULL, 'q' }, \
	{ "help", no_argument, NULL, 'h' }

/* Handles a common option; returns 1 when handled, 0 when not, and for
 * --help prints the command's help and returns -1 (exit 0). */
int cmd_common(struct cmd_ctx *ctx, const struct cmd *c, int opt);
void cmd_usage(const struct cmd *c, bool full);
/* Prints "harden: NAME: msg" and a hint; returns EXIT_USAGE. */
int cmd_bad_usage(const struct cmd *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
struct store;
/* The snapshot a command means: an id, or the target's latest completed
 * one.  Returns 0 or an exit code, with the error set. */
int cmd_pick_snapshot(struct store *st, const char *target, const char *which, long long *id);
/* --fail-on: a severity, or "none" (-1). */
int cmd_parse_fail_on(const char *s, int *out);
char *cmd_db_path(const struct cmd_ctx *ctx);
char *cmd_config_path(const struct cmd_ctx *ctx);

#endif
