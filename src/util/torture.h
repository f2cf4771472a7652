/* Fault injection for the torture tests (tests/integration/check_torture.c).
 * Inert unless the environment asks for it:
 *   HARDEN_TORTURE_KILL_AT=N    the Nth point reached kills the process
 *                               with SIGKILL, as kill -9 would;
 *   HARDEN_TORTURE_TRACE=FILE   each point reached appends "N WHERE" to FILE.
 * Points are placed after every API call a collector makes and after every
 * committed write transaction of the twin. */
#ifndef HARDEN_TORTURE_H
#define HARDEN_TORTURE_H

void torture_point(const char *where);

#endif
