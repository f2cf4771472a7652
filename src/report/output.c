/* --output's files: checked before any work, and each replaced whole by
 * rename(2) so that a reader never sees half of one. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "report/report_int.h"
#include "util/util.h"

/* The directory a path is in, and its last component. */
static char *dir_of(const char *path, const char **base)
{
	const char *slash = strrchr(path, '/');
	if (base)
		*base = slash ? slash + 1 : path;
	if (!slash)
		return xstrdup(".");
	return slash == path ? xstrdup("/") : xstrndup(path, (size_t)(slash - path));
}

int report_output_check(const struct report_output *out)
{
	if (!strcmp(out->path, "-"))
		return 0;
	struct stat sb;
	if (stat(out->path, &sb) == 0 && S_ISDIR(sb.st_mode)) {
		err_set("cannot write report '%s': it is a directory", out->path);
		return -1;
	}
	char *dir = dir_of(out->path, NULL);
	int e = 0;
	if (stat(dir, &sb) < 0)
		e = errno;
	else if (!S_ISDIR(sb.st_mode))
		e = ENOTDIR;
	else if (access(dir, W_OK | X_OK) < 0)
		e = errno;
	if (e)
		err_set("cannot write report '%s': directory '%s': %s", out->path, dir, strerror(e));
	free(dir);
	return e ? -1 : 0;
}

int rpt_file_open(struct rpt_file *rf, const char *path)
{
	const char *base;
	char *dir = dir_of(path, &base);
	rf->path = path;
	rf->f = NULL;
	/* Hidden, in the same directory: rename(2) is atomic only within a
	 * file system. */
	rf->tmp = xasprintf("%s/.%s.XXXXXX", dir, base);
	free(dir);
	int fd = mkostemp(rf->tmp, O_CLOEXEC);
	if (fd < 0) {
		err_set("cannot write report '%s': %s", path, strerror(errno));
		free(rf->tmp);
		return REPORT_EOUTPUT;
	}
	/* mkstemp makes it 0600; give it the mode fopen(3) would. */
	mode_t mask = umask(0);
	umask(mask);
	fchmod(fd, 0666 & ~mask);
	rf->f = fdopen(fd, "w");
	if (!rf->f) {
		int e = errno;
		close(fd);
		unlink(rf->tmp);
		err_set("cannot write report '%s': %s", path, strerror(e));
		free(rf->tmp);
		return REPORT_EOUTPUT;
	}
	/* What the writer leaves in errno names its write error. */
	errno = 0;
	return 0;
}

int rpt_file_close(struct rpt_file *rf, int rc)
{
	FILE *f = rf->f;
	int werr = 0;
	if (fflush(f) != 0 || ferror(f) || rc == REPORT_EOUTPUT)
		werr = errno ? errno : EIO;
	else if (fsync(fileno(f)) < 0)
		werr = errno;
	if (fclose(f) != 0 && !werr)
		werr = errno ? errno : EIO;
	if (rc >= 0 && !werr && rename(rf->tmp, rf->path) < 0)
		werr = errno;
	if (rc < 0 || werr) {
		unlink(rf->tmp);
		if (rc >= 0 || rc == REPORT_EOUTPUT) {
			err_set("cannot write report '%s': %s", rf->path, strerror(werr));
			rc = REPORT_EOUTPUT;
		}
	}
	free(rf->tmp);
	rf->tmp = NULL;
	rf->f = NULL;
	return rc < 0 ? rc : 0;
}
