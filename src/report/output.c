/* --output FORMAT:PATH: several reports from one run, each file replaced
 * whole by rename(2) so that a reader never sees half of one. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "report/report_int.h"

int report_output_parse(const char *spec, struct report_output *out)
{
	memset(out, 0, sizeof(*out));
	const char *colon = strchr(spec, ':');
	if (!colon) {
		err_set("--output takes FORMAT:PATH, not '%s'", spec);
		return -1;
	}
	char *name = xstrndup(spec, (size_t)(colon - spec));
	int rc = report_format_parse(name, &out->format);
	if (rc < 0)
		err_set("unknown format '%s' in --output '%s' (table, json, sarif, junit, csv or html)", name, spec);
	free(name);
	if (rc < 0)
		return -1;
	if (!colon[1]) {
		err_set("--output '%s' has an empty path (use '-' for standard output)", spec);
		return -1;
	}
	out->path = xstrdup(colon + 1);
	return 0;
}

void report_output_release(struct report_output *out)
{
	free(out->path);
	out->path = NULL;
}

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

int report_outputs_add(struct report_output **v, unsigned *n, const char *spec)
{
	struct report_output out;
	if (report_output_parse(spec, &out) < 0)
		return -1;
	if (report_output_check(&out) < 0) {
		report_output_release(&out);
		return -1;
	}
	*v = xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[(*n)++] = out;
	return 0;
}

void report_outputs_free(struct report_output *v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		report_output_release(&v[i]);
	free(v);
}

bool report_outputs_stdout(const struct report_output *v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (!strcmp(v[i].path, "-"))
			return true;
	return false;
}

static int write_file(const struct report_output *out, struct store *st, const struct snapshot_info *snap,
		      const struct evaluation_info *evals, unsigned nev, const struct report_opts *o,
		      const struct report_extra *x)
{
	const char *base;
	char *dir = dir_of(out->path, &base);
	/* Hidden, in the same directory: rename(2) is atomic only within a
	 * file system. */
	char *tmp = xasprintf("%s/.%s.XXXXXX", dir, base);
	free(dir);
	int fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		err_set("cannot write report '%s': %s", out->path, strerror(errno));
		free(tmp);
		return REPORT_EOUTPUT;
	}
	/* mkstemp makes it 0600; give it the mode fopen(3) would. */
	mode_t mask = umask(0);
	umask(mask);
	fchmod(fd, 0666 & ~mask);
	FILE *f = fdopen(fd, "w");
	if (!f) {
		int e = errno;
		close(fd);
		unlink(tmp);
		err_set("cannot write report '%s': %s", out->path, strerror(e));
		free(tmp);
		return REPORT_EOUTPUT;
	}
	struct counts c;
	errno = 0;
	int rc = report_write_ex(f, st, snap, evals, nev, o, x, &c);
	int werr = 0;
	if (fflush(f) != 0 || ferror(f) || rc == REPORT_EOUTPUT)
		werr = errno ? errno : EIO;
	else if (fsync(fileno(f)) < 0)
		werr = errno;
	if (fclose(f) != 0 && !werr)
		werr = errno ? errno : EIO;
	if (rc >= 0 && !werr && rename(tmp, out->path) < 0)
		werr = errno;
	if (rc < 0 || werr) {
		unlink(tmp);
		if (rc >= 0 || rc == REPORT_EOUTPUT) {
			err_set("cannot write report '%s': %s", out->path, strerror(werr));
			rc = REPORT_EOUTPUT;
		}
	}
	free(tmp);
	return rc < 0 ? rc : 0;
}

int report_write_outputs(const struct report_output *v, unsigned n, struct store *st,
			 const struct snapshot_info *snap, const struct evaluation_info *evals, unsigned nev,
			 const struct report_opts *o, const struct report_extra *x, struct counts *total)
{
	int rc = rpt_counts(st, evals, nev, NULL, total);
	for (unsigned i = 0; i < n && rc >= 0; i++) {
		struct report_opts oo = *o;
		oo.format = v[i].format;
		if (strcmp(v[i].path, "-")) {
			oo.color = false;
			rc = write_file(&v[i], st, snap, evals, nev, &oo, x);
			continue;
		}
		struct counts c;
		errno = 0;
		rc = report_write_ex(stdout, st, snap, evals, nev, &oo, x, &c);
		if (rc < 0 && rc != REPORT_EOUTPUT)
			break;
		if (fflush(stdout) != 0 || ferror(stdout) || rc == REPORT_EOUTPUT) {
			err_set("cannot write the %s report to standard output: %s", report_format_name(v[i].format),
				strerror(errno ? errno : EIO));
			rc = REPORT_EOUTPUT;
		}
	}
	return rc < 0 ? rc : 0;
}
