/* Shared between the vCenter transport and the collection logic. */
#ifndef HARDEN_VC_INTERNAL_H
#define HARDEN_VC_INTERNAL_H

#include "vcenter/vc.h"
#include "common/sink.h"

int vc_page_size(const struct vc *v);
bool vc_progress(const struct vc *v);
const struct prop_needs *vc_needs(const struct vc *v);

/* From the ServiceContent: "version" and "build" of about, "setting" (the
 * moref of vCenter's own OptionManager); NULL when it did not say. */
const char *vc_about(const struct vc *v, const char *field);
/* The target's name, for messages. */
const char *vc_target(const struct vc *v);

/* The network.* properties of a host (vc_network.c): its switches' and
 * port groups' from config.network, its shared VMkernel NICs' from
 * config.virtualNicManagerInfo; a NULL node leaves the properties it feeds
 * not collected. */
void vc_host_switches(struct sink *out, long long obj, const struct xnode *net);
void vc_host_vnics(struct sink *out, long long obj, const struct xnode *vnics);
/* iscsi.chap_not_mutual of a host from config.storageDevice.hostBusAdapter
 * (vc_network.c); collected false leaves it not collected. */
void vc_host_iscsi(struct sink *out, long long obj, const struct xnode *hbas, bool collected);
/* The properties of a distributed port group (vc_network.c) from its
 * config.uplink, config.defaultPortConfig and config.policy; config_seen
 * says the configuration came back (an absent uplink flag is then false). */
void vc_dvportgroup(struct sink *out, long long obj, const struct xnode *uplink, bool config_seen,
		    const struct xnode *port, const struct xnode *policy);
/* lockdown.exception_users (when want_access) and image.acceptance_level
 * (when want_image) of one host (vc_hostcalls.c): one manager call each,
 * as vim25 has no property for them.  0, or a transport error (a fault, or
 * no manager, leaves the property not collected). */
int vc_host_calls(struct vc *v, struct sink *out, long long obj, const char *access_mgr, const char *image_mgr,
		  bool want_access, bool want_image);

/* How many retrievals may run at once on the session (vc_opts). */
int vc_retrievals(const struct vc *v);
/* A second connection on v's session (its cookie), for a retrieval in
 * another thread: it never logs in or out itself. */
int vc_clone(const struct vc *v, struct vc **out);
/* Adds the clone's calls and bytes to v's and frees it; true when the
 * server said the session had expired (then vc_relogin, and start over). */
bool vc_clone_done(struct vc *v, struct vc *c);
int vc_relogin(struct vc *v);

/* A retrieval in slices (vc_slices.c): morefs, the view's objects in its
 * order, cut into slices of slice objects, each retrieved on a clone by
 * retrieve into the batch begin gave it, then forwarded to out in order. */
struct vc_slices {
	struct vc *v;
	char *const *morefs;
	size_t n, slice;
	struct sink *out;
	void *ctx;
	/* A worker's context on connection conn, collecting into b. */
	void *(*begin)(void *ctx, struct vc *conn, struct batch *b);
	/* Retrieves n objects into the worker's batch: 0, or an error with
	 * its message in err_get(). */
	int (*retrieve)(void *w, char *const *morefs, size_t n);
	/* Ends a worker: its counts are added to ctx's (one at a time). */
	void (*end)(void *ctx, void *w);
};
/* 0, or the first error (its message in err_get()); when the session
 * expired meanwhile it is renewed and the result is HERR_COLLECT. */
int vc_slices_run(const struct vc_slices *sp);
#endif
