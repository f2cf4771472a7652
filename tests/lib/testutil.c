#include "lib/testutil.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/util.h"

char *tu_tmpdir(void)
{
	const char *base = getenv("TMPDIR");
	char *t = xasprintf("%s/harden-test-XXXXXX", base && *base ? base : "/tmp");
	if (!mkdtemp(t))
		abort();
	return t;
}

void tu_rmdir(const char *dir)
{
	char *cmd = xasprintf("rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
	free(cmd);
}

char *tu_write(const char *dir, const char *name, const char *text, int mode)
{
	char *p = xasprintf("%s/%s", dir, name);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, mode);
	if (fd < 0)
		abort();
	size_t len = strlen(text);
	if (write(fd, text, len) != (ssize_t)len)
		abort();
	fchmod(fd, (mode_t)mode);
	close(fd);
	return p;
}

bool tu_schema_valid(const char *schema, const char *docs)
{
	char *cmd = xasprintf("/usr/bin/python3 scripts/check-schema.py schemas/%s.schema.json %s", schema, docs);
	int rc = system(cmd);
	free(cmd);
	return rc == 0;
}

int tu_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

char *tu_sorted_lines(struct strlist *l)
{
	if (l->n > 1)
		qsort(l->v, l->n, sizeof(*l->v), cmp_str);
	struct buf b = BUF_INIT;
	for (size_t i = 0; i < l->n; i++)
		buf_printf(&b, "%s\n", l->v[i]);
	strlist_release(l);
	return buf_detach(&b);
}
