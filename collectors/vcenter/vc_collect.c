/* What harden collects from vCenter, and how each vSphere property maps to
 * the property vocabulary (see vocab.c and harden-properties(7)). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <ctype.h>
#include <unistd.h>

#include "util/progress.h"
#include "util/util.h"
#include "vcenter/vc.h"
#include "common/sink.h"
#include "vcenter/vc_internal.h"

struct host_rec {
	char *moref;
	char *name;
	long long obj;
	char *optmgr;
	bool options_seen;
	char *access_mgr;	/* configManager.hostAccessManager */
	char *image_mgr;	/* configManager.imageConfigManager */
};

struct pair {
	char *key;
	char *val;
};

/* The object types whose properties are requested selectively; T_VC, the
 * vcenter object, has no path list of its own (see prop_srcs). */
enum { T_HOST, T_VM, T_DS, T_DVPG, T_COUNT, T_VC = T_COUNT };

/* What a collection requests: per type, a bit per path of its path list
 * (host_paths, vm_paths, ds_paths, dvpg_paths), whether the datastores'
 * host lists are built, and whether vCenter's own settings are read. */
struct plan {
	unsigned mask[T_COUNT];
	bool ds_hosts, vc_options;
};

struct collect {
	struct vc *v;
	struct plan plan;
	struct sink out;	/* the twin */
	struct pair *clusters;
	size_t nclusters, capclusters;
	struct host_rec *hosts;
	size_t nhosts, caphosts;
	struct pair *ds_hosts;	/* datastore moref -> host name */
	size_t nds_hosts, capds_hosts;
	long long page_objects;
	long long nhost_objs, nvm_objs, nds_objs, ndvpg_objs;	/* for the vcenter object */
	bool mounts_incomplete;	/* a host's datastore list was not collected */
	long long vc_obj;	/* the vcenter object */
	bool vc_options_seen;
	const char *phase;
	/* A view retrieved in slices: the first page alone (first_page), the
	 * token it left (more), its objects (first) and fn, and the view's
	 * objects (members). */
	bool first_page;
	char *more;
	struct strlist first, members;
	soap_obj_fn page_fn;
};

#define MAXP 24

/* One ObjectContent: the values by requested path, and which paths faulted. */
struct oc {
	const char *moref;
	const char *mtype;
	const struct xnode *val[MAXP];
	bool missing[MAXP];
};

static void oc_parse(const struct xnode *objects, const char *const *paths, struct oc *oc)
{
	memset(oc, 0, sizeof(*oc));
	for (const struct xnode *n = objects->child; n; n = n->next) {
		if (!strcmp(n->name, "obj")) {
			oc->moref = n->text ? n->text : "";
			oc->mtype = n->mtype;
		} else if (!strcmp(n->name, "propSet") || !strcmp(n->name, "missingSet")) {
			bool missing = n->name[0] == 'm';
			const char *name = xnode_text(n, missing ? "path" : "name");
			if (!name)
				continue;
			for (int i = 0; i < MAXP && paths[i]; i++) {
				if (strcmp(paths[i], name))
					continue;
				if (missing)
					oc->missing[i] = true;
				else
					oc->val[i] = xnode_child(n, "val");
			}
		}
	}
}

static void pairs_add(struct pair **v, size_t *n, size_t *cap, const char *k, const char *val)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		*v = xrealloc(*v, *cap * sizeof(**v));
	}
	(*v)[*n].key = xstrdup(k);
	(*v)[*n].val = xstrdup(val);
	(*n)++;
}

static void pairs_free(struct pair *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].key);
		free(v[i].val);
	}
	free(v);
}

static const char *pairs_get(const struct pair *v, size_t n, const char *k)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i].key, k))
			return v[i].val;
	return NULL;
}

static int host_cmp(const void *a, const void *b)
{
	return strcmp(((const struct host_rec *)a)->moref, ((const struct host_rec *)b)->moref);
}

static struct host_rec *host_find(struct collect *c, const char *moref)
{
	struct host_rec key = { .moref = (char *)moref };
	if (!c->nhosts)
		return NULL;	/* no array at all: bsearch must not see NULL */
	return bsearch(&key, c->hosts, c->nhosts, sizeof(*c->hosts), host_cmp);
}

static long long add_object(struct collect *c, const char *type, const char *moref, const char *name)
{
	c->page_objects++;
	if (!strcmp(type, "host"))
		c->nhost_objs++;
	else if (!strcmp(type, "vm"))
		c->nvm_objs++;
	else if (!strcmp(type, "datastore"))
		c->nds_objs++;
	else if (!strcmp(type, "dvportgroup"))
		c->ndvpg_objs++;
	return sink_object(&c->out, type, moref, name);
}

static void put(struct collect *c, long long obj, const char *name, enum ptype t, const char *value)
{
	sink_prop(&c->out, obj, name, t, value);
}

/* An xsd:boolean is true, false, 1 or 0; anything else ("yes", "True",
 * empty) is not a value of that type, so it is not collected. */
static const char *bool_of(const char *s)
{
	if (!s)
		return NULL;
	if (!strcmp(s, "true") || !strcmp(s, "1"))
		return "true";
	if (!strcmp(s, "false") || !strcmp(s, "0"))
		return "false";
	return NULL;
}

/* A data object of the vSphere type expected, else NULL (not collected):
 * a value of another xsi:type is not what the property holds. */
static const struct xnode *typed(const struct xnode *n, const char *xtype)
{
	if (!n || n->nil || (n->xtype && strcmp(n->xtype, xtype)))
		return NULL;
	return n;
}

/* A simple-typed value, or NULL (not collected) when unset or faulted. */
static const char *simple(const struct oc *oc, int i)
{
	return oc->val[i] ? xnode_text(oc->val[i], NULL) : NULL;
}

static void put_simple(struct collect *c, long long obj, const char *name, enum ptype t, const char *v)
{
	if (v && t == PT_BOOL)
		v = bool_of(v);
	put(c, obj, name, t, v);
}

static char *json_list_dump(json_t *a)
{
	char *s = json_dumps(a, JSON_COMPACT);
	json_decref(a);
	return s;
}

static void put_list(struct collect *c, long long obj, const char *name, json_t *a)
{
	char *s = json_list_dump(a);
	put(c, obj, name, PT_LIST, s);
	free(s);
}

/* A phase as people call it: hosts, not HostSystem. */
static const char *phase_label(const char *phase)
{
	static const char *const names[][2] = {
		{ "ClusterComputeResource", "clusters" }, { "HostSystem", "hosts" },
		{ "VirtualMachine", "VMs" }, { "Datastore", "datastores" },
		{ "DistributedVirtualPortgroup", "distributed port groups" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (!strcmp(phase, names[i][0]))
			return names[i][1];
	return phase;
}

static void progress(struct collect *c)
{
	if (!vc_progress(c->v))
		return;
	char step[96];
	snprintf(step, sizeof(step), "collecting vCenter %s", phase_label(c->phase));
	progress_show(step, "%lld objects, %lld API calls, %.1f MB", c->out.objects, vc_api_calls(c->v),
		      (double)vc_bytes_received(c->v) / 1e6);
}

/* Every object of a page goes through here on its way to fn, counted. */
struct page_count {
	struct collect *c;
	soap_obj_fn fn;
	long long objects;
};

static int count_object(void *ctx, const struct xnode *objects)
{
	struct page_count *pc = ctx;
	pc->objects++;
	return pc->fn(pc->c, objects);
}

/* Limits on paging: each loop over vCenter's answers ends. */
#define VC_MAX_PAGES 100000
#define VC_MAX_EMPTY_PAGES 3

/* Whether to follow a token: a run of pages without objects that keep
 * handing out tokens, or more pages than any inventory holds, is a
 * protocol error.  (vCenter may hand out the same token for every page of
 * a result set, so a repeated token is no sign of a loop; a page that
 * repeats objects is caught as a duplicate.) */
static int next_token(struct collect *c, long long objects, long long *pages, int *empty_run)
{
	struct vc *v = c->v;
	*empty_run = objects ? 0 : *empty_run + 1;
	if (*empty_run >= VC_MAX_EMPTY_PAGES) {
		err_set("vCenter for target '%s' returned %d pages without objects in a row while collecting %s",
			vc_target(v), *empty_run, c->phase);
		return HERR_COLLECT;
	}
	if (++*pages >= VC_MAX_PAGES) {
		err_set("vCenter for target '%s' returned more than %d pages while collecting %s", vc_target(v),
			VC_MAX_PAGES, c->phase);
		return HERR_COLLECT;
	}
	return 1;
}

/* Runs a RetrievePropertiesEx body, then ContinueRetrievePropertiesEx
 * while vCenter hands back a token; fn sees every object of every page. */
static int retrieve_pages(struct collect *c, const char *first, soap_obj_fn fn)
{
	struct vc *v = c->v;
	struct buf next = BUF_INIT;
	struct page_count pc = { c, fn, 0 };
	long long pages = 0;
	const char *body = first;
	int rc, empty_run = 0;
	for (;;) {
		struct soap_result res;
		pc.objects = 0;
		rc = vc_call(v, body, count_object, &pc, &res);
		if (rc < 0) {
			soap_result_release(&res);
			break;
		}
		progress(c);
		const char *tok = xnode_text(xnode_child(res.body, "returnval"), "token");
		if (c->first_page && tok && *tok)
			c->more = xstrdup(tok);
		if (!tok || !*tok || c->first_page || (rc = next_token(c, pc.objects, &pages, &empty_run)) <= 0) {
			soap_result_release(&res);
			break;
		}
		rc = 0;
		/* vCenter may page even when maxObjects is not reached. */
		buf_reset(&next);
		buf_puts(&next, "<ContinueRetrievePropertiesEx xmlns=\"urn:vim25\"><_this type=\"PropertyCollector\">");
		buf_xml_escape(&next, vc_service(v, "propertyCollector"));
		buf_puts(&next, "</_this><token>");
		buf_xml_escape(&next, tok);
		buf_puts(&next, "</token></ContinueRetrievePropertiesEx>");
		soap_result_release(&res);
		body = next.data;
	}
	buf_release(&next);
	return rc;
}

/* The property part of a retrieval: type and the paths of mask. */
static void put_propset(struct buf *b, const char *type, const char *const *paths, unsigned mask)
{
	buf_printf(b, "<propSet><type>%s</type><all>false</all>", type);
	for (int i = 0; paths && paths[i]; i++)
		if (mask & (1u << i))
			buf_printf(b, "<pathSet>%s</pathSet>", paths[i]);
	buf_puts(b, "</propSet>");
}

/* The objects of a retrieval: those of the view, max_objects a page. */
static void put_view_objects(struct buf *b, const char *view, int max_objects)
{
	buf_puts(b, "<objectSet><obj type=\"ContainerView\">");
	buf_xml_escape(b, view);
	buf_printf(b, "</obj><skip>true</skip><selectSet xsi:type=\"TraversalSpec\"><name>view</name>"
		      "<type>ContainerView</type><path>view</path><skip>false</skip></selectSet>"
		      "</objectSet></specSet><options><maxObjects>%d</maxObjects></options>"
		      "</RetrievePropertiesEx>", max_objects);
}

static void put_retrieve_head(struct buf *b, struct vc *v)
{
	buf_puts(b, "<RetrievePropertiesEx xmlns=\"urn:vim25\"><_this type=\"PropertyCollector\">");
	buf_xml_escape(b, vc_service(v, "propertyCollector"));
	buf_puts(b, "</_this><specSet>");
}

/* ---- a retrieval in slices on several connections (vc_slices.c) ---- */

/* Objects a page when only their references are listed. */
#define VC_LIST_PAGE 10000
/* Objects a slice at most: each retrieval at once holds one slice's
 * records in memory until its turn. */
#define VC_SLICE_MAX 200

struct slice_spec {
	struct collect *c;
	const char *type;
	const char *const *paths;
	unsigned mask;
	soap_obj_fn fn;
};

/* A worker: a collection of its own (first member) into its batch. */
struct slice_worker {
	struct collect w;
	const struct slice_spec *sp;
};

static void *slice_begin(void *ctx, struct vc *conn, struct batch *b)
{
	const struct slice_spec *sp = ctx;
	struct slice_worker *sw = xcalloc(1, sizeof(*sw));
	sw->sp = sp;
	sw->w.v = conn;
	sw->w.plan = sp->c->plan;
	sw->w.hosts = sp->c->hosts;	/* read only, as long as the workers run */
	sw->w.nhosts = sp->c->nhosts;
	sw->w.out.batch = b;
	sw->w.out.source = "vCenter";
	sw->w.phase = sp->c->phase;
	return sw;
}

/* An object a slice named that is gone by now (reported, as asked, in
 * its missingSet rather than as a fault) is skipped, as a retrieval over
 * the view would not have listed it. */
static int slice_object(void *ctx, const struct xnode *objects)
{
	struct slice_worker *sw = ctx;
	bool props = false, gone = false;
	for (const struct xnode *n = objects->child; n; n = n->next) {
		if (!strcmp(n->name, "propSet"))
			props = true;
		else if (!strcmp(n->name, "missingSet") && !xnode_text(n, "path"))
			gone = true;
	}
	return gone && !props ? 0 : sw->sp->fn(&sw->w, objects);
}

static int slice_retrieve(void *w, char *const *morefs, size_t n)
{
	struct slice_worker *sw = w;
	const struct slice_spec *sp = sw->sp;
	struct buf b = BUF_INIT;
	put_retrieve_head(&b, sw->w.v);
	put_propset(&b, sp->type, sp->paths, sp->mask);
	for (size_t i = 0; i < n; i++) {
		buf_printf(&b, "<objectSet><obj type=\"%s\">", sp->type);
		buf_xml_escape(&b, morefs[i]);
		buf_puts(&b, "</obj><skip>false</skip></objectSet>");
	}
	buf_printf(&b, "<reportMissingObjectsInResults>true</reportMissingObjectsInResults></specSet>"
		       "<options><maxObjects>%d</maxObjects></options></RetrievePropertiesEx>",
		   vc_page_size(sw->w.v));
	int rc = retrieve_pages(&sw->w, b.data, slice_object);
	buf_release(&b);
	if (sw->w.out.rc) {
		err_set("%s", sw->w.out.err);
		return sw->w.out.rc;
	}
	return rc == HERR_FAULT ? HERR_COLLECT : rc;
}

static void slice_end(void *ctx, void *w)
{
	struct collect *c = ((const struct slice_spec *)ctx)->c;
	struct slice_worker *sw = w;
	c->page_objects += sw->w.page_objects;
	c->nhost_objs += sw->w.nhost_objs;
	c->nvm_objs += sw->w.nvm_objs;
	c->nds_objs += sw->w.nds_objs;
	c->ndvpg_objs += sw->w.ndvpg_objs;
	c->mounts_incomplete |= sw->w.mounts_incomplete;
	sink_release(&sw->w.out);
	free(sw);
}

/* The view's objects, in its order, one answer object each. */
static int on_members(void *ctx, const struct xnode *objects)
{
	struct collect *c = ctx;
	const char *m = xnode_text(objects, "obj");
	if (m && *m)
		strlist_add(&c->members, m);
	return 0;
}

/* An object of the first page: noted, then handled as any. */
static int on_first_page(void *ctx, const struct xnode *objects)
{
	struct collect *c = ctx;
	const char *m = xnode_text(objects, "obj");
	if (m)
		strlist_add(&c->first, m);
	return c->page_fn(c, objects);
}

static int str_ptr_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* After the first page, when there are more: the token is given back,
 * the view's objects listed, and those the first page did not hold
 * retrieved in slices of a page on up to vc_retrievals() connections. */
static int retrieve_rest(struct collect *c, const char *view, const char *type, const char *const *paths,
			 unsigned mask, soap_obj_fn fn)
{
	struct vc *v = c->v;
	struct buf b = BUF_INIT;
	struct soap_result res;
	buf_puts(&b, "<CancelRetrievePropertiesEx xmlns=\"urn:vim25\"><_this type=\"PropertyCollector\">");
	buf_xml_escape(&b, vc_service(v, "propertyCollector"));
	buf_puts(&b, "</_this><token>");
	buf_xml_escape(&b, c->more);
	buf_puts(&b, "</token></CancelRetrievePropertiesEx>");
	int rc = vc_call(v, b.data, NULL, NULL, &res);
	soap_result_release(&res);
	buf_reset(&b);
	if (rc < 0 && rc != HERR_FAULT)
		goto out;
	/* The objects alone, no property, in large pages. */
	put_retrieve_head(&b, v);
	put_propset(&b, type, NULL, 0);
	put_view_objects(&b, view, VC_LIST_PAGE);
	if ((rc = retrieve_pages(c, b.data, on_members)) < 0)
		goto out;
	/* The rest, in the view's order. */
	qsort(c->first.v, c->first.n, sizeof(*c->first.v), str_ptr_cmp);
	size_t n = 0;
	for (size_t i = 0; i < c->members.n; i++) {
		char *m = c->members.v[i];
		if (bsearch(&m, c->first.v, c->first.n, sizeof(*c->first.v), str_ptr_cmp))
			free(m);
		else
			c->members.v[n++] = m;
	}
	c->members.n = n;
	struct slice_spec sp = { c, type, paths, mask, fn };
	size_t slice = vc_page_size(v) < VC_SLICE_MAX ? (size_t)vc_page_size(v) : VC_SLICE_MAX;
	struct vc_slices run = { v, c->members.v, n, slice, &c->out, &sp, slice_begin, slice_retrieve, slice_end };
	rc = n ? vc_slices_run(&run) : 0;
	progress(c);
out:
	buf_release(&b);
	strlist_release(&c->members);
	strlist_release(&c->first);
	free(c->more);
	c->more = NULL;
	return rc;
}

/* CreateContainerView over the root folder, RetrievePropertiesEx with the
 * token loop (or, when sliced and more than a page, in slices at once),
 * DestroyView. */
static int retrieve_view(struct collect *c, const char *type, const char *const *paths, unsigned mask,
			 soap_obj_fn fn, bool sliced)
{
	struct vc *v = c->v;
	struct buf b = BUF_INIT;
	struct soap_result res;
	buf_puts(&b, "<CreateContainerView xmlns=\"urn:vim25\"><_this type=\"ViewManager\">");
	buf_xml_escape(&b, vc_service(v, "viewManager"));
	buf_puts(&b, "</_this><container type=\"Folder\">");
	buf_xml_escape(&b, vc_service(v, "rootFolder"));
	buf_printf(&b, "</container><type>%s</type><recursive>true</recursive></CreateContainerView>", type);
	int rc = vc_call(v, b.data, NULL, NULL, &res);
	buf_reset(&b);
	if (rc < 0) {
		soap_result_release(&res);
		buf_release(&b);
		return rc == HERR_FAULT ? HERR_COLLECT : rc;
	}
	const char *vt = xnode_text(res.body, "returnval");
	char *view = xstrdup(vt ? vt : "");
	soap_result_release(&res);

	c->phase = type;
	put_retrieve_head(&b, v);
	put_propset(&b, type, paths, mask);
	put_view_objects(&b, view, vc_page_size(v));
	/* In slices: the first page alone, then, when there are more, the rest. */
	c->first_page = sliced && vc_retrievals(v) > 1;
	c->page_fn = fn;
	rc = retrieve_pages(c, b.data, c->first_page ? on_first_page : fn);
	c->first_page = false;
	if (rc == 0 && c->more)
		rc = retrieve_rest(c, view, type, paths, mask, fn);
	strlist_release(&c->first);
	free(c->more);
	c->more = NULL;
	int rc_main = rc;
	buf_reset(&b);
	buf_puts(&b, "<DestroyView xmlns=\"urn:vim25\"><_this type=\"ContainerView\">");
	buf_xml_escape(&b, view);
	buf_puts(&b, "</_this></DestroyView>");
	if (rc_main == 0 || rc_main == HERR_FAULT) {
		/* Keep the first error's message through the clean-up call. */
		char *saved = rc_main ? xstrdup(err_get()) : NULL;
		rc = vc_call(v, b.data, NULL, NULL, &res);
		soap_result_release(&res);
		if (saved) {
			err_set("%s", saved);
			free(saved);
		}
		if (rc_main == 0 && rc < 0 && rc != HERR_FAULT)
			rc_main = rc;
	}
	free(view);
	buf_release(&b);
	if (c->out.rc) {
		err_set("%s", c->out.err);
		return c->out.rc;
	}
	return rc_main == HERR_FAULT ? HERR_COLLECT : rc_main;
}

/* Parses one object of a retrieval whose first path is "name", adds it and
 * its name: the object's row, 0 to skip it (no moref), -1 on a twin error. */
static long long object_begin(struct collect *c, const struct xnode *objects, const char *const *paths,
			      const char *type, struct oc *oc)
{
	oc_parse(objects, paths, oc);
	if (!oc->moref)
		return 0;
	const char *name = simple(oc, 0);
	long long obj = add_object(c, type, oc->moref, name ? name : oc->moref);
	if (c->out.rc)
		return -1;
	put(c, obj, "name", PT_STRING, name);
	return obj;
}

/* ---- clusters ---- */

static const char *const cluster_paths[] = { "name", NULL };

static int on_cluster(void *ctx, const struct xnode *objects)
{
	struct collect *c = ctx;
	struct oc oc;
	oc_parse(objects, cluster_paths, &oc);
	if (oc.moref && oc.val[0])
		pairs_add(&c->clusters, &c->nclusters, &c->capclusters, oc.moref, xnode_text(oc.val[0], NULL));
	return 0;
}

/* ---- hosts ---- */

enum { H_NAME, H_PARENT, H_PRODUCT, H_CONN, H_MAINT, H_LOCKDOWN, H_SERVICE, H_DATETIME, H_FIREWALL,
       H_OPTMGR, H_DATASTORE, H_CAPABILITY, H_NETWORK, H_VNICMGR, H_ACCESSMGR, H_IMAGEMGR, H_HBA };
static const char *const host_paths[] = {
	"name", "parent", "summary.config.product", "runtime.connectionState", "runtime.inMaintenanceMode",
	"config.lockdownMode", "config.service", "config.dateTimeInfo", "config.firewall",
	"configManager.advancedOption", "datastore", "capability", "config.network",
	"config.virtualNicManagerInfo", "configManager.hostAccessManager", "configManager.imageConfigManager",
	"config.storageDevice.hostBusAdapter", NULL,
};

static void host_services(struct collect *c, long long obj, const struct xnode *info)
{
	put(c, obj, "service.*", PT_GROUP, info ? "" : NULL);
	if (!info)
		return;
	for (const struct xnode *s = info->child; s; s = s->next) {
		if (strcmp(s->name, "service"))
			continue;
		const char *key = xnode_text(s, "key");
		if (!key || !*key)
			continue;
		char *n = xasprintf("service.%s.running", key);
		put_simple(c, obj, n, PT_BOOL, xnode_text(s, "running"));
		free(n);
		n = xasprintf("service.%s.policy", key);
		put(c, obj, n, PT_STRING, xnode_text(s, "policy"));
		free(n);
	}
}

static void host_firewall(struct collect *c, long long obj, const struct xnode *fw)
{
	const struct xnode *pol = xnode_child(fw, "defaultPolicy");
	put_simple(c, obj, "firewall.incoming_blocked", PT_BOOL, pol ? xnode_text(pol, "incomingBlocked") : NULL);
	put_simple(c, obj, "firewall.outgoing_blocked", PT_BOOL, pol ? xnode_text(pol, "outgoingBlocked") : NULL);
	put(c, obj, "firewall.ruleset.*", PT_GROUP, fw ? "" : NULL);
	if (!fw)
		return;
	for (const struct xnode *r = fw->child; r; r = r->next) {
		if (strcmp(r->name, "ruleset"))
			continue;
		const char *key = xnode_text(r, "key");
		if (!key || !*key)
			continue;
		char *n = xasprintf("firewall.ruleset.%s.enabled", key);
		put_simple(c, obj, n, PT_BOOL, xnode_text(r, "enabled"));
		free(n);
		const struct xnode *ah = xnode_child(r, "allowedHosts");
		n = xasprintf("firewall.ruleset.%s.allowed_all_ip", key);
		/* No allowedHosts means the ruleset is not restricted. */
		put_simple(c, obj, n, PT_BOOL, ah ? xnode_text(ah, "allIp") : "true");
		free(n);
		json_t *a = json_array();
		for (const struct xnode *h = ah ? ah->child : NULL; h; h = h->next) {
			if (!strcmp(h->name, "ipAddress") && h->text) {
				json_array_append_new(a, json_string(h->text));
			} else if (!strcmp(h->name, "ipNetwork")) {
				const char *net = xnode_text(h, "network"), *len = xnode_text(h, "prefixLength");
				if (net) {
					char *s = xasprintf("%s/%s", net, len ? len : "32");
					json_array_append_new(a, json_string(s));
					free(s);
				}
			}
		}
		n = xasprintf("firewall.ruleset.%s.allowed_ips", key);
		put_list(c, obj, n, a);
		free(n);
	}
}

static void host_ntp(struct collect *c, long long obj, const struct xnode *dt)
{
	if (dt) {
		json_t *a = json_array();
		const struct xnode *ntp = xnode_child(dt, "ntpConfig");
		for (const struct xnode *s = ntp ? ntp->child : NULL; s; s = s->next)
			if (!strcmp(s->name, "server") && s->text && *s->text)
				json_array_append_new(a, json_string(s->text));
		put_list(c, obj, "ntp.servers", a);
	} else {
		put(c, obj, "ntp.servers", PT_LIST, NULL);
	}
}

#define WANT(c, t, i) ((c)->plan.mask[t] & (1u << (i)))

/* The host's properties other than its identity, each written only when
 * its path was requested: a property not requested is not in the twin,
 * so a rule reading it is unknown, never judged. */
static void host_details(struct collect *c, long long obj, const struct oc *oc)
{
	if (WANT(c, T_HOST, H_PRODUCT)) {
		const struct xnode *prod = typed(oc->val[H_PRODUCT], "AboutInfo");
		put(c, obj, "version", PT_VERSION, prod ? xnode_text(prod, "version") : NULL);
		put(c, obj, "build", PT_INT, prod ? xnode_text(prod, "build") : NULL);
	}
	if (WANT(c, T_HOST, H_CONN))
		put(c, obj, "connection_state", PT_STRING, simple(oc, H_CONN));
	if (WANT(c, T_HOST, H_MAINT))
		put_simple(c, obj, "maintenance_mode", PT_BOOL, simple(oc, H_MAINT));
	if (WANT(c, T_HOST, H_LOCKDOWN))
		put(c, obj, "lockdown_mode", PT_STRING, simple(oc, H_LOCKDOWN));
	if (WANT(c, T_HOST, H_SERVICE))
		host_services(c, obj, typed(oc->val[H_SERVICE], "HostServiceInfo"));
	if (WANT(c, T_HOST, H_DATETIME))
		host_ntp(c, obj, typed(oc->val[H_DATETIME], "HostDateTimeInfo"));
	if (WANT(c, T_HOST, H_FIREWALL))
		host_firewall(c, obj, typed(oc->val[H_FIREWALL], "HostFirewallInfo"));
	if (WANT(c, T_HOST, H_CAPABILITY)) {
		/* A capability the host does not report is one it does not have. */
		const struct xnode *cap = oc->val[H_CAPABILITY];
		const char *tpm = cap ? xnode_text(cap, "tpmSupported") : NULL;
		put_simple(c, obj, "tpm.supported", PT_BOOL, cap ? (tpm ? tpm : "false") : NULL);
		const char *tpmv = cap ? xnode_text(cap, "tpmVersion") : NULL;
		put(c, obj, "tpm.version", PT_STRING, cap ? (tpmv ? tpmv : "") : NULL);
	}
	if (WANT(c, T_HOST, H_NETWORK))
		vc_host_switches(&c->out, obj, typed(oc->val[H_NETWORK], "HostNetworkInfo"));
	if (WANT(c, T_HOST, H_VNICMGR))
		vc_host_vnics(&c->out, obj, typed(oc->val[H_VNICMGR], "HostVirtualNicManagerInfo"));
	/* No adapter at all comes back as no value; a fault is not collected. */
	if (WANT(c, T_HOST, H_HBA))
		vc_host_iscsi(&c->out, obj, oc->val[H_HBA], !oc->missing[H_HBA]);
}

/* The datastores the host mounts: its count, and the host's name on each
 * datastore's list (see on_datastore). */
static void host_mounts(struct collect *c, long long obj, const struct oc *oc, const char *name)
{
	long long nds = 0;
	const struct xnode *ds = oc->val[H_DATASTORE];
	for (const struct xnode *d = ds ? ds->child : NULL; d; d = d->next) {
		if (!d->text)
			continue;
		pairs_add(&c->ds_hosts, &c->nds_hosts, &c->capds_hosts, d->text, name ? name : oc->moref);
		nds++;
	}
	char num[32];
	snprintf(num, sizeof(num), "%lld", nds);
	/* An empty list comes back as no value at all; a fault is not collected. */
	put(c, obj, "datastore_count", PT_INT, oc->missing[H_DATASTORE] ? NULL : num);
	if (oc->missing[H_DATASTORE])
		c->mounts_incomplete = true;
}

static int on_host(void *ctx, const struct xnode *objects)
{
	struct collect *c = ctx;
	struct oc oc;
	long long obj = object_begin(c, objects, host_paths, "host", &oc);
	if (obj <= 0)
		return (int)obj;
	const char *name = simple(&oc, H_NAME);

	const struct xnode *parent = oc.val[H_PARENT];
	const char *cluster = NULL;
	if (parent && parent->mtype && !strcmp(parent->mtype, "ClusterComputeResource"))
		cluster = pairs_get(c->clusters, c->nclusters, parent->text ? parent->text : "");
	else if (parent)
		cluster = "";	/* standalone host */
	put(c, obj, "cluster", PT_STRING, cluster);

	host_details(c, obj, &oc);
	if (c->out.rc)
		return -1;
	if (WANT(c, T_HOST, H_DATASTORE))
		host_mounts(c, obj, &oc, name);

	if (c->nhosts == c->caphosts) {
		c->caphosts = c->caphosts ? c->caphosts * 2 : 16;
		c->hosts = xrealloc(c->hosts, c->caphosts * sizeof(*c->hosts));
	}
	struct host_rec *h = &c->hosts[c->nhosts++];
	memset(h, 0, sizeof(*h));
	h->moref = xstrdup(oc.moref);
	h->name = xstrdup(name ? name : oc.moref);
	h->obj = obj;
	const char *om = simple(&oc, H_OPTMGR);
	h->optmgr = om && *om ? xstrdup(om) : NULL;
	const char *am = simple(&oc, H_ACCESSMGR), *im = simple(&oc, H_IMAGEMGR);
	h->access_mgr = am && *am ? xstrdup(am) : NULL;
	h->image_mgr = im && *im ? xstrdup(im) : NULL;
	return c->out.rc ? -1 : 0;
}

/* ---- advanced settings: OptionManager.setting of every host in one call ---- */

static const char *const option_paths[] = { "setting", NULL };

static enum ptype option_type(const struct xnode *value)
{
	const char *t = value ? value->xtype : NULL;
	if (!t)
		return PT_STRING;
	if (!strcmp(t, "long") || !strcmp(t, "int") || !strcmp(t, "short") || !strcmp(t, "byte"))
		return PT_INT;
	if (!strcmp(t, "boolean"))
		return PT_BOOL;
	return PT_STRING;
}

/* passwdqc's own defaults, used when Security.PasswordQualityControl has no
 * min= word: single class disabled, 24, passphrase 11, 8, 7. */
static const char passwdqc_default_min[] = "disabled,24,11,8,7";

/* The shortest password the min=N0,N1,N2,N3,N4 field of a passwdqc setting
 * accepts: the smallest length of a class that is not disabled.  A policy
 * that is not five fields of numbers or "disabled", or that disables every
 * class, yields 0, so that any minimum a rule asks for fails. */
static long long passwdqc_min_length(const char *setting)
{
	const char *min = passwdqc_default_min;
	size_t mlen = strlen(min);
	for (const char *w = setting; w && *w;) {
		while (*w == ' ' || *w == '\t')
			w++;
		size_t wl = strcspn(w, " \t");
		if (wl > 4 && !strncmp(w, "min=", 4)) {
			min = w + 4;
			mlen = wl - 4;
		}
		w += wl;
	}
	long long best = -1;
	int fields = 0;
	for (const char *f = min, *end = min + mlen; f <= end;) {
		fields++;
		const char *comma = memchr(f, ',', (size_t)(end - f));
		size_t fl = comma ? (size_t)(comma - f) : (size_t)(end - f);
		char buf[16];
		if (fl == 0 || fl >= sizeof(buf))
			return 0;
		memcpy(buf, f, fl);
		buf[fl] = '\0';
		long long n;
		if (strcmp(buf, "disabled")) {
			if (!parse_int64(buf, &n) || n < 0)
				return 0;
			if (best < 0 || n < best)
				best = n;
		}
		f += fl + 1;
		if (!comma)
			break;
	}
	return fields == 5 && best > 0 ? best : 0;
}

/* similar=deny|permit; passwdqc denies similar passwords when not told. */
static const char *passwdqc_similar(const char *setting)
{
	for (const char *w = setting; w && *w;) {
		while (*w == ' ' || *w == '\t')
			w++;
		size_t wl = strcspn(w, " \t");
		if (wl > 8 && !strncmp(w, "similar=", 8)) {
			if (wl - 8 == 4 && !strncmp(w + 8, "deny", 4))
				return "deny";
			if (wl - 8 == 6 && !strncmp(w + 8, "permit", 6))
				return "permit";
			return "invalid";
		}
		w += wl;
	}
	return "deny";
}

static void put_password_quality(struct collect *c, long long obj, bool collected, const char *setting)
{
	if (!collected) {
		put(c, obj, "password_quality.min_length", PT_INT, NULL);
		put(c, obj, "password_quality.similar", PT_STRING, NULL);
		return;
	}
	char num[32];
	snprintf(num, sizeof(num), "%lld", passwdqc_min_length(setting));
	put(c, obj, "password_quality.min_length", PT_INT, num);
	put(c, obj, "password_quality.similar", PT_STRING, passwdqc_similar(setting));
}

static int on_options(void *ctx, const struct xnode *objects)
{
	struct collect *c = ctx;
	struct oc oc;
	oc_parse(objects, option_paths, &oc);
	struct host_rec *h = NULL;
	for (size_t i = 0; i < c->nhosts && !h; i++)
		if (c->hosts[i].optmgr && oc.moref && !strcmp(c->hosts[i].optmgr, oc.moref))
			h = &c->hosts[i];
	if (!h)
		return 0;
	h->options_seen = true;
	put(c, h->obj, "option.*", PT_GROUP, oc.val[0] ? "" : NULL);
	const char *pwq = NULL;
	for (const struct xnode *o = oc.val[0] ? oc.val[0]->child : NULL; o; o = o->next) {
		const char *key = xnode_text(o, "key");
		if (!key || !*key)
			continue;
		const struct xnode *val = xnode_child(o, "value");
		enum ptype t = option_type(val);
		const char *text = val ? xnode_text(val, NULL) : "";
		if (!strcmp(key, "Security.PasswordQualityControl"))
			pwq = text ? text : "";
		char *n = xasprintf("option.%s", key);
		put_simple(c, h->obj, n, t, text);
		free(n);
	}
	put_password_quality(c, h->obj, oc.val[0] != NULL, pwq);
	return c->out.rc ? -1 : 0;
}

static int collect_options(struct collect *c)
{
	struct vc *v = c->v;
	bool any = false;
	struct buf b = BUF_INIT;
	buf_puts(&b, "<RetrievePropertiesEx xmlns=\"urn:vim25\"><_this type=\"PropertyCollector\">");
	buf_xml_escape(&b, vc_service(v, "propertyCollector"));
	buf_puts(&b, "</_this><specSet><propSet><type>OptionManager</type><all>false</all>"
		     "<pathSet>setting</pathSet></propSet>");
	for (size_t i = 0; i < c->nhosts; i++) {
		if (!c->hosts[i].optmgr)
			continue;
		any = true;
		buf_puts(&b, "<objectSet><obj type=\"OptionManager\">");
		buf_xml_escape(&b, c->hosts[i].optmgr);
		buf_puts(&b, "</obj><skip>false</skip></objectSet>");
	}
	buf_printf(&b, "</specSet><options><maxObjects>%d</maxObjects></options></RetrievePropertiesEx>",
		   vc_page_size(v) < 50 ? vc_page_size(v) : 50);
	c->phase = "advanced settings";
	int rc = any ? retrieve_pages(c, b.data, on_options) : 0;
	buf_release(&b);
	if (c->out.rc) {
		err_set("%s", c->out.err);
		return c->out.rc;
	}
	if (rc < 0)
		return rc == HERR_FAULT ? HERR_COLLECT : rc;
	/* Hosts without an OptionManager, or one the collector skipped. */
	for (size_t i = 0; i < c->nhosts; i++)
		if (!c->hosts[i].options_seen) {
			put(c, c->hosts[i].obj, "option.*", PT_GROUP, NULL);
			put_password_quality(c, c->hosts[i].obj, false, NULL);
		}
	return 0;
}

/* Per-host manager calls (vc_hostcalls.c), host by host, for the
 * properties requested. */
static int collect_host_calls(struct collect *c)
{
	bool access = WANT(c, T_HOST, H_ACCESSMGR), image = WANT(c, T_HOST, H_IMAGEMGR);
	if (!access && !image)
		return 0;
	c->phase = "host managers";
	for (size_t i = 0; i < c->nhosts; i++) {
		int rc = vc_host_calls(c->v, &c->out, c->hosts[i].obj, c->hosts[i].access_mgr, c->hosts[i].image_mgr,
				       access, image);
		if (rc < 0)
			return rc;
		progress(c);
	}
	if (c->out.rc) {
		err_set("%s", c->out.err);
		return c->out.rc;
	}
	return 0;
}

/* ---- virtual machines ---- */

enum { V_NAME, V_UUID, V_POWER, V_TEMPLATE, V_VERSION, V_GUEST, V_EXTRA, V_DEVICE, V_TOOLS, V_HOST, V_CONFIG_NAME,
       V_TOOLS_VERSION, V_MIGRATE_ENC, V_BOOT, V_FLAGS, V_FIRMWARE };
static const char *const vm_paths[] = {
	"name", "config.instanceUuid", "runtime.powerState", "config.template", "config.version",
	"config.guestId", "config.extraConfig", "config.hardware.device", "guest.toolsStatus",
	"runtime.host", "config.name", "guest.toolsVersionStatus2", "config.migrateEncryption",
	"config.bootOptions", "config.flags", "config.firmware", NULL,
};

/* Security settings of the VM's configuration.  vCenter leaves out a
 * property without a value: with the configuration returned, an absent
 * migrateEncryption is vSphere's default (opportunistic) and an absent
 * efiSecureBootEnabled is off; a fault leaves them not collected. */
static void vm_config_security(struct collect *c, long long obj, const struct oc *oc, bool config_seen)
{
	if (WANT(c, T_VM, V_MIGRATE_ENC)) {
		const char *enc = simple(oc, V_MIGRATE_ENC);
		if (!enc && config_seen && !oc->missing[V_MIGRATE_ENC])
			enc = "opportunistic";
		put(c, obj, "migrate_encryption", PT_STRING, enc);
	}
	if (WANT(c, T_VM, V_FIRMWARE)) {
		const char *fw = simple(oc, V_FIRMWARE);
		if (!fw && config_seen && !oc->missing[V_FIRMWARE])
			fw = "bios";
		put(c, obj, "firmware", PT_STRING, fw);
	}
	if (WANT(c, T_VM, V_BOOT)) {
		const struct xnode *boot = oc->val[V_BOOT];
		const char *sb = boot ? xnode_text(boot, "efiSecureBootEnabled") : NULL;
		if (!sb && config_seen && !oc->missing[V_BOOT])
			sb = "false";
		put_simple(c, obj, "efi_secure_boot", PT_BOOL, sb);
	}
	if (WANT(c, T_VM, V_FLAGS)) {
		const struct xnode *flags = oc->val[V_FLAGS];
		put_simple(c, obj, "logging", PT_BOOL, flags ? xnode_text(flags, "enableLogging") : NULL);
	}
}

struct optval {
	const struct xnode *n;
	size_t pos;
};

static int optval_cmp(const void *a, const void *b)
{
	const struct optval *x = a, *y = b;
	/* The VMX format matches option names without regard to case. */
	int c = strcasecmp(xnode_text(x->n, "key"), xnode_text(y->n, "key"));
	if (c)
		return c;
	/* Keep document order among equal keys: the last entry wins. */
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

/* ethernet<n>.filter<m>.name, in lower case: a dvFilter on a NIC. */
static bool is_dvfilter_key(const char *k)
{
	if (strncmp(k, "ethernet", 8))
		return false;
	k += 8;
	size_t d = strspn(k, "0123456789");
	if (!d || strncmp(k + d, ".filter", 7))
		return false;
	k += d + 7;
	d = strspn(k, "0123456789");
	return d && !strcmp(k + d, ".name");
}

static void vm_extra(struct collect *c, long long obj, const struct oc *oc, bool config_seen)
{
	const struct xnode *ec = oc->val[V_EXTRA];
	/* An empty extraConfig comes back as no value; a fault is not collected. */
	bool collected = ec || (config_seen && !oc->missing[V_EXTRA]);
	put(c, obj, "extra.*", PT_GROUP, collected ? "" : NULL);
	if (!ec) {
		/* No extraConfig at all: no filter, or not collected. */
		put(c, obj, "dvfilters", PT_LIST, collected ? "[]" : NULL);
		return;
	}
	json_t *filters = json_array();
	size_t n = 0, cap = 0;
	struct optval *v = NULL;
	for (const struct xnode *o = ec->child; o; o = o->next) {
		if (strcmp(o->name, "OptionValue") || !xnode_text(o, "key"))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 32;
			v = xrealloc(v, cap * sizeof(*v));
		}
		v[n].n = o;
		v[n].pos = n;
		n++;
	}
	/* vcsim appends a changed key instead of replacing it, and vCenter
	 * itself applies entries in order: the last entry of a key wins. */
	if (n > 1)
		qsort(v, n, sizeof(*v), optval_cmp);
	for (size_t i = 0; i < n; i++) {
		const char *key = xnode_text(v[i].n, "key");
		if (i + 1 < n && !strcasecmp(key, xnode_text(v[i + 1].n, "key")))
			continue;
		const char *val = xnode_text(v[i].n, "value");
		if (!val || !*val)
			continue;	/* an empty value means unset */
		char *name = xasprintf("extra.%s", key);
		for (char *p = name; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		if (is_dvfilter_key(name + 6)) {
			char *e = xasprintf("%s=%s", name + 6, val);
			json_array_append_new(filters, json_string(e));
			free(e);
		}
		/* extraConfig values are text; "dynamic" lets rules compare
		 * numbers and booleans as such (RemoteDisplay.maxConnections <= 1). */
		put(c, obj, name, PT_DYNAMIC, val);
		free(name);
	}
	free(v);
	put_list(c, obj, "dvfilters", filters);
}

static const struct {
	const char *xtype;
	int kind;
} device_kinds[] = {
	{ "VirtualFloppy", 0 }, { "VirtualSerialPort", 1 }, { "VirtualParallelPort", 2 },
	{ "VirtualUSBController", 3 }, { "VirtualUSBXHCIController", 3 }, { "VirtualUSB", 3 },
	{ "VirtualCdrom", 4 }, { "VirtualPCIPassthrough", 5 }, { "VirtualHdAudioCard", 6 },
	{ "VirtualEnsoniq1371", 6 }, { "VirtualSoundBlaster16", 6 }, { "VirtualAHCIController", 7 },
};
#define NKINDS 8
static const char *const kind_names[NKINDS] = { "floppy", "serial", "parallel", "usb", "cdrom",
						"pci_passthrough", "sound", "ahci" };

static void vm_devices(struct collect *c, long long obj, const struct oc *oc)
{
	const struct xnode *devs = oc->val[V_DEVICE];
	/* Every VM has devices (controllers at least): a list that did not
	 * come back is a gap, never "no floppy". */
	bool collected = devs != NULL;
	if (!collected) {
		put(c, obj, "device.*", PT_GROUP, NULL);
		return;
	}
	/* A device without its xsi:type cannot be told apart: the list is
	 * then not collected, rather than read as "no such device". */
	for (const struct xnode *d = devs->child; d; d = d->next) {
		if (!d->xtype) {
			collected = false;
			break;
		}
	}
	put(c, obj, "device.*", PT_GROUP, collected ? "" : NULL);
	if (!collected)
		return;
	long long count[NKINDS] = { 0 };
	bool connected[NKINDS] = { false };
	for (const struct xnode *d = devs->child; d; d = d->next) {
		for (unsigned k = 0; k < ARRAY_SIZE(device_kinds); k++) {
			if (strcmp(d->xtype, device_kinds[k].xtype))
				continue;
			int kind = device_kinds[k].kind;
			count[kind]++;
			const struct xnode *con = xnode_child(d, "connectable");
			const char *now = xnode_text(con, "connected"), *boot = xnode_text(con, "startConnected");
			if ((now && !strcmp(now, "true")) || (boot && !strcmp(boot, "true")))
				connected[kind] = true;
		}
	}
	for (int k = 0; k < NKINDS; k++) {
		char name[64], num[32];
		snprintf(name, sizeof(name), "device.%s.present", kind_names[k]);
		put(c, obj, name, PT_BOOL, count[k] ? "true" : "false");
		snprintf(name, sizeof(name), "device.%s.connected", kind_names[k]);
		put(c, obj, name, PT_BOOL, connected[k] ? "true" : "false");
		snprintf(name, sizeof(name), "device.%s.count", kind_names[k]);
		snprintf(num, sizeof(num), "%lld", count[k]);
		put(c, obj, name, PT_INT, num);
	}
}

/* The VM's simple properties, each when its path was requested. */
static void vm_simple(struct collect *c, long long obj, const struct oc *oc)
{
	static const struct {
		int path;
		const char *name;
		enum ptype type;
	} simples[] = {
		{ V_UUID, "uuid", PT_STRING }, { V_POWER, "power_state", PT_STRING }, { V_TEMPLATE, "template", PT_BOOL },
		{ V_GUEST, "guest_id", PT_STRING }, { V_TOOLS, "tools_status", PT_STRING },
		{ V_TOOLS_VERSION, "tools_version_status", PT_STRING },
	};
	for (unsigned i = 0; i < ARRAY_SIZE(simples); i++)
		if (WANT(c, T_VM, simples[i].path))
			put_simple(c, obj, simples[i].name, simples[i].type, simple(oc, simples[i].path));
	if (!WANT(c, T_VM, V_VERSION))
		return;
	const char *hv = simple(oc, V_VERSION);
	char num[32];
	long long n;
	if (hv && !strncmp(hv, "vmx-", 4) && parse_int64(hv + 4, &n)) {
		snprintf(num, sizeof(num), "%lld", n);
		hv = num;
	} else {
		hv = NULL;
	}
	put(c, obj, "hw_version", PT_INT, hv);
}

static int on_vm(void *ctx, const struct xnode *objects)
{
	struct collect *c = ctx;
	struct oc oc;
	long long obj = object_begin(c, objects, vm_paths, "vm", &oc);
	if (obj <= 0)
		return (int)obj;
	const struct xnode *host = oc.val[V_HOST];
	struct host_rec *h = host && host->text ? host_find(c, host->text) : NULL;
	put(c, obj, "host", PT_STRING, h ? h->name : NULL);
	vm_simple(c, obj, &oc);
	bool config_seen = oc.val[V_CONFIG_NAME] != NULL;
	if (WANT(c, T_VM, V_EXTRA))
		vm_extra(c, obj, &oc, config_seen);
	if (WANT(c, T_VM, V_DEVICE))
		vm_devices(c, obj, &oc);
	vm_config_security(c, obj, &oc, config_seen);
	return c->out.rc ? -1 : 0;
}

/* ---- distributed port groups ---- */

enum { P_NAME, P_UPLINK, P_PORT, P_POLICY, P_CONFIG_NAME };
static const char *const dvpg_paths[] = { "name", "config.uplink", "config.defaultPortConfig", "config.policy",
					  "config.name", NULL };

static int on_dvportgroup(void *ctx, const struct xnode *objects)
{
	struct collect *c = ctx;
	struct oc oc;
	long long obj = object_begin(c, objects, dvpg_paths, "dvportgroup", &oc);
	if (obj <= 0)
		return (int)obj;
	/* Its properties come together, from the paths requested together. */
	if (WANT(c, T_DVPG, P_PORT))
		vc_dvportgroup(&c->out, obj, oc.val[P_UPLINK],
			       oc.val[P_CONFIG_NAME] != NULL && !oc.missing[P_UPLINK], oc.val[P_PORT], oc.val[P_POLICY]);
	return c->out.rc ? -1 : 0;
}

/* ---- datastores ---- */

enum { D_NAME, D_SUMMARY, D_INFO };
static const char *const ds_paths[] = { "name", "summary", "info", NULL };

/* Whether the datastore is local to one host by nature, from the type of
 * Datastore.info: a VMFS volume says so itself (vmfs.local, since vSphere
 * 6.5); a host-local file system or PMem store is local; NAS, vSAN and vVol
 * are shared.  NULL (not collected) when info or a VMFS volume's flag is
 * missing. */
static const char *datastore_local(const struct xnode *info)
{
	if (!info || !info->xtype)
		return NULL;
	if (!strcmp(info->xtype, "VmfsDatastoreInfo")) {
		const struct xnode *vmfs = xnode_child(info, "vmfs");
		return vmfs ? bool_of(xnode_text(vmfs, "local")) : NULL;
	}
	if (!strcmp(info->xtype, "LocalDatastoreInfo") || !strcmp(info->xtype, "PMemDatastoreInfo"))
		return "true";
	return "false";
}

static int pair_cmp(const void *a, const void *b)
{
	const struct pair *x = a, *y = b;
	int c = strcmp(x->key, y->key);
	return c ? c : strcmp(x->val, y->val);
}

static int on_datastore(void *ctx, const struct xnode *objects)
{
	struct collect *c = ctx;
	struct oc oc;
	long long obj = object_begin(c, objects, ds_paths, "datastore", &oc);
	if (obj <= 0)
		return (int)obj;
	const struct xnode *s = oc.val[D_SUMMARY];
	if (WANT(c, T_DS, D_SUMMARY)) {
		put(c, obj, "type", PT_STRING, s ? xnode_text(s, "type") : NULL);
		put(c, obj, "capacity", PT_INT, s ? xnode_text(s, "capacity") : NULL);
		put(c, obj, "free_space", PT_INT, s ? xnode_text(s, "freeSpace") : NULL);
		put_simple(c, obj, "accessible", PT_BOOL, s ? xnode_text(s, "accessible") : NULL);
		put(c, obj, "url", PT_STRING, s ? xnode_text(s, "url") : NULL);
	}
	if (WANT(c, T_DS, D_INFO))
		put(c, obj, "local", PT_BOOL, datastore_local(oc.val[D_INFO]));
	if (!c->plan.ds_hosts)
		return c->out.rc ? -1 : 0;
	/* Datastore.host is wrong in vcsim (last host only); HostSystem.datastore
	 * is right everywhere, so the mounts come from the hosts. */
	json_t *a = json_array();
	size_t lo = 0, hi = c->nds_hosts;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (strcmp(c->ds_hosts[mid].key, oc.moref) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	const struct pair *p = lo < c->nds_hosts ? &c->ds_hosts[lo] : NULL;
	for (; p && p < c->ds_hosts + c->nds_hosts && !strcmp(p->key, oc.moref); p++)
		json_array_append_new(a, json_string(p->val));
	if (c->mounts_incomplete) {
		/* Some host's mounts are unknown: so is every datastore's host list. */
		json_decref(a);
		put(c, obj, "hosts", PT_LIST, NULL);
	} else {
		put_list(c, obj, "hosts", a);
	}
	return c->out.rc ? -1 : 0;
}

/* ---- what to request ---- */

#define B(x) (1u << (x))

/* Each property of the vocabulary the collector fills, and the paths it is
 * built from: mask on its own type, host_mask on HostSystem (a VM's host
 * name, a datastore's hosts).  tests/unit/check_needs.c proves every
 * vCenter property of the vocabulary is here. */
#define DVPG_DETAILS (B(P_UPLINK) | B(P_PORT) | B(P_POLICY) | B(P_CONFIG_NAME))

static const struct prop_src {
	int t;
	const char *name;
	unsigned mask, host_mask;
} prop_srcs[] = {
	{ T_HOST, "name", B(H_NAME), 0 },
	{ T_HOST, "cluster", B(H_PARENT), 0 },
	{ T_HOST, "version", B(H_PRODUCT), 0 },
	{ T_HOST, "build", B(H_PRODUCT), 0 },
	{ T_HOST, "connection_state", B(H_CONN), 0 },
	{ T_HOST, "maintenance_mode", B(H_MAINT), 0 },
	{ T_HOST, "lockdown_mode", B(H_LOCKDOWN), 0 },
	{ T_HOST, "service.*.running", B(H_SERVICE), 0 },
	{ T_HOST, "service.*.policy", B(H_SERVICE), 0 },
	{ T_HOST, "ntp.servers", B(H_DATETIME), 0 },
	{ T_HOST, "firewall.incoming_blocked", B(H_FIREWALL), 0 },
	{ T_HOST, "firewall.outgoing_blocked", B(H_FIREWALL), 0 },
	{ T_HOST, "firewall.ruleset.*.enabled", B(H_FIREWALL), 0 },
	{ T_HOST, "firewall.ruleset.*.allowed_all_ip", B(H_FIREWALL), 0 },
	{ T_HOST, "firewall.ruleset.*.allowed_ips", B(H_FIREWALL), 0 },
	{ T_HOST, "option.*", B(H_OPTMGR), 0 },
	{ T_HOST, "password_quality.min_length", B(H_OPTMGR), 0 },
	{ T_HOST, "password_quality.similar", B(H_OPTMGR), 0 },
	{ T_HOST, "tpm.supported", B(H_CAPABILITY), 0 },
	{ T_HOST, "tpm.version", B(H_CAPABILITY), 0 },
	{ T_HOST, "network.promiscuous_allowed", B(H_NETWORK), 0 },
	{ T_HOST, "network.mac_changes_allowed", B(H_NETWORK), 0 },
	{ T_HOST, "network.forged_transmits_allowed", B(H_NETWORK), 0 },
	{ T_HOST, "network.vgt_portgroups", B(H_NETWORK), 0 },
	{ T_HOST, "network.native_vlan_portgroups", B(H_NETWORK), 0 },
	{ T_HOST, "network.management_vnics_shared", B(H_VNICMGR), 0 },
	{ T_HOST, "network.vsan_vnics_shared", B(H_VNICMGR), 0 },
	{ T_HOST, "iscsi.chap_not_mutual", B(H_HBA), 0 },
	{ T_HOST, "lockdown.exception_users", B(H_ACCESSMGR), 0 },
	{ T_HOST, "image.acceptance_level", B(H_IMAGEMGR), 0 },
	{ T_HOST, "datastore_count", B(H_DATASTORE), 0 },
	{ T_VM, "name", B(V_NAME), 0 },
	{ T_VM, "uuid", B(V_UUID), 0 },
	{ T_VM, "power_state", B(V_POWER), 0 },
	{ T_VM, "template", B(V_TEMPLATE), 0 },
	{ T_VM, "hw_version", B(V_VERSION), 0 },
	{ T_VM, "guest_id", B(V_GUEST), 0 },
	{ T_VM, "tools_status", B(V_TOOLS), 0 },
	{ T_VM, "tools_version_status", B(V_TOOLS_VERSION), 0 },
	{ T_VM, "host", B(V_HOST), B(H_NAME) },
	{ T_VM, "migrate_encryption", B(V_MIGRATE_ENC) | B(V_CONFIG_NAME), 0 },
	{ T_VM, "firmware", B(V_FIRMWARE) | B(V_CONFIG_NAME), 0 },
	{ T_VM, "efi_secure_boot", B(V_BOOT) | B(V_CONFIG_NAME), 0 },
	{ T_VM, "logging", B(V_FLAGS), 0 },
	{ T_VM, "extra.*", B(V_EXTRA) | B(V_CONFIG_NAME), 0 },
	{ T_VM, "dvfilters", B(V_EXTRA) | B(V_CONFIG_NAME), 0 },
	{ T_VM, "device.*.present", B(V_DEVICE), 0 },
	{ T_VM, "device.*.connected", B(V_DEVICE), 0 },
	{ T_VM, "device.*.count", B(V_DEVICE), 0 },
	{ T_DS, "name", B(D_NAME), 0 },
	{ T_DS, "type", B(D_SUMMARY), 0 },
	{ T_DS, "capacity", B(D_SUMMARY), 0 },
	{ T_DS, "free_space", B(D_SUMMARY), 0 },
	{ T_DS, "accessible", B(D_SUMMARY), 0 },
	{ T_DS, "url", B(D_SUMMARY), 0 },
	{ T_DS, "local", B(D_INFO), 0 },
	{ T_DS, "hosts", 0, B(H_NAME) | B(H_DATASTORE) },
	{ T_DVPG, "name", B(P_NAME), 0 },
	{ T_DVPG, "uplink", DVPG_DETAILS, 0 },
	{ T_DVPG, "allow_promiscuous", DVPG_DETAILS, 0 },
	{ T_DVPG, "mac_changes", DVPG_DETAILS, 0 },
	{ T_DVPG, "forged_transmits", DVPG_DETAILS, 0 },
	{ T_DVPG, "mac_learning", DVPG_DETAILS, 0 },
	{ T_DVPG, "vlan_trunk", DVPG_DETAILS, 0 },
	{ T_DVPG, "reset_at_disconnect", DVPG_DETAILS, 0 },
	{ T_DVPG, "overrides_allowed", DVPG_DETAILS, 0 },
	/* The vcenter object's counts and identity are always written (the
	 * version and build come from the ServiceContent read at login);
	 * its own settings take a retrieval of their own. */
	{ T_VC, "url", 0, 0 },
	{ T_VC, "host_count", 0, 0 },
	{ T_VC, "vm_count", 0, 0 },
	{ T_VC, "datastore_count", 0, 0 },
	{ T_VC, "dvportgroup_count", 0, 0 },
	{ T_VC, "version", 0, 0 },
	{ T_VC, "build", 0, 0 },
	{ T_VC, "collect", 0, 0 },
	{ T_VC, "requested_paths", 0, 0 },
	{ T_VC, "option.*", 0, 0 },
};

static const char *const type_names[T_COUNT + 1] = { "host", "vm", "datastore", "dvportgroup",
						      VCENTER_PART_OBJECT };
static const char *const type_vim[T_COUNT] = { "HostSystem", "VirtualMachine", "Datastore",
					       "DistributedVirtualPortgroup" };
static const char *const *const type_paths[T_COUNT] = { host_paths, vm_paths, ds_paths, dvpg_paths };
/* Always requested: what reports, waivers and drift show of every object
 * (its name, a host's cluster, a VM's host). */
static const unsigned identity[T_COUNT] = { B(H_NAME) | B(H_PARENT), B(V_NAME) | B(V_HOST), B(D_NAME),
					    B(P_NAME) };

static int type_index(const char *otype)
{
	for (int t = 0; t <= T_VC; t++)
		if (!strcmp(type_names[t], otype))
			return t;
	return -1;
}

static const struct prop_src *src_find(int t, const char *name)
{
	for (unsigned i = 0; i < ARRAY_SIZE(prop_srcs); i++)
		if (prop_srcs[i].t == t && !strcmp(prop_srcs[i].name, name))
			return &prop_srcs[i];
	return NULL;
}

static unsigned all_paths(int t)
{
	unsigned m = 0;
	for (int i = 0; type_paths[t][i]; i++)
		m |= B(i);
	return m;
}

static void plan_add(struct plan *p, const struct prop_src *src)
{
	if (src->t < T_COUNT)
		p->mask[src->t] |= src->mask;
	p->mask[T_HOST] |= src->host_mask;
	/* A datastore's host lists, vCenter's settings: retrievals of their own. */
	p->ds_hosts |= src->t == T_DS && !strcmp(src->name, "hosts");
	p->vc_options |= src->t == T_VC && !strcmp(src->name, "option.*");
}

/* The paths to request for needs (NULL: all).  A property the needs name
 * that this table does not know gets its whole type requested: a rule's
 * property is never left out. */
static void plan_make(const struct prop_needs *n, struct plan *p)
{
	memset(p, 0, sizeof(*p));
	for (int t = 0; t < T_COUNT; t++)
		p->mask[t] = !n || n->all ? all_paths(t) : identity[t];
	p->ds_hosts = p->vc_options = !n || n->all;
	for (size_t i = 0; n && !n->all && i < n->props.n; i++) {
		const char *k = n->props.v[i], *colon = strchr(k, ':');
		char otype[32];
		if (!colon || (size_t)(colon - k) >= sizeof(otype))
			continue;
		memcpy(otype, k, (size_t)(colon - k));
		otype[colon - k] = '\0';
		int t = type_index(otype);
		if (t < 0)
			continue;
		const struct prop_src *src = src_find(t, colon + 1);
		if (src) {
			plan_add(p, src);
		} else if (t == T_VC) {
			p->vc_options = true;	/* all the vcenter object has to request */
		} else {
			p->mask[t] = all_paths(t);
			p->ds_hosts |= t == T_DS;
		}
	}
	if (p->ds_hosts)
		p->mask[T_HOST] |= B(H_DATASTORE);
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void add_path(struct strlist *out, const char *type, const char *path)
{
	char *s = xasprintf("%s.%s", type, path);
	if (strlist_has(out, s))
		free(s);
	else
		strlist_add_owned(out, s);
}

static void plan_paths(const struct plan *p, struct strlist *out)
{
	add_path(out, "ClusterComputeResource", cluster_paths[0]);
	for (int t = 0; t < T_COUNT; t++)
		for (int i = 0; type_paths[t][i]; i++)
			if (p->mask[t] & B(i))
				add_path(out, type_vim[t], type_paths[t][i]);
	if ((p->mask[T_HOST] & B(H_OPTMGR)) || p->vc_options)
		add_path(out, "OptionManager", option_paths[0]);
	if (out->n > 1)
		qsort(out->v, out->n, sizeof(*out->v), str_cmp);
}

void vc_requested_paths(const struct prop_needs *needs, struct strlist *out)
{
	struct plan p;
	plan_make(needs, &p);
	plan_paths(&p, out);
}

int vc_property_paths(const char *otype, const char *entry_name, struct strlist *out)
{
	int t = type_index(otype);
	const struct prop_src *src = t < 0 ? NULL : src_find(t, entry_name);
	if (!src)
		return -1;
	struct plan p;
	memset(&p, 0, sizeof(p));
	plan_add(&p, src);
	for (int u = 0; u < T_COUNT; u++)
		for (int i = 0; type_paths[u][i]; i++)
			if (p.mask[u] & B(i))
				add_path(out, type_vim[u], type_paths[u][i]);
	if ((p.mask[T_HOST] & B(H_OPTMGR)) || p.vc_options)
		add_path(out, "OptionManager", option_paths[0]);
	return 0;
}

static void collect_release(struct collect *c)
{
	pairs_free(c->clusters, c->nclusters);
	pairs_free(c->ds_hosts, c->nds_hosts);
	for (size_t i = 0; i < c->nhosts; i++) {
		free(c->hosts[i].moref);
		free(c->hosts[i].name);
		free(c->hosts[i].optmgr);
		free(c->hosts[i].access_mgr);
		free(c->hosts[i].image_mgr);
	}
	free(c->hosts);
	sink_release(&c->out);
}

/* The part's own object, one per snapshot: what vCenter showed of each
 * type, so that evaluation can tell "no hosts" from "every host passed". */
static int record_vcenter(struct collect *c)
{
	const char *url = vc_url(c->v);
	long long obj = sink_object(&c->out, VCENTER_PART_OBJECT, VCENTER_PART_OBJECT, url);
	if (c->out.rc)
		return c->out.rc;
	char n[32];
	put(c, obj, "url", PT_STRING, url);
	snprintf(n, sizeof(n), "%lld", c->nhost_objs);
	put(c, obj, "host_count", PT_INT, n);
	snprintf(n, sizeof(n), "%lld", c->nvm_objs);
	put(c, obj, "vm_count", PT_INT, n);
	snprintf(n, sizeof(n), "%lld", c->nds_objs);
	put(c, obj, "datastore_count", PT_INT, n);
	snprintf(n, sizeof(n), "%lld", c->ndvpg_objs);
	put(c, obj, "dvportgroup_count", PT_INT, n);
	put(c, obj, "version", PT_VERSION, vc_about(c->v, "version"));
	put(c, obj, "build", PT_INT, vc_about(c->v, "build"));
	const struct prop_needs *needs = vc_needs(c->v);
	put(c, obj, "collect", PT_STRING, !needs || needs->all ? "all" : "baselines");
	struct strlist paths = { 0 };
	plan_paths(&c->plan, &paths);
	json_t *a = json_array();
	for (size_t i = 0; i < paths.n; i++)
		json_array_append_new(a, json_string(paths.v[i]));
	strlist_release(&paths);
	put_list(c, obj, "requested_paths", a);
	c->vc_obj = obj;
	return c->out.rc;
}

/* vCenter's own advanced settings: OptionManager.setting of the
 * ServiceContent's setting manager, one retrieval. */
static int on_vc_options(void *ctx, const struct xnode *objects)
{
	struct collect *c = ctx;
	struct oc oc;
	oc_parse(objects, option_paths, &oc);
	c->vc_options_seen = true;
	put(c, c->vc_obj, "option.*", PT_GROUP, oc.val[0] ? "" : NULL);
	for (const struct xnode *o = oc.val[0] ? oc.val[0]->child : NULL; o; o = o->next) {
		const char *key = xnode_text(o, "key");
		if (!key || !*key)
			continue;
		const struct xnode *val = xnode_child(o, "value");
		const char *text = val ? xnode_text(val, NULL) : "";
		char *n = xasprintf("option.%s", key);
		put_simple(c, c->vc_obj, n, option_type(val), text);
		free(n);
	}
	return c->out.rc ? -1 : 0;
}

static int collect_vc_options(struct collect *c)
{
	const char *mgr = vc_about(c->v, "setting");
	int rc = 0;
	if (mgr) {
		struct buf b = BUF_INIT;
		buf_puts(&b, "<RetrievePropertiesEx xmlns=\"urn:vim25\"><_this type=\"PropertyCollector\">");
		buf_xml_escape(&b, vc_service(c->v, "propertyCollector"));
		buf_puts(&b, "</_this><specSet><propSet><type>OptionManager</type><all>false</all>"
			     "<pathSet>setting</pathSet></propSet><objectSet><obj type=\"OptionManager\">");
		buf_xml_escape(&b, mgr);
		buf_puts(&b, "</obj><skip>false</skip></objectSet></specSet><options></options></RetrievePropertiesEx>");
		c->phase = "settings";
		rc = retrieve_pages(c, b.data, on_vc_options);
		buf_release(&b);
	}
	if (c->out.rc) {
		err_set("%s", c->out.err);
		return c->out.rc;
	}
	/* A fault on vCenter's own settings leaves them not collected. */
	if (rc < 0 && rc != HERR_FAULT)
		return rc;
	if (!c->vc_options_seen)
		put(c, c->vc_obj, "option.*", PT_GROUP, NULL);
	return c->out.rc;
}

static int collect_all(struct collect *c)
{
	int rc = retrieve_view(c, "ClusterComputeResource", cluster_paths, B(0), on_cluster, false);
	if (!rc)
		rc = retrieve_view(c, "HostSystem", host_paths, c->plan.mask[T_HOST], on_host, false);
	if (!rc) {
		if (c->nhosts > 1)
			qsort(c->hosts, c->nhosts, sizeof(*c->hosts), host_cmp);
		if (WANT(c, T_HOST, H_OPTMGR))
			rc = collect_options(c);
	}
	if (!rc)
		rc = retrieve_view(c, "VirtualMachine", vm_paths, c->plan.mask[T_VM], on_vm, true);
	if (!rc) {
		if (c->nds_hosts > 1)
			qsort(c->ds_hosts, c->nds_hosts, sizeof(*c->ds_hosts), pair_cmp);
		rc = retrieve_view(c, "Datastore", ds_paths, c->plan.mask[T_DS], on_datastore, false);
	}
	if (!rc)
		rc = retrieve_view(c, "DistributedVirtualPortgroup", dvpg_paths, c->plan.mask[T_DVPG], on_dvportgroup,
				   false);
	if (!rc)
		rc = collect_host_calls(c);
	if (!rc)
		rc = record_vcenter(c);
	if (!rc && c->plan.vc_options)
		rc = collect_vc_options(c);
	return rc;
}

int vc_collect(struct vc *v, const struct sink_to *to, struct scan_stats *stats)
{
	struct collect c;
	struct store *st = to->st;	/* NULL: into to->batch */
	double t0 = now_ms(), store_ms = 0, stall_ms = 0;
	int rc;
	for (int attempt = 0;; attempt++) {
		memset(&c, 0, sizeof(c));
		c.v = v;
		c.out.st = st;
		c.out.batch = to->batch;
		c.out.snap = to->snap;
		c.out.source = "vCenter";
		plan_make(vc_needs(v), &c.plan);
		if (to->batch)
			batch_clear(to->batch);
		else if ((rc = store_savepoint(st)) < 0) {
			rc = rc == HERR_FULL ? HERR_FULL : HERR_STORE;
			break;
		}
		sink_start(&c.out);
		int logins = vc_logins(v);
		rc = collect_all(&c);
		if (sink_finish(&c.out, rc != 0) && !rc) {
			rc = c.out.rc;
			err_set("%s", c.out.err);
		}
		store_ms += c.out.ms;
		stall_ms += c.out.stall_ms;
		/* Views and paging tokens belong to the session: when it expired
		 * and was renewed mid-scan they are gone, so start over, once. */
		if (rc == HERR_COLLECT && vc_logins(v) != logins && attempt == 0) {
			collect_release(&c);
			if (st && store_rollback_savepoint(st) < 0) {
				rc = HERR_STORE;
				break;
			}
			continue;
		}
		break;
	}
	progress_clear();
	stats->objects = c.out.objects;
	stats->api_calls = vc_api_calls(v);
	stats->bytes_received = vc_bytes_received(v);
	stats->store_ms = store_ms;
	stats->collect_ms = now_ms() - t0 - stall_ms;
	collect_release(&c);
	return rc;
}
