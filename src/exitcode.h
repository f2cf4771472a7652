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
#define EXIT_STALE 8	/* apply: the violation is not failing in a fresh snapshot */
#define EXIT_NOT_APPROVED 9	/* apply: the change needs approval and did not get it */
#define EXIT_PILOT_MISSING 10	/* apply: vmware-pilot is not installed or does not start */
#define EXIT_PILOT_REFUSED 11	/* apply: pilot refused the workflow (its gates) */
#define EXIT_PILOT_FAILED 12	/* apply: pilot failed, or the workflow failed */
#define EXIT_NO_SCAN 13	/* no twin yet, or no completed snapshot of the target: run harden scan */
/* Exit codes past the table: a command stopped by a signal (CMD_INTERRUPTIBLE). */
#define EXIT_SIGINT 130	/* 128 + SIGINT */
#define EXIT_SIGTERM 143	/* 128 + SIGTERM */

#endif
