/* Coverage files (baselines/coverage/ID.yaml): every control of a
 * benchmark, with the harden rule that implements it or the reason the
 * vSphere and NSX APIs cannot check it. */
#ifndef HARDEN_COVERAGE_H
#define HARDEN_COVERAGE_H

#include <stddef.h>

struct coverage_control {
	char *id;
	char *title;
	char *kind;
	char *rule;	/* the rule that implements it, or NULL */
	char *status;	/* as the file says: implemented, planned, not_checkable */
	char *reason;	/* why not checkable, or NULL */
};

struct coverage {
	char *framework;
	char *benchmark;
	char *baseline;	/* the builtin baseline that implements it, or NULL */
	struct coverage_control *v;
	size_t n;
};

/* Loads a coverage file; errors read "file:line:col: reason". */
int coverage_load(struct coverage **out, const char *path);
void coverage_free(struct coverage *c);
/* The file of coverage ID in the baseline directories' coverage/
 * subdirectories, or NULL with the error set.  A new string. */
char *coverage_resolve(const char *id);

#endif
