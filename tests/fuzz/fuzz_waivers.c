/* libFuzzer harness: waiver files, loaded and matched against an object. */
#include <stddef.h>
#include <stdint.h>

#include "rules/waiver.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct waivers w;
	if (waivers_parse(&w, "fuzz.yaml", (const char *)data, size, "2026-11-21") < 0)
		return 0;
	struct sprop cl = { (char *)"cluster", PT_STRING, true, (char *)"C1" };
	struct sobject o = { 1, (char *)"host", (char *)"host-1", (char *)"esx-01", &cl, 1 };
	for (size_t i = 0; i < w.n; i++)
		waivers_match(&w, NULL, w.v[i].rule, NULL, &o);
	waivers_release(&w);
	return 0;
}
