/* Small shared helpers: allocation that aborts on OOM, growable strings,
 * error messages and logging. */
#ifndef HARDEN_UTIL_H
#define HARDEN_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t m);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

/* A growable NUL-terminated byte buffer. */
struct buf {
	char *data;
	size_t len;
	size_t cap;
};
#define BUF_INIT { NULL, 0, 0 }
void buf_grow(struct buf *b, size_t extra);
void buf_add(struct buf *b, const char *s, size_t n);
void buf_puts(struct buf *b, const char *s);
void buf_putc(struct buf *b, char c);
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_reset(struct buf *b);
void buf_release(struct buf *b);
char *buf_detach(struct buf *b);
/* Appends s with XML's five special characters escaped. */
void buf_xml_escape(struct buf *b, const char *s);

/* A list of owned strings. */
struct strlist {
	char **v;
	size_t n;
	size_t cap;
};
void strlist_add(struct strlist *l, const char *s);
void strlist_add_owned(struct strlist *l, char *s);
void strlist_release(struct strlist *l);
bool strlist_has(const struct strlist *l, const char *s);

/* Error message: one line, set by the failing layer, read by the caller. */
void err_set(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
const char *err_get(void);
void err_clear(void);

/* Diagnostics on stderr, prefixed "harden: ". */
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
extern int log_quiet;

/* Overwrites a secret (a password, a request holding one) and frees it. */
void free_secret(char *s);
/* Writes s with C0 and C1 control characters shown as '?' (names from
 * vCenter and NSX may carry escape sequences), padded with spaces to
 * width characters. */
void fput_safe(FILE *f, const char *s, int width);
/* Reads a whole regular file of at most max bytes (file_read: at most
 * FILE_READ_MAX); a FIFO, device or directory is refused without blocking.
 * Returns NULL and sets the error on failure. */
#define FILE_READ_MAX (16u * 1024 * 1024)
char *file_read_max(const char *path, size_t max, size_t *len);
char *file_read(const char *path, size_t *len);
/* Text from a server or a file made fit for a terminal, a log or a message:
 * newlines, carriage returns and tabs become spaces, other C0 and C1
 * controls and broken UTF-8 become '?'; trailing blanks go.  In place. */
void text_sanitize(char *s);
/* One character of s made safe into out (up to 4 bytes, *outlen of them);
 * returns how many bytes of s it consumed. */
size_t text_safe_next(const char *s, char *out, size_t *outlen);
/* Creates every missing directory leading to path's parent. */
int mkdir_parents(const char *path);
/* Milliseconds from a monotonic clock. */
double now_ms(void);
/* Wall-clock time as "YYYY-MM-DDTHH:MM:SSZ". */
void time_iso8601(char out[32], long long t);
/* Peak resident set size of this process in KiB, or 0. */
long peak_rss_kib(void);
/* True when s is a whole base-10 integer; stores it. */
bool parse_int64(const char *s, long long *out);
/* Natural order (glibc's strverscmp): runs of digits compare as numbers,
 * so H3 sorts before H15 and 5.8 before 5.10; 0 only for equal strings,
 * as a SQLite collation needs.  The _n form takes lengths, not NULs. */
int natcmp(const char *a, const char *b);
int natcmp_n(const char *a, size_t alen, const char *b, size_t blen);

#endif
