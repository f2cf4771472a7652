#!/bin/sh
# Runs Check test binaries; under valgrind when HARDEN_VALGRIND=1.
# Usage: run-tests.sh BUILD_DIR TEST...
set -u
B=$1
shift
export HARDEN_BIN="$(cd "$B" && pwd)/harden"
export HARDEN_LAB_BIN="$(cd "$B" && pwd)/harden-vclab"
export HARDEN_NSXLAB_BIN="$(cd "$B" && pwd)/harden-nsxlab"
export HARDEN_BASELINE_DIR="$(pwd)/baselines"
fail=0
total=0
for t in "$@"; do
	total=$((total + 1))
	echo "== $t"
	if [ "${HARDEN_VALGRIND:-0}" = 1 ]; then
		CK_FORK=no valgrind --quiet --leak-check=full --show-leak-kinds=definite,indirect \
			--errors-for-leak-kinds=definite,indirect --error-exitcode=99 "$t" || fail=$((fail + 1))
	else
		"$t" || fail=$((fail + 1))
	fi
done
echo "programs: $((total - fail)) passed, $fail failed"
[ "$fail" = 0 ]
