/* An LD_PRELOAD shim for the torture tests: with HARDEN_FAIL_MALLOC_AT=N,
 * the Nth allocation of the process (malloc, calloc or realloc) fails with
 * ENOMEM, once: the code after it runs on, as after a passing shortage.  With HARDEN_FAIL_MALLOC_COUNT=FILE, the number of
 * allocations made is written to FILE at exit.  glibc's own entry points
 * do the work, so no dlsym bootstrap is needed. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);

static long fail_at = -1;	/* -1: not read yet; 0: never */
static long count;

static int should_fail(void)
{
	if (fail_at < 0) {
		const char *v = getenv("HARDEN_FAIL_MALLOC_AT");
		fail_at = v ? atol(v) : 0;
	}
	count++;
	if (fail_at > 0 && count == fail_at) {
		errno = ENOMEM;
		return 1;
	}
	return 0;
}

void *malloc(size_t n)
{
	return should_fail() ? NULL : __libc_malloc(n);
}

void *calloc(size_t n, size_t m)
{
	return should_fail() ? NULL : __libc_calloc(n, m);
}

void *realloc(void *p, size_t n)
{
	if (n == 0)
		return __libc_realloc(p, n);
	return should_fail() ? NULL : __libc_realloc(p, n);
}

__attribute__((destructor)) static void report(void)
{
	const char *f = getenv("HARDEN_FAIL_MALLOC_COUNT");
	if (!f)
		return;
	int fd = open(f, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		return;
	char line[32];
	int n = snprintf(line, sizeof(line), "%ld\n", count);
	if (n > 0 && write(fd, line, (size_t)n) < 0)
		n = 0;
	close(fd);
}
