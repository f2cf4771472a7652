/* libFuzzer harness: the targets file. */
#include <stddef.h>
#include <stdint.h>

#include "config/targets.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct targets t;
	if (targets_parse(&t, "/fuzz/targets.yaml", (const char *)data, size) == 0)
		targets_release(&t);
	return 0;
}
