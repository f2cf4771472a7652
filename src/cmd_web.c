/* harden web: the auditor's dashboard, served from the twin on a read-only
 * connection, so that it can be browsed while a scan writes; with
 * --allow-review a second, writing connection records reviews. */
#include <stdio.h>

#include "cmd_common.h"
#include "web/server.h"

struct web_cmd_opts {
	const char *listen;
	bool allow_remote, allow_review;
};

#define O(f) offsetof(struct web_cmd_opts, f)
static const struct cmd_opt opts[] = {
	{ .name = "listen", .sname = 'l', .arg = "ADDR:PORT", .kind = OPT_STR, .off = O(listen),
	  .help = "the address and port to serve (default 127.0.0.1:8080; port 0 picks a free one)" },
	{ .name = "allow-remote", .kind = OPT_FLAG, .off = O(allow_remote),
	  .help = "allow a non-loopback address; every request then needs the access token printed at start" },
	{ .name = "allow-review", .kind = OPT_FLAG, .off = O(allow_review),
	  .help = "let the finding page record reviewers' decisions (POST, with the access token printed at start "
		  "and a CSRF token); without it the server never writes" },
	{ 0 },
};

static const struct web_cmd_opts defaults = { .listen = "127.0.0.1:8080" };

static int run(struct cmd_ctx *ctx, void *vopts)
{
	const struct web_cmd_opts *o = vopts;
	struct web_opts wo = { o->listen, o->allow_remote, NULL };
	int rc;
	/* Reviews write through a connection of their own, which waits at
	 * most 2 s for a scan's write lock (then the page says so). */
	if (o->allow_review) {
		if ((rc = store_open(&wo.review, store_path(ctx->store), false)) < 0) {
			log_error("%s", err_get());
			return cmd_exit_for((enum herr)rc);
		}
		store_busy_wait(wo.review, 2000);
	}
	rc = web_serve(ctx->store, &wo, stdout);
	store_close(wo.review);
	if (rc == HERR_INPUT)
		return cmd_bad_usage(ctx, "%s", err_get());
	if (rc < 0) {
		log_error("%s", err_get());
		return cmd_exit_for((enum herr)rc);
	}
	return EXIT_CLEAN;
}

const struct cmd cmd_web = {
	.name = "web",
	.summary = "Serve a read-only dashboard of the twin to a browser",
	.description = "Pages: overview (/), framework, violations (filters as query parameters, CSV and JSON "
		       "export), finding (with the suggestion, its review and the remediation), drift, history, "
		       "remediations and waivers, in English or Simplified Chinese (?lang=zh or the browser's "
		       "Accept-Language). No script and nothing fetched from elsewhere. With --allow-review the "
		       "finding page records approve or reject decisions; harden apply submits the approved ones. "
		       "Stops on SIGINT or SIGTERM.",
	.optsets = { { opts, 0 } },
	.opts_size = sizeof(struct web_cmd_opts),
	.defaults = &defaults,
	.setup = CMD_TWIN_READ,
	.exits = EXITS(EXIT_CLEAN, EXIT_USAGE, EXIT_STORE, EXIT_NO_SCAN),
	.exit_texts = { [EXIT_CLEAN] = "stopped by SIGINT or SIGTERM", [EXIT_STORE] = "the twin cannot be read, or "
										    "the server cannot start" },
	.run = run,
};
