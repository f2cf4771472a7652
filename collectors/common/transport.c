#include "common/transport.h"

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

bool transport_tls_error(CURLcode cc)
{
	return cc == CURLE_PEER_FAILED_VERIFICATION || cc == CURLE_SSL_CONNECT_ERROR ||
	       cc == CURLE_SSL_CACERT_BADFILE || cc == CURLE_SSL_CERTPROBLEM;
}
