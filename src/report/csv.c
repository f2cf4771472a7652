/* CSV (RFC 4180): a header row, then a row per finding listed under the
 * same rule as the table and JSON (fail, unknown, waived; all with --all).
 * The columns are a contract: new ones are only ever added at the end. */
#include <stdlib.h>
#include <string.h>

#include "report/report_int.h"
#include "report/report_util.h"

static const char *const columns[] = {
	"snapshot", "target", "baseline", "rule_id", "title", "severity", "status", "object_type",
	"object_moref", "object_name", "property", "observed", "expected", "waiver_justification",
	"waiver_expires", "violation_id", "references", "rationale", "remediation",
};

/* One field.  Names and values come from vCenter and NSX: a field that a
 * spreadsheet would run as a formula (starting with = + - @, tab or CR)
 * gets a leading single quote, as OWASP advises. */
static void field(struct buf *b, const char *s, bool last)
{
	struct buf c = BUF_INIT;
	if (s && *s && strchr("=+-@\t\r", *s))
		buf_putc(&c, '\'');
	rpt_clean_buf(&c, s ? s : "", false);
	if (c.data && strpbrk(c.data, ",\"\r\n")) {
		buf_putc(b, '"');
		for (const char *p = c.data; *p; p++) {
			if (*p == '"')
				buf_putc(b, '"');
			buf_putc(b, *p);
		}
		buf_putc(b, '"');
	} else if (c.data) {
		buf_puts(b, c.data);
	}
	buf_puts(b, last ? "\r\n" : ",");
	buf_release(&c);
}

struct csv_ctx {
	FILE *f;
	const struct report_opts *o;
	const char *snapshot, *target, *baseline;
	struct buf line;
};

static int csv_row(void *vctx, const struct finding_row *r)
{
	struct csv_ctx *x = vctx;
	if (!rpt_show(x->o, r->status))
		return 0;
	char vid[VIOLATION_ID_SIZE];
	struct rpt_trace t;
	rpt_trace_load(&t, r->details_json);
	char *refs = rpt_trace_refs(&t, "; ");
	const char *v[] = {
		x->snapshot, x->target, x->baseline, r->rule_id, r->title, severity_name(r->severity), rstatus_name(r->status), r->object_type,
		r->moref, r->object_name, r->property, r->observed, r->expected, r->waiver_justification,
		r->waiver_expires, rpt_violation_id(vid, x->target, r), refs, t.rationale, t.remediation,
	};
	buf_reset(&x->line);
	for (size_t i = 0; i < ARRAY_SIZE(v); i++)
		field(&x->line, v[i], i + 1 == ARRAY_SIZE(v));
	fwrite(x->line.data, 1, x->line.len, x->f);
	free(refs);
	rpt_trace_release(&t);
	return 0;
}

static int csv_write(const struct report_ctx *x)
{
	char *id = xasprintf("%lld", x->snap->id);
	struct csv_ctx c = { x->f, x->o, id, x->snap->target, NULL, BUF_INIT };
	int rc = 0;
	for (size_t i = 0; i < ARRAY_SIZE(columns); i++)
		field(&c.line, columns[i], i + 1 == ARRAY_SIZE(columns));
	fwrite(c.line.data, 1, c.line.len, x->f);
	for (unsigned i = 0; i < x->n && rc >= 0; i++) {
		c.baseline = x->evals[i].baseline_id;
		rc = rpt_findings_each(x, x->evals[i].id, csv_row, &c);
	}
	buf_release(&c.line);
	free(id);
	return rc < 0 ? rc : 0;
}

const struct report_writer report_csv = { "csv", csv_write, true };
