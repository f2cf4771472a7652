/* The vCenter collector: vim25 SOAP over libcurl, parsed with libxml2.
 * RetrieveServiceContent, Login, one ContainerView and one paged
 * RetrievePropertiesEx per object type, the host advanced settings in one
 * paged call, DestroyView, Logout. */
#ifndef HARDEN_VC_H
#define HARDEN_VC_H

#include <stdbool.h>

#include "store/store.h"
#include "util/error.h"
#include "vcenter/soap.h"

/* Results: 0, or HERR_COLLECT (unreachable, TLS, timeout, HTTP or protocol
 * error), HERR_AUTH (credentials refused), HERR_STORE or HERR_FULL (writing
 * the twin failed), and from vc_call HERR_FAULT (a SOAP fault).  The message
 * is in err_get(). */

struct vc_opts {
	const char *target;	/* for messages */
	const char *url;	/* https://vc/sdk */
	const char *user;
	const char *password;
	const char *ca_file;
	bool insecure;
	long timeout_s;
	int page_size;		/* maxObjects per RetrievePropertiesEx page */
	bool progress;		/* progress line on stderr */
	const struct prop_needs *needs;	/* what to request; NULL: everything */
	int retrievals;		/* retrievals at once on the session; 1: one
				 * after the other; 0: VC_RETRIEVALS_DEFAULT */
};

#define VC_RETRIEVALS_DEFAULT 2
#define VC_RETRIEVALS_MAX 8

struct vc;

int vc_connect(struct vc **out, const struct vc_opts *o);
/* Into the twin or a batch (to: see common/sink.h). */
struct sink_to;
int vc_collect(struct vc *v, const struct sink_to *to, struct scan_stats *stats);
/* Sends one SOAP body (the element inside soapenv:Body, with xmlns="urn:vim25"),
 * logging in again once on NotAuthenticated.  On HERR_FAULT res holds the fault. */
int vc_call(struct vc *v, const char *body, soap_obj_fn fn, void *ctx, struct soap_result *res);
/* A manager's moref from the ServiceContent, e.g. "propertyCollector". */
const char *vc_service(const struct vc *v, const char *name);
long long vc_api_calls(const struct vc *v);
/* The URL connected to, as the targets file gives it. */
const char *vc_url(const struct vc *v);
/* How many times this connection has logged in. */
int vc_logins(const struct vc *v);
long long vc_bytes_received(const struct vc *v);
/* The vSphere paths (Type.path, sorted, no repeats) a collection for needs
 * requests (NULL: everything), added to out. */
void vc_requested_paths(const struct prop_needs *needs, struct strlist *out);
/* The vSphere paths (Type.path) the property entry_name of otype (host, vm,
 * datastore, dvportgroup, vcenter) is built from, added to out (none for
 * what the vcenter object always carries); -1 when the collector does not
 * fill such a property. */
int vc_property_paths(const char *otype, const char *entry_name, struct strlist *out);
/* Logs out (best effort) and frees. */
void vc_close(struct vc *v);

#endif
