/* harden's exit codes, chosen only in main.c and the cmd_*.c files. */
#ifndef HARDEN_EXITCODE_H
#define HARDEN_EXITCODE_H

#define EXIT_CLEAN 0	/* no failing or unknown result at or above --fail-on */
#define EXIT_FINDINGS 1	/* a failing result at or above --fail-on */
#define EXIT_USAGE 2	/* bad usage, targets file, baseline or argument */
#define EXIT_UNKNOWN 3	/* no failure, but unknown results (data gaps) at or above --fail-on */
#define EXIT_COLLECT 4	/* target unreachable, TLS or protocol error: collection failed */
#define EXIT_AUTH 5	/* the target refused the credentials */
#define EXIT_STORE 6	/* the twin database cannot be read or written (disk full, ...) */
#define EXIT_BUSY 7	/* another scan holds the twin database */

#endif
