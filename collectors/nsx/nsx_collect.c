/* Collects the NSX distributed firewall into the twin: domains, their
 * groups and security policies, each policy's rules, and services; then
 * the effective order of every rule across the whole DFW. */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/sink.h"
#include "nsx/nsx_internal.h"
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

struct rulekey {
	long long obj;
	unsigned policy;	/* index into policies */
	long long seq;
	char *id;
};

struct collect {
	struct nsx *n;
	struct sink out;	/* the twin */
	const char *phase;
	const char *domain;	/* the domain being listed */
	struct policy *pol;
	unsigned npol, cappol;
	unsigned cur;		/* the policy whose rules are being listed */
	struct rulekey *rules;
	size_t nrules, caprules;
	long long ngroups, nservices;
	bool gaps;		/* a rule lacked a field its order or ANY-ness needs */
	struct strlist domains;
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
	fprintf(stderr, "\rharden: collecting NSX %s: %lld objects   ", c->phase, c->out.objects);
	fflush(stderr);
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

static int on_rule(void *ctx, json_t *item)
{
	struct collect *c = ctx;
	struct policy *p = &c->pol[c->cur];
	const char *id = item_id(c, item, "rule");
	if (!id)
		return HERR_COLLECT;
	const char *path = json_string_value(json_object_get(item, "path"));
	char *rp = path ? xstrdup(path) : xasprintf("%s/rules/%s", p->path, id);
	long long seq;
	bool seq_known = seq_of(json_object_get(item, "sequence_number"), &seq);
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
	/* Derived, so that rules need not parse lists: */
	int src_any = matches_any(src, src_ex), dst_any = matches_any(dst, dst_ex);
	int svc_any = is_any(json_object_get(item, "services")), rs = is_any(scope);
	int all_any = rs < 0 || p->scope_any < 0 ? -1 : rs && p->scope_any;
	put_tri(c, obj, "source_any", src_any);
	put_tri(c, obj, "destination_any", dst_any);
	put_tri(c, obj, "service_any", svc_any);
	put_tri(c, obj, "applied_to_any", all_any);
	free(rp);
	if (src_any < 0 || dst_any < 0 || svc_any < 0 || all_any < 0 || !seq_known || p->seq == INT64_MAX ||
	    !p->category || !json_is_string(json_object_get(item, "action")) ||
	    !json_is_boolean(json_object_get(item, "disabled")))
		c->gaps = true;

	if (c->nrules == c->caprules) {
		c->caprules = c->caprules ? c->caprules * 2 : 1024;
		c->rules = xrealloc(c->rules, c->caprules * sizeof(*c->rules));
	}
	c->rules[c->nrules++] = (struct rulekey){ obj, c->cur, seq, xstrdup(id) };
	p->nrules++;
	if (c->nrules % 1000 == 0)
		progress(c);
	return c->out.rc;
}

/* The DFW's evaluation order: category, then policy sequence number, then
 * rule sequence number; ids break ties so the order is total. */
static int rule_cmp(const void *a, const void *b, void *pols)
{
	const struct rulekey *x = a, *y = b;
	const struct policy *px = (const struct policy *)pols + x->policy, *py = (const struct policy *)pols + y->policy;
	if (px->rank != py->rank)
		return px->rank < py->rank ? -1 : 1;
	if (px->seq != py->seq)
		return px->seq < py->seq ? -1 : 1;
	if (x->policy != y->policy) {
		int d = strcmp(px->path, py->path);
		if (d)
			return d;
	}
	if (x->seq != y->seq)
		return x->seq < y->seq ? -1 : 1;
	return strcmp(x->id, y->id);
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
	if (c->nrules > 1)
		qsort_r(c->rules, c->nrules, sizeof(*c->rules), rule_cmp, c->pol);
	for (size_t i = 0; i < c->nrules; i++)
		put_int(c, c->rules[i].obj, "order", (long long)i + 1, true);
	long long m = add_object(c, NSX_MANAGER_TYPE, NSX_MANAGER_MOREF, nsx_base(c->n));
	put(c, m, "url", PT_STRING, nsx_base(c->n));
	put_int(c, m, "policy_count", c->npol, true);
	put_int(c, m, "rule_count", (long long)c->nrules, true);
	/* Checks over the whole DFW (the default deny, what shadows it)
	 * read this: one rule with a gap makes them unknown. */
	put(c, m, "rules_complete", PT_BOOL, c->gaps ? NULL : "true");
	put_int(c, m, "group_count", c->ngroups, true);
	put_int(c, m, "service_count", c->nservices, true);
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
	for (unsigned i = 0; rc == 0 && i < c->npol; i++) {
		c->cur = i;
		c->phase = "rules";
		rc = list(c, on_rule, "/infra/domains/%s/security-policies/%s/rules", c->pol[i].domain,
			  c->pol[i].id);
		if (rc == 0)
			put_int(c, c->pol[i].obj, "rule_count", c->pol[i].nrules, true);
	}
	if (rc == 0) {
		c->phase = "services";
		rc = list(c, on_service, "/infra/services", NULL, NULL);
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
	for (size_t i = 0; i < c->nrules; i++)
		free(c->rules[i].id);
	free(c->rules);
	strlist_release(&c->domains);
	sink_release(&c->out);
}

int nsx_collect(struct nsx *n, struct store *st, long long snap, struct scan_stats *stats)
{
	struct collect c = { .n = n, .out = { .st = st, .snap = snap, .source = "the NSX manager" } };
	double t0 = now_ms();
	long long calls0 = nsx_api_calls(n), bytes0 = nsx_bytes_received(n);
	int rc = collect_all(&c);
	if (c.out.rc)
		rc = c.out.rc;
	if (nsx_progress(n)) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
	}
	stats->objects = c.out.objects;
	stats->api_calls = nsx_api_calls(n) - calls0;
	stats->bytes_received = nsx_bytes_received(n) - bytes0;
	stats->store_ms = c.out.ms;
	stats->collect_ms = now_ms() - t0 - c.out.ms;
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
	};
	struct collect c = { .n = n, .out = { .st = st, .snap = snap, .source = "the NSX manager" }, .phase = kind,
			     .domain = "default" };
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
	static const char *const counts[] = { "policy_count", "rule_count", "group_count", "service_count" };
	for (unsigned i = 0; rc == 0 && i < ARRAY_SIZE(counts); i++)
		rc = store_prop(st, m, counts[i], PT_INT, NULL);
	if (rc == 0)
		rc = store_prop(st, m, "rules_complete", PT_BOOL, NULL);
	return rc;
}
