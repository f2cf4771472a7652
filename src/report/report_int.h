/* The dispatcher's view of the writers and of output files; not part of
 * the report API. */
#ifndef HARDEN_REPORT_INT_H
#define HARDEN_REPORT_INT_H

#include <stdio.h>

#include "report/report.h"

/* What a writer reads: everything the dispatcher was given, the counts
 * computed once for all writers and outputs. */
struct report_ctx {
	FILE *f;
	struct store *st;
	const struct snapshot_info *snap;
	const struct evaluation_info *evals;
	unsigned n;
	const struct report_counts *counts;
	const struct report_opts *o;
};

/* One format: its name (as --format and --output spell it), its writer,
 * and whether it is text for people or a contract other programs parse
 * (versioned, or held to an external schema).  A writer returns 0, a
 * store error, or REPORT_EOUTPUT with the error set. */
struct report_writer {
	const char *name;
	int (*write)(const struct report_ctx *x);
	bool contract;
};

/* Each defined in its own file: table.c, json.c, sarif.c, ... */
extern const struct report_writer report_table;
extern const struct report_writer report_json;
extern const struct report_writer report_sarif;
extern const struct report_writer report_junit;
extern const struct report_writer report_csv;
extern const struct report_writer report_html;

/* A file written whole or not at all (output.c): rpt_file_open opens a
 * temporary file beside path; rpt_file_close, given the writer's result
 * rc, renames it into place or removes it.  Both return 0, a store error
 * (rc passed through) or REPORT_EOUTPUT with the error naming path. */
struct rpt_file {
	FILE *f;
	const char *path;
	char *tmp;
};
int rpt_file_open(struct rpt_file *rf, const char *path);
int rpt_file_close(struct rpt_file *rf, int rc);

#endif
