/* libFuzzer harness: baseline YAML, loaded and evaluated on an empty object. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "rules/rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct baseline *b;
	if (baseline_parse(&b, "fuzz.yaml", (const char *)data, size) < 0)
		return 0;
	static const struct param_override ov[] = { { "p", "1,2", "fuzz" } };
	baseline_bind(b, ov, 1);
	struct sprop grp = { (char *)"option.*", PT_GROUP, true, (char *)"" };
	for (unsigned i = 0; i < b->nrules; i++) {
		struct sobject o = { 1, b->rules[i].object_type, (char *)"x-1", (char *)"x", &grp, 1 };
		struct evidence ev;
		rule_eval(&b->rules[i], &o, &ev);
		evidence_release(&ev);
	}
	baseline_free(b);
	return 0;
}
