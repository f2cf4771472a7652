/* Shared between the vCenter transport and the collection logic. */
#ifndef HARDEN_VC_INTERNAL_H
#define HARDEN_VC_INTERNAL_H

#include "vcenter/vc.h"
#include "common/sink.h"

int vc_page_size(const struct vc *v);
bool vc_progress(const struct vc *v);

/* From the ServiceContent: "version" and "build" of about, "setting" (the
 * moref of vCenter's own OptionManager); NULL when it did not say. */
const char *vc_about(const struct vc *v, const char *field);
/* The target's name, for messages. */
const char *vc_target(const struct vc *v);

/* The network.* properties of a host (vc_network.c) from its
 * config.network and config.virtualNicManagerInfo; a NULL node leaves the
 * properties it feeds not collected. */
void vc_host_network(struct sink *out, long long obj, const struct xnode *net, const struct xnode *vnics);
/* iscsi.chap_not_mutual of a host from config.storageDevice.hostBusAdapter
 * (vc_network.c); collected false leaves it not collected. */
void vc_host_iscsi(struct sink *out, long long obj, const struct xnode *hbas, bool collected);
/* The properties of a distributed port group (vc_network.c) from its
 * config.uplink, config.defaultPortConfig and config.policy; config_seen
 * says the configuration came back (an absent uplink flag is then false). */
void vc_dvportgroup(struct sink *out, long long obj, const struct xnode *uplink, bool config_seen,
		    const struct xnode *port, const struct xnode *policy);
/* lockdown.exception_users and image.acceptance_level of one host
 * (vc_hostcalls.c): one manager call each, as vim25 has no property for
 * them.  0, or a transport error (a fault leaves the property not
 * collected). */
int vc_host_calls(struct vc *v, struct sink *out, long long obj, const char *access_mgr, const char *image_mgr);
#endif
