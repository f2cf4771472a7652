/* What libyaml leaves to its users: documents from text with located
 * errors, and the small helpers every loader needs. */
#ifndef HARDEN_YAMLX_H
#define HARDEN_YAMLX_H

#include <stdarg.h>
#include <stddef.h>
#include <yaml.h>

/* The second occurrence of a repeated scalar key in a mapping, or NULL.
 * YAML forbids repeated keys; libyaml does not check. */
yaml_node_t *yamlx_duplicate_key(yaml_document_t *doc, yaml_node_t *mapping);
/* A scalar's text, or NULL for any other node. */
const char *yamlx_scalar(const yaml_node_t *n);
/* Sets the error "file:line:col: message" (or "file: message" without a
 * node) and returns -1. */
int yamlx_error(const char *file, const yaml_node_t *n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int yamlx_verror(const char *file, const yaml_node_t *n, const char *fmt, va_list ap) __attribute__((format(printf, 3, 0)));
/* Loads text as one document; on a syntax error sets "file:line:col:
 * problem" and returns -1.  A document nested deeper than YAMLX_MAX_DEPTH
 * or holding more than YAMLX_MAX_NODES values once its aliases are
 * expanded is refused.  The caller deletes doc on success. */
#define YAMLX_MAX_DEPTH 200
#define YAMLX_MAX_NODES 1000000
int yamlx_parse(yaml_document_t *doc, const char *file, const char *text, size_t len);

/* A key as a message may quote it: itself when it looks like a name, else
 * a placeholder, so that a file that is not YAML of ours (a password file
 * given by mistake) is never echoed. */
const char *yamlx_name(const char *s);

#endif
