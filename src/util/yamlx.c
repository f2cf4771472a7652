#include "util/yamlx.h"

#include <stdio.h>
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
	}
	yaml_parser_delete(&parser);
	return rc;
}
