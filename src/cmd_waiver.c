/* harden waiver lint FILE...: check waiver files before any scan. */
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "exitcode.h"
#include "rules/waiver.h"
#include "util/util.h"

static const char help[] =
	"  lint FILE...          check waiver files: keys, justification, approver, expiry dates\n";

static int lint(int n, char **files)
{
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

static int run(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		CMD_COMMON_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	int opt, r;
	while ((opt = getopt_long(argc, argv, "+qh", opts, NULL)) != -1) {
		if ((r = cmd_common(ctx, &cmd_waiver, opt)) != 0) {
			if (r < 0)
				return EXIT_CLEAN;
			continue;
		}
		cmd_usage(&cmd_waiver, false);
		return EXIT_USAGE;
	}
	if (optind < argc && !strcmp(argv[optind], "lint") && argc - optind >= 2)
		return lint(argc - optind - 1, argv + optind + 1);
	return cmd_bad_usage(&cmd_waiver, "expected 'lint FILE...'");
}

const struct cmd cmd_waiver = {
	"waiver",
	"lint FILE...",
	"Check waiver files",
	help,
	run,
};
