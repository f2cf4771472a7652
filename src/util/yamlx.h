/* What libyaml leaves to its users. */
#ifndef HARDEN_YAMLX_H
#define HARDEN_YAMLX_H

#include <yaml.h>

/* The second occurrence of a repeated scalar key in a mapping, or NULL.
 * YAML forbids repeated keys; libyaml does not check. */
yaml_node_t *yamlx_duplicate_key(yaml_document_t *doc, yaml_node_t *mapping);

#endif
