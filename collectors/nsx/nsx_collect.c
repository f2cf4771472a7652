/* Collects the NSX distributed firewall into the twin: domains, their
 * groups and security policies, each policy's rules, and services; then
 * the effective order of every rule across the whole DFW.  Also what the
 * NSX DFW STIG reads beside the rules: flood protection profiles and
 * whether a group binding names them, and each segment's SpoofGuard and IP
 * discovery profile (binding maps found through the search API, one
 * listing per type). */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/sink.h"
#include "nsx/nsx_internal.h"
#include "util/progress.h"
#include "util/util.h"

/* Category precedence: the DFW evaluates Ethernet first, Application last. */
static const char *const categories[] = { "Ethernet", "Emergency", "Infrastructure", "Environment", "Application" };

struct policy {
	char *id;
	char *path;
	char *domain;
	char *category;		/* NULL when not collected */
	int rank;		/* index in categories, or ARRAY_SIZE when unknown */
	long long seq;		/* INT64_MAX when not collected */
	int scope_any;		/* 1, 0, or -1 when not collected */
	long long obj;
	long long nrules;
};

/* A rule as listed, held until its policy's list ends and its order is
 * known. */
struct rulekey {
	json_t *item;
	long long seq;
	const char *id;		/* in item */
};

struct collect {
	struct nsx *n;
	struct sink out;	/* the twin */
	const char *phase;
	const char *domain;	/* the domain being listed */
	struct policy *pol;
	unsigned npol, cappol;
	unsigned cur;		/* the policy whose rules are being listed */
	struct rulekey *rules;	/* its rules, as listed */
	size_t nheld, caprules;
	long long nrules;	/* rules stored so far, in the DFW's order */
	long long ngroups, nservices;
	bool gaps;		/* a rule lacked a field its order or ANY-ness needs */
	struct strlist domains;
	/* The STIG part: profiles by path, binding maps by the segment they
	 * bind (a JSON null where the profile path had the wrong type). */
	json_t *sg_prof, *ipd_prof, *sec_maps, *disc_maps, *flood_bound;
	bool flood_map_gap;	/* a binding map without a readable profile_path */
	struct strlist seg_paths, flood_paths;
	long long *seg_objs, *flood_objs;
};

static long long add_object(struct collect *c, const char *type, const char *path, const char *name)
{
	return sink_object(&c->out, type, path, name);
}

static void put(struct collect *c, long long obj, const char *name, enum ptype t, const char *value)
{
	sink_prop(&c->out, obj, name, t, value);
}

/* Each field is stored as the API sent it; a field that is missing or of
 * the wrong JSON type is recorded as not collected, never defaulted. */
static void put_str(struct collect *c, long long obj, const char *name, json_t *v)
{
	put(c, obj, name, PT_STRING, json_string_value(v));
}

static void put_bool(struct collect *c, long long obj, const char *name, json_t *v)
{
	put(c, obj, name, PT_BOOL, json_is_boolean(v) ? (json_is_true(v) ? "true" : "false") : NULL);
}

static void put_tri(struct collect *c, long long obj, const char *name, int v)
{
	put(c, obj, name, PT_BOOL, v < 0 ? NULL : v ? "true" : "false");
}

static void put_int(struct collect *c, long long obj, const char *name, long long v, bool known)
{
	char num[32];
	snprintf(num, sizeof(num), "%lld", v);
	put(c, obj, name, PT_INT, known ? num : NULL);
}

static void put_json_int(struct collect *c, long long obj, const char *name, json_t *v)
{
	put_int(c, obj, name, json_is_integer(v) ? (long long)json_integer_value(v) : 0, json_is_integer(v));
}

static bool string_array(json_t *a)
{
	if (!json_is_array(a))
		return false;
	size_t i;
	json_t *e;
	json_array_foreach(a, i, e)
		if (!json_is_string(e))
			return false;
	return true;
}

static void put_list(struct collect *c, long long obj, const char *name, json_t *a)
{
	char *s = string_array(a) ? json_dumps(a, JSON_COMPACT) : NULL;
	put(c, obj, name, PT_LIST, s);
	free(s);
}

/* "ANY" (any case) means any only as the sole element: 1, 0, or -1 when
 * the list was not collected. */
static int is_any(json_t *a)
{
	if (!string_array(a))
		return -1;
	return json_array_size(a) == 1 && !strcasecmp(json_string_value(json_array_get(a, 0)), "ANY");
}

/* A source or destination matching anything: ANY and not negated. */
static int matches_any(json_t *groups, json_t *excluded)
{
	int any = is_any(groups);
	if (any <= 0)
		return any;
	if (!json_is_boolean(excluded))
		return -1;
	return !json_is_true(excluded);
}

static bool seq_of(json_t *v, long long *seq)
{
	if (json_is_integer(v) && json_integer_value(v) >= 0) {
		*seq = (long long)json_integer_value(v);
		return true;
	}
	*seq = INT64_MAX;
	return false;
}

/* id is required: without it the object cannot be named or listed. */
static const char *item_id(struct collect *c, json_t *item, const char *what)
{
	const char *id = json_string_value(json_object_get(item, "id"));
	if (!id || !*id) {
		err_set("unexpected JSON from the NSX manager of target '%s' at %s: a %s without an id", nsx_target(c->n),
			nsx_base(c->n), what);
		return NULL;
	}
	return id;
}

static const char *name_of(json_t *item, const char *id)
{
	const char *name = json_string_value(json_object_get(item, "display_name"));
	return name && *name ? name : id;
}

static void progress(struct collect *c)
{
	if (!nsx_progress(c->n))
		return;
	char step[96];
	snprintf(step, sizeof(step), "collecting NSX %s", c->phase);
	progress_show(step, "%lld objects, %lld API calls, %.1f MB", c->out.objects, nsx_api_calls(c->n),
		      (double)nsx_bytes_received(c->n) / 1e6);
}

static int on_domain(void *ctx, json_t *item)
{
	struct collect *c = ctx;
	const char *id = item_id(c, item, "domain");
	if (!id)
		return HERR_COLLECT;
	strlist_add(&c->domains, id);
	return 0;
}

static int on_group(void *ctx, json_t *item)
{
	struct collect *c = ctx;
	const char *id = item_id(c, item, "group");
	if (!id)
		return HERR_COLLECT;
	const char *path = json_string_value(json_object_get(item, "path"));
	char *p = path ? xstrdup(path) : xasprintf("/infra/domains/%s/groups/%s", c->domain, id);
	long long obj = add_object(c, "nsx_group", p, name_of(item, id));
	put(c, obj, "id", PT_STRING, id);
	put_str(c, obj, "name", json_object_get(item, "display_name"));
	put(c, obj, "path", PT_STRING, p);
	put(c, obj, "domain", PT_STRING, c->domain);
	free(p);
	c->ngroups++;
	return c->out.rc;
}

static int on_service(void *ctx, json_t *item)
{
	struct collect *c = ctx;
	const char *id = item_id(c, item, "service");
	if (!id)
		return HERR_COLLECT;
	const char *path = json_string_value(json_object_get(item, "path"));
	char *p = path ? xstrdup(path) : xasprintf("/infra/services/%s", id);
	long long obj = add_object(c, "nsx_service", p, name_of(item, id));
	put(c, obj, "id", PT_STRING, id);
	put_str(c, obj, "name", json_object_get(item, "display_name"));
	put(c, obj, "path", PT_STRING, p);
	free(p);
	c->nservices++;
	return c->out.rc;
}

static int on_policy(void *ctx, json_t *item)
{
	struct collect *c = ctx;
	const char *id = item_id(c, item, "security policy");
	if (!id)
		return HERR_COLLECT;
	if (c->npol == c->cappol) {
		c->cappol = c->cappol ? c->cappol * 2 : 64;
		c->pol = xrealloc(c->pol, c->cappol * sizeof(*c->pol));
	}
	struct policy *p = &c->pol[c->npol++];
	memset(p, 0, sizeof(*p));
	const char *path = json_string_value(json_object_get(item, "path"));
	p->id = xstrdup(id);
	p->domain = xstrdup(c->domain);
	p->path = path ? xstrdup(path) : xasprintf("/infra/domains/%s/security-policies/%s", c->domain, id);
	const char *cat = json_string_value(json_object_get(item, "category"));
	p->category = cat ? xstrdup(cat) : NULL;
	p->rank = ARRAY_SIZE(categories);
	for (unsigned i = 0; cat && i < ARRAY_SIZE(categories); i++)
		if (!strcasecmp(cat, categories[i]))
			p->rank = (int)i;
	bool seq_known = seq_of(json_object_get(item, "sequence_number"), &p->seq);
	p->scope_any = is_any(json_object_get(item, "scope"));

	long long obj = p->obj = add_object(c, "dfw_policy", p->path, name_of(item, id));
	put(c, obj, "id", PT_STRING, id);
	put_str(c, obj, "name", json_object_get(item, "display_name"));
	put(c, obj, "path", PT_STRING, p->path);
	put(c, obj, "domain", PT_STRING, c->domain);
	put(c, obj, "category", PT_STRING, cat);
	put_int(c, obj, "sequence_number", p->seq, seq_known);
	put_bool(c, obj, "stateful", json_object_get(item, "stateful"));
	put_bool(c, obj, "tcp_strict", json_object_get(item, "tcp_strict"));
	put_list(c, obj, "scope", json_object_get(item, "scope"));
	put_tri(c, obj, "scope_any", p->scope_any);
	put_bool(c, obj, "locked", json_object_get(item, "locked"));
	return c->out.rc;
}

/* Stores one rule, whose place in the DFW's evaluation order is known. */
static void put_rule(struct collect *c, json_t *item, const char *id, long long seq, bool seq_known)
{
	struct policy *p = &c->pol[c->cur];
	const char *path = json_string_value(json_object_get(item, "path"));
	char *rp = path ? xstrdup(path) : xasprintf("%s/rules/%s", p->path, id);
	json_t *src = json_object_get(item, "source_groups"), *dst = json_object_get(item, "destination_groups");
	json_t *src_ex = json_object_get(item, "sources_excluded"), *dst_ex = json_object_get(item, "destinations_excluded");
	json_t *scope = json_object_get(item, "scope");

	long long obj = add_object(c, "dfw_rule", rp, name_of(item, id));
	put(c, obj, "id", PT_STRING, id);
	put_str(c, obj, "name", json_object_get(item, "display_name"));
	put(c, obj, "path", PT_STRING, rp);
	put(c, obj, "policy", PT_STRING, p->path);
	put(c, obj, "domain", PT_STRING, p->domain);
	put(c, obj, "category", PT_STRING, p->category);
	put_int(c, obj, "policy_sequence_number", p->seq, p->seq != INT64_MAX);
	put_int(c, obj, "sequence_number", seq, seq_known);
	put_list(c, obj, "source_groups", src);
	put_list(c, obj, "destination_groups", dst);
	put_bool(c, obj, "sources_excluded", src_ex);
	put_bool(c, obj, "destinations_excluded", dst_ex);
	put_list(c, obj, "services", json_object_get(item, "services"));
	put_list(c, obj, "scope", scope);
	put_str(c, obj, "action", json_object_get(item, "action"));
	put_str(c, obj, "direction", json_object_get(item, "direction"));
	put_str(c, obj, "ip_protocol", json_object_get(item, "ip_protocol"));
	put_bool(c, obj, "logged", json_object_get(item, "logged"));
	put_bool(c, obj, "disabled", json_object_get(item, "disabled"));
	put_list(c, obj, "profiles", json_object_get(item, "profiles"));
	put_tri(c, obj, "profiles_any", is_any(json_object_get(item, "profiles")));
	/* Derived, so that rules need not parse lists: */
	int src_any = matches_any(src, src_ex), dst_any = matches_any(dst, dst_ex);
	int svc_any = is_any(json_object_get(item, "services")), rs = is_any(scope);
	int all_any = rs < 0 || p->scope_any < 0 ? -1 : rs && p->scope_any;
	put_tri(c, obj, "source_any", src_any);
	put_tri(c, obj, "destination_any", dst_any);
	put_tri(c, obj, "service_any", svc_any);
	put_tri(c, obj, "applied_to_any", all_any);
	put_int(c, obj, "order", ++c->nrules, true);
	free(rp);
	if (src_any < 0 || dst_any < 0 || svc_any < 0 || all_any < 0 || !seq_known || p->seq == INT64_MAX ||
	    !p->category || !json_is_string(json_object_get(item, "action")) ||
	    !json_is_boolean(json_object_get(item, "disabled")))
		c->gaps = true;
	p->nrules++;
	if (c->nrules % 1000 == 0)
		progress(c);
}

/* A listed rule is held: its order is known once its policy's list ends. */
static int on_rule(void *ctx, json_t *item)
{
	struct collect *c = ctx;
	const char *id = item_id(c, item, "rule");
	if (!id)
		return HERR_COLLECT;
	if (c->nheld == c->caprules) {
		c->caprules = c->caprules ? c->caprules * 2 : 1024;
		c->rules = xrealloc(c->rules, c->caprules * sizeof(*c->rules));
	}
	struct rulekey *k = &c->rules[c->nheld++];
	k->item = json_incref(item);
	k->id = id;
	seq_of(json_object_get(item, "sequence_number"), &k->seq);
	return 0;
}

/* Within a policy the DFW evaluates rules by sequence number; ids break
 * ties so the order is total. */
static int rule_cmp(const void *a, const void *b)
{
	const struct rulekey *x = a, *y = b;
	if (x->seq != y->seq)
		return x->seq < y->seq ? -1 : 1;
	return strcmp(x->id, y->id);
}

static void rules_drop(struct collect *c)
{
	for (size_t i = 0; i < c->nheld; i++)
		json_decref(c->rules[i].item);
	c->nheld = 0;
}

/* Stores the held rules of the current policy in their order. */
static int put_rules(struct collect *c)
{
	if (c->nheld > 1)
		qsort(c->rules, c->nheld, sizeof(*c->rules), rule_cmp);
	for (size_t i = 0; i < c->nheld && !c->out.rc; i++) {
		json_t *item = c->rules[i].item;
		long long seq;
		bool known = seq_of(json_object_get(item, "sequence_number"), &seq);
		put_rule(c, item, c->rules[i].id, seq, known);
	}
	rules_drop(c);
	if (c->out.rc)
		err_set("%s", c->out.err);
	return c->out.rc;
}

/* ---- what the DFW STIG reads besides the rules ---- */

/* The item's path, or the collection's path and its id. */
static char *item_path(json_t *item, const char *collection, const char *id)
{
	const char *path = json_string_value(json_object_get(item, "path"));
	return path ? xstrdup(path) : xasprintf("%s/%s", collection, id);
}

static long long *push_obj(long long *v, size_t n, long long obj)
{
	v = xrealloc(v, (n + 1) * sizeof(*v));
	v[n] = obj;
	return v;
}

/* A flood limit the profile does not set (absent or null) is no limit: 0.
 * Of the wrong type it is not collected. */
static void put_limit(struct collect *c, long long obj, const char *name, json_t *item, const char *field)
{
	json_t *v = json_object_get(item, field);
	if (!v || json_is_null(v))
		put(c, obj, name, PT_INT, "0");
	else
		put_json_int(c, obj, name, v);
}

static int on_flood_profile(void *ctx, json_t *item)
{
	struct collect *c = ctx;
	const char *id = item_id(c, item, "flood protection profile");
	if (!id)
		return HERR_COLLECT;
	/* Gateway profiles protect edges, not the DFW. */
	const char *rt = json_string_value(json_object_get(item, "resource_type"));
	if (!rt || strcmp(rt, "DistributedFloodProtectionProfile"))
		return 0;
	char *p = item_path(item, "/infra/flood-protection-profiles", id);
	long long obj = add_object(c, "nsx_flood_profile", p, name_of(item, id));
	put(c, obj, "id", PT_STRING, id);
	put_str(c, obj, "name", json_object_get(item, "display_name"));
	put(c, obj, "path", PT_STRING, p);
	put_bool(c, obj, "syncache", json_object_get(item, "enable_syncache"));
	put_bool(c, obj, "rst_spoofing", json_object_get(item, "enable_rst_spoofing"));
	put_limit(c, obj, "tcp_half_open_limit", item, "tcp_half_open_conn_limit");
	put_limit(c, obj, "udp_flow_limit", item, "udp_active_flow_limit");
	put_limit(c, obj, "icmp_flow_limit", item, "icmp_active_flow_limit");
	put_limit(c, obj, "other_conn_limit", item, "other_active_conn_limit");
	c->flood_objs = push_obj(c->flood_objs, c->flood_paths.n, obj);
	strlist_add_owned(&c->flood_paths, p);
	return c->out.rc;
}

static int on_flood_map(void *ctx, json_t *item)
{
	struct collect *c = ctx;
	const char *prof = json_string_value(json_object_get(item, "profile_path"));
	if (prof)
		json_object_set_new(c->flood_bound, prof, json_true());
	else
		c->flood_map_gap = true;
	return 0;
}

static int keep_profile(struct collect *c, json_t *item, json_t *into, const char *collection, const char *what)
{
	const char *id = item_id(c, item, what);
	if (!id)
		return HERR_COLLECT;
	char *p = item_path(item, collection, id);
	json_object_set(into, p, item);
	free(p);
	return 0;
}

static int on_spoofguard_profile(void *ctx, json_t *item)
{
	struct collect *c = ctx;
	return keep_profile(c, item, c->sg_prof, "/infra/spoofguard-profiles", "SpoofGuard profile");
}

static int on_ip_discovery_profile(void *ctx, json_t *item)
{
	struct collect *c = ctx;
	return keep_profile(c, item, c->ipd_prof, "/infra/ip-discovery-profiles", "IP discovery profile");
}

static int on_segment(void *ctx, json_t *item)
{
	struct collect *c = ctx;
	const char *id = item_id(c, item, "segment");
	if (!id)
		return HERR_COLLECT;
	char *p = item_path(item, "/infra/segments", id);
	long long obj = add_object(c, "nsx_segment", p, name_of(item, id));
	put(c, obj, "id", PT_STRING, id);
	put_str(c, obj, "name", json_object_get(item, "display_name"));
	put(c, obj, "path", PT_STRING, p);
	c->seg_objs = push_obj(c->seg_objs, c->seg_paths.n, obj);
	strlist_add_owned(&c->seg_paths, p);
	return c->out.rc;
}

/* A binding map names its segment by parent_path; the profile path is kept
 * as sent (a JSON null when of the wrong type, so it is not collected). */
static void keep_map(json_t *into, json_t *item, const char *field)
{
	const char *seg = json_string_value(json_object_get(item, "parent_path"));
	json_t *v = json_object_get(item, field);
	if (!seg)
		return;
	if (!v)
		return;		/* no such profile in the map: the default applies */
	json_object_set_new(into, seg, json_is_string(v) ? json_copy(v) : json_null());
}

static int on_security_map(void *ctx, json_t *item)
{
	keep_map(((struct collect *)ctx)->sec_maps, item, "spoofguard_profile_path");
	return 0;
}

static int on_discovery_map(void *ctx, json_t *item)
{
	keep_map(((struct collect *)ctx)->disc_maps, item, "ip_discovery_profile_path");
	return 0;
}

/* The profile that applies to seg: its binding map's, else the default;
 * NULL when the map's path could not be read. */
static const char *bound_profile(json_t *maps, const char *seg, const char *dflt)
{
	json_t *v = json_object_get(maps, seg);
	if (!v)
		return dflt;
	return json_string_value(v);
}

/* The value at a dotted path of fields in o, or NULL. */
static json_t *dig(json_t *o, const char *a, const char *b, const char *f)
{
	if (a)
		o = json_object_get(o, a);
	if (b)
		o = json_object_get(o, b);
	return json_object_get(o, f);
}

static void finish_stig(struct collect *c)
{
	for (size_t i = 0; i < c->flood_paths.n; i++) {
		bool bound = json_object_get(c->flood_bound, c->flood_paths.v[i]) != NULL;
		put(c, c->flood_objs[i], "bound", PT_BOOL, bound ? "true" : c->flood_map_gap ? NULL : "false");
	}
	for (size_t i = 0; i < c->seg_paths.n; i++) {
		long long obj = c->seg_objs[i];
		const char *seg = c->seg_paths.v[i];
		const char *sg = bound_profile(c->sec_maps, seg, "/infra/spoofguard-profiles/default-spoofguard-profile");
		json_t *sp = sg ? json_object_get(c->sg_prof, sg) : NULL;
		put(c, obj, "spoofguard_profile", PT_STRING, sg);
		put_bool(c, obj, "spoofguard_allowlist", dig(sp, NULL, NULL, "address_binding_allowlist"));
		const char *ipd = bound_profile(c->disc_maps, seg, "/infra/ip-discovery-profiles/default-ip-discovery-profile");
		json_t *ip = ipd ? json_object_get(c->ipd_prof, ipd) : NULL;
		put(c, obj, "ip_discovery_profile", PT_STRING, ipd);
		put_bool(c, obj, "ip_discovery.tofu", dig(ip, NULL, NULL, "tofu_enabled"));
		put_bool(c, obj, "ip_discovery.arp_snooping",
			 dig(ip, "ip_v4_discovery_options", "arp_snooping_config", "arp_snooping_enabled"));
		put_json_int(c, obj, "ip_discovery.arp_binding_limit",
			     dig(ip, "ip_v4_discovery_options", "arp_snooping_config", "arp_binding_limit"));
		put_bool(c, obj, "ip_discovery.dhcp_snooping", dig(ip, "ip_v4_discovery_options", NULL, "dhcp_snooping_enabled"));
		put_bool(c, obj, "ip_discovery.vmtools", dig(ip, "ip_v4_discovery_options", NULL, "vmtools_enabled"));
		put_bool(c, obj, "ip_discovery.dhcp_snooping_v6",
			 dig(ip, "ip_v6_discovery_options", NULL, "dhcp_snooping_v6_enabled"));
		put_bool(c, obj, "ip_discovery.vmtools_v6", dig(ip, "ip_v6_discovery_options", NULL, "vmtools_v6_enabled"));
		put_bool(c, obj, "ip_discovery.duplicate_ip_detection",
			 dig(ip, "duplicate_ip_detection", NULL, "duplicate_ip_detection_enabled"));
	}
}

/* The DFW's evaluation order of policies: category, then sequence number;
 * paths break ties.  Rules follow their policy's place, so listing the
 * policies' rules in this order numbers every rule as it is stored. */
static int policy_cmp(const void *a, const void *b, void *pols)
{
	const struct policy *px = (const struct policy *)pols + *(const unsigned *)a;
	const struct policy *py = (const struct policy *)pols + *(const unsigned *)b;
	if (px->rank != py->rank)
		return px->rank < py->rank ? -1 : 1;
	if (px->seq != py->seq)
		return px->seq < py->seq ? -1 : 1;
	return strcmp(px->path, py->path);
}

/* Lists path under /policy/api/v1; segs are percent-encoded into the
 * "%s" places of path, in order. */
static int list(struct collect *c, nsx_item_fn fn, const char *path, const char *seg1, const char *seg2)
{
	const char *segs[2] = { seg1, seg2 };
	unsigned k = 0;
	struct buf url = BUF_INIT;
	buf_puts(&url, "/policy/api/v1");
	for (const char *f = path; *f; f++) {
		if (f[0] == '%' && f[1] == 's' && k < 2) {
			char *e = nsx_escape(c->n, segs[k++]);
			buf_puts(&url, e);
			free(e);
			f++;
		} else {
			buf_putc(&url, *f);
		}
	}
	int rc = nsx_list(c->n, url.data, fn, c);
	buf_release(&url);
	progress(c);
	if (rc < 0 && c->out.rc)
		err_set("%s", c->out.err);
	return rc;
}

/* After every list: the rules' effective order and the manager object. */
static int finish(struct collect *c)
{
	long long m = add_object(c, NSX_MANAGER_TYPE, NSX_MANAGER_MOREF, nsx_base(c->n));
	put(c, m, "url", PT_STRING, nsx_base(c->n));
	put_int(c, m, "policy_count", c->npol, true);
	put_int(c, m, "rule_count", c->nrules, true);
	/* Checks over the whole DFW (the default deny, what shadows it)
	 * read this: one rule with a gap makes them unknown. */
	put(c, m, "rules_complete", PT_BOOL, c->gaps ? NULL : "true");
	put_int(c, m, "group_count", c->ngroups, true);
	put_int(c, m, "service_count", c->nservices, true);
	finish_stig(c);
	put_int(c, m, "flood_profile_count", (long long)c->flood_paths.n, true);
	put_int(c, m, "segment_count", (long long)c->seg_paths.n, true);
	if (c->out.rc) {
		err_set("%s", c->out.err);
		return c->out.rc;
	}
	return 0;
}

static int collect_all(struct collect *c)
{
	c->phase = "domains";
	int rc = list(c, on_domain, "/infra/domains", NULL, NULL);
	for (size_t d = 0; rc == 0 && d < c->domains.n; d++) {
		c->domain = c->domains.v[d];
		c->phase = "groups";
		rc = list(c, on_group, "/infra/domains/%s/groups", c->domain, NULL);
		if (rc == 0) {
			c->phase = "security policies";
			rc = list(c, on_policy, "/infra/domains/%s/security-policies", c->domain, NULL);
		}
	}
	unsigned *by_order = xcalloc(c->npol + 1, sizeof(*by_order));
	for (unsigned i = 0; i < c->npol; i++)
		by_order[i] = i;
	if (c->npol > 1)
		qsort_r(by_order, c->npol, sizeof(*by_order), policy_cmp, c->pol);
	for (unsigned k = 0; rc == 0 && k < c->npol; k++) {
		unsigned i = c->cur = by_order[k];
		c->phase = "rules";
		rc = list(c, on_rule, "/infra/domains/%s/security-policies/%s/rules", c->pol[i].domain,
			  c->pol[i].id);
		if (rc == 0)
			rc = put_rules(c);
		if (rc == 0)
			put_int(c, c->pol[i].obj, "rule_count", c->pol[i].nrules, true);
	}
	free(by_order);
	if (rc == 0) {
		c->phase = "services";
		rc = list(c, on_service, "/infra/services", NULL, NULL);
	}
	static const struct {
		const char *phase, *path;
		nsx_item_fn fn;
	} stig[] = {
		{ "flood protection profiles", "/infra/flood-protection-profiles", on_flood_profile },
		{ "flood protection bindings", "/search/query?query=resource_type:PolicyFirewallFloodProtectionProfileBindingMap",
		  on_flood_map },
		{ "SpoofGuard profiles", "/infra/spoofguard-profiles", on_spoofguard_profile },
		{ "IP discovery profiles", "/infra/ip-discovery-profiles", on_ip_discovery_profile },
		{ "segments", "/infra/segments", on_segment },
		{ "segment security bindings", "/search/query?query=resource_type:SegmentSecurityProfileBindingMap",
		  on_security_map },
		{ "segment discovery bindings", "/search/query?query=resource_type:SegmentDiscoveryProfileBindingMap",
		  on_discovery_map },
	};
	for (size_t i = 0; rc == 0 && i < ARRAY_SIZE(stig); i++) {
		c->phase = stig[i].phase;
		rc = list(c, stig[i].fn, stig[i].path, NULL, NULL);
	}
	if (rc == 0)
		rc = finish(c);
	return rc;
}


static void collect_release(struct collect *c)
{
	for (unsigned i = 0; i < c->npol; i++) {
		free(c->pol[i].id);
		free(c->pol[i].path);
		free(c->pol[i].domain);
		free(c->pol[i].category);
	}
	free(c->pol);
	rules_drop(c);
	free(c->rules);
	strlist_release(&c->domains);
	json_decref(c->sg_prof);
	json_decref(c->ipd_prof);
	json_decref(c->sec_maps);
	json_decref(c->disc_maps);
	json_decref(c->flood_bound);
	strlist_release(&c->seg_paths);
	strlist_release(&c->flood_paths);
	free(c->seg_objs);
	free(c->flood_objs);
	sink_release(&c->out);
}

static void collect_init(struct collect *c)
{
	c->sg_prof = json_object();
	c->ipd_prof = json_object();
	c->sec_maps = json_object();
	c->disc_maps = json_object();
	c->flood_bound = json_object();
}

int nsx_collect(struct nsx *n, const struct sink_to *to, struct scan_stats *stats)
{
	struct collect c = { .n = n, .out = { .st = to->st, .batch = to->batch, .snap = to->snap,
					      .source = "the NSX manager" } };
	collect_init(&c);
	double t0 = now_ms();
	long long calls0 = nsx_api_calls(n), bytes0 = nsx_bytes_received(n);
	sink_start(&c.out);
	int rc = collect_all(&c);
	if (sink_finish(&c.out, rc != 0) && !rc)
		err_set("%s", c.out.err);
	if (c.out.rc)
		rc = c.out.rc;
	progress_clear();
	stats->objects = c.out.objects;
	stats->api_calls = nsx_api_calls(n) - calls0;
	stats->bytes_received = nsx_bytes_received(n) - bytes0;
	stats->store_ms = c.out.ms;
	stats->collect_ms = now_ms() - t0 - c.out.stall_ms;
	collect_release(&c);
	return rc;
}

/* Feeds one list answer of kind through the handler that list uses, then
 * finishes as nsx_collect does.  Rules belong to one policy, "p1". */
int nsx_collect_body(struct nsx *n, struct store *st, long long snap, const char *kind, const char *body,
		     size_t len)
{
	static const struct {
		const char *kind, *path;
		nsx_item_fn fn;
	} lists[] = {
		{ "domains", "/policy/api/v1/infra/domains", on_domain },
		{ "groups", "/policy/api/v1/infra/domains/default/groups", on_group },
		{ "policies", "/policy/api/v1/infra/domains/default/security-policies", on_policy },
		{ "rules", "/policy/api/v1/infra/domains/default/security-policies/p1/rules", on_rule },
		{ "services", "/policy/api/v1/infra/services", on_service },
		{ "flood_profiles", "/policy/api/v1/infra/flood-protection-profiles", on_flood_profile },
		{ "flood_maps", "/policy/api/v1/search/query", on_flood_map },
		{ "spoofguard_profiles", "/policy/api/v1/infra/spoofguard-profiles", on_spoofguard_profile },
		{ "ip_discovery_profiles", "/policy/api/v1/infra/ip-discovery-profiles", on_ip_discovery_profile },
		{ "segments", "/policy/api/v1/infra/segments", on_segment },
		{ "security_maps", "/policy/api/v1/search/query", on_security_map },
		{ "discovery_maps", "/policy/api/v1/search/query", on_discovery_map },
	};
	struct collect c = { .n = n, .out = { .st = st, .snap = snap, .source = "the NSX manager" }, .phase = kind,
			     .domain = "default" };
	collect_init(&c);
	int rc = HERR_COLLECT;
	for (size_t i = 0; i < ARRAY_SIZE(lists); i++) {
		if (strcmp(kind, lists[i].kind))
			continue;
		if (lists[i].fn == on_rule) {
			json_t *p = json_pack("{s:s, s:s, s:i}", "id", "p1", "category", "Application", "sequence_number", 1);
			rc = on_policy(&c, p);
			json_decref(p);
			if (rc < 0)
				break;
		}
		rc = nsx_list_body(n, lists[i].path, body, len, lists[i].fn, &c);
		if (rc == 0)
			rc = put_rules(&c);
		if (rc == 0)
			rc = finish(&c);
		break;
	}
	if (c.out.rc)
		rc = c.out.rc;
	collect_release(&c);
	return rc;
}

int nsx_record_unavailable(struct store *st, long long snap, const char *url)
{
	long long m;
	int rc = store_object_add(st, snap, NSX_MANAGER_TYPE, NSX_MANAGER_MOREF, url ? url : "(no NSX manager)", &m);
	if (rc == 0)
		rc = store_prop(st, m, "url", PT_STRING, url);
	static const char *const counts[] = { "policy_count", "rule_count", "group_count", "service_count",
					      "flood_profile_count", "segment_count" };
	for (unsigned i = 0; rc == 0 && i < ARRAY_SIZE(counts); i++)
		rc = store_prop(st, m, counts[i], PT_INT, NULL);
	if (rc == 0)
		rc = store_prop(st, m, "rules_complete", PT_BOOL, NULL);
	return rc;
}
