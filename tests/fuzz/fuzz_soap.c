/* libFuzzer harness: vim25 SOAP responses, fed in two chunks. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "vcenter/soap.h"

static int walk(void *ctx, const struct xnode *n)
{
	for (const struct xnode *c = n->child; c; c = c->next) {
		(*(size_t *)ctx) += c->text ? strlen(c->text) : 0;
		walk(ctx, c);
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t seen = 0;
	struct soap_parser *p = soap_parser_new(walk, &seen);
	if (!p)
		return 0;
	size_t half = size / 2;
	soap_parser_feed(p, (const char *)data, half);
	soap_parser_feed(p, (const char *)data + half, size - half);
	struct soap_result res;
	if (soap_parser_finish(p, &res) == 0 && res.body)
		walk(&seen, res.body);
	soap_result_release(&res);
	soap_parser_free(p);
	return 0;
}
