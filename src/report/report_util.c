/* Helpers the report writers share: counts, text cleaning, XML and JSON
 * output.  A leaf: it calls no writer and nothing of report.c. */
#include "report/report_util.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

long long counts_status(const struct counts *c, enum rstatus s)
{
	long long n = 0;
	for (int i = 0; i < SEV_COUNT; i++)
		n += c->by[s][i];
	return n;
}

bool report_score_tenths(const struct counts *c, long long *tenths)
{
	long long pass = counts_status(c, RS_PASS), fail = counts_status(c, RS_FAIL);
	if (pass + fail == 0)
		return false;
	*tenths = (1000 * pass + (pass + fail) / 2) / (pass + fail);
	return true;
}

bool report_score(const struct counts *c, double *pct)
{
	long long t;
	if (!report_score_tenths(c, &t))
		return false;
	*pct = (double)t / 10;
	return true;
}

/* The names of the bits set, joined by sep. */
static void bit_names(struct buf *b, unsigned bits, unsigned n, bool sev, const char *sep)
{
	bool first = true;
	for (unsigned i = n; i-- > 0;) {
		unsigned k = sev ? i : n - 1 - i;	/* severities highest first, statuses in order */
		if (!(bits & (1u << k)))
			continue;
		buf_printf(b, "%s%s", first ? "" : sep, sev ? severity_name((enum severity)k) : rstatus_name((enum rstatus)k));
		first = false;
	}
}

char *rpt_filter_text(const struct finding_filter *ff)
{
	if (!finding_filter_active(ff))
		return NULL;
	struct buf b = BUF_INIT;
	if (ff->severities) {
		buf_puts(&b, "severity ");
		bit_names(&b, ff->severities, SEV_COUNT, true, ", ");
	}
	if (ff->statuses) {
		buf_puts(&b, b.len ? "; status " : "status ");
		bit_names(&b, ff->statuses, RS_COUNT, false, ", ");
	}
	const char *const globs[][2] = { { "rule", ff->rule }, { "object", ff->object }, { "type", ff->type } };
	for (size_t i = 0; i < ARRAY_SIZE(globs); i++)
		if (globs[i][1])
			buf_printf(&b, "%s%s '%s'", b.len ? "; " : "", globs[i][0], globs[i][1]);
	return buf_detach(&b);
}

json_t *rpt_filter_json(const struct finding_filter *ff)
{
	json_t *o = json_object();
	if (!ff)
		return o;
	const unsigned bits[] = { ff->severities, ff->statuses };
	const char *const keys[] = { "severity", "status" };
	for (int k = 0; k < 2; k++) {
		if (!bits[k])
			continue;
		json_t *a = json_array();
		unsigned n = k ? RS_COUNT : SEV_COUNT;
		for (unsigned i = 0; i < n; i++) {
			unsigned b = k ? i : n - 1 - i;
			if (bits[k] & (1u << b))
				json_array_append_new(a, json_string(k ? rstatus_name((enum rstatus)b)
								       : severity_name((enum severity)b)));
		}
		json_object_set_new(o, keys[k], a);
	}
	if (ff->rule)
		json_object_set_new(o, "rule", json_string(ff->rule));
	if (ff->object)
		json_object_set_new(o, "object", json_string(ff->object));
	if (ff->type)
		json_object_set_new(o, "type", json_string(ff->type));
	return o;
}

bool rpt_show(const struct report_opts *o, enum rstatus status)
{
	/* --status replaces the default set (and --all). */
	if (o->filter && o->filter->statuses)
		return (o->filter->statuses >> status) & 1u;
	return o->all || status == RS_FAIL || status == RS_UNKNOWN || status == RS_WAIVED;
}

static const char replacement[] = "\xef\xbf\xbd";	/* U+FFFD */

/* Length of the valid UTF-8 sequence at s, or 0. */
static size_t utf8_len(const unsigned char *s)
{
	unsigned char c = s[0];
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4;
	else
		return 0;
	/* Overlong forms, surrogates and code points past U+10FFFF. */
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

void rpt_clean_buf(struct buf *b, const char *s, bool xml)
{
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		size_t n = utf8_len(p);
		bool bad = n == 0;
		if (!bad && xml && n == 1)
			bad = *p < 0x20 && *p != '\t' && *p != '\n' && *p != '\r';
		if (!bad && xml && n == 3)
			bad = p[0] == 0xef && p[1] == 0xbf && (p[2] == 0xbe || p[2] == 0xbf);	/* U+FFFE, U+FFFF */
		if (bad) {
			buf_puts(b, replacement);
			p++;
			continue;
		}
		buf_add(b, (const char *)p, n);
		p += n;
	}
}

char *rpt_clean(const char *s, bool xml)
{
	if (!s)
		return NULL;
	struct buf b = BUF_INIT;
	buf_add(&b, "", 0);
	rpt_clean_buf(&b, s, xml);
	return buf_detach(&b);
}

char *rpt_url_host(const char *url)
{
	if (!url)
		return NULL;
	const char *p = strstr(url, "://");
	p = p ? p + 3 : url;
	size_t end = strcspn(p, "/?#");
	const char *at = memchr(p, '@', end);
	if (at) {
		end -= (size_t)(at + 1 - p);
		p = at + 1;
	}
	if (*p == '[') {
		/* An IPv6 literal keeps its colons. */
		const char *close = memchr(p, ']', end);
		if (!close)
			return NULL;
		return close > p + 1 ? xstrndup(p + 1, (size_t)(close - p - 1)) : NULL;
	}
	const char *colon = memchr(p, ':', end);
	if (colon)
		end = (size_t)(colon - p);
	return end ? xstrndup(p, end) : NULL;
}

char *rpt_source_name(const struct snapshot_info *snap)
{
	char *h = rpt_url_host(snap->source_url);
	return h ? h : xstrdup(snap->target ? snap->target : "");
}

static void xml_quiet(void *ctx, const char *msg, ...)
{
	(void)ctx;
	(void)msg;
}

xmlTextWriterPtr rpt_xml_open(FILE *f, const char *indent)
{
	/* A write error is reported once, by the caller, naming the file. */
	xmlSetGenericErrorFunc(NULL, xml_quiet);
	xmlOutputBufferPtr out = xmlOutputBufferCreateFile(f, NULL);
	if (!out) {
		xmlSetGenericErrorFunc(NULL, NULL);
		err_set("cannot create an XML writer");
		return NULL;
	}
	xmlTextWriterPtr w = xmlNewTextWriter(out);
	if (!w) {
		xmlOutputBufferClose(out);
		xmlSetGenericErrorFunc(NULL, NULL);
		err_set("cannot create an XML writer");
		return NULL;
	}
	if (indent) {
		xmlTextWriterSetIndent(w, 1);
		xmlTextWriterSetIndentString(w, BAD_CAST indent);
	}
	return w;
}

void rpt_xml_close(xmlTextWriterPtr w)
{
	xmlFreeTextWriter(w);
	xmlSetGenericErrorFunc(NULL, NULL);	/* libxml2's default again */
}

int rpt_xml_text(xmlTextWriterPtr w, const char *s)
{
	char *c = rpt_clean(s ? s : "", true);
	int rc = xmlTextWriterWriteString(w, (const xmlChar *)c);
	free(c);
	return rc;
}

int rpt_xml_attr(xmlTextWriterPtr w, const char *name, const char *value)
{
	if (!value)
		return 0;
	char *c = rpt_clean(value, true);
	int rc = xmlTextWriterWriteAttribute(w, (const xmlChar *)name, (const xmlChar *)c);
	free(c);
	return rc;
}

int rpt_xml_attrf(xmlTextWriterPtr w, const char *name, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *v = xvasprintf(fmt, ap);
	va_end(ap);
	int rc = rpt_xml_attr(w, name, v);
	free(v);
	return rc;
}

int rpt_xml_elem(xmlTextWriterPtr w, const char *name, const char *text)
{
	if (xmlTextWriterStartElement(w, (const xmlChar *)name) < 0 || rpt_xml_text(w, text) < 0)
		return -1;
	/* Always a closing tag: <td/> means an open <td> to an HTML parser. */
	return xmlTextWriterFullEndElement(w);
}

uint64_t rpt_fnv1a64(const char *const *fields, unsigned n)
{
	uint64_t h = 0xcbf29ce484222325ULL;	/* the FNV-1a offset basis */
	for (unsigned i = 0; i < n; i++) {
		const unsigned char *p = (const unsigned char *)(fields[i] ? fields[i] : "");
		/* Each field and its terminating NUL, so "ab","c" differs from "a","bc". */
		do {
			h ^= *p;
			h *= 0x100000001b3ULL;	/* the FNV 64-bit prime */
		} while (*p++);
	}
	return h;
}

void json_stream_item(FILE *f, json_t *item, bool *first)
{
	fputs(*first ? "\n    " : ",\n    ", f);
	*first = false;
	json_dumpf(item, f, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII | RPT_JSON_REALS);
	json_decref(item);
}

void json_stream_open(FILE *f, json_t *head, const char *key)
{
	/* head's members, then the list left open for json_stream_item. */
	char *h = json_dumps(head, JSON_PRESERVE_ORDER | JSON_COMPACT | JSON_ENSURE_ASCII);
	json_decref(head);
	fprintf(f, "%.*s, \"%s\": [", (int)strlen(h) - 1, h, key);
	free(h);
}

void json_stream_close(FILE *f, bool first)
{
	fprintf(f, "%s]}\n", first ? "" : "\n  ");
}

json_t *rpt_json_typed(const char *type, const char *value)
{
	enum ptype t;
	if (!value)
		return json_null();
	if (ptype_parse(type, &t) < 0)
		t = PT_STRING;
	long long n;
	json_error_t je;
	switch (t) {
	case PT_INT:
		if (parse_int64(value, &n))
			return json_integer(n);
		break;
	case PT_BOOL:
		return json_boolean(!strcmp(value, "true"));
	case PT_LIST: {
		json_t *a = json_loads(value, 0, &je);
		if (a)
			return a;
		break;
	}
	default:
		break;
	}
	return json_string(value);
}

void rpt_json_member(FILE *f, const char *key, json_t *v, bool comma)
{
	fprintf(f, "  \"%s\": ", key);
	json_dumpf(v, f, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII | JSON_ENCODE_ANY | RPT_JSON_REALS);
	fputs(comma ? ",\n" : "\n", f);
	json_decref(v);
}

json_t *rpt_json_by_status(const struct counts *c)
{
	json_t *o = json_object();
	for (int s = 0; s < RS_COUNT; s++)
		json_object_set_new(o, rstatus_name((enum rstatus)s), json_integer(counts_status(c, (enum rstatus)s)));
	return o;
}

json_t *rpt_json_score(const struct counts *c)
{
	long long t;
	return report_score_tenths(c, &t) ? json_real((double)t / 10) : json_null();
}

void rpt_snapshot_header(FILE *f, struct store *st, const struct snapshot_info *snap)
{
	char t[32];
	time_iso8601(t, snap->ended_at ? snap->ended_at : snap->started_at);
	long long h = 0, v = 0, d = 0;
	store_object_count(st, snap->id, "host", &h);
	store_object_count(st, snap->id, "vm", &v);
	store_object_count(st, snap->id, "datastore", &d);
	fputs("Target ", f);
	fput_safe(f, snap->target, 0);
	fprintf(f, ", snapshot %lld (%s %s): %lld hosts, %lld VMs, %lld datastores\n",
		snap->id, snap_status_name(snap->status), t, h, v, d);
	struct part_info *parts;
	unsigned np;
	if (store_parts(st, snap->id, &parts, &np) < 0)
		return;
	const struct part_info *p = part_find(parts, np, PART_NSX);
	long long r = 0;
	if (p && p->status == PS_COMPLETED) {
		store_object_count(st, snap->id, "dfw_rule", &r);
		fprintf(f, "NSX: %lld DFW rules\n", r);
	} else if (p && p->status == PS_FAILED) {
		fputs("NSX: not collected, the NSX part failed: ", f);
		fput_safe(f, p->error, 0);
		fputs("; DFW rules are unknown\n", f);
	} else if (p && p->status == PS_NOT_NEEDED) {
		fputs("NSX: not contacted, no baseline of the scan reads an NSX type\n", f);
	} else if (p) {
		fputs("NSX: no NSX manager configured; DFW rules are unknown\n", f);
	}
	part_list_free(parts, np);
}

const char *rpt_violation_id(char out[VIOLATION_ID_SIZE], const char *target, const struct finding_row *r)
{
	if (r->status != RS_FAIL)
		return NULL;
	violation_id(out, target, r->rule_id, r->object_type, r->moref);
	return out;
}

void rpt_trace_load(struct rpt_trace *t, const char *details_json)
{
	memset(t, 0, sizeof(*t));
	t->doc = details_json ? json_loads(details_json, 0, NULL) : NULL;
	json_t *refs = json_object_get(t->doc, "references");
	t->refs = json_is_array(refs) ? refs : NULL;
	t->rationale = json_string_value(json_object_get(t->doc, "rationale"));
	t->remediation = json_string_value(json_object_get(json_object_get(t->doc, "remediation"), "summary"));
}

void rpt_trace_release(struct rpt_trace *t)
{
	json_decref(t->doc);
	memset(t, 0, sizeof(*t));
}

char *rpt_trace_refs(const struct rpt_trace *t, const char *sep)
{
	struct buf b = BUF_INIT;
	size_t i;
	json_t *v;
	json_array_foreach(t->refs, i, v)
		if (json_is_string(v))
			buf_printf(&b, "%s%s", b.len ? sep : "", json_string_value(v));
	return b.len ? buf_detach(&b) : (buf_release(&b), NULL);
}

json_t *rpt_params_json(const char *params)
{
	json_t *a = params ? json_loads(params, 0, NULL) : NULL;
	if (!json_is_array(a)) {
		json_decref(a);
		a = json_array();
	}
	return a;
}

char *rpt_params_text(const char *params)
{
	json_t *a = rpt_params_json(params), *p;
	struct buf b = BUF_INIT;
	size_t i;
	json_array_foreach(a, i, p) {
		const char *name = json_string_value(json_object_get(p, "name"));
		const char *value = json_string_value(json_object_get(p, "value"));
		const char *source = json_string_value(json_object_get(p, "source"));
		if (name)
			buf_printf(&b, "%s%s=%s (%s)", b.len ? ", " : "", name, value ? value : "", source ? source : "?");
	}
	json_decref(a);
	return b.len ? buf_detach(&b) : (buf_release(&b), NULL);
}
