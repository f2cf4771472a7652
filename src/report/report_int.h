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

/* The findings of evaluation eval that x's filter lets through, in the
 * store's order (severity, rule, object, naturally sorted). */
int rpt_findings_each(const struct report_ctx *x, long long eval, store_finding_fn fn, void *ctx);

/* One rule's findings folded (byrule.c): the count of each status and the
 * first few objects of each, by name (or moref when unnamed). */
#define RULE_GROUP_SAMPLE 5
struct rule_group {
	char *rule_id, *title;
	enum severity severity;
	long long by_status[RS_COUNT];
	char *sample[RS_COUNT][RULE_GROUP_SAMPLE];
	unsigned nsample[RS_COUNT];
};
typedef int (*rule_group_fn)(void *ctx, const struct rule_group *g);
/* The rules of evaluation eval, one group each, in the store's order; the
 * filter applies to the rows counted. */
int rpt_rules_each(const struct report_ctx *x, long long eval, rule_group_fn fn, void *ctx);
/* Whether o lists a group: it has results of a status that o shows. */
bool rpt_group_shown(const struct report_opts *o, const struct rule_group *g);
/* The group's worst status: fail, unknown, waived, pass, not applicable. */
enum rstatus rpt_group_status(const struct rule_group *g);
/* "a, b, c ... and N more" of the objects with status s, or NULL if none. */
char *rpt_group_objects(const struct rule_group *g, enum rstatus s);

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
