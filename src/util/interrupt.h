/* SIGINT and SIGTERM during a long command (harden scan): the handler only
 * records the signal (async-signal-safe); the collectors' transfers abort
 * through libcurl's progress callback and the pipeline checks between its
 * steps, so that the running snapshot is marked failed, the sessions are
 * logged out, and the command exits 128 + the signal.  A second signal
 * exits at once; the next scan (and every reader) then sees the snapshot
 * left running as failed. */
#ifndef HARDEN_INTERRUPT_H
#define HARDEN_INTERRUPT_H

/* Installs the handler for SIGINT and SIGTERM. */
void interrupt_install(void);
/* Restores the dispositions interrupt_install found. */
void interrupt_restore(void);
/* The signal received (SIGINT or SIGTERM), or 0. */
int interrupt_pending(void);
/* "SIGINT" or "SIGTERM". */
const char *interrupt_name(int sig);

#endif
