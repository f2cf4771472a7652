/* The property vocabulary: every property a collector fills, its type and
 * the vSphere path it comes from.  Rules may read only these. */
#ifndef HARDEN_VOCAB_H
#define HARDEN_VOCAB_H

#include <stdbool.h>

#include "status.h"
#include "util/util.h"

enum ptype {
	PT_STRING,
	PT_INT,
	PT_BOOL,
	PT_LIST,	/* list of strings, stored as a JSON array */
	PT_VERSION,	/* dotted version such as 8.0.2 */
	PT_DYNAMIC,	/* typed as collected (advanced settings) */
	PT_GROUP,	/* marker: a keyed family was collected for the object */
};

struct vocab_entry {
	const char *otype;	/* host, vm, datastore, dfw_rule, ... */
	const char *name;	/* may hold one '*' standing for a key */
	enum ptype type;
	const char *group;	/* for keyed families: the group marker, else NULL */
	const char *keys;	/* '|'-separated keys '*' may stand for, or NULL for any */
	const char *path;	/* where it comes from in vSphere */
	const char *desc;
};

const struct vocab_entry *vocab_lookup(const char *otype, const char *name);
/* The name as stored: for a family whose keys ignore case, the key in
 * lower case.  A new string. */
char *vocab_canonical(const struct vocab_entry *e, const char *name);
const struct vocab_entry *vocab_all(unsigned *n);
bool vocab_known_type(const char *otype);
/* Whether vCenter may rightly return no object of the type (no distributed
 * switch), so that rules over it give no result rather than unknown. */
bool vocab_may_be_absent(const char *otype);
/* The object of the NSX part itself (one per snapshot): rules over NSX
 * types are unknown on it when the part was not collected. */
#define NSX_PART_OBJECT "nsx_manager"
/* The object of the vCenter part (one per snapshot whose vCenter part
 * completed, type and moref alike): rules over a vCenter type of which
 * vCenter returned no object are unknown on it. */
#define VCENTER_PART_OBJECT "vcenter"
/* The snapshot part that collects objects of otype. */
enum part vocab_part(const char *otype);
const char *ptype_name(enum ptype t);

/* What a scan asks the collectors for: the vocabulary entries its
 * baselines read (entry names as in the vocabulary, '*' kept), and
 * whether any rule reads a type of the NSX part.  all: everything the
 * collectors know (scan --collect all). */
struct prop_needs {
	bool all;
	bool nsx;
	struct strlist props;	/* "otype:entry-name" */
};
void prop_needs_add(struct prop_needs *n, const struct vocab_entry *e);
bool prop_needed(const struct prop_needs *n, const char *otype, const char *entry_name);
void prop_needs_release(struct prop_needs *n);
int ptype_parse(const char *s, enum ptype *out);

#endif
