/* The server: parses the listen address, starts libmicrohttpd with limits
 * and timeouts, checks each request (method, Host header, access token),
 * routes it to its page and sends the page with headers that forbid
 * scripts, framing and sniffing. */
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

struct server {
	struct store *st;
	struct web_cache *cache;
	char host[128];		/* the Host header the listen address allows */
	bool loopback;
	bool wildcard;		/* 0.0.0.0 or [::]: any name of this machine */
	bool need_token;
	char token[2 * TOKEN_BYTES + 1];
	char cookie[2 * TOKEN_BYTES + 96];
};

static const char csp_header[] = "default-src 'none'; style-src 'unsafe-inline'; img-src 'none'; "
				 "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

static const struct {
	const char *path;
	int (*page)(struct web_req *r);
} routes[] = {
	{ "/", ui_overview }, { "/framework", ui_framework }, { "/violations", ui_violations },
	{ "/finding", ui_finding }, { "/drift", ui_drift }, { "/history", ui_history }, { "/waivers", ui_waivers },
};

static const char *get_arg(void *conn, const char *name)
{
	return MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, name);
}

/* Constant-time comparison of a presented token with ours. */
static bool token_ok(const struct server *s, const char *t)
{
	if (!t || strlen(t) != strlen(s->token))
		return false;
	unsigned char d = 0;
	for (size_t i = 0; s->token[i]; i++)
		d |= (unsigned char)(t[i] ^ s->token[i]);
	return d == 0;
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
				 char *body, size_t len, double ms, const char *cookie)
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
	enum MHD_Result rc = MHD_queue_response(c, (unsigned)status, resp);
	MHD_destroy_response(resp);
	return rc;
}

static enum MHD_Result plain(struct MHD_Connection *c, int status, const char *text)
{
	char *b = xasprintf("%s\n", text);
	return send_body(c, status, "text/plain; charset=utf-8", NULL, b, strlen(b), 0, NULL);
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

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url, const char *method,
			      const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
	(void)version;
	(void)upload;
	(void)con_cls;
	struct server *s = cls;
	if (*upload_size)
		return MHD_NO;
	if (strcmp(method, "GET") && strcmp(method, "HEAD"))
		return plain(c, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed");
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_DAEMON);
	const union MHD_DaemonInfo *di = ci ? MHD_get_daemon_info(ci->daemon, MHD_DAEMON_INFO_BIND_PORT) : NULL;
	if (!host_ok(s, MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Host"), di ? di->port : 0))
		return plain(c, MHD_HTTP_FORBIDDEN, "wrong Host header");
	const char *set_cookie = NULL;
	if (s->need_token) {
		const char *q = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "token");
		const char *ck = MHD_lookup_connection_value(c, MHD_COOKIE_KIND, "harden_token");
		const char *auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
		bool bearer = auth && !strncmp(auth, "Bearer ", 7) && token_ok(s, auth + 7);
		if (token_ok(s, q))
			set_cookie = s->cookie;
		else if (!bearer && !token_ok(s, ck))
			return plain(c, MHD_HTTP_UNAUTHORIZED, "the access token is required");
	}
	size_t i;
	for (i = 0; i < ARRAY_SIZE(routes) && strcmp(url, routes[i].path); i++)
		;
	if (i == ARRAY_SIZE(routes))
		return plain(c, MHD_HTTP_NOT_FOUND, "not found");
	double t0 = now_ms();
	struct web_req r = { .st = s->st, .cache = s->cache, .getarg = get_arg, .conn = c, .status = MHD_HTTP_OK,
			     .ctype = "text/html; charset=utf-8" };
	r.lang = pick_lang(c);
	char *body = NULL;
	size_t len = 0;
	r.f = open_memstream(&body, &len);
	if (!r.f)
		return plain(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
	int rc = web_scope(&r);
	if (rc >= 0)
		rc = routes[i].page(&r);
	fclose(r.f);
	free(r.target);
	snapshot_info_release(&r.si);
	if (rc < 0) {
		log_error("web: %s: %s", url, err_get());
		free(body);
		return plain(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "the twin cannot be read");
	}
	return send_body(c, r.status, r.ctype, r.download, body, len, now_ms() - t0, set_cookie);
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
	if (s.need_token) {
		if ((rc = make_token(s.token, sizeof(s.token))) < 0)
			return rc;
		snprintf(s.cookie, sizeof(s.cookie), "harden_token=%s; HttpOnly; SameSite=Strict; Path=/", s.token);
	}
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
						 MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64 * 1024), MHD_OPTION_END);
	if (!d) {
		web_cache_free(s.cache);
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		err_set("cannot listen on %s (in use, or not an address of this machine)", o->listen);
		return HERR_OUTPUT;
	}
	const union MHD_DaemonInfo *di = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	unsigned port = di ? di->port : 0;
	snprintf(s.host, sizeof(s.host), "%s:%u", addr, port);
	if (s.need_token)
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
