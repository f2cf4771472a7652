/* vim25 SOAP transport: one libcurl handle per connection, responses
 * streamed into the SAX parser of soap.c. */
#include "vcenter/vc.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/torture.h"
#include "util/util.h"
#include "common/transport.h"
#include "vcenter/vc_internal.h"

#define ENVELOPE_HEAD \
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>" \
	"<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\" " \
	"xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\" " \
	"xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"><soapenv:Body>"
#define ENVELOPE_TAIL "</soapenv:Body></soapenv:Envelope>"

static const char *const service_names[] = {
	"rootFolder", "propertyCollector", "viewManager", "sessionManager",
};

struct vc {
	CURL *curl;
	struct curl_slist *headers;
	char *url;
	char *target;
	char *user;
	char *password;
	char *service[ARRAY_SIZE(service_names)];
	char *api_version;
	char *about_version;	/* ServiceContent.about.version, or NULL */
	char *about_build;	/* ServiceContent.about.build, or NULL */
	char *setting;		/* ServiceContent.setting (vpxd settings), or NULL */
	long long calls;
	long long bytes;
	long long answer_bytes;	/* of the answer being read */
	bool too_big;
	int page_size;
	bool progress;
	const struct prop_needs *needs;
	bool with_ca;		/* a ca_file was given: what a TLS failure's hint says */
	long timeout_s;
	bool insecure;
	char *ca_file;
	int retrievals;		/* at most this many retrievals at once */
	bool clone;		/* of another connection's session (vc_clone) */
	bool expired;		/* a clone was told NotAuthenticated */
	bool logged_in;
	int logins;
	char curl_err[CURL_ERROR_SIZE];
	struct soap_parser *parser;
};

/* One answer's limit: a page of 500 VMs with their devices is a few MB. */
#define VC_MAX_ANSWER (64LL * 1024 * 1024)

static size_t on_write(char *data, size_t size, size_t n, void *ud)
{
	struct vc *v = ud;
	size_t len = size * n;
	v->bytes += (long long)len;
	v->answer_bytes += (long long)len;
	if (v->answer_bytes > VC_MAX_ANSWER) {
		v->too_big = true;
		return 0;
	}
	if (soap_parser_feed(v->parser, data, len) < 0)
		return 0;	/* aborts the transfer; the parser holds the reason */
	return len;
}

const char *vc_service(const struct vc *v, const char *name)
{
	for (unsigned i = 0; i < ARRAY_SIZE(service_names); i++)
		if (!strcmp(service_names[i], name))
			return v->service[i];
	return NULL;
}

const char *vc_about(const struct vc *v, const char *field)
{
	if (!strcmp(field, "version"))
		return v->about_version;
	if (!strcmp(field, "build"))
		return v->about_build;
	if (!strcmp(field, "setting"))
		return v->setting;
	return NULL;
}

const char *vc_target(const struct vc *v)
{
	return v->target;
}

const char *vc_url(const struct vc *v)
{
	return v->url;
}

long long vc_api_calls(const struct vc *v)
{
	return v->calls;
}

int vc_logins(const struct vc *v)
{
	return v->logins;
}

long long vc_bytes_received(const struct vc *v)
{
	return v->bytes;
}

int vc_page_size(const struct vc *v)
{
	return v->page_size;
}

bool vc_progress(const struct vc *v)
{
	return v->progress;
}

const struct prop_needs *vc_needs(const struct vc *v)
{
	return v->needs;
}

static int transport_error(struct vc *v, CURLcode cc)
{
	const char *detail = v->curl_err[0] ? v->curl_err : curl_easy_strerror(cc);
	if (transport_interrupted(cc)) {
		err_set("interrupted while talking to vCenter for target '%s' at %s", v->target, v->url);
	} else if (transport_tls_error(cc)) {
		char hint[320];
		err_set("TLS verification failed for target '%s' at %s: %s; %s", v->target, v->url, detail,
			transport_tls_hint(cc, "vcenter", v->with_ca, hint, sizeof(hint)));
	} else if (cc == CURLE_OPERATION_TIMEDOUT) {
		err_set("timed out talking to vCenter for target '%s' at %s: %s", v->target, v->url, detail);
	} else {
		err_set("cannot reach vCenter for target '%s' at %s: %s", v->target, v->url, detail);
	}
	return HERR_COLLECT;
}

/* One HTTP exchange, no re-login. */
static int call_once(struct vc *v, const char *body, soap_obj_fn fn, void *ctx, struct soap_result *res)
{
	memset(res, 0, sizeof(*res));
	struct buf req = BUF_INIT;
	buf_puts(&req, ENVELOPE_HEAD);
	buf_puts(&req, body);
	buf_puts(&req, ENVELOPE_TAIL);
	v->parser = soap_parser_new(fn, ctx);
	if (!v->parser) {
		free_secret(buf_detach(&req));
		err_set("cannot create an XML parser");
		return HERR_COLLECT;
	}
	v->curl_err[0] = '\0';
	v->answer_bytes = 0;
	v->too_big = false;
	curl_easy_setopt(v->curl, CURLOPT_POSTFIELDS, req.data);
	curl_easy_setopt(v->curl, CURLOPT_POSTFIELDSIZE, (long)req.len);
	v->calls++;
	CURLcode cc = curl_easy_perform(v->curl);
	torture_point("vcenter call");
	/* The request may hold the password (Login). */
	curl_easy_setopt(v->curl, CURLOPT_POSTFIELDS, NULL);
	free_secret(buf_detach(&req));
	long status = 0;
	curl_easy_getinfo(v->curl, CURLINFO_RESPONSE_CODE, &status);
	int rc = 0;
	if (v->too_big) {
		err_set("vCenter for target '%s' at %s sent an answer larger than %lld MiB", v->target, v->url,
			VC_MAX_ANSWER >> 20);
		rc = HERR_COLLECT;
	} else if (cc == CURLE_WRITE_ERROR || (cc == CURLE_OK && (status == 200 || status == 500))) {
		if (soap_parser_finish(v->parser, res) < 0) {
			if (status != 200 && status != 500)
				err_set("unexpected HTTP status %ld from vCenter for target '%s' at %s", status, v->target, v->url);
			else
				err_set("malformed SOAP response from vCenter for target '%s' at %s: %s",
					v->target, v->url, res->error ? res->error : "unreadable");
			rc = HERR_COLLECT;
		} else if (res->fault) {
			rc = HERR_FAULT;
		}
	} else if (cc != CURLE_OK) {
		rc = transport_error(v, cc);
	} else {
		err_set("unexpected HTTP status %ld from vCenter for target '%s' at %s", status, v->target, v->url);
		rc = HERR_COLLECT;
	}
	soap_parser_free(v->parser);
	v->parser = NULL;
	return rc;
}

static int login(struct vc *v)
{
	/* vcsim refuses Login on a request that carries a live session cookie,
	 * and a fresh session is what we want anyway. */
	curl_easy_setopt(v->curl, CURLOPT_COOKIELIST, "ALL");
	struct buf b = BUF_INIT;
	buf_puts(&b, "<Login xmlns=\"urn:vim25\"><_this type=\"SessionManager\">");
	buf_xml_escape(&b, v->service[3]);
	buf_puts(&b, "</_this><userName>");
	buf_xml_escape(&b, v->user);
	buf_puts(&b, "</userName><password>");
	buf_xml_escape(&b, v->password);
	buf_puts(&b, "</password></Login>");
	struct soap_result res;
	int rc = call_once(v, b.data, NULL, NULL, &res);
	free_secret(buf_detach(&b));
	if (rc == HERR_FAULT) {
		if (!strcmp(res.fault_name, "InvalidLogin"))
			err_set("authentication failed for user '%s' on target '%s' at %s: the user name or password was refused",
				v->user, v->target, v->url);
		else
			err_set("login to target '%s' at %s failed: %s: %s", v->target, v->url, res.fault_name,
				res.fault_string);
		rc = !strcmp(res.fault_name, "InvalidLogin") || !strcmp(res.fault_name, "NoPermission")
			? HERR_AUTH : HERR_COLLECT;
	}
	soap_result_release(&res);
	if (rc == 0) {
		v->logged_in = true;
		v->logins++;
	}
	return rc;
}

int vc_call(struct vc *v, const char *body, soap_obj_fn fn, void *ctx, struct soap_result *res)
{
	int rc = call_once(v, body, fn, ctx, res);
	if (rc == HERR_FAULT && !strcmp(res->fault_name, "NotAuthenticated") && v->clone)
		v->expired = true;	/* the session's owner logs in again */
	if (rc == HERR_FAULT && !strcmp(res->fault_name, "NotAuthenticated") && v->logged_in) {
		/* The session expired mid-scan: log in again, once, and retry. */
		soap_result_release(res);
		if ((rc = login(v)) < 0)
			return rc;
		rc = call_once(v, body, fn, ctx, res);
		if (rc == HERR_FAULT && !strcmp(res->fault_name, "NotAuthenticated")) {
			err_set("vCenter for target '%s' at %s keeps refusing the session after logging in again",
				v->target, v->url);
			return rc;
		}
	}
	if (rc == HERR_FAULT)
		err_set("vCenter for target '%s' at %s answered with fault %s: %s", v->target, v->url,
			res->fault_name, res->fault_string ? res->fault_string : "");
	return rc;
}

static int service_content(struct vc *v)
{
	struct soap_result res;
	int rc = call_once(v, "<RetrieveServiceContent xmlns=\"urn:vim25\">"
			      "<_this type=\"ServiceInstance\">ServiceInstance</_this></RetrieveServiceContent>",
			   NULL, NULL, &res);
	if (rc == HERR_FAULT) {
		err_set("vCenter for target '%s' at %s refused RetrieveServiceContent: %s", v->target, v->url,
			res.fault_name);
		rc = HERR_COLLECT;
	}
	if (rc < 0) {
		soap_result_release(&res);
		return rc;
	}
	const struct xnode *sc = xnode_child(res.body, "returnval");
	for (unsigned i = 0; i < ARRAY_SIZE(service_names); i++) {
		const char *m = xnode_text(sc, service_names[i]);
		if (!m || !*m) {
			err_set("vCenter for target '%s' at %s returned a ServiceContent without %s", v->target,
				v->url, service_names[i]);
			soap_result_release(&res);
			return HERR_COLLECT;
		}
		v->service[i] = xstrdup(m);
	}
	const char *api = xnode_text(xnode_child(sc, "about"), "apiVersion");
	v->api_version = xstrdup(api ? api : "");
	/* Optional: an account may see no settings; a missing one is not collected. */
	const char *ver = xnode_text(xnode_child(sc, "about"), "version");
	const char *build = xnode_text(xnode_child(sc, "about"), "build");
	const char *setting = xnode_text(sc, "setting");
	v->about_version = ver && *ver ? xstrdup(ver) : NULL;
	v->about_build = build && *build ? xstrdup(build) : NULL;
	v->setting = setting && *setting ? xstrdup(setting) : NULL;
	soap_result_release(&res);
	return 0;
}

/* A curl handle set up for v: URL, headers, time limits, TLS. */
static int handle_setup(struct vc *v)
{
	v->curl = curl_easy_init();
	if (!v->curl) {
		err_set("cannot initialise libcurl");
		return HERR_COLLECT;
	}
	v->headers = curl_slist_append(NULL, "Content-Type: text/xml; charset=utf-8");
	v->headers = curl_slist_append(v->headers, "SOAPAction: \"urn:vim25/8.0.2.0\"");
	curl_easy_setopt(v->curl, CURLOPT_URL, v->url);
	curl_easy_setopt(v->curl, CURLOPT_HTTPHEADER, v->headers);
	struct transport_opts to = { v->timeout_s, v->insecure, v->ca_file, on_write, v, v->curl_err };
	transport_setup(v->curl, &to);
	return 0;
}

int vc_retrievals(const struct vc *v)
{
	return v->retrievals;
}

int vc_clone(const struct vc *v, struct vc **out)
{
	struct vc *c = xcalloc(1, sizeof(*c));
	*out = NULL;
	c->url = xstrdup(v->url);
	c->target = xstrdup(v->target);
	c->user = xstrdup(v->user);
	c->password = xstrdup("");
	for (unsigned i = 0; i < ARRAY_SIZE(service_names); i++)
		c->service[i] = xstrdup(v->service[i]);
	c->page_size = v->page_size;
	c->needs = v->needs;
	c->with_ca = v->with_ca;
	c->timeout_s = v->timeout_s;
	c->insecure = v->insecure;
	c->ca_file = v->ca_file ? xstrdup(v->ca_file) : NULL;
	c->retrievals = 1;
	c->clone = true;
	if (handle_setup(c) < 0) {
		vc_close(c);
		return HERR_COLLECT;
	}
	/* The session is the cookie: the clone carries the owner's. */
	struct curl_slist *cookies = NULL;
	curl_easy_getinfo(v->curl, CURLINFO_COOKIELIST, &cookies);
	for (struct curl_slist *k = cookies; k; k = k->next)
		curl_easy_setopt(c->curl, CURLOPT_COOKIELIST, k->data);
	curl_slist_free_all(cookies);
	*out = c;
	return 0;
}

bool vc_clone_done(struct vc *v, struct vc *c)
{
	if (!c)
		return false;
	bool expired = c->expired;
	v->calls += c->calls;
	v->bytes += c->bytes;
	vc_close(c);
	return expired;
}

int vc_relogin(struct vc *v)
{
	return login(v);
}

int vc_connect(struct vc **out, const struct vc_opts *o)
{
	*out = NULL;
	struct vc *v = xcalloc(1, sizeof(*v));
	v->url = xstrdup(o->url);
	v->target = xstrdup(o->target ? o->target : "");
	v->user = xstrdup(o->user ? o->user : "");
	v->password = xstrdup(o->password ? o->password : "");
	v->page_size = o->page_size > 0 ? o->page_size : 500;
	v->progress = o->progress;
	v->needs = o->needs;
	v->retrievals = o->retrievals > 0 ? o->retrievals : VC_RETRIEVALS_DEFAULT;
	v->timeout_s = o->timeout_s;
	v->insecure = o->insecure;
	v->ca_file = o->ca_file ? xstrdup(o->ca_file) : NULL;
	v->with_ca = o->ca_file != NULL;
	int rc = handle_setup(v);
	if (rc == 0)
		rc = service_content(v);
	if (rc == 0)
		rc = login(v);
	if (rc < 0) {
		vc_close(v);
		return rc;
	}
	*out = v;
	return 0;
}

void vc_close(struct vc *v)
{
	if (!v)
		return;
	if (v->logged_in && v->service[3]) {
		transport_closing(v->curl);
		struct buf b = BUF_INIT;
		buf_puts(&b, "<Logout xmlns=\"urn:vim25\"><_this type=\"SessionManager\">");
		buf_xml_escape(&b, v->service[3]);
		buf_puts(&b, "</_this></Logout>");
		struct soap_result res;
		call_once(v, b.data, NULL, NULL, &res);
		soap_result_release(&res);
		buf_release(&b);
	}
	if (v->curl)
		curl_easy_cleanup(v->curl);
	curl_slist_free_all(v->headers);
	for (unsigned i = 0; i < ARRAY_SIZE(service_names); i++)
		free(v->service[i]);
	free(v->api_version);
	free(v->about_version);
	free(v->about_build);
	free(v->setting);
	free(v->ca_file);
	free(v->url);
	free(v->target);
	free(v->user);
	free_secret(v->password);
	free(v);
}
