/* NSX Policy API transport: one libcurl handle per connection, JSON bodies
 * parsed with jansson, authentication, retries and cursor paging. */
#include "nsx/nsx.h"

#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/transport.h"
#include "nsx/nsx_internal.h"
#include "util/interrupt.h"
#include "util/torture.h"
#include "util/util.h"

/* A page of 1,000 rules is about 1 MB; anything far larger is not NSX. */
#define MAX_BODY (64L * 1024 * 1024)
#define DEFAULT_RETRIES 5
#define MAX_RETRY_WAIT_MS 30000.0
/* Paging limits: 10,000 pages of 1,000 is ten million objects. */
#define NSX_MAX_PAGES 10000
#define NSX_MAX_EMPTY_PAGES 3

struct nsx {
	CURL *curl;
	struct curl_slist *headers;
	char *base;		/* scheme://host[:port], no trailing slash */
	char *target;
	char *user;
	char *password;
	char *xsrf;		/* session mode: the X-XSRF-TOKEN to send back */
	enum nsx_auth auth;
	int page_size;
	int max_retries;
	bool progress;
	bool with_ca;		/* a ca_file was given: what a TLS failure's hint says */
	bool in_session;
	long long calls;
	long long bytes;
	struct buf body;
	bool too_big;
	char curl_err[CURL_ERROR_SIZE];
};

long long nsx_api_calls(const struct nsx *n)
{
	return n->calls;
}

long long nsx_bytes_received(const struct nsx *n)
{
	return n->bytes;
}

bool nsx_progress(const struct nsx *n)
{
	return n->progress;
}

const char *nsx_target(const struct nsx *n)
{
	return n->target;
}

const char *nsx_base(const struct nsx *n)
{
	return n->base;
}

static size_t on_write(char *data, size_t size, size_t nmemb, void *ud)
{
	struct nsx *n = ud;
	size_t len = size * nmemb;
	n->bytes += (long long)len;
	if (n->body.len + len > (size_t)MAX_BODY) {
		n->too_big = true;
		return 0;
	}
	buf_add(&n->body, data, len);
	return len;
}

/* A wait between retries, cut short by SIGINT or SIGTERM. */
static void sleep_ms(double ms)
{
	if (interrupt_pending())
		return;
	struct timespec ts = { (time_t)(ms / 1000), (long)((long long)ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR && !interrupt_pending())
		;
}

static int transport_error(struct nsx *n, CURLcode cc, const char *url)
{
	const char *detail = n->curl_err[0] ? n->curl_err : curl_easy_strerror(cc);
	if (n->too_big)
		err_set("NSX manager for target '%s' sent more than %ld MiB for %s", n->target, MAX_BODY >> 20, url);
	else if (transport_interrupted(cc))
		err_set("interrupted while talking to the NSX manager of target '%s' at %s", n->target, url);
	else if (transport_tls_error(cc))
	{
		char hint[320];
		err_set("TLS verification failed for the NSX manager of target '%s' at %s: %s; %s", n->target, url, detail,
			transport_tls_hint(cc, "nsx", n->with_ca, hint, sizeof(hint)));
	}
	else if (cc == CURLE_OPERATION_TIMEDOUT)
		err_set("timed out talking to the NSX manager of target '%s' at %s: %s", n->target, url, detail);
	else if (cc == CURLE_TOO_MANY_REDIRECTS)
		err_set("the NSX manager of target '%s' redirected too often at %s", n->target, url);
	else
		err_set("cannot reach the NSX manager of target '%s' at %s: %s", n->target, url, detail);
	return HERR_COLLECT;
}

/* The NSX error body: {"httpStatus", "error_code", "module_name",
 * "error_message", "related_errors"}, error_code a number or a string. */
static char *error_detail(const struct buf *body)
{
	json_t *j = body->len ? json_loadb(body->data, body->len, 0, NULL) : NULL;
	if (!json_is_object(j)) {
		json_decref(j);
		return xstrdup("no NSX error body");
	}
	struct buf b = BUF_INIT;
	json_t *code = json_object_get(j, "error_code");
	const char *msg = json_string_value(json_object_get(j, "error_message"));
	const char *module = json_string_value(json_object_get(j, "module_name"));
	if (json_is_integer(code))
		buf_printf(&b, "error_code %lld", (long long)json_integer_value(code));
	else if (json_is_string(code))
		buf_printf(&b, "error_code %s", json_string_value(code));
	if (module)
		buf_printf(&b, "%s%s", b.len ? " in " : "module ", module);
	if (msg)
		buf_printf(&b, "%s%s", b.len ? ": " : "", msg);
	json_t *rel = json_object_get(j, "related_errors");
	size_t i;
	json_t *e;
	json_array_foreach(rel, i, e) {
		const char *rm = json_string_value(json_object_get(e, "error_message"));
		if (rm)
			buf_printf(&b, "; %s", rm);
	}
	json_decref(j);
	if (!b.len)
		buf_puts(&b, "an NSX error body without a message");
	/* One line of at most 400 bytes: the message is the manager's text,
	 * and reaches terminals and logs. */
	if (b.len > 400)
		strcpy(b.data + 397, "...");
	for (char *p = b.data; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	return buf_detach(&b);
}

/* scheme://host:port of a URL, lower-cased, or NULL. */
static char *origin_of(const char *url)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL, *port = NULL, *o = NULL;
	if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK) {
		o = xasprintf("%s://%s:%s", scheme, host, port);
		for (char *c = o; *c; c++)
			*c = (char)tolower((unsigned char)*c);
	}
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
	return o;
}

static int perform(struct nsx *n, const char *url, const char *form, bool post, long *status)
{
	CURL *c = n->curl;
	buf_reset(&n->body);
	n->too_big = false;
	n->curl_err[0] = '\0';
	curl_easy_setopt(c, CURLOPT_URL, url);
	if (post) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, form ? form : "");
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, form ? (long)strlen(form) : 0L);
	} else {
		curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
	}
	n->calls++;
	CURLcode cc = curl_easy_perform(c);
	torture_point("nsx call");
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, NULL);
	curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
	*status = 0;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
	return cc == CURLE_OK ? 0 : transport_error(n, cc, url);
}

/* One HTTP exchange: status in *status, body in n->body.  Redirects are
 * followed here, not by libcurl, and only within the manager's own origin:
 * a redirect elsewhere must not carry the session, its token or, on
 * /api/session/create, the password. */
static int exchange(struct nsx *n, const char *method, const char *url, const char *form, long *status)
{
	bool post = !strcmp(method, "POST");
	char *cur = xstrdup(url);
	int rc = 0;
	for (int hops = 0;; hops++) {
		if ((rc = perform(n, cur, form, post, status)) < 0)
			break;
		if (*status != 301 && *status != 302 && *status != 303 && *status != 307 && *status != 308)
			break;
		char *loc = NULL;
		curl_easy_getinfo(n->curl, CURLINFO_REDIRECT_URL, &loc);
		char *from = origin_of(n->base), *to = loc ? origin_of(loc) : NULL;
		bool same = from && to && !strcmp(from, to);
		free(from);
		free(to);
		if (!loc || !same) {
			err_set("the NSX manager of target '%s' redirected %s to another origin; harden follows "
				"redirects only within %s", n->target, cur, n->base);
			rc = HERR_COLLECT;
			break;
		}
		if (hops >= 5) {
			err_set("the NSX manager of target '%s' redirected too often at %s", n->target, url);
			rc = HERR_COLLECT;
			break;
		}
		free(cur);
		cur = xstrdup(loc);
		/* 301, 302 and 303 turn a POST into a GET, as browsers do. */
		if (*status != 307 && *status != 308)
			post = false, form = NULL;
	}
	free(cur);
	return rc;
}

static void use_session_headers(struct nsx *n)
{
	curl_slist_free_all(n->headers);
	n->headers = curl_slist_append(NULL, "Accept: application/json");
	if (n->xsrf) {
		char *h = xasprintf("X-XSRF-TOKEN: %s", n->xsrf);
		n->headers = curl_slist_append(n->headers, h);
		free(h);
	}
	curl_easy_setopt(n->curl, CURLOPT_HTTPHEADER, n->headers);
}

static int session_create(struct nsx *n)
{
	/* A fresh session: forget the old cookie and token. */
	curl_easy_setopt(n->curl, CURLOPT_COOKIELIST, "ALL");
	free(n->xsrf);
	n->xsrf = NULL;
	n->in_session = false;
	use_session_headers(n);
	char *u = curl_easy_escape(n->curl, n->user, 0);
	char *p = curl_easy_escape(n->curl, n->password, 0);
	if (!u || !p) {
		curl_free(u);
		curl_free(p);
		err_set("cannot encode the NSX credentials");
		return HERR_COLLECT;
	}
	char *form = xasprintf("j_username=%s&j_password=%s", u, p);
	curl_free(u);
	/* Wiped before libcurl frees it. */
	for (volatile char *q = p; *q; q++)
		*q = '\0';
	curl_free(p);
	char *url = xasprintf("%s/api/session/create", n->base);
	long status;
	int rc = exchange(n, "POST", url, form, &status);
	free_secret(form);
	if (rc == 0 && (status == 401 || status == 403)) {
		char *d = error_detail(&n->body);
		err_set("authentication failed for user '%s' on the NSX manager of target '%s' at %s: %s", n->user,
			n->target, url, d);
		free(d);
		rc = HERR_AUTH;
	} else if (rc == 0 && (status < 200 || status > 299)) {
		char *d = error_detail(&n->body);
		err_set("the NSX manager of target '%s' refused a session at %s: HTTP %ld (%s)", n->target, url, status, d);
		free(d);
		rc = HERR_COLLECT;
	} else if (rc == 0) {
		struct curl_header *h = NULL;
		if (curl_easy_header(n->curl, "X-XSRF-TOKEN", 0, CURLH_HEADER, -1, &h) != CURLHE_OK || !h->value[0]) {
			err_set("the NSX manager of target '%s' created a session at %s without an X-XSRF-TOKEN header",
				n->target, url);
			rc = HERR_COLLECT;
		} else {
			n->xsrf = xstrdup(h->value);
			n->in_session = true;
			use_session_headers(n);
		}
	}
	buf_release(&n->body);
	free(url);
	return rc;
}

static double retry_wait_ms(struct nsx *n, int attempt)
{
	curl_off_t ra = 0;
	if (curl_easy_getinfo(n->curl, CURLINFO_RETRY_AFTER, &ra) == CURLE_OK && ra > 0)
		return (double)ra * 1000.0 < MAX_RETRY_WAIT_MS ? (double)ra * 1000.0 : MAX_RETRY_WAIT_MS;
	double ms = 250.0;
	for (int i = 0; i < attempt && ms < 8000.0; i++)
		ms *= 2;
	return ms;
}

/* A 2xx answer's body as the collector accepts it: JSON without duplicate
 * keys whose top level is an object, then in *out.  url names it in messages. */
static int answer_json(struct nsx *n, const char *url, const char *data, size_t len, json_t **out)
{
	json_error_t je;
	json_t *j = json_loadb(data, len, JSON_REJECT_DUPLICATES, &je);
	if (!j) {
		err_set("malformed JSON from the NSX manager of target '%s' at %s: %s (line %d, column %d)", n->target,
			url, je.text, je.line, je.column);
		return HERR_COLLECT;
	}
	if (!json_is_object(j)) {
		err_set("unexpected JSON from the NSX manager of target '%s' at %s: not an object", n->target, url);
		json_decref(j);
		return HERR_COLLECT;
	}
	*out = j;
	return 0;
}

int nsx_get(struct nsx *n, const char *path, json_t **out)
{
	*out = NULL;
	char *url = xasprintf("%s%s", n->base, path);
	bool renewed = false;
	int attempt = 0, rc;
	long status;
	for (;;) {
		if ((rc = exchange(n, "GET", url, NULL, &status)) < 0)
			break;
		if ((status == 429 || status == 503) && attempt < n->max_retries) {
			double ms = retry_wait_ms(n, attempt);
			attempt++;
			log_info("NSX manager of target '%s' answered %ld for %s; retry %d of %d in %.1f s", n->target,
				 status, url, attempt, n->max_retries, ms / 1000);
			sleep_ms(ms);
			continue;
		}
		if (status == 401 && n->auth == NSX_AUTH_SESSION && n->in_session && !renewed) {
			/* The session expired mid-collection: create a new one, once. */
			renewed = true;
			if ((rc = session_create(n)) < 0)
				break;
			continue;
		}
		break;
	}
	if (rc == 0 && (status < 200 || status > 299)) {
		char *d = error_detail(&n->body);
		if (status == 401 || status == 403) {
			err_set("authentication failed for user '%s' on the NSX manager of target '%s' at %s: HTTP %ld (%s)",
				n->user, n->target, url, status, d);
			rc = HERR_AUTH;
		} else if (status == 429 || status == 503) {
			err_set("the NSX manager of target '%s' was still busy after %d retries at %s: HTTP %ld (%s)",
				n->target, n->max_retries, url, status, d);
			rc = HERR_COLLECT;
		} else {
			err_set("the NSX manager of target '%s' answered HTTP %ld at %s: %s", n->target, status, url, d);
			rc = HERR_COLLECT;
		}
		free(d);
	} else if (rc == 0) {
		rc = answer_json(n, url, n->body.data ? n->body.data : "", n->body.len, out);
	}
	buf_release(&n->body);
	free(url);
	return rc;
}

char *nsx_escape(struct nsx *n, const char *s)
{
	char *e = curl_easy_escape(n->curl, s, 0);
	if (!e)
		return xstrdup("");
	char *r = xstrdup(e);
	curl_free(e);
	return r;
}

/* Whether the answer's cursor is one more page to read.  A cursor seen
 * before (a loop, even between two), a run of empty pages that keep
 * handing out cursors, or more pages than any manager holds, is an error:
 * every loop over a server's answers ends. */
static int next_cursor(struct nsx *n, const char *where, const char *next, size_t items, struct strlist *seen,
		       int *empty_run, long pages)
{
	if (!next || !*next)
		return 0;
	if (strlist_has(seen, next)) {
		err_set("the NSX manager of target '%s' handed back the same cursor twice at %s", n->target, where);
		return HERR_COLLECT;
	}
	*empty_run = items ? 0 : *empty_run + 1;
	if (*empty_run >= NSX_MAX_EMPTY_PAGES) {
		err_set("the NSX manager of target '%s' returned %d empty pages with a cursor in a row at %s", n->target,
			*empty_run, where);
		return HERR_COLLECT;
	}
	if (pages + 1 >= NSX_MAX_PAGES) {
		err_set("the NSX manager of target '%s' returned more than %d pages at %s", n->target, NSX_MAX_PAGES,
			where);
		return HERR_COLLECT;
	}
	strlist_add(seen, next);
	return 1;
}

/* The items of one page, each through fn. */
static int page_items(struct nsx *n, const char *where, json_t *j, nsx_item_fn fn, void *ctx, size_t *count)
{
	json_t *results = json_object_get(j, "results");
	*count = 0;
	if (!json_is_array(results)) {
		err_set("unexpected JSON from the NSX manager of target '%s' at %s: no 'results' list", n->target, where);
		return HERR_COLLECT;
	}
	size_t i;
	json_t *item;
	int rc = 0;
	json_array_foreach(results, i, item) {
		if (!json_is_object(item)) {
			err_set("unexpected JSON from the NSX manager of target '%s' at %s: result %zu is not an object",
				n->target, where, i);
			return HERR_COLLECT;
		}
		if ((rc = fn(ctx, item)) < 0)
			return rc;
	}
	*count = json_array_size(results);
	return 0;
}

int nsx_list(struct nsx *n, const char *path, nsx_item_fn fn, void *ctx)
{
	struct strlist seen = { 0 };
	const char *cursor = NULL;
	int rc = 0, empty_run = 0;
	for (long pages = 0;; pages++) {
		struct buf p = BUF_INIT;
		buf_printf(&p, "%s%cpage_size=%d", path, strchr(path, '?') ? '&' : '?', n->page_size);
		if (cursor) {
			char *e = nsx_escape(n, cursor);
			buf_printf(&p, "&cursor=%s", e);
			free(e);
		}
		char *where = xasprintf("%s%s", n->base, p.data);
		json_t *j = NULL;
		size_t items = 0;
		if ((rc = nsx_get(n, p.data, &j)) == 0 && (rc = page_items(n, where, j, fn, ctx, &items)) == 0)
			rc = next_cursor(n, where, json_string_value(json_object_get(j, "cursor")), items, &seen,
					 &empty_run, pages);
		cursor = rc > 0 ? seen.v[seen.n - 1] : NULL;
		json_decref(j);
		buf_release(&p);
		free(where);
		if (rc <= 0)
			break;
	}
	strlist_release(&seen);
	return rc;
}

int nsx_list_body(struct nsx *n, const char *path, const char *body, size_t len, nsx_item_fn fn, void *ctx)
{
	char *url = xasprintf("%s%s", n->base, path);
	json_t *j = NULL;
	size_t items;
	int rc = answer_json(n, url, body, len, &j);
	if (rc == 0)
		rc = page_items(n, url, j, fn, ctx, &items);
	json_decref(j);
	free(url);
	return rc;
}

int nsx_connect(struct nsx **out, const struct nsx_opts *o)
{
	*out = NULL;
	const char *url = o->url ? o->url : "";
	bool https = !strncmp(url, "https://", 8);
	if (!https && strncmp(url, "http://", 7)) {
		err_set("the NSX URL of target '%s' must start with https:// (or http://): '%s'", o->target, url);
		return HERR_COLLECT;
	}
	struct nsx *n = xcalloc(1, sizeof(*n));
	n->base = xstrdup(url);
	for (size_t l = strlen(n->base); l > 8 && n->base[l - 1] == '/'; l--)
		n->base[l - 1] = '\0';
	n->target = xstrdup(o->target ? o->target : "");
	n->user = xstrdup(o->user ? o->user : "");
	n->password = xstrdup(o->password ? o->password : "");
	n->auth = o->auth;
	n->page_size = o->page_size > 0 && o->page_size <= 1000 ? o->page_size : 1000;
	n->max_retries = o->max_retries > 0 ? o->max_retries : DEFAULT_RETRIES;
	n->progress = o->progress;
	n->curl = curl_easy_init();
	if (!n->curl) {
		err_set("cannot initialise libcurl");
		nsx_close(n);
		return HERR_COLLECT;
	}
	CURL *c = n->curl;
	struct transport_opts to = { o->timeout_s, o->insecure, o->ca_file, on_write, n, n->curl_err };
	n->with_ca = o->ca_file != NULL;
	transport_setup(c, &to);
	/* Redirects are followed by exchange(), within the manager's origin. */
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	use_session_headers(n);
	int rc = 0;
	if (n->auth == NSX_AUTH_BASIC) {
		curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(c, CURLOPT_USERNAME, n->user);
		curl_easy_setopt(c, CURLOPT_PASSWORD, n->password);
	} else {
		rc = session_create(n);
	}
	if (rc < 0) {
		nsx_close(n);
		return rc;
	}
	*out = n;
	return 0;
}

void nsx_close(struct nsx *n)
{
	if (!n)
		return;
	if (n->in_session) {
		transport_closing(n->curl);
		char *url = xasprintf("%s/api/session/destroy", n->base);
		long status;
		if (exchange(n, "POST", url, NULL, &status) == 0 && (status < 200 || status > 299))
			log_warn("the NSX manager of target '%s' did not destroy the session at %s: HTTP %ld", n->target,
				 url, status);
		free(url);
	}
	buf_release(&n->body);
	if (n->curl)
		curl_easy_cleanup(n->curl);
	curl_slist_free_all(n->headers);
	free(n->base);
	free(n->target);
	free(n->user);
	free_secret(n->password);
	free_secret(n->xsrf);
	free(n);
}
