/* harden waiver lint FILE...: check waiver files before any scan. */
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "rules/waiver.h"

static int lint(struct cmd_ctx *ctx, void *opts)
{
	int n = ctx->argc;
	char **files = ctx->argv;
	(void)opts;
	char today[11];
	waivers_today(today);
	int rc = EXIT_CLEAN;
	for (int i = 0; i < n; i++) {
		struct waivers w;
		if (waivers_load(&w, files[i], today) < 0) {
			log_error("%s", err_get());
			rc = EXIT_USAGE;
			continue;
		}
		size_t expired = 0;
		for (size_t k = 0; k < w.n; k++) {
			if (w.v[k].expired) {
				expired++;
				log_warn("%s: waiver for '%s' expired on %s", w.v[k].where, w.v[k].rule, w.v[k].expires);
			}
		}
		log_info("%s: ok, %zu waivers, %zu expired", files[i], w.n, expired);
		waivers_release(&w);
	}
	return rc;
}

static const struct cmd waiver_lint = {
	.name = "lint",
	.summary = "Check waiver files: keys, justification, approver, expiry dates",
	.args = "FILE...", .min_args = 1, .max_args = -1,
	.exits = EXITS(EXIT_CLEAN, EXIT_USAGE),
	.exit_texts = { CMD_PLAIN_EXITS, [EXIT_USAGE] = "usage error, or a waiver file is invalid" },
	.run = lint,
};

static const struct cmd *const subs[] = { &waiver_lint, NULL };

const struct cmd cmd_waiver = {
	.name = "waiver",
	.summary = "Check waiver files",
	.subs = subs,
	.exits = EXITS(EXIT_CLEAN, EXIT_USAGE),
	.exit_texts = { CMD_PLAIN_EXITS, [EXIT_USAGE] = "usage error, or a waiver file is invalid" },
};
