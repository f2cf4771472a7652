/* What the vCenter and NSX collectors set up alike on their libcurl
 * handle: time limits, TLS verification, cookies, compression. */
#ifndef HARDEN_TRANSPORT_H
#define HARDEN_TRANSPORT_H

#include <curl/curl.h>
#include <stdbool.h>

struct transport_opts {
	long timeout_s;		/* per request; connecting takes at most 15 s of it */
	bool insecure;		/* no certificate or host name verification */
	const char *ca_file;	/* CAs instead of the system's, or NULL */
	curl_write_callback on_write;
	void *ctx;		/* for on_write */
	char *errbuf;		/* CURL_ERROR_SIZE bytes */
};

void transport_setup(CURL *c, const struct transport_opts *o);

/* Before logging out: the logout runs even after SIGINT or SIGTERM (which
 * abort every other transfer), within 10 seconds then. */
void transport_closing(CURL *c);
/* Whether a libcurl error is a transfer aborted by SIGINT or SIGTERM. */
bool transport_interrupted(CURLcode cc);

/* Whether a libcurl error is one of TLS verification. */
bool transport_tls_error(CURLcode cc);
/* The fix of a TLS error, as a sentence naming the targets file's keys
 * under block ("vcenter" or "nsx"); with_ca: a ca_file was given. */
const char *transport_tls_hint(CURLcode cc, const char *block, bool with_ca, char *out, size_t n);

#endif
