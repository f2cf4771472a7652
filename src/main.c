/* harden: global options, command lookup and the exit codes. */
#include <curl/curl.h>
#include <libxml/parser.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "exitcode.h"
#include "util/util.h"

static const struct cmd *const commands[] = {
	&cmd_scan, &cmd_evaluate, &cmd_report, &cmd_drift, &cmd_history, &cmd_inventory, &cmd_prune, &cmd_baseline,
	&cmd_waiver,
};

static const char exit_help[] =
	"Exit status:\n"
	"  0  clean: no failing or unknown result at or above --fail-on\n"
	"  1  failing findings at or above --fail-on (default critical)\n"
	"  2  usage, targets file or baseline error\n"
	"  3  no failure, but unknown results (data not collected) at or above --fail-on\n"
	"  4  target unreachable, TLS, timeout or protocol error: collection failed (or its NSX part)\n"
	"  5  authentication failed (vCenter or NSX)\n"
	"  6  twin database error (cannot open, disk full)\n"
	"  7  another scan holds the twin database\n";

static void usage(FILE *f)
{
	fputs("usage: harden [--db FILE] [--config FILE] [--quiet] COMMAND [ARGS]\n"
	      "       harden --version | --help\n\nCommands:\n", f);
	for (unsigned i = 0; i < ARRAY_SIZE(commands); i++)
		fprintf(f, "  %-10s %s\n", commands[i]->name, commands[i]->summary);
	fputs("\nRun 'harden COMMAND --help' for a command's options.\n\n", f);
	fputs(exit_help, f);
}

void cmd_usage(const struct cmd *c, bool full)
{
	FILE *f = full ? stdout : stderr;
	fprintf(f, "usage: harden %s %s\n", c->name, c->usage);
	if (!full)
		return;
	fprintf(f, "\n%s.\n\n%s", c->summary, c->help);
	fputs("  --db FILE          twin database (default $HARDEN_DB or $XDG_DATA_HOME/harden/twin.db)\n"
	      "  --config FILE      targets file (default $HARDEN_CONFIG or $XDG_CONFIG_HOME/harden/targets.yaml)\n"
	      "  -q, --quiet        no progress, report or information lines; warnings and errors still print\n"
	      "  -h, --help         show this help\n\n", f);
	fputs(exit_help, f);
}

int cmd_bad_usage(const struct cmd *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *m = xvasprintf(fmt, ap);
	va_end(ap);
	fprintf(stderr, "harden: %s: %s\n", c->name, m);
	free(m);
	cmd_usage(c, false);
	return EXIT_USAGE;
}

int cmd_common(struct cmd_ctx *ctx, const struct cmd *c, int opt)
{
	switch (opt) {
	case 0x100:
		ctx->db_path = optarg;
		return 1;
	case 0x101:
		ctx->config_path = optarg;
		return 1;
	case 'q':
		ctx->quiet = true;
		log_quiet = 1;
		return 1;
	case 'h':
		cmd_usage(c, true);
		return -1;
	default:
		return 0;
	}
}

char *cmd_db_path(const struct cmd_ctx *ctx)
{
	if (ctx->db_path)
		return xstrdup(ctx->db_path);
	const char *e = getenv("HARDEN_DB");
	if (e && *e)
		return xstrdup(e);
	const char *x = getenv("XDG_DATA_HOME"), *home = getenv("HOME");
	if (x && *x)
		return xasprintf("%s/harden/twin.db", x);
	return xasprintf("%s/.local/share/harden/twin.db", home && *home ? home : ".");
}

char *cmd_config_path(const struct cmd_ctx *ctx)
{
	if (ctx->config_path)
		return xstrdup(ctx->config_path);
	const char *e = getenv("HARDEN_CONFIG");
	if (e && *e)
		return xstrdup(e);
	const char *x = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	if (x && *x)
		return xasprintf("%s/harden/targets.yaml", x);
	return xasprintf("%s/.config/harden/targets.yaml", home && *home ? home : ".");
}

int main(int argc, char **argv)
{
	struct cmd_ctx ctx = { 0 };
	int i = 1;
	/* Global options before the command; getopt is left to the commands. */
	for (; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--version") || !strcmp(a, "-V")) {
			printf("harden %s\n", HARDEN_VERSION);
			return EXIT_CLEAN;
		} else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout);
			return EXIT_CLEAN;
		} else if (!strcmp(a, "--quiet") || !strcmp(a, "-q")) {
			ctx.quiet = true;
			log_quiet = 1;
		} else if ((!strcmp(a, "--db") || !strcmp(a, "--config")) && i + 1 < argc) {
			if (a[2] == 'd')
				ctx.db_path = argv[++i];
			else
				ctx.config_path = argv[++i];
		} else if (!strncmp(a, "--db=", 5)) {
			ctx.db_path = a + 5;
		} else if (!strncmp(a, "--config=", 9)) {
			ctx.config_path = a + 9;
		} else {
			fprintf(stderr, "harden: unknown option '%s'\n", a);
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (i >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	const struct cmd *c = NULL;
	for (unsigned k = 0; k < ARRAY_SIZE(commands); k++)
		if (!strcmp(commands[k]->name, argv[i]))
			c = commands[k];
	if (!c) {
		fprintf(stderr, "harden: unknown command '%s' (see 'harden --help')\n", argv[i]);
		return EXIT_USAGE;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	xmlInitParser();
	optind = 1;
	int rc = c->run(&ctx, argc - i, argv + i);
	xmlCleanupParser();
	curl_global_cleanup();
	return rc;
}
