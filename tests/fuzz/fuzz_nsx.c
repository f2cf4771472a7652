/* libFuzzer harness: NSX Policy API list answers.  The first byte picks the
 * list (domains, groups, policies, rules, services); the rest is the body,
 * parsed and collected as the collector does, into a twin in memory whose
 * transaction is rolled back after each input. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "nsx/nsx_internal.h"
#include "store/store.h"

static struct nsx *nsx;
static struct store *st;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const kinds[] = { "domains", "groups", "policies", "rules", "services" };
	if (!nsx) {
		struct nsx_opts o = { .target = "fuzz", .url = "https://nsx.fuzz.invalid", .user = "u", .password = "p",
				      .auth = NSX_AUTH_BASIC };
		if (nsx_connect(&nsx, &o) < 0 || store_open(&st, ":memory:", false) < 0)
			abort();
	}
	if (size < 1)
		return 0;
	long long snap;
	if (store_begin(st) < 0 || store_snapshot_begin(st, "fuzz", "", "https://nsx.fuzz.invalid", &snap) < 0)
		abort();
	nsx_collect_body(nsx, st, snap, kinds[data[0] % 5], (const char *)data + 1, size - 1);
	store_rollback(st);
	return 0;
}
