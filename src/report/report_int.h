/* Shared by the report writers; not part of the report API. */
#ifndef HARDEN_REPORT_INT_H
#define HARDEN_REPORT_INT_H

#include <libxml/xmlwriter.h>
#include <stdint.h>
#include <stdio.h>

#include "report/report.h"
#include "util/util.h"

/* The writers behind report_write, one per file. */
int sarif_write(FILE *f, struct store *st, const struct snapshot_info *snap, const struct evaluation_info *evals,
		unsigned n, const struct report_opts *o, struct counts *total);
int junit_write(FILE *f, struct store *st, const struct snapshot_info *snap, const struct evaluation_info *evals,
		unsigned n, const struct report_opts *o, struct counts *total);
int csv_write(FILE *f, struct store *st, const struct snapshot_info *snap, const struct evaluation_info *evals,
	      unsigned n, const struct report_opts *o, struct counts *total);
int html_write(FILE *f, struct store *st, const struct snapshot_info *snap, const struct evaluation_info *evals,
	       unsigned n, const struct report_opts *o, const struct report_extra *x, struct counts *total);

/* Counts of each evaluation (per may be NULL) and their sum, as the table
 * and the gate see them. */
int rpt_counts(struct store *st, const struct evaluation_info *evals, unsigned n, struct counts *per,
	       struct counts *total);
/* Whether a result is listed under o's --all rule. */
bool rpt_show(const struct report_opts *o, enum rstatus status);
/* The compliance score in percent, passed / (passed + failed); false when
 * nothing passed or failed. */
bool rpt_score(const struct counts *c, double *pct);

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
 * are silenced in between: the caller reports a failed write itself. */
xmlTextWriterPtr rpt_xml_open(FILE *f);
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

#endif
