/* Kill points for the torture tests; see torture.h. */
#include "util/torture.h"

#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct {
	int ready;
	long kill_at;		/* 0: never */
	const char *trace;	/* NULL: no trace */
	atomic_long reached;	/* vCenter retrievals reach points from several threads */
} torture;

static void torture_init(void)
{
	const char *k = getenv("HARDEN_TORTURE_KILL_AT");
	torture.kill_at = k ? strtol(k, NULL, 10) : 0;
	torture.trace = getenv("HARDEN_TORTURE_TRACE");
	if (torture.trace && !*torture.trace)
		torture.trace = NULL;
	torture.ready = 1;
}

void torture_point(const char *where)
{
	if (!torture.ready)
		torture_init();
	if (!torture.kill_at && !torture.trace)
		return;
	long reached = atomic_fetch_add(&torture.reached, 1) + 1;
	if (torture.trace) {
		int fd = open(torture.trace, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
		if (fd >= 0) {
			char line[128];
			int n = snprintf(line, sizeof(line), "%ld %s\n", reached, where);
			if (n > 0 && write(fd, line, (size_t)n) < 0)
				n = 0;
			close(fd);
		}
	}
	if (reached == torture.kill_at)
		raise(SIGKILL);
}
