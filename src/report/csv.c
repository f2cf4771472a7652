/* CSV (RFC 4180): a header row, then a row per finding listed under the
 * same rule as the table and JSON (fail, unknown, waived; all with --all).
 * The columns are a contract: new ones are only ever added at the end. */
#include <stdlib.h>
#include <string.h>

#include "report/report_int.h"

static const char *const columns[] = {
	"snapshot", "target", "baseline", "rule_id", "title", "severity", "status", "object_type",
	"object_moref", "object_name", "property", "observed", "expected", "waiver_justification",
	"waiver_expires",
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
	const char *v[] = {
		x->snapshot, x->target, x->baseline, r->rule_id, r->title, severity_name(r->severity), rstatus_name(r->status), r->object_type,
		r->moref, r->object_name, r->property, r->observed, r->expected, r->waiver_justification,
		r->waiver_expires,
	};
	buf_reset(&x->line);
	for (size_t i = 0; i < ARRAY_SIZE(v); i++)
		field(&x->line, v[i], i + 1 == ARRAY_SIZE(v));
	fwrite(x->line.data, 1, x->line.len, x->f);
	return 0;
}

int csv_write(FILE *f, struct store *st, const struct snapshot_info *snap, const struct evaluation_info *evals,
	      unsigned n, const struct report_opts *o, struct counts *total)
{
	int rc = rpt_counts(st, evals, n, NULL, total);
	if (rc < 0)
		return rc;
	char *id = xasprintf("%lld", snap->id);
	struct csv_ctx x = { f, o, id, snap->target, NULL, BUF_INIT };
	for (size_t i = 0; i < ARRAY_SIZE(columns); i++)
		field(&x.line, columns[i], i + 1 == ARRAY_SIZE(columns));
	fwrite(x.line.data, 1, x.line.len, f);
	for (unsigned i = 0; i < n && rc >= 0; i++) {
		x.baseline = evals[i].baseline_id;
		rc = store_findings_each(st, evals[i].id, csv_row, &x);
	}
	buf_release(&x.line);
	free(id);
	return rc < 0 ? rc : 0;
}
