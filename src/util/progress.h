/* The progress line of a scan on stderr: what is being done and the
 * totals so far.  On a terminal one line is rewritten in place; asked for
 * elsewhere (scan --progress, e.g. in a CI log), a line is written when the
 * step changes and at most every few seconds otherwise.  Never with
 * --quiet: the command leaves the mode off. */
#ifndef HARDEN_PROGRESS_H
#define HARDEN_PROGRESS_H

#include <stdbool.h>

enum progress_mode { PROGRESS_OFF, PROGRESS_TTY, PROGRESS_LINES };

void progress_set(enum progress_mode m);
bool progress_on(void);
/* "harden: STEP: detail"; step names the phase ("vCenter hosts",
 * "evaluating cis-..."), detail (printf) the totals. */
void progress_show(const char *step, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Erases a terminal's progress line, so that a message or the end of the
 * scan starts on a clean line; nothing in the other modes. */
void progress_clear(void);

#endif
