#!/bin/sh
# Runs each libFuzzer harness for a bounded time on a corpus seeded from the
# repository; an input that runs over 10 s is a failure (a hang must not
# outlast the run).  Usage: fuzz.sh BUILD_DIR SECONDS NAME...
set -u
B=$1
secs=$2
shift 2
fail=0
for name in "$@"; do
	corpus="$B/corpus/$name"
	mkdir -p "$corpus"
	case $name in
	baseline) cp baselines/*.yaml tests/data/*.yaml "$corpus/" ;;
	*) cp tests/fuzz/corpus/"$name"/* "$corpus/" ;;
	esac
	echo "== fuzz_$name for ${secs}s"
	"$B/fuzz/fuzz_$name" -max_total_time="$secs" -timeout=10 -max_len=65536 -print_final_stats=1 \
		-artifact_prefix="$B/fuzz/$name-" "$corpus" 2>&1 | grep -E "^(Done|stat::number_of_executed_units|==[0-9]+==ERROR|SUMMARY)" \
		|| true
	if ls "$B/fuzz/$name-"crash-* "$B/fuzz/$name-"leak-* "$B/fuzz/$name-"timeout-* >/dev/null 2>&1; then
		echo "fuzz_$name: found a failing input in $B/fuzz/"
		fail=$((fail + 1))
	fi
done
[ "$fail" = 0 ]
