/* The closed sets of words harden stores and prints: result status,
 * severity, snapshot status, part status and part.  Each has one name
 * table (status.c); the twin keeps these names as text. */
#ifndef HARDEN_STATUS_H
#define HARDEN_STATUS_H

/* Severity of a rule, lowest first. */
enum severity { SEV_INFO, SEV_LOW, SEV_MEDIUM, SEV_HIGH, SEV_CRITICAL, SEV_COUNT };
/* The result of a rule on an object. */
enum rstatus { RS_PASS, RS_FAIL, RS_NA, RS_UNKNOWN, RS_WAIVED, RS_COUNT };
/* A snapshot: running until the scan ends it. */
enum snap_status { SNAP_RUNNING, SNAP_COMPLETED, SNAP_FAILED, SNAP_COUNT };
/* What one part of a snapshot achieved. */
/* not_needed: configured, but no baseline of the scan reads a type the
 * part collects, so it was not contacted; neither failed nor a gap. */
enum part_status { PS_COMPLETED, PS_FAILED, PS_NOT_CONFIGURED, PS_NOT_NEEDED, PS_COUNT };
/* The parts of a snapshot, one per collector. */
enum part { PART_VCENTER, PART_NSX, PART_COUNT };

/* name: the stored word ("?" when out of range); parse: 0, or -1 when s
 * is no such word (s may be NULL). */
const char *severity_name(enum severity s);
int severity_parse(const char *s, enum severity *out);
const char *rstatus_name(enum rstatus s);
int rstatus_parse(const char *s, enum rstatus *out);
const char *snap_status_name(enum snap_status s);
int snap_status_parse(const char *s, enum snap_status *out);
const char *part_status_name(enum part_status s);
int part_status_parse(const char *s, enum part_status *out);
const char *part_name(enum part p);
int part_parse(const char *s, enum part *out);

/* Result counts by status and severity. */
struct counts {
	long long by[RS_COUNT][SEV_COUNT];
};
/* Adds n results to the counts at ctx; a store_count_fn. */
void counts_add(void *ctx, enum rstatus status, enum severity severity, long long n);

/* A violation's id: short enough to type ("V-" and eight letters and
 * digits), and the same in every scan of a target for the same rule and
 * object, so that a suggestion, an approval and a verification survive a
 * re-scan.  Built from the target, the rule id, the object type and its
 * moref (or NSX path). */
#define VIOLATION_ID_SIZE 11
void violation_id(char out[VIOLATION_ID_SIZE], const char *target, const char *rule_id, const char *object_type,
		  const char *moref);
/* Whether s has the form of a violation id. */
int violation_id_valid(const char *s);

#endif
