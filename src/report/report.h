/* Report writers: the table for people, JSON as a versioned contract. */
#ifndef HARDEN_REPORT_H
#define HARDEN_REPORT_H

#include <stdio.h>

#include "rules/rules.h"
#include "store/store.h"

#define REPORT_JSON_SCHEMA "harden.scan"
#define REPORT_JSON_VERSION 1
#define INVENTORY_JSON_SCHEMA "harden.inventory"
#define INVENTORY_JSON_VERSION 1

enum rformat { FMT_TABLE, FMT_JSON };
int report_format_parse(const char *s, enum rformat *out);

struct report_opts {
	enum rformat format;
	bool all;		/* include pass and not_applicable results */
	bool color;
	int fail_on;		/* a severity, or -1 for none */
};

struct counts {
	long long by[RS_COUNT][SEV_COUNT];
};
long long counts_status(const struct counts *c, enum rstatus s);
/* The CI gate: EXIT_FINDINGS, EXIT_UNKNOWN or EXIT_CLEAN. */
int gate_exit(const struct counts *c, int fail_on);

/* Writes the evaluations of a snapshot; fills total with their counts. */
int report_write(FILE *f, struct store *st, const struct snapshot_info *snap,
		 const struct evaluation_info *evals, unsigned n, const struct report_opts *o,
		 struct counts *total);
int inventory_write(FILE *f, struct store *st, const struct snapshot_info *snap, enum rformat fmt);

#endif
