/* Leaf helpers the report writers share: text cleaning, XML and JSON
 * output, the snapshot header.  They call no writer and nothing of the
 * dispatcher; not part of the report API. */
#ifndef HARDEN_REPORT_UTIL_H
#define HARDEN_REPORT_UTIL_H

#include <jansson.h>
#include <libxml/xmlwriter.h>
#include <stdint.h>
#include <stdio.h>

#include "report/report.h"
#include "util/util.h"

/* What a finding cites and advises, from the rule as stored with the
 * evaluation (its details JSON): references (strings), rationale and the
 * remediation summary, each NULL when the rule has none. */
struct rpt_trace {
	json_t *doc;
	json_t *refs;		/* a JSON array, borrowed from doc */
	const char *rationale, *remediation;
};
void rpt_trace_load(struct rpt_trace *t, const char *details_json);
void rpt_trace_release(struct rpt_trace *t);
/* The references joined by sep, or NULL when there are none. */
char *rpt_trace_refs(const struct rpt_trace *t, const char *sep);

/* The parameters in force for an evaluation (its stored JSON): as a JSON
 * array (empty when none or unreadable), and as one line
 * "name=value (source), ..." or NULL when there are none. */
json_t *rpt_params_json(const char *params);
char *rpt_params_text(const char *params);

/* What a filter keeps, in words ("severity high, critical; rule 'cis-*'"),
 * or NULL when ff has no condition; and as a JSON object ({} when none). */
char *rpt_filter_text(const struct finding_filter *ff);
json_t *rpt_filter_json(const struct finding_filter *ff);

/* Whether a result is listed under o's --all rule. */
bool rpt_show(const struct report_opts *o, enum rstatus status);

/* Names and values come from vCenter and NSX and may hold anything.  Appends
 * s as valid UTF-8, each bad byte replaced by U+FFFD; with xml, also the
 * characters XML 1.0 forbids (controls other than tab, LF, CR). */
void rpt_clean_buf(struct buf *b, const char *s, bool xml);
/* The same as a new string; NULL stays NULL. */
char *rpt_clean(const char *s, bool xml);
/* The host of a URL ("vc01" of "https://u@vc01:443/sdk"), or NULL. */
char *rpt_url_host(const char *url);
/* The vCenter a snapshot came from: its source URL's host, else the target. */
char *rpt_source_name(const struct snapshot_info *snap);

/* An XML writer on f, closed with rpt_xml_close.  libxml2's own messages
 * are silenced in between: the caller reports a failed write itself.
 * indent, when not NULL, indents each level by it. */
xmlTextWriterPtr rpt_xml_open(FILE *f, const char *indent);
void rpt_xml_close(xmlTextWriterPtr w);
/* Cleaned text, attributes and elements; NULL writes nothing (attribute)
 * or an empty element.  Each returns < 0 on error. */
int rpt_xml_text(xmlTextWriterPtr w, const char *s);
int rpt_xml_attr(xmlTextWriterPtr w, const char *name, const char *value);
int rpt_xml_elem(xmlTextWriterPtr w, const char *name, const char *text);
int rpt_xml_attrf(xmlTextWriterPtr w, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* FNV-1a, 64 bits, over each field followed by a NUL byte: a stable,
 * non-cryptographic fingerprint (SARIF partialFingerprints). */
uint64_t rpt_fnv1a64(const char *const *fields, unsigned n);

/* The violation id of a failing finding of target (violation_id()), in
 * out; NULL for a finding that is not failing. */
const char *rpt_violation_id(char out[VIOLATION_ID_SIZE], const char *target, const struct finding_row *r);

/* A property's value as JSON of its type (integer, boolean, list), else a
 * string; NULL is null. */
json_t *rpt_json_typed(const char *type, const char *value);
/* A member of a document's top-level object on its own line ("  key": v),
 * followed by a comma when comma; takes v. */
void rpt_json_member(FILE *f, const char *key, json_t *v, bool comma);
/* The count of each status of c, as an object keyed by status name. */
json_t *rpt_json_by_status(const struct counts *c);
/* Reals at 15 significant digits: a score of 81.4 prints as 81.4, not as
 * the nearest double's 17 digits. */
#define RPT_JSON_REALS JSON_REAL_PRECISION(15)
/* The score of c to one decimal, as the HTML report prints it, or null. */
json_t *rpt_json_score(const struct counts *c);

/* The lines that open the table and the inventory: the target, the
 * snapshot and its object counts, and what became of the NSX part. */
void rpt_snapshot_header(FILE *f, struct store *st, const struct snapshot_info *snap);

#endif
