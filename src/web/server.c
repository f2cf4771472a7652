/* The server: parses the listen address, starts libmicrohttpd with limits
 * and timeouts, checks each request (method, Host header, access token),
 * routes it to its page and sends the page with headers that forbid
 * scripts, framing and sniffing.  With --allow-review it also takes POST
 * /review (a form, parsed by libmicrohttpd's post processor), behind the
 * access token and the run's CSRF token. */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "util/util.h"
#include "web/server.h"
#include "web/web.h"

#define TOKEN_BYTES 16
/* A review form's fields and their total size. */
#define POST_FIELDS 16
#define POST_MAX (16 * 1024)

struct server {
	struct store *st;
	struct web_cache *cache;
	char host[128];		/* the Host header the listen address allows */
	bool loopback;
	bool wildcard;		/* 0.0.0.0 or [::]: any name of this machine */
	bool need_token;	/* for every request: not on loopback */
	bool have_token;	/* a token was made (off loopback, or reviews) */
	char token[2 * TOKEN_BYTES + 1];
	char cookie[2 * TOKEN_BYTES + 96];
	struct store *wst;	/* the write connection: reviews allowed */
	char csrf[2 * TOKEN_BYTES + 1];
};

/* A POST being received: its form fields. */
struct post {
	struct MHD_PostProcessor *pp;
	struct {
		char *name;
		struct buf v;
	} f[POST_FIELDS];
	size_t n, total;
	bool too_big, nul;
};

static const char csp_header[] = "default-src 'none'; style-src 'unsafe-inline'; img-src 'none'; "
				 "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

static const struct {
	const char *path;
	int (*page)(struct web_req *r);
} routes[] = {
	{ "/", ui_overview }, { "/framework", ui_framework }, { "/violations", ui_violations },
	{ "/finding", ui_finding }, { "/drift", ui_drift }, { "/history", ui_history }, { "/waivers", ui_waivers },
	{ "/remediations", ui_remediations },
};

static const char *get_arg(void *conn, const char *name)
{
	return MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, name);
}

/* Constant-time comparison of a presented secret with ours. */
static bool secret_ok(const char *ours, const char *t)
{
	if (!t || !*ours || strlen(t) != strlen(ours))
		return false;
	unsigned char d = 0;
	for (size_t i = 0; ours[i]; i++)
		d |= (unsigned char)(t[i] ^ ours[i]);
	return d == 0;
}

static bool token_ok(const struct server *s, const char *t)
{
	return s->have_token && secret_ok(s->token, t);
}

static const char *post_arg(void *conn, const char *name)
{
	struct post *pp = conn;
	for (size_t i = 0; i < pp->n; i++)
		if (!strcmp(pp->f[i].name, name))
			return pp->f[i].v.data ? pp->f[i].v.data : "";
	return NULL;
}

static enum MHD_Result post_field(void *cls, enum MHD_ValueKind kind, const char *key, const char *filename,
				  const char *ctype, const char *encoding, const char *data, uint64_t off,
				  size_t size)
{
	(void)kind, (void)filename, (void)ctype, (void)encoding, (void)off;
	struct post *pp = cls;
	size_t i;
	for (i = 0; i < pp->n && strcmp(pp->f[i].name, key); i++)
		;
	pp->total += size + strlen(key);
	if (pp->total > POST_MAX || (i == pp->n && pp->n == POST_FIELDS)) {
		pp->too_big = true;
		return MHD_NO;
	}
	if (i == pp->n) {
		pp->f[i].name = xstrdup(key);
		pp->f[i].v = (struct buf)BUF_INIT;
		pp->n++;
	}
	pp->nul |= memchr(data, 0, size) != NULL;
	buf_add(&pp->f[i].v, data, size);
	return MHD_YES;
}

static void post_free(struct post *pp)
{
	if (!pp)
		return;
	if (pp->pp)
		MHD_destroy_post_processor(pp->pp);
	for (size_t i = 0; i < pp->n; i++) {
		free(pp->f[i].name);
		buf_release(&pp->f[i].v);
	}
	free(pp);
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode toe)
{
	(void)cls, (void)c, (void)toe;
	post_free(*con_cls);
	*con_cls = NULL;
}

/* The Host header names the listen address: on loopback also as localhost,
 * so that a DNS name pointed at 127.0.0.1 (rebinding) is refused.  On a
 * wildcard address any name with the port will do: the access token, which
 * a rebinding page cannot have, guards it. */
static bool host_ok(const struct server *s, const char *host, unsigned port)
{
	if (!host)
		return false;
	if (!strcasecmp(host, s->host))
		return true;
	if (s->wildcard) {
		const char *c = strrchr(host, ':');
		char want[16];
		snprintf(want, sizeof(want), ":%u", port);
		return c && !strcmp(c, want);
	}
	if (!s->loopback)
		return false;
	char alt[64];
	snprintf(alt, sizeof(alt), "localhost:%u", port);
	return !strcasecmp(host, alt);
}

static enum MHD_Result send_body(struct MHD_Connection *c, int status, const char *ctype, const char *download,
				 char *body, size_t len, double ms, const char *cookie, const char *location)
{
	struct MHD_Response *resp = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(resp, "Content-Type", ctype);
	MHD_add_response_header(resp, "Content-Security-Policy", csp_header);
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "X-Frame-Options", "DENY");
	MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	char timing[64];
	snprintf(timing, sizeof(timing), "render;dur=%.1f", ms);
	MHD_add_response_header(resp, "Server-Timing", timing);
	if (download) {
		char *d = xasprintf("attachment; filename=\"%s\"", download);
		MHD_add_response_header(resp, "Content-Disposition", d);
		free(d);
	}
	if (cookie)
		MHD_add_response_header(resp, "Set-Cookie", cookie);
	if (location)
		MHD_add_response_header(resp, "Location", location);
	enum MHD_Result rc = MHD_queue_response(c, (unsigned)status, resp);
	MHD_destroy_response(resp);
	return rc;
}

static enum MHD_Result plain(struct MHD_Connection *c, int status, const char *text)
{
	char *b = xasprintf("%s\n", text);
	return send_body(c, status, "text/plain; charset=utf-8", NULL, b, strlen(b), 0, NULL, NULL);
}

static enum web_lang pick_lang(struct MHD_Connection *c)
{
	const char *l = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "lang");
	if (l)
		return !strncasecmp(l, "zh", 2) ? WEB_ZH : WEB_EN;
	const char *al = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Accept-Language");
	/* The first language the browser lists decides. */
	while (al && (*al == ' ' || *al == '\t'))
		al++;
	return al && !strncasecmp(al, "zh", 2) ? WEB_ZH : WEB_EN;
}

/* The access token, as ?token= (which sets the cookie), the cookie or a
 * bearer header: whether the request carries it; *set_cookie when given
 * in the query. */
static bool authed(const struct server *s, struct MHD_Connection *c, bool query, const char **set_cookie)
{
	const char *q = query ? MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "token") : NULL;
	const char *ck = MHD_lookup_connection_value(c, MHD_COOKIE_KIND, "harden_token");
	const char *auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
	if (token_ok(s, q)) {
		*set_cookie = s->cookie;
		return true;
	}
	return (auth && !strncmp(auth, "Bearer ", 7) && token_ok(s, auth + 7)) || token_ok(s, ck);
}

/* Runs a page into a response. */
static enum MHD_Result answer(struct server *s, struct MHD_Connection *c, const char *url,
			      int (*page)(struct web_req *), struct post *form, bool is_authed, const char *set_cookie)
{
	double t0 = now_ms();
	struct web_req r = { .st = s->st, .cache = s->cache, .getarg = form ? post_arg : get_arg,
			     .conn = form ? (void *)form : (void *)c, .status = MHD_HTTP_OK,
			     .ctype = "text/html; charset=utf-8", .wst = s->wst, .authed = is_authed,
			     .csrf = s->wst ? s->csrf : NULL };
	r.lang = pick_lang(c);
	char *body = NULL;
	size_t len = 0;
	r.f = open_memstream(&body, &len);
	if (!r.f)
		return plain(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
	int rc = web_scope(&r);
	if (rc >= 0)
		rc = page(&r);
	fclose(r.f);
	free(r.target);
	snapshot_info_release(&r.si);
	if (rc < 0) {
		log_error("web: %s: %s", url, err_get());
		free(body);
		free(r.location);
		return plain(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "the twin cannot be read");
	}
	enum MHD_Result res = send_body(c, r.status, r.ctype, r.download, body, len, now_ms() - t0, set_cookie,
					r.location);
	free(r.location);
	return res;
}

/* POST /review, in the calls libmicrohttpd makes: the first (headers
 * only) checks the route and the access token, the next ones feed the
 * body to the post processor, the last checks the CSRF token and answers. */
static enum MHD_Result handle_post(struct server *s, struct MHD_Connection *c, const char *url, const char *upload,
				   size_t *upload_size, void **con_cls)
{
	struct post *pp = *con_cls;
	const char *unused = NULL;
	if (!pp) {
		if (strcmp(url, "/review"))
			return plain(c, MHD_HTTP_NOT_FOUND, "not found");
		if (!authed(s, c, false, &unused))
			return plain(c, MHD_HTTP_FORBIDDEN, "the access token is required to review");
		pp = xcalloc(1, sizeof(*pp));
		pp->pp = MHD_create_post_processor(c, 4096, post_field, pp);
		if (!pp->pp) {
			free(pp);
			return plain(c, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE, "a form (application/x-www-form-urlencoded) "
									 "is expected");
		}
		*con_cls = pp;
		return MHD_YES;
	}
	if (*upload_size) {
		if (!pp->too_big && MHD_post_process(pp->pp, upload, *upload_size) != MHD_YES && !pp->too_big)
			pp->nul = true;	/* malformed: refused below */
		*upload_size = 0;
		return MHD_YES;
	}
	if (pp->too_big)
		return plain(c, MHD_HTTP_CONTENT_TOO_LARGE, "the form is too large");
	if (!secret_ok(s->csrf, post_arg(pp, "csrf")))
		return plain(c, MHD_HTTP_FORBIDDEN, "the form's CSRF token is missing or wrong: reload the page");
	if (pp->nul)
		return plain(c, MHD_HTTP_BAD_REQUEST, "the form cannot be read");
	return answer(s, c, url, ui_review, pp, true, NULL);
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url, const char *method,
			      const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
	(void)version;
	struct server *s = cls;
	bool post = !strcmp(method, "POST");
	if (*upload_size && !(post && s->wst && *con_cls))
		return MHD_NO;
	if (post && s->wst && *con_cls)
		return handle_post(s, c, url, upload, upload_size, con_cls);
	/* Without --allow-review nothing but reading. */
	if (strcmp(method, "GET") && strcmp(method, "HEAD") && !(post && s->wst))
		return plain(c, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed");
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_DAEMON);
	const union MHD_DaemonInfo *di = ci ? MHD_get_daemon_info(ci->daemon, MHD_DAEMON_INFO_BIND_PORT) : NULL;
	if (!host_ok(s, MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Host"), di ? di->port : 0))
		return plain(c, MHD_HTTP_FORBIDDEN, "wrong Host header");
	const char *set_cookie = NULL;
	bool is_authed = s->have_token && authed(s, c, !post, &set_cookie);
	if (s->need_token && !is_authed)
		return plain(c, post ? MHD_HTTP_FORBIDDEN : MHD_HTTP_UNAUTHORIZED, "the access token is required");
	if (post)
		return handle_post(s, c, url, upload, upload_size, con_cls);
	size_t i;
	for (i = 0; i < ARRAY_SIZE(routes) && strcmp(url, routes[i].path); i++)
		;
	if (i == ARRAY_SIZE(routes))
		return plain(c, MHD_HTTP_NOT_FOUND, "not found");
	return answer(s, c, url, routes[i].page, NULL, is_authed, set_cookie);
}

static int parse_listen(const char *listen, struct sockaddr_storage *ss, socklen_t *sl, bool *loopback,
			bool *wildcard, char *host, size_t nhost)
{
	char addr[64];
	const char *colon = strrchr(listen, ':');
	if (!colon || colon == listen || (size_t)(colon - listen) >= sizeof(addr))
		goto bad;
	snprintf(addr, sizeof(addr), "%.*s", (int)(colon - listen), listen);
	char *end;
	long port = strtol(colon + 1, &end, 10);
	if (!colon[1] || *end || port < 0 || port > 65535)
		goto bad;
	memset(ss, 0, sizeof(*ss));
	size_t al = strlen(addr);
	if (addr[0] == '[' && addr[al - 1] == ']') {
		addr[al - 1] = 0;
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
		if (inet_pton(AF_INET6, addr + 1, &s6->sin6_addr) != 1)
			goto bad;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		*sl = sizeof(*s6);
		*loopback = IN6_IS_ADDR_LOOPBACK(&s6->sin6_addr);
		*wildcard = IN6_IS_ADDR_UNSPECIFIED(&s6->sin6_addr);
		addr[al - 1] = ']';
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
		if (inet_pton(AF_INET, addr, &s4->sin_addr) != 1)
			goto bad;
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		*sl = sizeof(*s4);
		*loopback = (ntohl(s4->sin_addr.s_addr) >> 24) == 127;
		*wildcard = s4->sin_addr.s_addr == htonl(INADDR_ANY);
	}
	snprintf(host, nhost, "%s", addr);
	return 0;
bad:
	err_set("--listen '%s': expected ADDR:PORT with a numeric address, e.g. 127.0.0.1:8080", listen);
	return HERR_INPUT;
}

static int make_token(char *out, size_t n)
{
	unsigned char b[TOKEN_BYTES];
	FILE *f = fopen("/dev/urandom", "rb");
	size_t got = f ? fread(b, 1, sizeof(b), f) : 0;
	if (f)
		fclose(f);
	if (got != sizeof(b) || n < 2 * sizeof(b) + 1) {
		err_set("cannot read /dev/urandom for the access token");
		return HERR_OUTPUT;
	}
	for (size_t i = 0; i < sizeof(b); i++)
		snprintf(out + 2 * i, 3, "%02x", b[i]);
	return 0;
}

int web_serve(struct store *st, const struct web_opts *o, FILE *out)
{
	struct server s = { .st = st };
	struct sockaddr_storage ss;
	socklen_t sl;
	char addr[64];
	int rc = parse_listen(o->listen, &ss, &sl, &s.loopback, &s.wildcard, addr, sizeof(addr));
	if (rc < 0)
		return rc;
	if (!s.loopback && !o->allow_remote) {
		err_set("--listen %s is not a loopback address: give --allow-remote to serve it (every request then "
			"needs the access token)",
			o->listen);
		return HERR_INPUT;
	}
	s.need_token = !s.loopback;
	s.wst = o->review;
	s.have_token = s.need_token || s.wst;
	if (s.have_token) {
		if ((rc = make_token(s.token, sizeof(s.token))) < 0)
			return rc;
		snprintf(s.cookie, sizeof(s.cookie), "harden_token=%s; HttpOnly; SameSite=Strict; Path=/", s.token);
	}
	if (s.wst && (rc = make_token(s.csrf, sizeof(s.csrf))) < 0)
		return rc;
	/* The signals are waited for here; the server's thread never takes them. */
	sigset_t set, old;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, &old);
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG | (ss.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0);
	s.cache = web_cache_new();
	if ((rc = web_cache_warm(s.cache, st)) < 0) {
		web_cache_free(s.cache);
		return rc;
	}
	struct MHD_Daemon *d = MHD_start_daemon(flags, 0, NULL, NULL, handle, &s, MHD_OPTION_SOCK_ADDR, &ss,
						 MHD_OPTION_CONNECTION_LIMIT, (unsigned)64,
						 MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)32,
						 MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)15,
						 MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64 * 1024),
						 MHD_OPTION_NOTIFY_COMPLETED, completed, NULL, MHD_OPTION_END);
	if (!d) {
		web_cache_free(s.cache);
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		err_set("cannot listen on %s (in use, or not an address of this machine)", o->listen);
		return HERR_OUTPUT;
	}
	const union MHD_DaemonInfo *di = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	unsigned port = di ? di->port : 0;
	snprintf(s.host, sizeof(s.host), "%s:%u", addr, port);
	if (s.wst)
		fprintf(out, "harden web: reviews allowed: open the address below to record decisions\n");
	if (s.have_token)
		fprintf(out, "harden web: serving http://%s/?token=%s\n", s.host, s.token);
	else
		fprintf(out, "harden web: serving http://%s/\n", s.host);
	fflush(out);
	int sig = 0;
	sigwait(&set, &sig);
	MHD_stop_daemon(d);
	web_cache_free(s.cache);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	fprintf(out, "harden web: stopped\n");
	return 0;
}
