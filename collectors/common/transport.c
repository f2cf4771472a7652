#include "common/transport.h"

#include <stdio.h>

#include "util/interrupt.h"

/* Called by libcurl about once a second and on every block: a SIGINT or
 * SIGTERM aborts the transfer (CURLE_ABORTED_BY_CALLBACK). */
static int on_progress(void *ud, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow)
{
	(void)ud, (void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
	return interrupt_pending() != 0;
}

void transport_setup(CURL *c, const struct transport_opts *o)
{
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, o->on_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, o->ctx);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, o->errbuf);
	curl_easy_setopt(c, CURLOPT_COOKIEFILE, "");
	curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "harden/" HARDEN_VERSION);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_TIMEOUT, o->timeout_s > 0 ? o->timeout_s : 60L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, o->timeout_s > 0 && o->timeout_s < 15 ? o->timeout_s : 15L);
	curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	if (o->insecure) {
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
	} else {
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
		if (o->ca_file)
			curl_easy_setopt(c, CURLOPT_CAINFO, o->ca_file);
	}
}

const char *transport_tls_hint(CURLcode cc, const char *block, bool with_ca, char *out, size_t n)
{
	if (cc == CURLE_SSL_CACERT_BADFILE)
		snprintf(out, n, "the ca_file under '%s:' in the targets file holds no certificate libcurl can read; "
			 "give the PEM file of the CA that signed the server's certificate", block);
	else if (cc == CURLE_SSL_CERTPROBLEM || cc == CURLE_SSL_CONNECT_ERROR)
		snprintf(out, n, "check that the server speaks TLS 1.2 or later at this URL");
	else if (with_ca)
		snprintf(out, n, "the server's certificate is not signed by the CA in ca_file under '%s:' in the targets "
			 "file, or does not name this host: fix ca_file or the URL's host name", block);
	else
		snprintf(out, n, "to trust the server's certificate, set ca_file under '%s:' in the targets file to the "
			 "PEM file of the CA that signed it (or, on a lab only, insecure: true)", block);
	return out;
}

void transport_closing(CURL *c)
{
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 1L);
	if (interrupt_pending()) {
		curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
		curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 5L);
	}
}

bool transport_interrupted(CURLcode cc)
{
	return cc == CURLE_ABORTED_BY_CALLBACK && interrupt_pending();
}

bool transport_tls_error(CURLcode cc)
{
	return cc == CURLE_PEER_FAILED_VERIFICATION || cc == CURLE_SSL_CONNECT_ERROR ||
	       cc == CURLE_SSL_CACERT_BADFILE || cc == CURLE_SSL_CERTPROBLEM;
}
