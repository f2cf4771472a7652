#include "status.h"

#include <string.h>

static const char *const severity_names[SEV_COUNT] = {
	[SEV_INFO] = "info", [SEV_LOW] = "low", [SEV_MEDIUM] = "medium", [SEV_HIGH] = "high",
	[SEV_CRITICAL] = "critical",
};
static const char *const rstatus_names[RS_COUNT] = {
	[RS_PASS] = "pass", [RS_FAIL] = "fail", [RS_NA] = "not_applicable", [RS_UNKNOWN] = "unknown",
	[RS_WAIVED] = "waived",
};
static const char *const snap_status_names[SNAP_COUNT] = {
	[SNAP_RUNNING] = "running", [SNAP_COMPLETED] = "completed", [SNAP_FAILED] = "failed",
};
static const char *const part_status_names[PS_COUNT] = {
	[PS_COMPLETED] = "completed", [PS_FAILED] = "failed", [PS_NOT_CONFIGURED] = "not_configured",
	[PS_NOT_NEEDED] = "not_needed",
};
static const char *const part_names[PART_COUNT] = {
	[PART_VCENTER] = "vcenter", [PART_NSX] = "nsx",
};

static const char *name_of(const char *const *names, int n, int v)
{
	return v >= 0 && v < n ? names[v] : "?";
}

static int index_of(const char *const *names, int n, const char *s)
{
	for (int i = 0; s && i < n; i++)
		if (!strcmp(s, names[i]))
			return i;
	return -1;
}

/* name and parse for one table; the enum's range is [0, count).  (type
 * names an enum tag, which cannot be parenthesised.) */
/* NOLINTBEGIN(bugprone-macro-parentheses) */
#define NAME_TABLE(fn, type, names, count) \
	const char *fn##_name(enum type v) { return name_of(names, count, (int)v); } \
	int fn##_parse(const char *s, enum type *out) \
	{ \
		int i = index_of(names, count, s); \
		if (i < 0) \
			return -1; \
		*out = (enum type)i; \
		return 0; \
	}
/* NOLINTEND(bugprone-macro-parentheses) */

NAME_TABLE(severity, severity, severity_names, SEV_COUNT)
NAME_TABLE(rstatus, rstatus, rstatus_names, RS_COUNT)
NAME_TABLE(snap_status, snap_status, snap_status_names, SNAP_COUNT)
NAME_TABLE(part_status, part_status, part_status_names, PS_COUNT)
NAME_TABLE(part, part, part_names, PART_COUNT)

void counts_add(void *ctx, enum rstatus status, enum severity severity, long long n)
{
	struct counts *c = ctx;
	if ((unsigned)status < RS_COUNT && (unsigned)severity < SEV_COUNT)
		c->by[status][severity] += n;
}

/* Crockford's base32: no I, L, O or U to misread. */
static const char vid_alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

static unsigned long long fnv1a(unsigned long long h, const char *s)
{
	for (; s && *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return (h ^ 0xffu) * 1099511628211ULL;	/* a separator, so "ab"+"c" differs from "a"+"bc" */
}

void violation_id(char out[VIOLATION_ID_SIZE], const char *target, const char *rule_id, const char *object_type,
		  const char *moref)
{
	unsigned long long h = 14695981039346656037ULL;
	h = fnv1a(h, target);
	h = fnv1a(h, rule_id);
	h = fnv1a(h, object_type);
	h = fnv1a(h, moref);
	out[0] = 'V';
	out[1] = '-';
	for (int i = 0; i < 8; i++)
		out[2 + i] = vid_alphabet[(h >> (5 * i)) & 31];
	out[10] = '\0';
}

int violation_id_valid(const char *s)
{
	if (!s || strlen(s) != VIOLATION_ID_SIZE - 1 || s[0] != 'V' || s[1] != '-')
		return 0;
	for (int i = 2; i < VIOLATION_ID_SIZE - 1; i++)
		if (!strchr(vid_alphabet, s[i]))
			return 0;
	return 1;
}
