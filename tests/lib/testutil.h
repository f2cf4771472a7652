/* Helpers shared by the Check suites. */
#ifndef HARDEN_TESTUTIL_H
#define HARDEN_TESTUTIL_H

#include <check.h>
#include <stdbool.h>

/* A fresh directory under $TMPDIR, removed by tu_rmdir. */
char *tu_tmpdir(void);
void tu_rmdir(const char *dir);
/* Writes text to dir/name with the given mode; returns the path. */
char *tu_write(const char *dir, const char *name, const char *text, int mode);
struct strlist;
/* The strings of l sorted, one a line; releases l. */
char *tu_sorted_lines(struct strlist *l);
/* Whether the JSON documents (paths separated by spaces) validate against
 * schemas/SCHEMA.schema.json, by scripts/check-schema.py (python3-jsonschema);
 * run from the top of the tree. */
bool tu_schema_valid(const char *schema, const char *docs);
/* Runs a suite and returns the number of failures. */
int tu_run(Suite *s);

#endif
