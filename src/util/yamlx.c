#include "util/yamlx.h"

#include <string.h>

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
