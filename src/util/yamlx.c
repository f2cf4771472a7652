#include "util/yamlx.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"

yaml_node_t *yamlx_duplicate_key(yaml_document_t *doc, yaml_node_t *mapping)
{
	if (!mapping || mapping->type != YAML_MAPPING_NODE)
		return NULL;
	for (yaml_node_pair_t *p = mapping->data.mapping.pairs.start; p < mapping->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(doc, p->key);
		if (!k || k->type != YAML_SCALAR_NODE)
			continue;
		for (yaml_node_pair_t *q = mapping->data.mapping.pairs.start; q < p; q++) {
			yaml_node_t *e = yaml_document_get_node(doc, q->key);
			if (e && e->type == YAML_SCALAR_NODE && e->data.scalar.length == k->data.scalar.length &&
			    !memcmp(e->data.scalar.value, k->data.scalar.value, k->data.scalar.length))
				return k;
		}
	}
	return NULL;
}

const char *yamlx_scalar(const yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

int yamlx_verror(const char *file, const yaml_node_t *n, const char *fmt, va_list ap)
{
	char msg[1024];
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (n)
		err_set("%s:%zu:%zu: %s", file, n->start_mark.line + 1, n->start_mark.column + 1, msg);
	else
		err_set("%s: %s", file, msg);
	return -1;
}

int yamlx_error(const char *file, const yaml_node_t *n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	yamlx_verror(file, n, fmt, ap);
	va_end(ap);
	return -1;
}

/* How many nodes the document holds once its aliases are expanded: an
 * alias costs nothing to load but everything to walk, and ten nested
 * aliases of ten make ten billion nodes.  Memoised on the node graph (0:
 * not yet seen, IN_WALK: being walked); returns DEEP past the depth limit
 * and CYCLE for an alias to a node that contains it (libyaml registers an
 * anchor before its node's children, so "&a [*a]" loads as a cycle).  A
 * failure returns at once: walking a mapping's value after its key failed
 * would make a key and a value that both alias their container cost two
 * to the power of the depth. */
#define IN_WALK (-1)
#define DEEP (-2)
#define CYCLE (-3)

static long long expanded(yaml_document_t *doc, int idx, long long *memo, int depth)
{
	if (depth > YAMLX_MAX_DEPTH)
		return DEEP;
	yaml_node_t *n = yaml_document_get_node(doc, idx);
	if (!n)
		return 0;
	if (memo[idx] == IN_WALK)
		return CYCLE;
	if (memo[idx])
		return memo[idx];
	memo[idx] = IN_WALK;
	long long total = 1, sub;
	if (n->type == YAML_SEQUENCE_NODE) {
		for (yaml_node_item_t *it = n->data.sequence.items.start;
		     it < n->data.sequence.items.top && total <= YAMLX_MAX_NODES; it++) {
			if ((sub = expanded(doc, *it, memo, depth + 1)) < 0)
				return sub;
			total += sub;
		}
	} else if (n->type == YAML_MAPPING_NODE) {
		for (yaml_node_pair_t *p = n->data.mapping.pairs.start;
		     p < n->data.mapping.pairs.top && total <= YAMLX_MAX_NODES; p++) {
			if ((sub = expanded(doc, p->key, memo, depth + 1)) < 0)
				return sub;
			total += sub;
			if ((sub = expanded(doc, p->value, memo, depth + 1)) < 0)
				return sub;
			total += sub;
		}
	}
	memo[idx] = total;
	return total;
}

static int check_size(yaml_document_t *doc, const char *file)
{
	yaml_node_t *root = yaml_document_get_root_node(doc);
	if (!root)
		return 0;
	size_t n = (size_t)(doc->nodes.top - doc->nodes.start);
	long long *memo = xcalloc(n + 1, sizeof(*memo));
	long long size = expanded(doc, 1, memo, 0);
	free(memo);
	if (size == CYCLE)
		return yamlx_error(file, NULL, "an alias refers to a node that contains it");
	if (size < 0)
		return yamlx_error(file, NULL, "nested more than %d levels deep", YAMLX_MAX_DEPTH);
	if (size > YAMLX_MAX_NODES)
		return yamlx_error(file, NULL, "more than %d values once its aliases are expanded", YAMLX_MAX_NODES);
	return 0;
}

int yamlx_parse(yaml_document_t *doc, const char *file, const char *text, size_t len)
{
	yaml_parser_t parser;
	yaml_parser_initialize(&parser);
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	int rc = 0;
	if (!yaml_parser_load(&parser, doc)) {
		err_set("%s:%zu:%zu: %s", file, parser.problem_mark.line + 1, parser.problem_mark.column + 1,
			parser.problem ? parser.problem : "invalid YAML");
		rc = -1;
	} else if (check_size(doc, file) < 0) {
		yaml_document_delete(doc);
		rc = -1;
	}
	yaml_parser_delete(&parser);
	return rc;
}

const char *yamlx_name(const char *s)
{
	size_t n = 0;
	for (const char *p = s; p && *p; p++, n++) {
		unsigned char c = (unsigned char)*p;
		if (!(c >= 'a' && c <= 'z') && !(c >= 'A' && c <= 'Z') && !(c >= '0' && c <= '9') && !strchr("_.-*/ ", c))
			return "(not a name)";
	}
	return s && n && n <= 64 ? s : "(not a name)";
}
