#include "util/util.h"

#include "util/progress.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <time.h>

int log_quiet;

static void oom(void)
{
	fputs("harden: out of memory\n", stderr);
	abort();
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		oom();
	return p;
}

void *xcalloc(size_t n, size_t m)
{
	void *p = calloc(n ? n : 1, m ? m : 1);
	if (!p)
		oom();
	return p;
}

void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		oom();
	return p;
}

char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *xvasprintf(const char *fmt, va_list ap)
{
	va_list cp;
	va_copy(cp, ap);
	int n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0)
		oom();
	char *p = xmalloc((size_t)n + 1);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	return p;
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *p = xvasprintf(fmt, ap);
	va_end(ap);
	return p;
}

void buf_grow(struct buf *b, size_t extra)
{
	if (b->len + extra + 1 <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 64;
	while (cap < b->len + extra + 1)
		cap *= 2;
	b->data = xrealloc(b->data, cap);
	b->cap = cap;
}

void buf_add(struct buf *b, const char *s, size_t n)
{
	buf_grow(b, n);
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void buf_puts(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

void buf_putc(struct buf *b, char c)
{
	buf_add(b, &c, 1);
}

void buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = xvasprintf(fmt, ap);
	va_end(ap);
	buf_puts(b, s);
	free(s);
}

void buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

void buf_release(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

char *buf_detach(struct buf *b)
{
	char *p = b->data ? b->data : xstrdup("");
	b->data = NULL;
	b->len = b->cap = 0;
	return p;
}

void buf_xml_escape(struct buf *b, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<': buf_puts(b, "&lt;"); break;
		case '>': buf_puts(b, "&gt;"); break;
		case '&': buf_puts(b, "&amp;"); break;
		case '"': buf_puts(b, "&quot;"); break;
		case '\'': buf_puts(b, "&apos;"); break;
		default: buf_putc(b, *s);
		}
	}
}

void strlist_add_owned(struct strlist *l, char *s)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 8;
		l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	l->v[l->n++] = s;
}

void strlist_add(struct strlist *l, const char *s)
{
	strlist_add_owned(l, xstrdup(s));
}

void strlist_release(struct strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

bool strlist_has(const struct strlist *l, const char *s)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->v[i], s))
			return true;
	return false;
}

/* The length of the UTF-8 sequence at s, 0 when it is not valid UTF-8;
 * *cp gets its code point. */
static size_t utf8_seq(const unsigned char *s, unsigned *cp)
{
	size_t n;
	unsigned c = s[0], min;
	if (c < 0x80) {
		*cp = c;
		return 1;
	} else if ((c & 0xe0) == 0xc0) {
		n = 2, c &= 0x1f, min = 0x80;
	} else if ((c & 0xf0) == 0xe0) {
		n = 3, c &= 0x0f, min = 0x800;
	} else if ((c & 0xf8) == 0xf0) {
		n = 4, c &= 0x07, min = 0x10000;
	} else {
		return 0;
	}
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return n;
}

size_t text_safe_next(const char *s, char *out, size_t *outlen)
{
	unsigned cp;
	size_t n = utf8_seq((const unsigned char *)s, &cp);
	if (n == 1 && (cp == '\n' || cp == '\r' || cp == '\t')) {
		out[0] = ' ';
		*outlen = 1;
	} else if (n == 0 || cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f)) {
		/* C0 and C1 controls (CSI, OSC...) and broken sequences. */
		out[0] = '?';
		*outlen = 1;
		if (!n)
			n = 1;
	} else {
		memcpy(out, s, n);
		*outlen = n;
	}
	return n;
}

void text_sanitize(char *s)
{
	char *w = s;
	const char *r = s;
	while (*r) {
		char tmp[4];
		size_t outlen;
		r += text_safe_next(r, tmp, &outlen);
		memcpy(w, tmp, outlen);
		w += outlen;
	}
	*w = '\0';
	/* Trailing blanks, such as the newline libxml2 ends its messages with. */
	while (w > s && w[-1] == ' ')
		*--w = '\0';
}

/* Each thread its own: collections of several targets run in threads. */
static _Thread_local char errbuf[2048];

void err_set(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(errbuf, sizeof(errbuf), fmt, ap);
	va_end(ap);
	/* Messages carry servers' and files' text: one line, no controls. */
	text_sanitize(errbuf);
}

const char *err_get(void)
{
	return errbuf[0] ? errbuf : "unknown error";
}

void err_clear(void)
{
	errbuf[0] = '\0';
}

static void vlog(const char *kind, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
static void vlog(const char *kind, const char *fmt, va_list ap)
{
	char *m = xvasprintf(fmt, ap);
	text_sanitize(m);
	progress_clear();	/* a message never lands in the middle of the progress line */
	fprintf(stderr, "harden: %s%s\n", kind ? kind : "", m);
	free(m);
}

void log_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlog(NULL, fmt, ap);
	va_end(ap);
}

void log_warn(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlog("warning: ", fmt, ap);
	va_end(ap);
}

void log_info(const char *fmt, ...)
{
	if (log_quiet)
		return;
	va_list ap;
	va_start(ap, fmt);
	vlog(NULL, fmt, ap);
	va_end(ap);
}

char *file_read_max(const char *path, size_t max, size_t *len)
{
	/* O_NONBLOCK: a FIFO must not hang the open; it is refused below. */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		err_set("cannot open '%s': %s", path, strerror(errno));
		return NULL;
	}
	struct stat sb;
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
		err_set("cannot read '%s': not a regular file", path);
		close(fd);
		return NULL;
	}
	if ((unsigned long long)sb.st_size > max) {
		err_set("cannot read '%s': larger than %zu bytes", path, max);
		close(fd);
		return NULL;
	}
	struct buf b = BUF_INIT;
	char chunk[8192];
	ssize_t n;
	while ((n = read(fd, chunk, sizeof(chunk))) > 0) {
		if (b.len + (size_t)n > max) {
			err_set("cannot read '%s': larger than %zu bytes", path, max);
			n = -2;
			break;
		}
		buf_add(&b, chunk, (size_t)n);
	}
	if (n == -1)
		err_set("cannot read '%s': %s", path, strerror(errno));
	close(fd);
	if (n < 0) {
		buf_release(&b);
		return NULL;
	}
	if (len)
		*len = b.len;
	if (!b.data)
		buf_puts(&b, "");
	return buf_detach(&b);
}

char *file_read(const char *path, size_t *len)
{
	return file_read_max(path, FILE_READ_MAX, len);
}

int mkdir_parents(const char *path)
{
	char *p = xstrdup(path);
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0700) < 0 && errno != EEXIST) {
			err_set("cannot create directory '%s': %s", p, strerror(errno));
			free(p);
			return -1;
		}
		*s = '/';
	}
	free(p);
	return 0;
}

double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

void time_iso8601(char out[32], long long t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	gmtime_r(&tt, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

long peak_rss_kib(void)
{
	struct rusage ru;
	if (getrusage(RUSAGE_SELF, &ru) < 0)
		return 0;
	return ru.ru_maxrss;
}

bool parse_int64(const char *s, long long *out)
{
	if (!s || !*s)
		return false;
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno || *end)
		return false;
	*out = v;
	return true;
}

void fput_safe(FILE *f, const char *s, int width)
{
	int n = 0;
	while (s && *s) {
		char tmp[4];
		size_t outlen;
		s += text_safe_next(s, tmp, &outlen);
		if (tmp[0] == ' ' && outlen == 1 && s[-1] != ' ')
			tmp[0] = '?';	/* a newline or tab in a name is shown, not obeyed */
		fwrite(tmp, 1, outlen, f);
		n++;
	}
	for (; n < width; n++)
		fputc(' ', f);
}

void free_secret(char *s)
{
	if (!s)
		return;
	volatile char *p = s;
	while (*p)
		*p++ = '\0';
	free(s);
}

int natcmp(const char *a, const char *b)
{
	return strverscmp(a, b);
}

int natcmp_n(const char *a, size_t alen, const char *b, size_t blen)
{
	/* SQLite hands over text without its NUL: copies on the stack when
	 * short, as names and rule ids are. */
	char sa[256], sb[256];
	char *ca = alen < sizeof(sa) ? sa : xmalloc(alen + 1), *cb = blen < sizeof(sb) ? sb : xmalloc(blen + 1);
	memcpy(ca, a, alen);
	ca[alen] = '\0';
	memcpy(cb, b, blen);
	cb[blen] = '\0';
	int c = strverscmp(ca, cb);
	if (ca != sa)
		free(ca);
	if (cb != sb)
		free(cb);
	return c;
}
