/* Helpers the report writers share: counts, text cleaning, XML output. */
#include "report/report_int.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

int rpt_counts(struct store *st, const struct evaluation_info *evals, unsigned n, struct counts *per,
	       struct counts *total)
{
	memset(total, 0, sizeof(*total));
	for (unsigned i = 0; i < n; i++) {
		struct counts c = { 0 };
		int rc = store_eval_counts(st, evals[i].id, counts_add, &c);
		if (rc < 0)
			return rc;
		for (int s = 0; s < RS_COUNT; s++)
			for (int v = 0; v < SEV_COUNT; v++)
				total->by[s][v] += c.by[s][v];
		if (per)
			per[i] = c;
	}
	return 0;
}

bool rpt_show(const struct report_opts *o, enum rstatus status)
{
	return o->all || status == RS_FAIL || status == RS_UNKNOWN || status == RS_WAIVED;
}

bool rpt_score(const struct counts *c, double *pct)
{
	long long pass = counts_status(c, RS_PASS), fail = counts_status(c, RS_FAIL);
	if (pass + fail == 0)
		return false;
	*pct = 100.0 * (double)pass / (double)(pass + fail);
	return true;
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

xmlTextWriterPtr rpt_xml_open(FILE *f)
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
