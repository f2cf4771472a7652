#include "rules/rules.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#include "util/util.h"
#include "util/yamlx.h"

#ifndef HARDEN_DATADIR
#define HARDEN_DATADIR "/usr/local/share/harden"
#endif

static const struct {
	const char *key;
	enum op op;
} leaf_ops[] = {
	{ "eq", OP_EQ }, { "ne", OP_NE }, { "lt", OP_LT }, { "le", OP_LE }, { "gt", OP_GT }, { "ge", OP_GE },
	{ "in", OP_IN }, { "not_in", OP_NOT_IN }, { "matches", OP_MATCHES }, { "not_matches", OP_NOT_MATCHES },
	{ "contains", OP_CONTAINS }, { "not_contains", OP_NOT_CONTAINS }, { "empty", OP_EMPTY },
	{ "present", OP_PRESENT }, { "version_eq", OP_VERSION_EQ }, { "version_lt", OP_VERSION_LT },
	{ "version_le", OP_VERSION_LE }, { "version_gt", OP_VERSION_GT }, { "version_ge", OP_VERSION_GE },
};

struct yctx {
	const char *file;
	yaml_document_t *doc;
	struct strlist *where;	/* "file:line:col" of each extends entry */
};

/* Refuses a mapping that repeats a key. */
static int no_duplicates(struct yctx *y, yaml_node_t *mapping)
{
	yaml_node_t *dup = yamlx_duplicate_key(y->doc, mapping);
	if (dup)
		return yamlx_error(y->file, dup, "duplicate key '%s'", (const char *)dup->data.scalar.value);
	return 0;
}

static yaml_node_t *node(struct yctx *y, int i)
{
	return yaml_document_get_node(y->doc, i);
}

static int want_scalar(struct yctx *y, const yaml_node_t *n, const char *key, const char **out)
{
	*out = yamlx_scalar(n);
	if (!*out)
		return yamlx_error(y->file, n, "key '%s' must be a scalar", key);
	return 0;
}

static int want_bool(struct yctx *y, const yaml_node_t *n, const char *key, bool *out)
{
	const char *s = yamlx_scalar(n);
	if (s && (!strcmp(s, "true") || !strcmp(s, "false"))) {
		*out = !strcmp(s, "true");
		return 0;
	}
	return yamlx_error(y->file, n, "key '%s' must be true or false", key);
}

static bool is_bool_text(const char *s)
{
	return !strcasecmp(s, "true") || !strcasecmp(s, "false");
}

static bool is_version_text(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!(*s >= '0' && *s <= '9') && *s != '.')
			return false;
	return true;
}

/* Why an operand does not fit the property's type, or NULL when it does. */
static const char *operand_problem(enum ptype t, enum op op, const char *v)
{
	static char msg[512];
	long long iv;
	if (op >= OP_VERSION_EQ && !is_version_text(v)) {
		snprintf(msg, sizeof(msg), "'%s' is not a version such as 8.0.2", v);
		return msg;
	}
	if (op >= OP_VERSION_EQ || op == OP_MATCHES || op == OP_NOT_MATCHES)
		return NULL;
	switch (t) {
	case PT_INT:
		if (!parse_int64(v, &iv)) {
			snprintf(msg, sizeof(msg), "'%s' is not an integer", v);
			return msg;
		}
		break;
	case PT_BOOL:
		if (!is_bool_text(v)) {
			snprintf(msg, sizeof(msg), "'%s' is not true or false", v);
			return msg;
		}
		if (op >= OP_LT && op <= OP_GE)
			return "ordering comparison on a boolean property";
		break;
	case PT_VERSION:
		if (!is_version_text(v)) {
			snprintf(msg, sizeof(msg), "'%s' is not a version such as 8.0.2", v);
			return msg;
		}
		break;
	case PT_STRING:
		if (op >= OP_LT && op <= OP_GE)
			return "ordering comparison on a string property; use a version_ operator or an integer property";
		break;
	default:
		break;
	}
	return NULL;
}

static int check_operand(struct yctx *y, const yaml_node_t *n, enum ptype t, enum op op, const char *v)
{
	const char *why = operand_problem(t, op, v);
	return why ? yamlx_error(y->file, n, "%s", why) : 0;
}

static void check_free(struct check *c)
{
	if (!c)
		return;
	for (unsigned i = 0; i < c->nkids; i++)
		check_free(c->kids[i]);
	free(c->kids);
	free(c->property);
	free(c->value);
	free(c->deflt);
	free(c->param);
	free(c->param_where);
	strlist_release(&c->values);
	if (c->has_re)
		regfree(&c->re);
	free(c);
}

static int parse_check(struct yctx *y, yaml_node_t *n, const char *otype, struct check **out, int depth);

static int parse_group(struct yctx *y, yaml_node_t *v, const char *key, const char *otype,
		       struct check *c, int depth)
{
	if (!strcmp(key, "not")) {
		c->kids = xcalloc(1, sizeof(*c->kids));
		c->nkids = 1;
		return parse_check(y, v, otype, &c->kids[0], depth + 1);
	}
	if (v->type != YAML_SEQUENCE_NODE || v->data.sequence.items.top == v->data.sequence.items.start)
		return yamlx_error(y->file, v, "'%s' takes a non-empty list of checks", key);
	unsigned n = (unsigned)(v->data.sequence.items.top - v->data.sequence.items.start);
	c->kids = xcalloc(n, sizeof(*c->kids));
	for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++) {
		if (parse_check(y, node(y, *it), otype, &c->kids[c->nkids++], depth + 1) < 0)
			return -1;
	}
	return 0;
}

/* The operand of a leaf check c (its property and operator known): a
 * value, a list, a flag, or { param: NAME } bound later. */
static int parse_operand(struct yctx *y, struct check *c, yaml_node_t *v)
{
	if (v->type == YAML_MAPPING_NODE && c->op != OP_EMPTY && c->op != OP_PRESENT) {
		/* { param: NAME }: the operand is a site parameter, bound later. */
		yaml_node_pair_t *p0 = v->data.mapping.pairs.start;
		const char *k0 = p0 < v->data.mapping.pairs.top ? yamlx_scalar(node(y, p0->key)) : NULL;
		const char *pn = k0 ? yamlx_scalar(node(y, p0->value)) : NULL;
		if (!k0 || strcmp(k0, "param") || !pn || p0 + 1 != v->data.mapping.pairs.top)
			return yamlx_error(y->file, v, "an operand is a value, or { param: NAME } for a site parameter");
		if (c->ptype == PT_LIST && c->op != OP_CONTAINS && c->op != OP_NOT_CONTAINS &&
		    c->op != OP_MATCHES && c->op != OP_NOT_MATCHES)
			return yamlx_error(y->file, v, "list property '%s' takes contains, not_contains, matches, not_matches or empty",
				    c->property);
		c->param = xstrdup(pn);
		c->param_where = xasprintf("%s:%zu:%zu", y->file, v->start_mark.line + 1, v->start_mark.column + 1);
		return 0;
	}
	switch (c->op) {
	case OP_IN:
	case OP_NOT_IN:
		if (c->ptype == PT_LIST)
			return yamlx_error(y->file, v, "list property '%s' takes contains, not_contains, matches, not_matches or empty",
				    c->property);
		if (v->type != YAML_SEQUENCE_NODE)
			return yamlx_error(y->file, v, "'in' and 'not_in' take a list");
		for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++) {
			const char *s = yamlx_scalar(node(y, *it));
			if (!s)
				return yamlx_error(y->file, node(y, *it), "list items must be scalars");
			if (check_operand(y, node(y, *it), c->ptype, c->op, s) < 0)
				return -1;
			strlist_add(&c->values, s);
		}
		break;
	case OP_EMPTY:
	case OP_PRESENT:
		if (want_bool(y, v, leaf_ops[c->op - OP_EQ].key, &c->flag) < 0)
			return -1;
		break;
	default: {
		const char *s;
		if (want_scalar(y, v, leaf_ops[c->op - OP_EQ].key, &s) < 0)
			return -1;
		if (c->op == OP_CONTAINS || c->op == OP_NOT_CONTAINS) {
			if (c->ptype != PT_LIST && c->ptype != PT_STRING && c->ptype != PT_DYNAMIC)
				return yamlx_error(y->file, v, "'contains' applies to list and string properties");
		} else if (check_operand(y, v, c->ptype, c->op, s) < 0) {
			return -1;
		}
		if (c->ptype == PT_LIST && c->op != OP_CONTAINS && c->op != OP_NOT_CONTAINS &&
		    c->op != OP_MATCHES && c->op != OP_NOT_MATCHES)
			return yamlx_error(y->file, v, "list property '%s' takes contains, not_contains, matches, not_matches or empty",
				    c->property);
		c->value = xstrdup(s);
		if (c->op == OP_MATCHES || c->op == OP_NOT_MATCHES) {
			int rc = regcomp(&c->re, s, REG_EXTENDED | REG_NOSUB | (c->nocase ? REG_ICASE : 0));
			if (rc) {
				char eb[256];
				regerror(rc, &c->re, eb, sizeof(eb));
				return yamlx_error(y->file, v, "bad regular expression '%s': %s", s, eb);
			}
			c->has_re = true;
		}
	}
	}
	if (c->deflt && check_operand(y, v, c->ptype, OP_EQ, c->deflt) < 0)
		return -1;
	return 0;
}

static int parse_check(struct yctx *y, yaml_node_t *n, const char *otype, struct check **out, int depth)
{
	*out = NULL;
	if (depth > 32)
		return yamlx_error(y->file, n, "checks nested too deeply");
	if (!n || n->type != YAML_MAPPING_NODE)
		return yamlx_error(y->file, n, "a check must be a mapping with all, any, not or property");
	if (no_duplicates(y, n) < 0)
		return -1;
	struct check *c = xcalloc(1, sizeof(*c));
	*out = c;
	c->line = (int)n->start_mark.line + 1;
	c->op = OP_COUNT;
	yaml_node_t *opnode = NULL;
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
		yaml_node_t *kn = node(y, p->key), *v = node(y, p->value);
		const char *k = yamlx_scalar(kn);
		if (!k)
			return yamlx_error(y->file, kn, "keys must be scalars");
		if (!strcmp(k, "all") || !strcmp(k, "any") || !strcmp(k, "not")) {
			if (c->op != OP_COUNT || c->property)
				return yamlx_error(y->file, kn, "a check has exactly one of all, any, not or property with one operator");
			c->op = !strcmp(k, "all") ? OP_ALL : !strcmp(k, "any") ? OP_ANY : OP_NOT;
			if (parse_group(y, v, k, otype, c, depth) < 0)
				return -1;
			continue;
		}
		if (!strcmp(k, "property")) {
			const char *s;
			if (want_scalar(y, v, k, &s) < 0)
				return -1;
			const struct vocab_entry *e = vocab_lookup(otype, s);
			if (!e)
				return yamlx_error(y->file, v, "unknown property '%s' for object type '%s' (see harden-properties(7))", s, otype);
			c->property = vocab_canonical(e, s);
			c->ptype = e->type;
			continue;
		}
		if (!strcmp(k, "default")) {
			const char *s;
			if (want_scalar(y, v, k, &s) < 0)
				return -1;
			c->deflt = xstrdup(s);
			continue;
		}
		if (!strcmp(k, "nocase")) {
			if (want_bool(y, v, k, &c->nocase) < 0)
				return -1;
			continue;
		}
		unsigned i;
		for (i = 0; i < ARRAY_SIZE(leaf_ops); i++)
			if (!strcmp(k, leaf_ops[i].key))
				break;
		if (i == ARRAY_SIZE(leaf_ops))
			return yamlx_error(y->file, kn, "unknown key '%s' in check", yamlx_name(k));
		if (c->op != OP_COUNT)
			return yamlx_error(y->file, kn, "a check has exactly one operator; '%s' is a second", k);
		c->op = leaf_ops[i].op;
		opnode = v;
	}
	if (c->op == OP_COUNT)
		return yamlx_error(y->file, n, "check has no operator (all, any, not, or property with eq, ne, lt, ...)");
	if (c->op <= OP_NOT) {
		if (c->property)
			return yamlx_error(y->file, n, "'property' cannot stand beside all, any or not");
		return 0;
	}
	if (!c->property)
		return yamlx_error(y->file, n, "operator '%s' needs a property", leaf_ops[c->op - OP_EQ].key);
	return parse_operand(y, c, opnode);
}

static json_t *yaml_to_json(struct yctx *y, yaml_node_t *n, int depth)
{
	if (!n || depth > 16)
		return json_null();
	switch (n->type) {
	case YAML_SCALAR_NODE:
		return json_string((const char *)n->data.scalar.value);
	case YAML_SEQUENCE_NODE: {
		json_t *a = json_array();
		for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++)
			json_array_append_new(a, yaml_to_json(y, node(y, *it), depth + 1));
		return a;
	}
	case YAML_MAPPING_NODE: {
		json_t *o = json_object();
		for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
			const char *k = yamlx_scalar(node(y, p->key));
			if (k)
				json_object_set_new(o, k, yaml_to_json(y, node(y, p->value), depth + 1));
		}
		return o;
	}
	default:
		return json_null();
	}
}

static int string_list(struct yctx *y, yaml_node_t *v, const char *key, json_t **out)
{
	if (v->type != YAML_SEQUENCE_NODE)
		return yamlx_error(y->file, v, "'%s' must be a list of strings", key);
	json_t *a = json_array();
	for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++) {
		const char *s = yamlx_scalar(node(y, *it));
		if (!s) {
			json_decref(a);
			return yamlx_error(y->file, node(y, *it), "'%s' must be a list of strings", key);
		}
		json_array_append_new(a, json_string(s));
	}
	*out = a;
	return 0;
}

static int parse_remediation(struct yctx *y, yaml_node_t *n, json_t *details)
{
	if (n->type != YAML_MAPPING_NODE)
		return yamlx_error(y->file, n, "'remediation' must be a mapping");
	if (no_duplicates(y, n) < 0)
		return -1;
	json_t *r = json_object();
	json_object_set_new(details, "remediation", r);
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
		yaml_node_t *kn = node(y, p->key), *v = node(y, p->value);
		const char *k = yamlx_scalar(kn), *s;
		if (!k)
			return yamlx_error(y->file, kn, "keys must be scalars");
		if (!strcmp(k, "summary") || !strcmp(k, "mcp_tool") || !strcmp(k, "rollback_tool")) {
			if (want_scalar(y, v, k, &s) < 0)
				return -1;
			json_object_set_new(r, k, json_string(s));
		} else if (!strcmp(k, "risk")) {
			if (want_scalar(y, v, k, &s) < 0)
				return -1;
			if (strcmp(s, "low") && strcmp(s, "medium") && strcmp(s, "high"))
				return yamlx_error(y->file, v, "risk must be low, medium or high, not '%s'", s);
			json_object_set_new(r, k, json_string(s));
		} else if (!strcmp(k, "steps")) {
			json_t *a;
			if (string_list(y, v, k, &a) < 0)
				return -1;
			json_object_set_new(r, k, a);
		} else if (!strcmp(k, "params") || !strcmp(k, "rollback_params")) {
			if (v->type != YAML_MAPPING_NODE)
				return yamlx_error(y->file, v, "'%s' must be a mapping", k);
			json_object_set_new(r, k, yaml_to_json(y, v, 0));
		} else {
			return yamlx_error(y->file, kn, "unknown key '%s' in remediation", yamlx_name(k));
		}
	}
	if (!json_object_get(r, "summary"))
		return yamlx_error(y->file, n, "remediation needs a summary");
	return 0;
}

static int parse_review(struct yctx *y, yaml_node_t *n, json_t *details)
{
	if (n->type != YAML_MAPPING_NODE)
		return yamlx_error(y->file, n, "'review' must be a mapping");
	if (no_duplicates(y, n) < 0)
		return -1;
	json_t *r = json_object();
	json_object_set_new(details, "review", r);
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
		yaml_node_t *kn = node(y, p->key), *v = node(y, p->value);
		const char *k = yamlx_scalar(kn), *s;
		if (!k)
			return yamlx_error(y->file, kn, "keys must be scalars");
		if (!strcmp(k, "human_review_required")) {
			bool b;
			if (want_bool(y, v, k, &b) < 0)
				return -1;
			json_object_set_new(r, k, json_boolean(b));
		} else if (!strcmp(k, "min_confidence")) {
			if (want_scalar(y, v, k, &s) < 0)
				return -1;
			char *end;
			double d = strtod(s, &end);
			if (*end || d < 0 || d > 1)
				return yamlx_error(y->file, v, "min_confidence must be a number from 0 to 1");
			json_object_set_new(r, k, json_real(d));
		} else {
			return yamlx_error(y->file, kn, "unknown key '%s' in review", yamlx_name(k));
		}
	}
	return 0;
}

static void rule_release(struct rule *r)
{
	free(r->id);
	strlist_release(&r->aliases);
	free(r->title);
	free(r->object_type);
	check_free(r->when);
	check_free(r->check);
	free(r->sql);
	free(r->sql_expected);
	strlist_release(&r->reads);
	json_decref(r->details);
}

static int parse_rule(struct yctx *y, yaml_node_t *n, struct rule *r)
{
	memset(r, 0, sizeof(*r));
	if (n->type != YAML_MAPPING_NODE)
		return yamlx_error(y->file, n, "a rule must be a mapping");
	if (no_duplicates(y, n) < 0)
		return -1;
	r->line = (int)n->start_mark.line + 1;
	r->details = json_object();
	bool have_sev = false;
	yaml_node_t *check = NULL, *when = NULL, *reads = NULL;
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
		yaml_node_t *kn = node(y, p->key), *v = node(y, p->value);
		const char *k = yamlx_scalar(kn), *s;
		if (!k)
			return yamlx_error(y->file, kn, "keys must be scalars");
		if (!strcmp(k, "id") || !strcmp(k, "title") || !strcmp(k, "object")) {
			if (want_scalar(y, v, k, &s) < 0)
				return -1;
			char **dst = !strcmp(k, "id") ? &r->id : !strcmp(k, "title") ? &r->title : &r->object_type;
			free(*dst);
			*dst = xstrdup(s);
			if (dst == &r->object_type && !vocab_known_type(s))
				return yamlx_error(y->file, v, "unknown object type '%s' (host, vm, datastore, vcenter, dfw_policy, dfw_rule, nsx_group, nsx_service or nsx_manager)", s);
		} else if (!strcmp(k, "severity")) {
			if (want_scalar(y, v, k, &s) < 0)
				return -1;
			enum severity sev;
			if (severity_parse(s, &sev) < 0)
				return yamlx_error(y->file, v, "unknown severity '%s' (critical, high, medium, low, info)", s);
			r->severity = sev;
			have_sev = true;
		} else if (!strcmp(k, "description") || !strcmp(k, "rationale")) {
			if (want_scalar(y, v, k, &s) < 0)
				return -1;
			json_object_set_new(r->details, k, json_string(s));
		} else if (!strcmp(k, "references")) {
			json_t *a;
			if (string_list(y, v, k, &a) < 0)
				return -1;
			json_object_set_new(r->details, k, a);
		} else if (!strcmp(k, "aliases")) {
			json_t *a, *e;
			size_t i;
			if (string_list(y, v, k, &a) < 0)
				return -1;
			json_array_foreach(a, i, e) {
				if (!*json_string_value(e)) {
					json_decref(a);
					return yamlx_error(y->file, v, "an alias must not be empty");
				}
				strlist_add(&r->aliases, json_string_value(e));
			}
			/* Stored with the evaluation, so that history comparisons
			 * can match findings recorded under an alias. */
			json_object_set_new(r->details, k, a);
		} else if (!strcmp(k, "remediation")) {
			if (parse_remediation(y, v, r->details) < 0)
				return -1;
		} else if (!strcmp(k, "review")) {
			if (parse_review(y, v, r->details) < 0)
				return -1;
		} else if (!strcmp(k, "check")) {
			check = v;
		} else if (!strcmp(k, "sql")) {
			if (want_scalar(y, v, k, &s) < 0)
				return -1;
			if (store_sql_validate(s) < 0)
				return yamlx_error(y->file, v, "sql check of rule '%s': %s", r->id ? r->id : "?", err_get());
			r->sql = xstrdup(s);
		} else if (!strcmp(k, "timeout")) {
			long long t;
			if (want_scalar(y, v, k, &s) < 0)
				return -1;
			if (!parse_int64(s, &t) || t < 1 || t > 60)
				return yamlx_error(y->file, v, "'timeout' is a number of seconds from 1 to 60");
			r->sql_timeout_ms = (int)t * 1000;
		} else if (!strcmp(k, "expected")) {
			if (want_scalar(y, v, k, &s) < 0)
				return -1;
			r->sql_expected = xstrdup(s);
		} else if (!strcmp(k, "reads")) {
			if (v->type != YAML_SEQUENCE_NODE)
				return yamlx_error(y->file, v, "'reads' must be a list of properties");
			reads = v;
		} else if (!strcmp(k, "when")) {
			when = v;
		} else {
			return yamlx_error(y->file, kn, "unknown key '%s' in rule", yamlx_name(k));
		}
	}
	if (!r->id)
		return yamlx_error(y->file, n, "rule has no id");
	if (!r->title)
		return yamlx_error(y->file, n, "rule '%s' has no title", r->id);
	if (!have_sev)
		return yamlx_error(y->file, n, "rule '%s' has no severity", r->id);
	if (!r->object_type)
		return yamlx_error(y->file, n, "rule '%s' has no object (host, vm, datastore, dfw_rule, ...)", r->id);
	if (!check == !r->sql)
		return yamlx_error(y->file, n, "rule '%s' needs exactly one of check or sql", r->id);
	if (check && parse_check(y, check, r->object_type, &r->check, 0) < 0)
		return -1;
	if (reads && !r->sql)
		return yamlx_error(y->file, reads, "'reads' goes with an sql check");
	/* A query that never sees a missing row would pass on data that was
	 * not collected: it must say what it reads. */
	if (r->sql && !reads)
		return yamlx_error(y->file, n, "rule '%s' has an sql check but no 'reads' list of the properties it depends on",
				   r->id);
	for (yaml_node_item_t *it = reads ? reads->data.sequence.items.start : NULL;
	     reads && it < reads->data.sequence.items.top; it++) {
		const char *pn = yamlx_scalar(node(y, *it));
		const struct vocab_entry *e = pn ? vocab_lookup(r->object_type, pn) : NULL;
		if (!e)
			return yamlx_error(y->file, node(y, *it), "unknown property '%s' for object type '%s' (see harden-properties(7))",
				    pn ? pn : "", r->object_type);
		strlist_add_owned(&r->reads, vocab_canonical(e, pn));
	}
	if (when && parse_check(y, when, r->object_type, &r->when, 0) < 0)
		return -1;
	return 0;
}

static int add_parent(struct yctx *y, yaml_node_t *n, struct baseline *b)
{
	const char *s = yamlx_scalar(n);
	if (!s || !*s)
		return yamlx_error(y->file, n, "'extends' takes a baseline name or a list of them");
	strlist_add(&b->parents, s);
	if (y->where)
		strlist_add_owned(y->where, xasprintf("%s:%zu:%zu", y->file, n->start_mark.line + 1,
						      n->start_mark.column + 1));
	return 0;
}

static int parse_extends(struct yctx *y, yaml_node_t *v, struct baseline *b)
{
	if (v->type != YAML_SEQUENCE_NODE)
		return add_parent(y, v, b);
	for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++)
		if (add_parent(y, node(y, *it), b) < 0)
			return -1;
	return 0;
}

static int param_values(struct yctx *y, yaml_node_t *v, struct param *p)
{
	if (v->type == YAML_SCALAR_NODE) {
		strlist_add(&p->values, yamlx_scalar(v));
		return 0;
	}
	if (v->type != YAML_SEQUENCE_NODE)
		return yamlx_error(y->file, v, "parameter '%s' takes a value or a list of values", p->name);
	p->list = true;
	for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++) {
		const char *s = yamlx_scalar(node(y, *it));
		if (!s)
			return yamlx_error(y->file, node(y, *it), "list items must be scalars");
		strlist_add(&p->values, s);
	}
	return 0;
}

static int parse_parameters(struct yctx *y, yaml_node_t *v, struct baseline *b)
{
	if (v->type != YAML_MAPPING_NODE)
		return yamlx_error(y->file, v, "'parameters' must be a mapping of names to defaults");
	if (no_duplicates(y, v) < 0)
		return -1;
	unsigned n = (unsigned)(v->data.mapping.pairs.top - v->data.mapping.pairs.start);
	b->params = xcalloc(n ? n : 1, sizeof(*b->params));
	for (yaml_node_pair_t *p = v->data.mapping.pairs.start; p < v->data.mapping.pairs.top; p++) {
		yaml_node_t *kn = node(y, p->key), *val = node(y, p->value);
		const char *k = yamlx_scalar(kn);
		if (!k || !*k)
			return yamlx_error(y->file, kn, "parameter names must be scalars");
		struct param *pr = &b->params[b->nparams++];
		pr->name = xstrdup(k);
		pr->where = xasprintf("%s:%zu:%zu", y->file, kn->start_mark.line + 1, kn->start_mark.column + 1);
		if (val->type == YAML_MAPPING_NODE) {
			/* { default: V, description: text } */
			yaml_node_t *d = NULL;
			for (yaml_node_pair_t *q = val->data.mapping.pairs.start; q < val->data.mapping.pairs.top; q++) {
				const char *qk = yamlx_scalar(node(y, q->key));
				const char *qv = yamlx_scalar(node(y, q->value));
				if (qk && !strcmp(qk, "default"))
					d = node(y, q->value);
				else if (qk && !strcmp(qk, "description") && qv && !pr->description)
					pr->description = xstrdup(qv);
				else if (!qk || strcmp(qk, "description"))
					return yamlx_error(y->file, node(y, q->key), "unknown key '%s' in parameter '%s'", yamlx_name(qk ? qk : ""), k);
			}
			if (!d)
				return yamlx_error(y->file, val, "parameter '%s' has no default", k);
			val = d;
		}
		if (param_values(y, val, pr) < 0)
			return -1;
	}
	return 0;
}

static int parse_baseline(struct yctx *y, yaml_node_t *root, struct baseline *b)
{
	if (!root)
		return yamlx_error(y->file, NULL, "empty baseline");
	if (root->type != YAML_MAPPING_NODE)
		return yamlx_error(y->file, root, "a baseline must be a mapping");
	if (no_duplicates(y, root) < 0)
		return -1;
	yaml_node_t *rules = NULL;
	for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top; p++) {
		yaml_node_t *kn = node(y, p->key), *v = node(y, p->value);
		const char *k = yamlx_scalar(kn), *s;
		if (!k)
			return yamlx_error(y->file, kn, "keys must be scalars");
		if (!strcmp(k, "id") || !strcmp(k, "title") || !strcmp(k, "version") || !strcmp(k, "description")) {
			if (want_scalar(y, v, k, &s) < 0)
				return -1;
			char **dst = !strcmp(k, "id") ? &b->id : !strcmp(k, "title") ? &b->title
				   : !strcmp(k, "version") ? &b->version : &b->description;
			free(*dst);
			*dst = xstrdup(s);
		} else if (!strcmp(k, "framework") || !strcmp(k, "references")) {
			/* Informational. */
		} else if (!strcmp(k, "extends")) {
			if (parse_extends(y, v, b) < 0)
				return -1;
		} else if (!strcmp(k, "parameters")) {
			if (parse_parameters(y, v, b) < 0)
				return -1;
		} else if (!strcmp(k, "rules")) {
			rules = v;
		} else {
			return yamlx_error(y->file, kn, "unknown key '%s' in baseline", yamlx_name(k));
		}
	}
	if (!b->id)
		return yamlx_error(y->file, root, "baseline has no id");
	if (!b->title)
		return yamlx_error(y->file, root, "baseline has no title");
	if (!rules && b->parents.n)
		return 0;	/* everything is inherited */
	if (!rules || rules->type != YAML_SEQUENCE_NODE)
		return yamlx_error(y->file, rules ? rules : root, "baseline needs a list of rules");
	unsigned n = (unsigned)(rules->data.sequence.items.top - rules->data.sequence.items.start);
	b->rules = xcalloc(n, sizeof(*b->rules));
	for (yaml_node_item_t *it = rules->data.sequence.items.start; it < rules->data.sequence.items.top; it++) {
		struct rule *r = &b->rules[b->nrules++];
		if (parse_rule(y, node(y, *it), r) < 0)
			return -1;
		for (unsigned j = 0; j + 1 < b->nrules; j++)
			if (!strcmp(b->rules[j].id, r->id))
				return yamlx_error(y->file, node(y, *it), "duplicate rule id '%s' (first at line %d)", r->id, b->rules[j].line);
		/* An alias names one rule only: never another rule's id or alias. */
		for (size_t a = 0; a < r->aliases.n; a++) {
			const char *al = r->aliases.v[a];
			if (!strcmp(al, r->id))
				return yamlx_error(y->file, node(y, *it), "rule '%s' lists its own id as an alias", r->id);
			for (unsigned j = 0; j + 1 < b->nrules; j++) {
				if (!strcmp(b->rules[j].id, al) || strlist_has(&b->rules[j].aliases, al))
					return yamlx_error(y->file, node(y, *it), "alias '%s' of rule '%s' already names rule '%s' (line %d)",
							   al, r->id, b->rules[j].id, b->rules[j].line);
			}
			for (size_t c = a + 1; c < r->aliases.n; c++)
				if (!strcmp(al, r->aliases.v[c]))
					return yamlx_error(y->file, node(y, *it), "rule '%s' lists alias '%s' twice", r->id, al);
		}
		for (unsigned j = 0; j + 1 < b->nrules; j++)
			if (strlist_has(&b->rules[j].aliases, r->id))
				return yamlx_error(y->file, node(y, *it), "rule id '%s' is already an alias of rule '%s' (line %d)",
						   r->id, b->rules[j].id, b->rules[j].line);
	}
	return 0;
}

static int parse_text(struct baseline **out, const char *name, const char *text, size_t len,
		      struct strlist *where)
{
	*out = NULL;
	yaml_document_t doc;
	if (yamlx_parse(&doc, name, text, len) < 0)
		return -1;
	struct baseline *b = xcalloc(1, sizeof(*b));
	b->path = xstrdup(name);
	struct yctx y = { name, &doc, where };
	int rc = parse_baseline(&y, yaml_document_get_root_node(&doc), b);
	yaml_document_delete(&doc);
	if (rc < 0) {
		baseline_free(b);
		return -1;
	}
	/* Where each rule is defined, stored with the evaluation: SARIF points
	 * at it, and a rule inherited unchanged keeps its parent's. */
	for (unsigned i = 0; i < b->nrules; i++)
		json_object_set_new(b->rules[i].details, "source",
				    json_pack("{s:s, s:s, s:i}", "baseline", b->id, "file", name, "line", b->rules[i].line));
	*out = b;
	return 0;
}

int baseline_parse(struct baseline **out, const char *name, const char *text, size_t len)
{
	return parse_text(out, name, text, len, NULL);
}

/* Moves the parent's rules that the child does not redefine in front of
 * the child's own: the child, then earlier parents, take precedence. */
static void inherit(struct baseline *child, struct baseline *parent)
{
	struct rule *v = xcalloc(parent->nrules + child->nrules + 1, sizeof(*v));
	unsigned n = 0;
	for (unsigned i = 0; i < parent->nrules; i++) {
		bool redefined = false;
		for (unsigned j = 0; j < child->nrules && !redefined; j++)
			redefined = !strcmp(child->rules[j].id, parent->rules[i].id);
		if (redefined)
			continue;
		v[n++] = parent->rules[i];
		memset(&parent->rules[i], 0, sizeof(parent->rules[i]));
	}
	for (unsigned j = 0; j < child->nrules; j++)
		v[n++] = child->rules[j];
	free(child->rules);
	child->rules = v;
	child->nrules = n;
	/* Parameters too: the child's defaults win. */
	struct param *pv = xcalloc(child->nparams + parent->nparams + 1, sizeof(*pv));
	unsigned np = 0;
	for (unsigned j = 0; j < child->nparams; j++)
		pv[np++] = child->params[j];
	for (unsigned i = 0; i < parent->nparams; i++) {
		if (baseline_has_param(child, parent->params[i].name)) {
			/* A default changed without a word keeps the parent's. */
			for (unsigned j = 0; j < np; j++) {
				if (!pv[j].description && !strcmp(pv[j].name, parent->params[i].name)) {
					pv[j].description = parent->params[i].description;
					parent->params[i].description = NULL;
				}
			}
			continue;
		}
		pv[np++] = parent->params[i];
		memset(&parent->params[i], 0, sizeof(parent->params[i]));
	}
	free(child->params);
	child->params = pv;
	child->nparams = np;
}

bool baseline_has_param(const struct baseline *b, const char *name)
{
	for (unsigned i = 0; i < b->nparams; i++)
		if (b->params[i].name && !strcmp(b->params[i].name, name))
			return true;
	return false;
}

static bool check_reads_param(const struct check *c, const char *name)
{
	if (!c)
		return false;
	if (c->param && !strcmp(c->param, name))
		return true;
	for (unsigned i = 0; i < c->nkids; i++)
		if (check_reads_param(c->kids[i], name))
			return true;
	return false;
}

int baseline_params_used(const struct baseline *b)
{
	for (unsigned i = 0; i < b->nparams; i++) {
		const struct param *p = &b->params[i];
		bool used = false;
		if (!p->name)
			continue;
		for (unsigned j = 0; j < b->nrules && !used; j++)
			used = check_reads_param(b->rules[j].check, p->name) || check_reads_param(b->rules[j].when, p->name);
		if (!used) {
			err_set("%s: parameter '%s' is declared but no rule uses it", p->where ? p->where : b->path, p->name);
			return -1;
		}
	}
	return 0;
}

static const struct param *find_param(const struct baseline *b, const char *name)
{
	for (unsigned i = 0; i < b->nparams; i++)
		if (b->params[i].name && !strcmp(b->params[i].name, name))
			return &b->params[i];
	return NULL;
}

static int bind_check(const struct baseline *b, const struct rule *r, struct check *c,
		      const struct param_override *ov, size_t nov)
{
	for (unsigned i = 0; i < c->nkids; i++)
		if (bind_check(b, r, c->kids[i], ov, nov) < 0)
			return -1;
	if (!c->param)
		return 0;
	const struct param *p = find_param(b, c->param);
	if (!p) {
		err_set("%s: rule '%s' uses unknown parameter '%s'", c->param_where, r->id, c->param);
		return -1;
	}
	const struct param_override *o = NULL;
	for (size_t i = 0; i < nov; i++)
		if (!strcmp(ov[i].name, p->name))
			o = &ov[i];
	struct strlist vals = { 0 };
	if (o && p->list) {
		for (const char *s = o->value; *s;) {
			const char *comma = strchr(s, ',');
			size_t len = comma ? (size_t)(comma - s) : strlen(s);
			strlist_add_owned(&vals, xstrndup(s, len));
			s += len + (comma ? 1 : 0);
		}
	} else if (o) {
		strlist_add(&vals, o->value);
	} else {
		for (size_t i = 0; i < p->values.n; i++)
			strlist_add(&vals, p->values.v[i]);
	}
	const char *from = o ? o->source : p->where;
	bool many = c->op == OP_IN || c->op == OP_NOT_IN;
	int rc = -1;
	if (!many && vals.n != 1) {
		err_set("%s: rule '%s': parameter '%s' (from %s) is a list; '%s' takes one value", c->param_where,
			r->id, p->name, from, leaf_ops[c->op - OP_EQ].key);
		goto out;
	}
	for (size_t i = 0; i < vals.n; i++) {
		const char *why = c->op == OP_CONTAINS || c->op == OP_NOT_CONTAINS ? NULL
				: operand_problem(c->ptype, c->op, vals.v[i]);
		if (why) {
			err_set("%s: rule '%s': parameter '%s' (from %s): %s", c->param_where, r->id, p->name, from, why);
			goto out;
		}
	}
	free(c->value);
	c->value = NULL;
	strlist_release(&c->values);
	if (c->has_re) {
		regfree(&c->re);
		c->has_re = false;
	}
	if (many) {
		c->values = vals;
		memset(&vals, 0, sizeof(vals));
	} else {
		c->value = xstrdup(vals.v[0]);
	}
	if (c->op == OP_MATCHES || c->op == OP_NOT_MATCHES) {
		int e = regcomp(&c->re, c->value, REG_EXTENDED | REG_NOSUB | (c->nocase ? REG_ICASE : 0));
		if (e) {
			char eb[256];
			regerror(e, &c->re, eb, sizeof(eb));
			err_set("%s: rule '%s': parameter '%s' (from %s): bad regular expression '%s': %s",
				c->param_where, r->id, p->name, from, c->value, eb);
			goto out;
		}
		c->has_re = true;
	}
	rc = 0;
out:
	strlist_release(&vals);
	return rc;
}

int baseline_bind(struct baseline *b, const struct param_override *ov, size_t n)
{
	for (unsigned i = 0; i < b->nrules; i++) {
		struct rule *r = &b->rules[i];
		if ((r->check && bind_check(b, r, r->check, ov, n) < 0) || (r->when && bind_check(b, r, r->when, ov, n) < 0))
			return -1;
	}
	/* What is in force, for the record of the evaluation. */
	for (unsigned i = 0; i < b->nparams; i++) {
		struct param *p = &b->params[i];
		const struct param_override *o = NULL;
		if (!p->name)
			continue;
		for (size_t k = 0; k < n; k++)
			if (!strcmp(ov[k].name, p->name))
				o = &ov[k];
		free(p->force_value);
		free(p->force_source);
		if (o) {
			p->force_value = xstrdup(o->value);
			p->force_source = !strcmp(o->source, "--set") ? xstrdup("--set")
				: xasprintf("targets file %s", o->source);
		} else {
			struct buf v = BUF_INIT;
			for (size_t k = 0; k < p->values.n; k++)
				buf_printf(&v, "%s%s", k ? "," : "", p->values.v[k]);
			p->force_value = v.data ? buf_detach(&v) : xstrdup("");
			p->force_source = xstrdup("default");
		}
	}
	return 0;
}

char *baseline_params_json(const struct baseline *b)
{
	json_t *a = json_array();
	for (unsigned i = 0; i < b->nparams; i++) {
		const struct param *p = &b->params[i];
		if (!p->name || !p->force_value)
			continue;
		json_array_append_new(a, json_pack("{s:s, s:s, s:s}", "name", p->name, "value", p->force_value,
						   "source", p->force_source));
	}
	char *s = json_dumps(a, JSON_COMPACT);
	json_decref(a);
	return s;
}

/* Finds a parent baseline, skipping files already in the chain of
 * extends (so a user baseline may extend the builtin of its own name). */
static char *resolve_parent(const char *name, const char *child_path, const struct strlist *chain, bool *looped)
{
	*looped = false;
	struct strlist cand = { 0 };
	size_t l = strlen(name);
	if (strchr(name, '/') || (l > 5 && !strcmp(name + l - 5, ".yaml"))) {
		const char *slash = strrchr(child_path, '/');
		if (name[0] == '/' || !slash)
			strlist_add(&cand, name);
		else
			strlist_add_owned(&cand, xasprintf("%.*s/%s", (int)(slash - child_path), child_path, name));
	} else {
		char *check = baseline_resolve(name);	/* validates the name */
		if (!check)
			return NULL;
		free(check);
		struct strlist dirs = { 0 };
		baseline_dirs(&dirs);
		for (size_t i = 0; i < dirs.n; i++)
			strlist_add_owned(&cand, xasprintf("%s/%s.yaml", dirs.v[i], name));
		strlist_release(&dirs);
	}
	char *found = NULL;
	for (size_t i = 0; i < cand.n && !found; i++) {
		char *real = realpath(cand.v[i], NULL);
		if (!real)
			continue;
		if (strlist_has(chain, real))
			*looped = true;
		else
			found = xstrdup(cand.v[i]);
		free(real);
	}
	if (!found && !*looped)
		err_set("unknown baseline '%s'", name);
	strlist_release(&cand);
	return found;
}

static int load_chain(struct baseline **out, const char *path, struct strlist *chain)
{
	*out = NULL;
	if (chain->n >= 16) {
		err_set("%s: extends nested more than 16 deep", path);
		return -1;
	}
	char *real = realpath(path, NULL);
	size_t len;
	char *text = real ? file_read(path, &len) : NULL;
	if (!text) {
		if (!real)
			err_set("cannot read baseline '%s': %s", path, strerror(errno));
		free(real);
		return -1;
	}
	strlist_add_owned(chain, real);
	struct strlist where = { 0 };
	struct baseline *b;
	int rc = parse_text(&b, path, text, len, &where);
	free(text);
	for (size_t i = 0; rc == 0 && i < b->parents.n; i++) {
		bool looped;
		char *ppath = resolve_parent(b->parents.v[i], path, chain, &looped);
		if (!ppath) {
			if (looped) {
				struct buf cyc = BUF_INIT;
				for (size_t k = 0; k < chain->n; k++) {
					const char *base = strrchr(chain->v[k], '/');
					buf_printf(&cyc, "%s -> ", base ? base + 1 : chain->v[k]);
				}
				buf_puts(&cyc, b->parents.v[i]);
				err_set("%s: extends '%s' makes a cycle: %s", where.v[i], b->parents.v[i], cyc.data);
				buf_release(&cyc);
			} else {
				char *why = xstrdup(err_get());
				err_set("%s: extends '%s': %s", where.v[i], b->parents.v[i], why);
				free(why);
			}
			rc = -1;
			break;
		}
		struct baseline *parent;
		rc = load_chain(&parent, ppath, chain);
		free(ppath);
		if (rc < 0)
			break;
		inherit(b, parent);
		baseline_free(parent);
	}
	strlist_release(&where);
	free(chain->v[--chain->n]);
	if (rc < 0) {
		if (b)
			baseline_free(b);
		return -1;
	}
	if (!b->nrules) {
		err_set("%s: baseline '%s' has no rules, even inherited", path, b->id);
		baseline_free(b);
		return -1;
	}
	*out = b;
	return 0;
}

int baseline_load(struct baseline **out, const char *path)
{
	struct strlist chain = { 0 };
	int rc = load_chain(out, path, &chain);
	strlist_release(&chain);
	if (rc == 0 && baseline_bind(*out, NULL, 0) < 0) {
		baseline_free(*out);
		*out = NULL;
		rc = -1;
	}
	return rc;
}

void baseline_free(struct baseline *b)
{
	if (!b)
		return;
	for (unsigned i = 0; i < b->nrules; i++)
		rule_release(&b->rules[i]);
	free(b->rules);
	free(b->id);
	free(b->title);
	free(b->version);
	free(b->description);
	free(b->path);
	strlist_release(&b->parents);
	for (unsigned i = 0; i < b->nparams; i++) {
		free(b->params[i].name);
		free(b->params[i].where);
		free(b->params[i].description);
		free(b->params[i].force_value);
		free(b->params[i].force_source);
		strlist_release(&b->params[i].values);
	}
	free(b->params);
	free(b);
}

static void add_if_dir(struct strlist *out, char *d)
{
	struct stat sb;
	if (stat(d, &sb) == 0 && S_ISDIR(sb.st_mode) && !strlist_has(out, d))
		strlist_add_owned(out, d);
	else
		free(d);
}

void baseline_dirs(struct strlist *out)
{
	const char *x = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	if (x && *x)
		strlist_add_owned(out, xasprintf("%s/harden/baselines", x));
	else if (home && *home)
		strlist_add_owned(out, xasprintf("%s/.config/harden/baselines", home));
	const char *env = getenv("HARDEN_BASELINE_DIR");
	if (env && *env)
		strlist_add(out, env);
	char exe[4096];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *slash = n > 0 ? (exe[n] = '\0', strrchr(exe, '/')) : NULL;
	if (slash) {
		*slash = '\0';
		/* A build tree (build/harden beside baselines/), and a relocated
		 * install (a DESTDIR tree: share/ beside bin/). */
		add_if_dir(out, xasprintf("%s/../baselines", exe));
		add_if_dir(out, xasprintf("%s/../share/harden/baselines", exe));
	}
	strlist_add(out, HARDEN_DATADIR "/baselines");
}

static int name_cmp(const void *a, const void *b)
{
	return natcmp(*(char *const *)a, *(char *const *)b);
}

void baseline_catalog(const char *sub, struct strlist *stems, struct strlist *paths)
{
	struct strlist dirs = { 0 }, found = { 0 };
	baseline_dirs(&dirs);
	for (size_t i = 0; i < dirs.n; i++) {
		char *dir = sub ? xasprintf("%s/%s", dirs.v[i], sub) : xstrdup(dirs.v[i]);
		DIR *d = opendir(dir);
		struct dirent *e;
		while (d && (e = readdir(d))) {
			size_t l = strlen(e->d_name);
			if (l <= 5 || strcmp(e->d_name + l - 5, ".yaml") || e->d_name[0] == '.')
				continue;
			char *stem = xstrndup(e->d_name, l - 5);
			if (!strlist_has(stems, stem)) {
				strlist_add(stems, stem);
				strlist_add_owned(&found, xasprintf("%s\t%s/%s", stem, dir, e->d_name));
			}
			free(stem);
		}
		if (d)
			closedir(d);
		free(dir);
	}
	qsort(found.v, found.n, sizeof(*found.v), name_cmp);
	strlist_release(stems);
	for (size_t i = 0; i < found.n; i++) {
		char *tab = strchr(found.v[i], '\t');
		strlist_add(paths, tab + 1);
		*tab = '\0';
		strlist_add(stems, found.v[i]);
	}
	strlist_release(&found);
	strlist_release(&dirs);
}

static bool name_is_safe(const char *name)
{
	if (!*name || name[0] == '.')
		return false;
	for (const char *s = name; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
		      *s == '-' || *s == '_' || *s == '.'))
			return false;
	return !strstr(name, "..");
}

char *baseline_resolve(const char *name)
{
	size_t l = strlen(name);
	if (strchr(name, '/') || (l > 5 && !strcmp(name + l - 5, ".yaml"))) {
		if (access(name, R_OK) < 0) {
			err_set("cannot read baseline '%s': %s", name, strerror(errno));
			return NULL;
		}
		return xstrdup(name);
	}
	if (!name_is_safe(name)) {
		err_set("invalid baseline name '%s': letters, digits, '.', '-' and '_' only", name);
		return NULL;
	}
	char *found = baseline_dir_file("", name);
	if (!found)
		err_set("unknown baseline '%s' (see 'harden baseline list')", name);
	return found;
}

char *baseline_dir_file(const char *subdir, const char *name)
{
	if (!name_is_safe(name))
		return NULL;
	struct strlist dirs = { 0 };
	baseline_dirs(&dirs);
	char *found = NULL;
	for (size_t i = 0; i < dirs.n && !found; i++) {
		char *p = xasprintf("%s/%s%s.yaml", dirs.v[i], subdir, name);
		if (access(p, R_OK) == 0)
			found = p;
		else
			free(p);
	}
	strlist_release(&dirs);
	return found;
}
