/* vim25 SOAP response parsing.
 *
 * Responses are fed in chunks to a libxml2 SAX push parser that builds a
 * small tree per element.  Under a property-collector response each
 * returnval/objects element is handed to a callback as soon as it closes
 * and then freed, so a response of any size is never held whole. */
#ifndef HARDEN_SOAP_H
#define HARDEN_SOAP_H

#include <stdbool.h>
#include <stddef.h>

struct xnode {
	char *name;	/* local name */
	char *xtype;	/* xsi:type without its prefix, or NULL */
	char *mtype;	/* the "type" attribute (ManagedObjectReference) */
	char *text;	/* character data, or NULL */
	bool nil;	/* xsi:nil="true": no value */
	struct xnode *parent, *child, *last, *next;
};

const struct xnode *xnode_child(const struct xnode *n, const char *name);
/* Text of the named child ("" when the child is present but empty),
 * NULL when absent, nil (xsi:nil) or not a simple value (it has child
 * elements).  A NULL name means n itself. */
const char *xnode_text(const struct xnode *n, const char *name);
/* Follows a dotted path of child names. */
const struct xnode *xnode_path(const struct xnode *n, const char *path);
void xnode_free(struct xnode *n);

/* Called for each returnval/objects element; return non-zero to abort. */
typedef int (*soap_obj_fn)(void *ctx, const struct xnode *objects);

struct soap_result {
	struct xnode *body;	/* the element inside soapenv:Body */
	bool fault;
	char *fault_name;	/* e.g. "InvalidLogin", from detail's first element */
	char *fault_string;
	char *error;		/* parse error, or NULL */
};

struct soap_parser;
struct soap_parser *soap_parser_new(soap_obj_fn fn, void *ctx);
/* Returns 0, or -1 once the document is malformed or the callback failed. */
int soap_parser_feed(struct soap_parser *p, const char *data, size_t len);
/* Ends the document and fills res; returns 0 or -1 (res->error set). */
int soap_parser_finish(struct soap_parser *p, struct soap_result *res);
void soap_parser_free(struct soap_parser *p);
void soap_result_release(struct soap_result *res);

/* Convenience for tests and small responses: parses a whole buffer. */
int soap_parse(const char *data, size_t len, soap_obj_fn fn, void *ctx, struct soap_result *res);

#endif
