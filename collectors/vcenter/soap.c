#include "vcenter/soap.h"

#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <string.h>

#include "util/util.h"

#define XSI_NS "http://www.w3.org/2001/XMLSchema-instance"
#define SOAP_MAX_DEPTH 128
#define SOAP_MAX_TEXT (16u << 20)

struct soap_parser {
	xmlParserCtxtPtr ctxt;
	soap_obj_fn fn;
	void *ctx;
	struct xnode *root;	/* synthetic root above Envelope */
	struct xnode *cur;
	int depth;
	struct buf text;
	bool failed;
	char *error;
};

const struct xnode *xnode_child(const struct xnode *n, const char *name)
{
	if (!n)
		return NULL;
	for (const struct xnode *c = n->child; c; c = c->next)
		if (!strcmp(c->name, name))
			return c;
	return NULL;
}

const char *xnode_text(const struct xnode *n, const char *name)
{
	if (name)
		n = xnode_child(n, name);
	if (!n || n->nil || n->child)
		return NULL;
	return n->text ? n->text : "";
}

const struct xnode *xnode_path(const struct xnode *n, const char *path)
{
	char part[128];
	while (n && *path) {
		const char *dot = strchr(path, '.');
		size_t len = dot ? (size_t)(dot - path) : strlen(path);
		if (len >= sizeof(part))
			return NULL;
		memcpy(part, path, len);
		part[len] = '\0';
		n = xnode_child(n, part);
		path += len + (dot ? 1 : 0);
	}
	return n;
}

void xnode_free(struct xnode *n)
{
	while (n) {
		struct xnode *next = n->next;
		xnode_free(n->child);
		free(n->name);
		free(n->xtype);
		free(n->mtype);
		free(n->text);
		free(n);
		n = next;
	}
}

static void fail(struct soap_parser *p, const char *msg)
{
	if (p->failed)
		return;
	p->failed = true;
	p->error = xstrdup(msg);
	xmlStopParser(p->ctxt);
}

/* Depth of returnval/objects in Envelope/Body/XResponse/returnval/objects. */
#define OBJECTS_DEPTH 5

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && !strcmp(s + n - m, suffix);
}

/* In an answer of objects (RetrievePropertiesEx and its continuation) the
 * response holds returnval, returnval holds objects and a token, and each
 * objects holds obj, propSet and missingSet: any other element there
 * (objects or their content nested one level deeper, say) would be skipped
 * in silence and read as an inventory without those objects. */
static bool unexpected_in_answer(const struct xnode *parent, const char *name, int depth)
{
	if (depth == OBJECTS_DEPTH - 1 && ends_with(parent->name, "Response"))
		return strcmp(name, "returnval") != 0;
	if (depth == OBJECTS_DEPTH && !strcmp(parent->name, "returnval"))
		return strcmp(name, "objects") && strcmp(name, "token");
	if (depth == OBJECTS_DEPTH + 1 && !strcmp(parent->name, "objects"))
		return strcmp(name, "obj") && strcmp(name, "propSet") && strcmp(name, "missingSet");
	return false;
}

static void on_start(void *ud, const xmlChar *localname, const xmlChar *prefix,
		     const xmlChar *uri, int nb_ns, const xmlChar **ns, int nb_attr,
		     int nb_def, const xmlChar **attrs)
{
	struct soap_parser *p = ((xmlParserCtxtPtr)ud)->_private;
	(void)prefix, (void)uri, (void)nb_ns, (void)ns, (void)nb_def;
	if (p->failed)
		return;
	if (++p->depth > SOAP_MAX_DEPTH) {
		fail(p, "elements nested too deeply");
		return;
	}
	if (p->fn && unexpected_in_answer(p->cur, (const char *)localname, p->depth)) {
		char *msg = xasprintf("unexpected element '%.64s' under '%.64s' in an answer of objects",
				      (const char *)localname, p->cur->name);
		fail(p, msg);
		free(msg);
		return;
	}
	struct xnode *n = xcalloc(1, sizeof(*n));
	n->name = xstrdup((const char *)localname);
	/* attrs: localname, prefix, URI, value, end; five per attribute. */
	for (int i = 0; i < nb_attr; i++) {
		const xmlChar **a = attrs + i * 5;
		size_t len = (size_t)(a[4] - a[3]);
		if (!strcmp((const char *)a[0], "type") && a[2] && !strcmp((const char *)a[2], XSI_NS)) {
			/* The prefix of the value varies by server; keep the local part. */
			const char *v = (const char *)a[3];
			const char *colon = memchr(v, ':', len);
			if (colon) {
				len -= (size_t)(colon + 1 - v);
				v = colon + 1;
			}
			free(n->xtype);
			n->xtype = xstrndup(v, len);
		} else if (!strcmp((const char *)a[0], "nil") && a[2] && !strcmp((const char *)a[2], XSI_NS)) {
			n->nil = (len == 4 && !memcmp(a[3], "true", 4)) || (len == 1 && a[3][0] == '1');
		} else if (!strcmp((const char *)a[0], "type") && !a[2]) {
			free(n->mtype);
			n->mtype = xstrndup((const char *)a[3], len);
		}
	}
	n->parent = p->cur;
	if (p->cur->last)
		p->cur->last->next = n;
	else
		p->cur->child = n;
	p->cur->last = n;
	p->cur = n;
	buf_reset(&p->text);
}

static void on_end(void *ud, const xmlChar *localname, const xmlChar *prefix, const xmlChar *uri)
{
	struct soap_parser *p = ((xmlParserCtxtPtr)ud)->_private;
	(void)localname, (void)prefix, (void)uri;
	if (p->failed)
		return;
	struct xnode *n = p->cur;
	if (!n->child && p->text.len)
		n->text = xstrndup(p->text.data, p->text.len);
	buf_reset(&p->text);
	p->cur = n->parent;
	if (p->fn && p->depth == OBJECTS_DEPTH && !strcmp(n->name, "objects") &&
	    !strcmp(n->parent->name, "returnval")) {
		int rc = -1;
		if (xnode_text(n, "obj"))
			rc = p->fn(p->ctx, n);
		else
			err_set("an object without its obj (moref) in an answer of objects");
		/* Unlink: objects is always the last child while it streams. */
		struct xnode *par = n->parent, *prev = NULL;
		for (struct xnode *c = par->child; c != n; c = c->next)
			prev = c;
		if (prev)
			prev->next = NULL;
		else
			par->child = NULL;
		par->last = prev;
		n->next = NULL;
		xnode_free(n);
		if (rc)
			fail(p, err_get());
	}
	p->depth--;
}

static void on_chars(void *ud, const xmlChar *ch, int len)
{
	struct soap_parser *p = ((xmlParserCtxtPtr)ud)->_private;
	if (p->failed)
		return;
	if (p->text.len + (size_t)len > SOAP_MAX_TEXT) {
		fail(p, "text node too large");
		return;
	}
	buf_add(&p->text, (const char *)ch, (size_t)len);
}

static void on_error(void *ud, const char *msg, ...)
{
	(void)ud, (void)msg;
	/* Reported through xmlCtxtGetLastError at the end. */
}

static xmlEntityPtr on_entity(void *ud, const xmlChar *name)
{
	(void)ud, (void)name;
	/* No DTDs and no entities beyond XML's own: refuse the rest. */
	return NULL;
}

static void on_doctype(void *ud, const xmlChar *name, const xmlChar *ext, const xmlChar *sys)
{
	struct soap_parser *p = ((xmlParserCtxtPtr)ud)->_private;
	(void)name, (void)ext, (void)sys;
	/* SOAP 1.1 forbids DTDs; refusing them rules out entity expansion. */
	fail(p, "a document type declaration is not allowed in SOAP");
}

struct soap_parser *soap_parser_new(soap_obj_fn fn, void *ctx)
{
	xmlSAXHandler sax;
	memset(&sax, 0, sizeof(sax));
	sax.initialized = XML_SAX2_MAGIC;
	sax.startElementNs = on_start;
	sax.endElementNs = on_end;
	sax.characters = on_chars;
	sax.error = on_error;
	sax.warning = on_error;
	sax.getEntity = on_entity;
	sax.internalSubset = on_doctype;

	struct soap_parser *p = xcalloc(1, sizeof(*p));
	p->fn = fn;
	p->ctx = ctx;
	p->root = xcalloc(1, sizeof(*p->root));
	p->root->name = xstrdup("#root");
	p->cur = p->root;
	p->ctxt = xmlCreatePushParserCtxt(&sax, NULL, NULL, 0, NULL);
	if (!p->ctxt) {
		xnode_free(p->root);
		free(p);
		return NULL;
	}
	p->ctxt->_private = p;
	xmlCtxtUseOptions(p->ctxt, XML_PARSE_NONET | XML_PARSE_NOCDATA);
	return p;
}

static void set_xml_error(struct soap_parser *p)
{
	if (p->error)
		return;
	const xmlError *e = xmlCtxtGetLastError(p->ctxt);
	if (e && e->message) {
		char *m = xstrdup(e->message);
		size_t l = strlen(m);
		while (l && (m[l - 1] == '\n' || m[l - 1] == ' '))
			m[--l] = '\0';
		p->error = xasprintf("malformed XML at line %d: %s", e->line, m);
		free(m);
	} else {
		p->error = xstrdup("malformed XML");
	}
}

int soap_parser_feed(struct soap_parser *p, const char *data, size_t len)
{
	if (p->failed)
		return -1;
	while (len > 0) {
		int chunk = len > (1u << 30) ? (1 << 30) : (int)len;
		if (xmlParseChunk(p->ctxt, data, chunk, 0) != 0 && !p->failed) {
			set_xml_error(p);
			p->failed = true;
		}
		if (p->failed)
			return -1;
		data += chunk;
		len -= (size_t)chunk;
	}
	return 0;
}

static void fill_fault(struct soap_result *res, const struct xnode *fault)
{
	res->fault = true;
	const char *s = xnode_text(fault, "faultstring");
	res->fault_string = xstrdup(s ? s : "");
	const struct xnode *detail = xnode_child(fault, "detail");
	const struct xnode *d = detail ? detail->child : NULL;
	if (d && d->xtype) {
		res->fault_name = xstrdup(d->xtype);
	} else if (d) {
		size_t l = strlen(d->name);
		if (l > 5 && !strcmp(d->name + l - 5, "Fault"))
			l -= 5;
		res->fault_name = xstrndup(d->name, l);
	} else {
		res->fault_name = xstrdup("SOAP fault");
	}
}

int soap_parser_finish(struct soap_parser *p, struct soap_result *res)
{
	memset(res, 0, sizeof(*res));
	if (!p->failed && xmlParseChunk(p->ctxt, NULL, 0, 1) != 0) {
		set_xml_error(p);
		p->failed = true;
	}
	if (p->failed) {
		res->error = p->error ? xstrdup(p->error) : xstrdup("malformed XML");
		return -1;
	}
	const struct xnode *env = p->root->child;
	const struct xnode *body = env && !strcmp(env->name, "Envelope") ? xnode_child(env, "Body") : NULL;
	if (!body || !body->child) {
		res->error = xstrdup("not a SOAP envelope");
		return -1;
	}
	struct xnode *first = body->child;
	if (!strcmp(first->name, "Fault"))
		fill_fault(res, first);
	/* Detach the body's first element from the tree we keep. */
	((struct xnode *)body)->child = first->next;
	if (!first->next)
		((struct xnode *)body)->last = NULL;
	first->next = NULL;
	first->parent = NULL;
	res->body = first;
	return 0;
}

void soap_parser_free(struct soap_parser *p)
{
	if (!p)
		return;
	xmlFreeParserCtxt(p->ctxt);
	xnode_free(p->root);
	buf_release(&p->text);
	free(p->error);
	free(p);
}

void soap_result_release(struct soap_result *res)
{
	xnode_free(res->body);
	free(res->fault_name);
	free(res->fault_string);
	free(res->error);
	memset(res, 0, sizeof(*res));
}

int soap_parse(const char *data, size_t len, soap_obj_fn fn, void *ctx, struct soap_result *res)
{
	struct soap_parser *p = soap_parser_new(fn, ctx);
	if (!p) {
		memset(res, 0, sizeof(*res));
		res->error = xstrdup("cannot create XML parser");
		return -1;
	}
	int rc = soap_parser_feed(p, data, len);
	int rc2 = soap_parser_finish(p, res);
	if (rc < 0 && !res->error)
		res->error = xstrdup(p->error ? p->error : "malformed XML");
	soap_parser_free(p);
	return rc < 0 || rc2 < 0 ? -1 : 0;
}
