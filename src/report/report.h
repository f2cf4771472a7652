/* Report writers: the table and HTML for people, JSON and CSV as versioned
 * contracts, SARIF 2.1.0 and JUnit XML as their external schemas say. */
#ifndef HARDEN_REPORT_H
#define HARDEN_REPORT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "rules/rules.h"
#include "store/store.h"

#define REPORT_JSON_SCHEMA "harden.scan"
#define REPORT_JSON_VERSION 1
#define INVENTORY_JSON_SCHEMA "harden.inventory"
#define INVENTORY_JSON_VERSION 1

enum rformat { FMT_TABLE, FMT_JSON, FMT_SARIF, FMT_JUNIT, FMT_CSV, FMT_HTML };
int report_format_parse(const char *s, enum rformat *out);
const char *report_format_name(enum rformat f);

/* --output FORMAT:PATH; path "-" is standard output. */
struct report_output {
	enum rformat format;
	char *path;
};

struct since;
/* The CI gate as the command decided it, for the reports that carry it
 * (JSON): its thresholds, what --fail-on-new compared with, and the
 * outcome. */
struct report_gate {
	int fail_on;		/* a severity, or -1 for none */
	bool fail_on_new;
	const struct since *ref;	/* the comparison made, or NULL: none */
	long long max_unknown;	/* -1: no limit */
	double min_score;	/* -1: no minimum */
	long long new_fail, new_unknown;	/* with ref: results new at or above fail_on */
	int exit_code;		/* the exit code of the command */
};

struct report_opts {
	enum rformat format;
	bool all;		/* include pass and not_applicable results */
	bool color;		/* the table may colour standard output */
	int fail_on;		/* a severity, or -1 for none */
	bool drift;		/* HTML: a section with the drift since the previous scan */
	/* Which results are listed (NULL: as all says); counts and score
	 * stay those of the whole evaluation. */
	const struct finding_filter *filter;
	bool by_rule;		/* table, HTML, JSON: one entry per rule (--group-by rule) */
	const struct report_gate *gate;	/* NULL: no gate was applied */
};

long long counts_status(const struct counts *c, enum rstatus s);
/* The compliance score in percent to one decimal: tenths =
 * (1000 * passed + (passed + failed) / 2) / (passed + failed) in integer
 * arithmetic (half rounds up), pct = tenths / 10; waived and unknown
 * results are left out.  False when nothing passed or failed. */
bool report_score(const struct counts *c, double *pct);
bool report_score_tenths(const struct counts *c, long long *tenths);

/* The counts of a list of evaluations, each and summed, read from the
 * store once and handed to every writer. */
struct report_counts {
	struct counts total;
	struct counts *per;	/* one per evaluation */
	unsigned n;
};
/* Fills out (released with report_counts_release, also after a failure);
 * returns 0 or a store error. */
int report_counts(struct store *st, const struct evaluation_info *evals, unsigned n, struct report_counts *out);
void report_counts_release(struct report_counts *c);

/* JSON written an element at a time, so that memory stays flat: an
 * object of head's members (taken) and a list under key, each item (taken)
 * streamed, then the close; first starts true and tracks the list. */
void json_stream_open(FILE *f, json_t *head, const char *key);
void json_stream_item(FILE *f, json_t *item, bool *first);
void json_stream_close(FILE *f, bool first);

/* Writes the evaluations of a snapshot, whose counts c has, in o's format. */
int report_write(FILE *f, struct store *st, const struct snapshot_info *snap,
		 const struct evaluation_info *evals, unsigned n, const struct report_counts *c,
		 const struct report_opts *o);
/* The objects of ff's --object and --type (ff may be NULL: all). */
int inventory_write(FILE *f, struct store *st, const struct snapshot_info *snap, enum rformat fmt,
		    const struct finding_filter *ff);

/* Several outputs at once.  report_output_parse splits "FORMAT:PATH" at its
 * first colon; unknown formats and empty paths fail with the error set. */
int report_output_parse(const char *spec, struct report_output *out);
void report_output_release(struct report_output *out);
/* Checks before any work that path can be written: its directory exists
 * and is writable, and it is not a directory. */
int report_output_check(const struct report_output *out);
/* Parses and checks spec, and appends it to the list *v of *n outputs. */
int report_outputs_add(struct report_output **v, unsigned *n, const char *spec);
void report_outputs_free(struct report_output *v, unsigned n);
/* True when one of the outputs is standard output: --format's report is
 * then not written there. */
bool report_outputs_stdout(const struct report_output *v, unsigned n);

/* Returned when an output cannot be written (as against a store error). */
#define REPORT_EOUTPUT (-3)
/* Writes each output in its format with o's other options: a file goes to
 * a temporary file in its directory, renamed into place once complete, so
 * a reader never sees half a report; on a write error (such as ENOSPC) the
 * temporary file is removed and REPORT_EOUTPUT returned with the error
 * naming the path.  Returns 0, REPORT_EOUTPUT, or a store error. */
int report_write_outputs(const struct report_output *v, unsigned n, struct store *st,
			 const struct snapshot_info *snap, const struct evaluation_info *evals, unsigned nev,
			 const struct report_counts *c, const struct report_opts *o);

#endif
