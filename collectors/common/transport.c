#include "common/transport.h"

#include <stdio.h>

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

bool transport_tls_error(CURLcode cc)
{
	return cc == CURLE_PEER_FAILED_VERIFICATION || cc == CURLE_SSL_CONNECT_ERROR ||
	       cc == CURLE_SSL_CACERT_BADFILE || cc == CURLE_SSL_CERTPROBLEM;
}
