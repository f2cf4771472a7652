/* harden mcp: harden as an MCP server on standard input and output, for
 * agents and vmware-pilot.  The server is src/mcp/server.c. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cmd.h"
#include "mcp/server.h"

static int run(struct cmd_ctx *ctx, void *opts)
{
	(void)opts;
	char *db = cmd_db_path(ctx), *config = cmd_config_path(ctx);
	struct mcp_ctx x = { .db = db, .config = config };
	/* Standard output carries the protocol alone: the server writes to a
	 * copy of it, and anything else printed lands on standard error. */
	fflush(stdout);
	int out = dup(STDOUT_FILENO);
	if (out < 0 || dup2(STDERR_FILENO, STDOUT_FILENO) < 0) {
		log_error("cannot set up standard output for the protocol");
		free(db);
		free(config);
		return EXIT_STORE;
	}
	signal(SIGPIPE, SIG_IGN);
	enum herr e = mcp_serve(&x, STDIN_FILENO, out);
	free(db);
	free(config);
	return e ? EXIT_COLLECT : EXIT_CLEAN;
}

const struct cmd cmd_mcp = {
	.name = "mcp",
	.summary = "Serve harden's tools to AI agents and vmware-pilot over MCP on standard input and output",
	.description = "Speaks the Model Context Protocol (newline-delimited JSON-RPC 2.0) on standard input and "
		       "output, logging to standard error, until the client closes its input.  The tools read the "
		       "twin and the targets file; only scan_target contacts vCenter and NSX, read-only.  Nothing "
		       "is applied.",
	.opts_size = 0,
	.setup = CMD_NETWORK,
	.exits = EXITS(EXIT_CLEAN, EXIT_USAGE, EXIT_COLLECT),
	.exit_texts = { [EXIT_CLEAN] = "the client closed the connection", [EXIT_USAGE] = "bad usage",
			[EXIT_COLLECT] = "the connection failed" },
	.run = run,
};
