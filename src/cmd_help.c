/* harden help [COMMAND...] and harden version. */
#include <curl/curl.h>
#include <jansson.h>
#include <libxml/xmlversion.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <yaml.h>

#include "cmd.h"
#include "rules/rules.h"

#ifndef HARDEN_COMMIT
#define HARDEN_COMMIT "unknown"
#endif

static void path_line(FILE *f, const char *what, char *path)
{
	fprintf(f, "%-10s %s%s\n", what, path ? path : "(none)",
		path && access(path, F_OK) < 0 ? " (does not exist)" : "");
	free(path);
}

void cmd_print_version(FILE *f, const struct cmd_ctx *ctx)
{
	fprintf(f, "harden %s (commit %s)\n", HARDEN_VERSION, HARDEN_COMMIT);
	fprintf(f, "libraries  libcurl %s, libxml2 %s, libyaml %s, SQLite %s, jansson %s\n",
		curl_version_info(CURLVERSION_NOW)->version, LIBXML_DOTTED_VERSION, yaml_get_version_string(),
		sqlite3_libversion(), JANSSON_VERSION);
	path_line(f, "config", cmd_config_path(ctx));
	path_line(f, "twin", cmd_db_path(ctx));
	struct strlist dirs = { 0 };
	baseline_dirs(&dirs);
	for (size_t i = 0; i < dirs.n; i++)
		path_line(f, i ? "" : "baselines", xstrdup(dirs.v[i]));
	free(dirs.v);
}

static int version_run(struct cmd_ctx *ctx, void *opts)
{
	(void)opts;
	cmd_print_version(stdout, ctx);
	return EXIT_CLEAN;
}

const struct cmd cmd_version = {
	.name = "version",
	.summary = "Show harden's version, its libraries and the paths it uses",
	.exits = EXITS(EXIT_CLEAN),
	.exit_texts = { [EXIT_CLEAN] = "success" },
	.run = version_run,
};

static int help_run(struct cmd_ctx *ctx, void *opts)
{
	(void)opts;
	if (!ctx->argc) {
		cmd_print_program_usage(stdout);
		return EXIT_CLEAN;
	}
	const struct cmd *const *tab = cmd_table();
	const struct cmd *c = NULL;
	struct buf path = BUF_INIT;
	for (int i = 0; i < ctx->argc; i++) {
		c = NULL;
		for (; tab && *tab; tab++)
			if (!strcmp((*tab)->name, ctx->argv[i]))
				c = *tab;
		if (!c) {
			buf_release(&path);
			return cmd_bad_usage(ctx, "no command '%s' (see 'harden help')", ctx->argv[i]);
		}
		buf_printf(&path, "%s%s", i ? " " : "", c->name);
		tab = c->subs;
	}
	if (c)
		cmd_print_help(stdout, c, path.data);
	buf_release(&path);
	return EXIT_CLEAN;
}

const struct cmd cmd_help = {
	.name = "help",
	.summary = "Show the commands, or a command's options and exit status",
	.args = "[COMMAND...]", .min_args = 0, .max_args = 2,
	.exits = EXITS(EXIT_CLEAN, EXIT_USAGE),
	.exit_texts = { [EXIT_CLEAN] = "success", [EXIT_USAGE] = "no such command" },
	.run = help_run,
};
