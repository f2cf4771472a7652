#include "rules/coverage.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rules/rules.h"
#include "util/util.h"
#include "util/yamlx.h"

static yaml_node_t *node(yaml_document_t *doc, int i)
{
	return yaml_document_get_node(doc, i);
}

static int parse_control(const char *file, yaml_document_t *doc, yaml_node_t *n, struct coverage_control *c)
{
	if (n->type != YAML_MAPPING_NODE)
		return yamlx_error(file, n, "a control must be a mapping");
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
		const char *k = yamlx_scalar(node(doc, p->key));
		const char *v = yamlx_scalar(node(doc, p->value));
		if (!k)
			return yamlx_error(file, node(doc, p->key), "keys must be scalars");
		char **dst = !strcmp(k, "id") ? &c->id : !strcmp(k, "title") ? &c->title : !strcmp(k, "kind") ? &c->kind
			     : !strcmp(k, "rule") ? &c->rule : !strcmp(k, "status") ? &c->status
			     : !strcmp(k, "reason") ? &c->reason : NULL;
		if (!dst)
			continue;	/* api, value, refs, notes: for the reader */
		/* rule: null (a YAML null scalar) means no rule. */
		if (v && *v && strcmp(v, "null") && strcmp(v, "~"))
			*dst = xstrdup(v);
	}
	if (!c->id)
		return yamlx_error(file, n, "control has no id");
	if (!c->status || (strcmp(c->status, "implemented") && strcmp(c->status, "planned") &&
			   strcmp(c->status, "not_checkable")))
		return yamlx_error(file, n, "control '%s': status must be implemented, planned or not_checkable", c->id);
	return 0;
}

int coverage_load(struct coverage **out, const char *path)
{
	*out = NULL;
	size_t len;
	char *text = file_read(path, &len);
	if (!text)
		return -1;
	yaml_document_t doc;
	int rc = yamlx_parse(&doc, path, text, len);
	free(text);
	if (rc < 0)
		return -1;
	struct coverage *c = xcalloc(1, sizeof(*c));
	yaml_node_t *root = yaml_document_get_root_node(&doc), *controls = NULL;
	rc = -1;
	if (!root || root->type != YAML_MAPPING_NODE) {
		yamlx_error(path, root, "a coverage file is a mapping");
		goto out;
	}
	for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top; p++) {
		const char *k = yamlx_scalar(node(&doc, p->key));
		const char *v = yamlx_scalar(node(&doc, p->value));
		if (!k)
			continue;
		if (!strcmp(k, "framework") && v)
			c->framework = xstrdup(v);
		else if (!strcmp(k, "benchmark") && v)
			c->benchmark = xstrdup(v);
		else if (!strcmp(k, "baseline") && v)
			c->baseline = xstrdup(v);
		else if (!strcmp(k, "controls"))
			controls = node(&doc, p->value);
	}
	if (!c->framework) {
		yamlx_error(path, root, "coverage file has no framework");
		goto out;
	}
	if (!controls || controls->type != YAML_SEQUENCE_NODE) {
		yamlx_error(path, controls ? controls : root, "coverage file needs a list of controls");
		goto out;
	}
	size_t n = (size_t)(controls->data.sequence.items.top - controls->data.sequence.items.start);
	c->v = xcalloc(n ? n : 1, sizeof(*c->v));
	for (yaml_node_item_t *it = controls->data.sequence.items.start; it < controls->data.sequence.items.top; it++)
		if (parse_control(path, &doc, node(&doc, *it), &c->v[c->n++]) < 0)
			goto out;
	*out = c;
	c = NULL;
	rc = 0;
out:
	coverage_free(c);
	yaml_document_delete(&doc);
	return rc;
}

void coverage_free(struct coverage *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++) {
		struct coverage_control *x = &c->v[i];
		free(x->id);
		free(x->title);
		free(x->kind);
		free(x->rule);
		free(x->status);
		free(x->reason);
	}
	free(c->v);
	free(c->framework);
	free(c->benchmark);
	free(c->baseline);
	free(c);
}

char *coverage_resolve(const char *id)
{
	char *found = baseline_dir_file("coverage/", id);
	if (!found)
		err_set("unknown coverage '%s' (the files are in the baseline directories' coverage/)", id);
	return found;
}
