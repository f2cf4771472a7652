/* The NSX collector: the distributed firewall from the NSX Policy API
 * (/policy/api/v1) over libcurl, parsed with jansson.  Domains, security
 * policies and their rules, groups and services, each list followed by
 * cursor; HTTP Basic on every request or a session (JSESSIONID cookie plus
 * X-XSRF-TOKEN); 429 and 503 retried with back-off. */
#ifndef HARDEN_NSX_H
#define HARDEN_NSX_H

#include <stdbool.h>

#include "store/store.h"
#include "util/error.h"

/* Results: 0, or HERR_COLLECT (unreachable, TLS, timeout, HTTP or protocol
 * error), HERR_AUTH (credentials refused), HERR_STORE or HERR_FULL (writing
 * the twin failed).  The message is in err_get(). */

enum nsx_auth { NSX_AUTH_SESSION, NSX_AUTH_BASIC };

struct nsx_opts {
	const char *target;	/* for messages */
	const char *url;	/* https://nsx-manager (no path) */
	const char *user;
	const char *password;
	const char *ca_file;
	bool insecure;
	long timeout_s;
	enum nsx_auth auth;
	int page_size;		/* page_size asked of every list, 1..1000 */
	int max_retries;	/* for 429 and 503; 0 picks the default */
	bool progress;		/* progress line on stderr */
};

struct nsx;

/* Checks the URL and, for session auth, creates the session. */
int nsx_connect(struct nsx **out, const struct nsx_opts *o);
/* Collects the DFW into snapshot snap inside the caller's transaction. */
/* Into the twin or a batch (to: see common/sink.h). */
struct sink_to;
int nsx_collect(struct nsx *n, const struct sink_to *to, struct scan_stats *stats);
long long nsx_api_calls(const struct nsx *n);
long long nsx_bytes_received(const struct nsx *n);
/* Destroys the session (best effort) and frees. */
void nsx_close(struct nsx *n);

/* The object the NSX part's own findings hang on: one per snapshot of a
 * target, collected or not.  name is the manager's host, or NULL when the
 * target names no NSX manager. */
#define NSX_MANAGER_TYPE NSX_PART_OBJECT
#define NSX_MANAGER_MOREF "nsx-manager"
/* Records the manager object when the NSX part was not collected (failed,
 * or url NULL: no NSX manager configured), every property not collected. */
int nsx_record_unavailable(struct store *st, long long snap, const char *url);

#endif
