#include "rules/waiver.h"

#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <yaml.h>

#include "util/util.h"
#include "util/yamlx.h"

struct wctx {
	const char *file;
	yaml_document_t *doc;
};

void waivers_today(char out[11])
{
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(out, 11, "%Y-%m-%d", &tm);
}

static bool valid_date(const char *s)
{
	int y, m, d;
	char tail;
	if (strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3)
		return false;
	static const int days[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	return y >= 2000 && m >= 1 && m <= 12 && d >= 1 && d <= days[m - 1] &&
	       !(m == 2 && d == 29 && (y % 4 || (y % 100 == 0 && y % 400)));
}

static void waiver_release(struct waiver *w)
{
	free(w->rule);
	free(w->baseline);
	free(w->moref);
	free(w->name);
	free(w->cluster);
	free(w->justification);
	free(w->approver);
	free(w->expires);
	free(w->ticket);
	free(w->where);
}

static int parse_selector(struct wctx *y, yaml_node_t *n, struct waiver *w)
{
	if (n->type != YAML_MAPPING_NODE)
		return yamlx_error(y->file, n, "'objects' must be a mapping of moref, name or cluster");
	yaml_node_t *dup = yamlx_duplicate_key(y->doc, n);
	if (dup)
		return yamlx_error(y->file, dup, "duplicate key '%s'", (const char *)dup->data.scalar.value);
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
		yaml_node_t *kn = yaml_document_get_node(y->doc, p->key), *v = yaml_document_get_node(y->doc, p->value);
		const char *k = yamlx_scalar(kn), *s = yamlx_scalar(v);
		if (!k || !s || !*s)
			return yamlx_error(y->file, kn, "selector keys take a non-empty scalar");
		char **dst = !strcmp(k, "moref") ? &w->moref : !strcmp(k, "name") ? &w->name
			   : !strcmp(k, "cluster") ? &w->cluster : NULL;
		if (!dst)
			return yamlx_error(y->file, kn, "unknown selector '%s' (moref, name or cluster)", k);
		*dst = xstrdup(s);
	}
	if (!w->moref && !w->name && !w->cluster)
		return yamlx_error(y->file, n, "'objects' selects nothing; give moref, name or cluster");
	return 0;
}

static int parse_waiver(struct wctx *y, yaml_node_t *n, struct waiver *w, const char *today)
{
	if (n->type != YAML_MAPPING_NODE)
		return yamlx_error(y->file, n, "a waiver must be a mapping");
	yaml_node_t *dup = yamlx_duplicate_key(y->doc, n);
	if (dup)
		return yamlx_error(y->file, dup, "duplicate key '%s'", (const char *)dup->data.scalar.value);
	w->where = xasprintf("%s:%zu:%zu", y->file, n->start_mark.line + 1, n->start_mark.column + 1);
	yaml_node_t *expires_node = NULL;
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
		yaml_node_t *kn = yaml_document_get_node(y->doc, p->key), *v = yaml_document_get_node(y->doc, p->value);
		const char *k = yamlx_scalar(kn);
		if (!k)
			return yamlx_error(y->file, kn, "keys must be scalars");
		if (!strcmp(k, "objects")) {
			if (parse_selector(y, v, w) < 0)
				return -1;
			continue;
		}
		const char *s = yamlx_scalar(v);
		if (!s)
			return yamlx_error(y->file, v, "key '%s' must be a scalar", k);
		char **dst = !strcmp(k, "rule") ? &w->rule : !strcmp(k, "baseline") ? &w->baseline
			   : !strcmp(k, "justification") ? &w->justification
			   : !strcmp(k, "approver") ? &w->approver : !strcmp(k, "expires") ? &w->expires
			   : !strcmp(k, "ticket") ? &w->ticket : NULL;
		if (!dst)
			return yamlx_error(y->file, kn, "unknown key '%s' in waiver", yamlx_name(k));
		*dst = xstrdup(s);
		if (dst == &w->expires)
			expires_node = v;
	}
	if (!w->rule || !*w->rule)
		return yamlx_error(y->file, n, "waiver has no rule");
	if (!w->moref && !w->name && !w->cluster)
		return yamlx_error(y->file, n, "waiver for '%s' has no objects selector", w->rule);
	if (!w->justification || strlen(w->justification) < 10)
		return yamlx_error(y->file, n, "waiver for '%s' needs a justification of at least 10 characters", w->rule);
	if (!w->approver || !*w->approver)
		return yamlx_error(y->file, n, "waiver for '%s' has no approver", w->rule);
	if (!w->expires)
		return yamlx_error(y->file, n, "waiver for '%s' has no expires date; waivers must expire", w->rule);
	if (!valid_date(w->expires))
		return yamlx_error(y->file, expires_node, "expires '%s' is not a date such as 2026-12-31", w->expires);
	w->expired = strcmp(w->expires, today) < 0;
	return 0;
}

int waivers_load(struct waivers *w, const char *path, const char *today)
{
	memset(w, 0, sizeof(*w));
	size_t len;
	char *text = file_read(path, &len);
	if (!text)
		return -1;
	int rc = waivers_parse(w, path, text, len, today);
	free(text);
	return rc;
}

/* With errs, every waiver is parsed and each error kept; without, the
 * first error ends the parse. */
static int parse_file(struct waivers *w, const char *path, const char *text, size_t len, const char *today,
		      struct strlist *errs)
{
	memset(w, 0, sizeof(*w));
	yaml_document_t doc;
	int rc = -1;
	if (yamlx_parse(&doc, path, text, len) < 0)
		goto out;
	struct wctx y = { path, &doc };
	yaml_node_t *root = yaml_document_get_root_node(&doc), *list = NULL;
	if (!root || root->type != YAML_MAPPING_NODE) {
		yamlx_error(y.file, root, "a waiver file is a mapping with a 'waivers' list");
		goto out_doc;
	}
	for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top; p++) {
		yaml_node_t *kn = yaml_document_get_node(&doc, p->key);
		const char *k = yamlx_scalar(kn);
		if (!k || strcmp(k, "waivers")) {
			yamlx_error(y.file, kn, "unknown key '%s' at the top level", yamlx_name(k ? k : ""));
			goto out_doc;
		}
		list = yaml_document_get_node(&doc, p->value);
	}
	if (!list || list->type != YAML_SEQUENCE_NODE) {
		yamlx_error(y.file, list ? list : root, "'waivers' must be a list");
		goto out_doc;
	}
	size_t n = (size_t)(list->data.sequence.items.top - list->data.sequence.items.start);
	w->v = xcalloc(n ? n : 1, sizeof(*w->v));
	for (yaml_node_item_t *it = list->data.sequence.items.start; it < list->data.sequence.items.top; it++) {
		if (parse_waiver(&y, yaml_document_get_node(&doc, *it), &w->v[w->n++], today) == 0)
			continue;
		if (!errs)
			goto out_doc;
		strlist_add(errs, err_get());
		waiver_release(&w->v[--w->n]);
		memset(&w->v[w->n], 0, sizeof(w->v[w->n]));
	}
	rc = 0;
out_doc:
	yaml_document_delete(&doc);
out:
	if (rc < 0) {
		char *msg = xstrdup(err_get());
		waivers_release(w);
		err_set("%s", msg);
		free(msg);
	}
	return rc;
}

int waivers_parse(struct waivers *w, const char *path, const char *text, size_t len, const char *today)
{
	return parse_file(w, path, text, len, today, NULL);
}

int waivers_check(struct waivers *w, const char *path, const char *today, struct strlist *errs)
{
	memset(w, 0, sizeof(*w));
	size_t len, before = errs->n;
	char *text = file_read(path, &len);
	if (!text || parse_file(w, path, text, len, today, errs) < 0)
		strlist_add(errs, err_get());
	free(text);
	return (int)(errs->n - before);
}

void waivers_release(struct waivers *w)
{
	for (size_t i = 0; i < w->n; i++)
		waiver_release(&w->v[i]);
	free(w->v);
	memset(w, 0, sizeof(*w));
}

bool waiver_for_baseline(const struct waiver *w, const char *baseline)
{
	return !w->baseline || !baseline || !strcmp(w->baseline, baseline);
}

bool waiver_selects(const struct waiver *w, const struct sobject *o)
{
	if (w->moref && strcmp(w->moref, o->moref))
		return false;
	if (w->name && fnmatch(w->name, o->name, 0))
		return false;
	if (w->cluster) {
		const struct sprop *c = sobject_find(o, "cluster");
		if (!c || !c->collected || !c->value || fnmatch(w->cluster, c->value, 0))
			return false;
	}
	return true;
}

const struct waiver *waivers_match(const struct waivers *w, const char *baseline, const char *rule,
				   const struct strlist *aliases, const struct sobject *o)
{
	const struct waiver *expired = NULL;
	for (size_t i = 0; w && i < w->n; i++) {
		const struct waiver *x = &w->v[i];
		bool named = !strcmp(x->rule, rule) || (aliases && strlist_has(aliases, x->rule));
		if (!named || !waiver_for_baseline(x, baseline) || !waiver_selects(x, o))
			continue;
		if (!x->expired)
			return x;
		if (!expired)
			expired = x;
	}
	return expired;
}
