/* One HTML page writer for the report and the pages of `harden web`: a self-contained document with no script and nothing fetched from
 * elsewhere, every name and value escaped, and a Content-Security-Policy
 * that forbids scripts should anything slip through anyway.  Report-
 * internal: not part of the report API. */
#ifndef HARDEN_REPORT_HTML_H
#define HARDEN_REPORT_HTML_H

#include <stdbool.h>
#include <stdio.h>

struct html_page;

/* Opens a page on f: the doctype, <head> (charset, the CSP, title and the
 * inline style), then <body> and its <h1>heading</h1> (none when heading
 * is NULL).  NULL, with the
 * error set, when no writer can be made. */
struct html_page *html_page_begin(FILE *f, const char *title, const char *heading);
/* Writes <footer><p>footer</p></footer> (footer may be NULL: none), closes
 * the document and frees p.  Returns 0, or -1 when a write on the page
 * failed. */
int html_page_end(struct html_page *p, const char *footer);

/* What a page other than the report's needs in its <head>: the document's
 * language, a Content-Security-Policy of its own (the report's forbids
 * forms), and style rules added after the shared ones (no '<', '>' or
 * '&').  Any member may be NULL: the report's choice. */
struct html_head {
	const char *lang;
	const char *csp;
	const char *css;
};
struct html_page *html_page_begin_head(FILE *f, const char *title, const char *heading, const struct html_head *h);

/* The body: <tag class="cls"> (cls may be NULL), an attribute of the
 * element just opened, text, the closing tag of the innermost open
 * element, and a whole <tag class="cls">text</tag>.  A failed write is
 * remembered by the page and reported by html_page_end. */
void html_open(struct html_page *p, const char *tag, const char *cls);
void html_attr(struct html_page *p, const char *name, const char *value);
void html_text(struct html_page *p, const char *text);
void html_close(struct html_page *p);
void html_elem(struct html_page *p, const char *tag, const char *cls, const char *text);
/* Closes the element just opened as an empty one (<input ... />). */
void html_close_empty(struct html_page *p);
/* <a href="href" class="cls">text</a>. */
void html_link(struct html_page *p, const char *href, const char *cls, const char *text);
/* An attribute whose value is printf-formatted. */
void html_attrf(struct html_page *p, const char *name, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Whether a write failed since the last call, clearing the record (which
 * html_page_end still sees). */
bool html_failed(struct html_page *p);

#endif
