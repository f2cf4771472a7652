/* The dispatcher: the table of formats, the counts read once for every
 * writer, and --output (the file handling itself is output.c's). */
#include "report/report.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "report/report_int.h"
#include "util/util.h"

static const struct report_writer *const writers[] = {
	[FMT_TABLE] = &report_table, [FMT_JSON] = &report_json, [FMT_SARIF] = &report_sarif,
	[FMT_JUNIT] = &report_junit, [FMT_CSV] = &report_csv, [FMT_HTML] = &report_html,
};

int report_format_parse(const char *s, enum rformat *out)
{
	for (unsigned i = 0; i < ARRAY_SIZE(writers); i++) {
		if (!strcmp(s, writers[i]->name)) {
			*out = (enum rformat)i;
			return 0;
		}
	}
	return -1;
}

const char *report_format_name(enum rformat f)
{
	return (unsigned)f < ARRAY_SIZE(writers) ? writers[f]->name : "?";
}

int report_counts(struct store *st, const struct evaluation_info *evals, unsigned n, struct report_counts *out)
{
	memset(out, 0, sizeof(*out));
	out->per = xcalloc(n ? n : 1, sizeof(*out->per));
	out->n = n;
	for (unsigned i = 0; i < n; i++) {
		int rc = store_eval_counts(st, evals[i].id, counts_add, &out->per[i]);
		if (rc < 0)
			return rc;
		for (int s = 0; s < RS_COUNT; s++)
			for (int v = 0; v < SEV_COUNT; v++)
				out->total.by[s][v] += out->per[i].by[s][v];
	}
	return 0;
}

void report_counts_release(struct report_counts *c)
{
	free(c->per);
	c->per = NULL;
	c->n = 0;
}

int rpt_findings_each(const struct report_ctx *x, long long eval, store_finding_fn fn, void *ctx)
{
	return store_findings_filtered(x->st, eval, x->o->filter, fn, ctx);
}

int report_write(FILE *f, struct store *st, const struct snapshot_info *snap,
		 const struct evaluation_info *evals, unsigned n, const struct report_counts *c,
		 const struct report_opts *o)
{
	if ((unsigned)o->format >= ARRAY_SIZE(writers) || c->n != n) {
		err_set("cannot write the report: unknown format or counts of other evaluations");
		return -1;
	}
	struct report_ctx x = { f, st, snap, evals, n, c, o };
	return writers[o->format]->write(&x);
}

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

/* Standard output cannot be replaced whole: a write error is only told. */
static int write_stdout(const struct report_ctx *x)
{
	errno = 0;
	int rc = writers[x->o->format]->write(x);
	if (rc < 0 && rc != REPORT_EOUTPUT)
		return rc;
	if (fflush(stdout) != 0 || ferror(stdout) || rc == REPORT_EOUTPUT) {
		err_set("cannot write the %s report to standard output: %s", report_format_name(x->o->format),
			strerror(errno ? errno : EIO));
		return REPORT_EOUTPUT;
	}
	return 0;
}

int report_write_outputs(const struct report_output *v, unsigned n, struct store *st,
			 const struct snapshot_info *snap, const struct evaluation_info *evals, unsigned nev,
			 const struct report_counts *c, const struct report_opts *o)
{
	int rc = 0;
	for (unsigned i = 0; i < n && rc >= 0; i++) {
		struct report_opts oo = *o;
		oo.format = v[i].format;
		struct report_ctx x = { stdout, st, snap, evals, nev, c, &oo };
		if (!strcmp(v[i].path, "-")) {
			rc = write_stdout(&x);
			continue;
		}
		oo.color = false;
		struct rpt_file rf;
		if ((rc = rpt_file_open(&rf, v[i].path)) < 0)
			break;
		x.f = rf.f;
		rc = rpt_file_close(&rf, writers[oo.format]->write(&x));
	}
	return rc < 0 ? rc : 0;
}
