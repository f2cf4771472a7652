#include "util/progress.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"

/* How often a line is written when stderr is not a terminal. */
#define LINES_EVERY_MS 5000.0

static enum progress_mode mode;
static bool shown;		/* a terminal line is on screen */
static char last_step[96];
static double last_ms;

void progress_set(enum progress_mode m)
{
	mode = m;
	shown = false;
	last_step[0] = '\0';
	last_ms = 0;
}

bool progress_on(void)
{
	return mode != PROGRESS_OFF;
}

void progress_show(const char *step, const char *fmt, ...)
{
	if (mode == PROGRESS_OFF)
		return;
	double now = now_ms();
	bool same = !strncmp(step, last_step, sizeof(last_step) - 1);
	if (mode == PROGRESS_LINES && same && now - last_ms < LINES_EVERY_MS)
		return;
	snprintf(last_step, sizeof(last_step), "%s", step);
	last_ms = now;
	va_list ap;
	va_start(ap, fmt);
	char *detail = xvasprintf(fmt, ap);
	va_end(ap);
	/* \033[K: what a longer line before left is erased. */
	fprintf(stderr, mode == PROGRESS_TTY ? "\rharden: %s: %s\033[K" : "harden: %s: %s\n", step, detail);
	fflush(stderr);
	free(detail);
	shown = mode == PROGRESS_TTY;
}

void progress_clear(void)
{
	if (!shown)
		return;
	fputs("\r\033[K", stderr);
	fflush(stderr);
	shown = false;
}
