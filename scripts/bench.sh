#!/bin/sh
# make bench: collect an NSX distributed firewall of 20,000 rules in 200
# policies; time harden web's pages on a twin of two 10,000-VM scans
# against the four builtin baselines; then, on a 2,000-VM and a 10,000-VM
# lab, for CIS alone and for the four builtin baselines, time harden
# (its --stats line: collection, store, evaluation, drift, calls, bytes,
# peak RSS) interleaved with a thin govmomi client (5 VM and 5 host
# properties), a govmomi client fetching the same paths harden
# requested, and the server floor (harden's own requests, captured by the
# lab, replayed by a client that only reads the answers), and print the
# medians' ratios (and harden --collect all's) and harden's split; then
# scan ten 2,000-VM labs together and compare with one alone and with
# the labs' CPU time on this machine's cores; then harden's peak memory
# at 30,000 VMs. Also the twin's growth over 30 consecutive scans of an
# unchanged estate.
# BENCH_ONLY="dfw web growth ratios ratios-2k targets rss30k" runs the parts
# named (default all but ratios-2k); BENCH_SCANS the scans of growth;
# BENCH_TWIN=PATH keeps bench_web's twin and reuses it; BENCH_REPS (default 3) the
# repetitions; BENCH_TARGETS and BENCH_TARGET_FLAGS the parallel labs.
# Timings are printed, never asserted: no test depends on them.
set -u
B=${1:-build}
LAB_DIR=${LAB_DIR:-.lab-bench}
. scripts/lab-env.sh
trap lab_stop EXIT INT TERM
GO_ENV="GOPATH=/usr/share/gocode GO111MODULE=off GOFLAGS= GOCACHE=$(cd "$B" && pwd)/gocache"
B=$(cd "$B" && pwd)
export HARDEN_BASELINE_DIR="$(pwd)/baselines"

# median of the numbers on standard input
median() {
	sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) print 0; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# The wall time in ms: the govmomi client's wall_ms=N, harden's
# --stats-json ("ms": {"wall": N, ...}).
wall_of() {
	sed -n -e 's/.*wall_ms=\([0-9]*\).*/\1/p' -e 's/.*"wall":\([0-9]*\).*/\1/p'
}

# The median of one of harden's --stats-json times ("collect", "store",
# "evaluate", "drift") over the lines of FILE.
split_of() {
	sed -n "s/.*\"$1\":\([0-9]*\).*/\1/p" "$2" | median
}

# CPU time (user + system) of a process so far, in ms.
cpu_ms() {
	awk -v hz="$(getconf CLK_TCK)" '{ print int(($14 + $15) * 1000 / hz) }' "/proc/$1/stat" 2>/dev/null || echo 0
}

# The paths the last snapshot requested, comma-separated (the vcenter
# object's requested_paths in harden inventory).
requested_paths() {
	"$B/harden" --db "$LAB_DIR/twin.db" inventory --target lab --format json |
		python3 -c 'import json, sys
d = json.load(sys.stdin)
print(",".join(p for o in d["objects"] if o["type"] == "vcenter" for p in o["properties"]["requested_paths"]))'
}

# ratios LABEL BASELINE-ARGS...: harden against the thin govmomi client
# (5 VM and 5 host properties), the same-properties govmomi client and
# the replay of harden's own requests (one retrieval at a time, captured
# by the lab), interleaved, REPS times each; medians and ratios.
ratios() {
	rl=$1
	shift
	rm -f "$LAB_DIR"/twin.db* "$LAB_DIR"/twin-all.db*
	H="$B/harden --quiet --config $LAB_DIR/targets.yaml --db $LAB_DIR/twin.db scan --target lab --fail-on none --stats --stats-json -"
	# harden --collect all keeps a twin of its own: each timed scan follows
	# a scan of its own kind, as a nightly scan does (drift then compares
	# like with like, not every property set against a full collection's).
	HA="$B/harden --quiet --config $LAB_DIR/targets.yaml --db $LAB_DIR/twin-all.db scan --target lab --fail-on none --stats --stats-json -"
	$H "$@" >/dev/null 2>&1	# warm-up, and the paths requested
	$HA "$@" --collect all >/dev/null 2>&1
	paths=$(requested_paths)
	rm -rf "$LAB_DIR/cap"
	mkdir -p "$LAB_DIR/cap"
	curl -s -X POST "${LAB_URL%/sdk}/lab/capture?dir=$(cd "$LAB_DIR/cap" && pwd)" >/dev/null
	$H "$@" --retrievals 1 >/dev/null 2>&1
	curl -s -X POST "${LAB_URL%/sdk}/lab/capture?dir=" >/dev/null
	: >"$LAB_DIR/h" ; : >"$LAB_DIR/t" ; : >"$LAB_DIR/s" ; : >"$LAB_DIR/a" ; : >"$LAB_DIR/f" ; : >"$LAB_DIR/hj"
	for _ in $(seq "$REPS"); do
		$H "$@" 2>&1 | tee -a "$LAB_DIR/h.log" | grep '"schema":"harden.stats"' | tee -a "$LAB_DIR/hj" |
			wall_of >>"$LAB_DIR/h"
		"$B/harden-govmomi-bench" -url "$LAB_URL" -password-file "$LAB_DIR/vc.pw" -mode thin | wall_of >>"$LAB_DIR/t"
		"$B/harden-govmomi-bench" -url "$LAB_URL" -password-file "$LAB_DIR/vc.pw" -mode paths -paths "$paths" |
			wall_of >>"$LAB_DIR/s"
		"$B/harden-soap-replay" -url "$LAB_URL" -password-file "$LAB_DIR/vc.pw" -dir "$LAB_DIR/cap" |
			wall_of >>"$LAB_DIR/f"
		$HA "$@" --collect all 2>&1 | wall_of >>"$LAB_DIR/a"
	done
	h=$(median <"$LAB_DIR/h") t=$(median <"$LAB_DIR/t") sp=$(median <"$LAB_DIR/s") a=$(median <"$LAB_DIR/a")
	f=$(median <"$LAB_DIR/f")
	tail -1 "$LAB_DIR/hj" | sed "s/^/harden ($rl): /"
	awk -v l="$rl" -v h="$h" -v t="$t" -v s="$sp" -v a="$a" -v n="$(echo "$paths" | tr ',' '\n' | wc -l)" 'BEGIN {
		printf "ratio %s: harden %d ms (%d paths) = %.2fx thin govmomi (%d ms), %.2fx same-properties govmomi (%d ms); harden --collect all %d ms = %.2fx thin\n",
			l, h, n, h / t, t, h / s, s, a, a / t }'
	awk -v l="$rl" -v f="$f" -v t="$t" -v h="$h" -v c="$(split_of collect "$LAB_DIR/hj")" \
		-v st="$(split_of store "$LAB_DIR/hj")" -v e="$(split_of evaluate "$LAB_DIR/hj")" \
		-v d="$(split_of drift "$LAB_DIR/hj")" 'BEGIN {
		printf "floor %s: server floor %d ms = %.2fx thin (harden %.2fx thin); harden collect %d ms (%.2fx the floor), store %d ms (beside collect), evaluate %d ms, drift %d ms\n",
			l, f, f / t, h / t, c, c / f, st, e, d }'
}

bench() {
	label=$1
	shift
	echo "== $label (medians of $REPS interleaved runs)"
	t0=$(date +%s%N)
	lab_start "$B" 127.0.0.1:0 "$@" || exit 1
	t1=$(date +%s%N)
	echo "lab: started in $(( (t1 - t0) / 1000000 )) ms"
	ratios "$label, CIS" --baseline cis-vmware-esxi-8.0-subset
	ratios "$label, four baselines" --baseline cis-vmware-esxi-8.0-subset --baseline pci-dss-4.0-vmware \
		--baseline dengbao-2.0-level3-vmware --baseline vsphere-scg-v8-subset
	lab_stop
}

# Ten vCenter labs of TARGET_FLAGS each: one scanned alone, then all ten
# in one harden scan (threads collect, one writes), walls compared.
bench_targets() {
	n=${BENCH_TARGETS:-10}
	echo "== $n targets in parallel versus one ($TARGET_FLAGS each)"
	pids=""
	mkdir -p "$LAB_DIR"
	chmod 700 "$LAB_DIR"
	printf 'targets:\n' >"$LAB_DIR/many.yaml"
	# (start_one uses i)
	for k in $(seq "$n"); do
		start_one "vCenter $k" "$B/harden-vclab" "$LAB_DIR/url$k" "$LAB_DIR/vc$k.pw" harden "$LAB_DIR/lab$k.log" \
			-listen 127.0.0.1:0 $TARGET_FLAGS || exit 1
		pids="$pids $STARTED_PID"
		printf '  t%d:\n    vcenter: { url: %s, user: harden, password_file: vc%d.pw, timeout: 300 }\n' \
			"$k" "$(cat "$LAB_DIR/url$k")" "$k" >>"$LAB_DIR/many.yaml"
	done
	H="$B/harden --quiet --config $LAB_DIR/many.yaml --db $LAB_DIR/many.db scan --baseline cis-vmware-esxi-8.0-subset --fail-on none --stats"
	rm -f "$LAB_DIR"/many.db*
	$H --target t1 >/dev/null 2>&1
	start=$(date +%s%N)
	$H --target t1 >/dev/null 2>&1
	one=$(( ($(date +%s%N) - start) / 1000000 ))
	# The floor: the labs' CPU time and harden's, spread over the cores.
	labs0=0
	for p in $pids; do labs0=$((labs0 + $(cpu_ms "$p"))); done
	start=$(date +%s%N)
	$H --all-targets >/dev/null 2>&1 &
	hp=$!
	hcpu=0
	while kill -0 "$hp" 2>/dev/null; do
		c=$(cpu_ms "$hp")
		[ "$c" -gt 0 ] && hcpu=$c
		sleep 0.05
	done
	wait "$hp"
	all=$(( ($(date +%s%N) - start) / 1000000 ))
	labs1=0
	for p in $pids; do labs1=$((labs1 + $(cpu_ms "$p"))); done
	awk -v n="$n" -v o="$one" -v a="$all" 'BEGIN { printf "ratio %d targets: %d ms together, one alone %d ms: %.2fx the wall of one\n", n, a, o, a / o }'
	awk -v n="$n" -v o="$one" -v l="$((labs1 - labs0))" -v h="$hcpu" -v k="$(nproc)" 'BEGIN {
		printf "floor %d targets: the labs used %d ms of CPU and harden at least %d ms on %d cores: at least %d ms = %.2fx the wall of one\n",
			n, l, h, k, (l + h) / k, (l + h) / k / o }'
	# shellcheck disable=SC2086
	kill $pids 2>/dev/null
	wait 2>/dev/null
}

# Peak memory at 30,000 VMs (300 hosts), CIS and the four baselines.
bench_rss30k() {
	echo "== peak RSS at 300 hosts, 30,000 VMs"
	lab_start "$B" 127.0.0.1:0 -clusters 10 -hosts 30 -vms 100 || exit 1
	rm -f "$LAB_DIR"/twin.db*
	H="$B/harden --quiet --config $LAB_DIR/targets.yaml --db $LAB_DIR/twin.db scan --target lab --fail-on none --stats-json -"
	for b in "--baseline cis-vmware-esxi-8.0-subset" "--baseline cis-vmware-esxi-8.0-subset --baseline pci-dss-4.0-vmware --baseline dengbao-2.0-level3-vmware --baseline vsphere-scg-v8-subset"; do
		# shellcheck disable=SC2086
		$H $b 2>&1 | grep '"schema":"harden.stats"' | sed "s/^/harden (30,000 VMs, $(echo "$b" | wc -w | awk '{ print $1 / 2 }') baselines): /"
	done
	lab_stop
}

bench_dfw() {
	echo "== NSX DFW: 20,000 rules in 200 policies (beside the default 6-host vCenter lab)"
	NSX_FLAGS="-rules 20000 -policies 200" lab_start "$B" 127.0.0.1:0 || exit 1
	rm -f "$LAB_DIR"/twin.db*
	for i in 1 2 3; do
		"$B/harden" --quiet --config "$LAB_DIR/targets.yaml" --db "$LAB_DIR/twin.db" scan --target lab \
			--baseline pci-dss-4.0-vmware --fail-on none --stats 2>&1 | sed "s/^harden: /harden run $i: /"
	done
	lab_stop
}

# Each page's time as the client sees it: the first request (nothing kept
# yet) and the median of five after it.
bench_web_twin() {
	twin=$1
	lab_start "$B" 127.0.0.1:0 -clusters 5 -hosts 10 -vms 200 || exit 1
	rm -f "$twin" "$twin"-wal "$twin"-shm
	for i in 1 2; do
		"$B/harden" --quiet --config "$LAB_DIR/targets.yaml" --db "$twin" scan --target lab \
			--baseline cis-vmware-esxi-8.0-subset --baseline pci-dss-4.0-vmware \
			--baseline dengbao-2.0-level3-vmware --baseline vsphere-scg-v8-subset --fail-on none
	done
	lab_stop
	# Suggestions for the criticals, so that the finding and remediations
	# pages have plans to read (offline: the shipped catalog).
	HARDEN_PILOT_COMMAND=/nonexistent "$B/harden" --quiet --db "$twin" advise --all-critical \
		--target lab --format json >/dev/null 2>&1
}

bench_web() {
	echo "== harden web on two scans of 50 hosts, 10,000 VMs against the four builtin baselines"
	twin=${BENCH_TWIN:-$LAB_DIR/twin.db}
	mkdir -p "$LAB_DIR"
	[ -n "${BENCH_TWIN:-}" ] && [ -s "$twin" ] || bench_web_twin "$twin"
	"$B/harden" --db "$twin" web --listen 127.0.0.1:0 >"$LAB_DIR/web.out" 2>&1 &
	web=$!
	url=""
	for _ in $(seq 100); do
		url=$(sed -n 's/^harden web: serving //p' "$LAB_DIR/web.out")
		[ -n "$url" ] && break
		sleep 0.1
	done
	for p in "" "framework?baseline=dengbao-2.0-level3-vmware" "violations" "violations?status=all" \
		"violations?status=all&page=500" "violations?severity=high&status=fail&baseline=pci-dss-4.0-vmware" \
		"violations?q=VM1&status=all" "violations?q=pci-dss&status=all" \
		"violations?q=disk+wiping+VM1&status=all" "violations?q=%22console+disconnects%22+C0_H1&status=all" \
		"violations?q=disk+VM1&status=all&sort=object" "violations?cluster=DC0_C0&status=all" \
		"violations?status=all&sort=object" "violations?status=all&group=object" \
		"violations?status=all&group=object&page=500" \
		"violations?format=csv&status=all&per=500" "finding?baseline=cis-vmware-esxi-8.0-subset&rule=cis-esxi-1.1&moref=host-23" \
		"drift" "drift?cmp_from=1&cmp_to=2" "history?object=DC0_C0_H0" "waivers" "remediations" \
		"finding?rule=dengbao-8.1.3.2-a&type=dfw_rule&moref=%2Finfra%2Fdomains%2Fdefault%2Fsecurity-policies%2Fweb-tier%2Frules%2Flegacy-any-any"; do
		first=$(curl -s -o /dev/null -w '%{time_total}' "$url$p")
		med=$(for _ in 1 2 3 4 5; do curl -s -o /dev/null -w '%{time_total}\n' "$url$p"; done | sort -n | sed -n 3p)
		awk -v f="$first" -v m="$med" -v p="/$p" 'BEGIN { printf "web: first %7.1f ms, median %7.1f ms  %s\n", f * 1000, m * 1000, p }'
	done
	kill "$web"
	wait "$web"
}

# The twin's growth per scan: BENCH_SCANS (default 30) consecutive scans of
# an unchanged 2,000-VM estate, for CIS alone and for all four baselines;
# each scan's store, evaluation and drift times, and the bytes the twin's
# tables use after each (free pages not counted), then the last scan's
# growth by table (SQLite's dbstat).
twin_used() {
	sqlite3 "$1" "SELECT (SELECT page_count FROM pragma_page_count) - (SELECT freelist_count FROM pragma_freelist_count)" |
		awk -v s="$(sqlite3 "$1" 'PRAGMA page_size')" '{ print $1 * s }'
}

twin_tables() {
	sqlite3 "$1" "SELECT name, sum(pgsize) FROM dbstat GROUP BY name ORDER BY name" | tr '|' ' '
}

growth() {
	gl=$1
	shift
	rm -f "$LAB_DIR"/twin.db*
	H="$B/harden --quiet --config $LAB_DIR/targets.yaml --db $LAB_DIR/twin.db scan --target lab --fail-on none --stats-json -"
	: >"$LAB_DIR/g"
	for i in $(seq "${BENCH_SCANS:-30}"); do
		[ "$i" -eq "${BENCH_SCANS:-30}" ] && twin_tables "$LAB_DIR/twin.db" >"$LAB_DIR/tables.before"
		$H "$@" 2>&1 >/dev/null | python3 -c 'import json, sys
m = json.loads(sys.stdin.read().strip().splitlines()[-1])["ms"]
print(m["store"], m["evaluate"], m["drift"], m["wall"])' >>"$LAB_DIR/g.ms"
		echo "$i $(twin_used "$LAB_DIR/twin.db")" >>"$LAB_DIR/g"
	done
	twin_tables "$LAB_DIR/twin.db" >"$LAB_DIR/tables.after"
	awk -v l="$gl" 'NR == 1 { first = $2 } NR == 2 { second = $2 } { last = $2; n = $1 }
		END { printf "growth %s: first scan %.2f MB, then %.3f MB per scan (scans 2..%d), twin %.2f MB after %d scans\n",
			l, first / 1e6, n > 1 ? (last - first) / (n - 1) / 1e6 : 0, n, last / 1e6, n }' "$LAB_DIR/g"
	awk -v l="$gl" '{ st += $1; ev += $2; dr += $3; n++ } END { if (n) printf "growth %s: per scan store %.0f ms, evaluate %.0f ms, drift %.0f ms (means of %d)\n", l, st / n, ev / n, dr / n, n }' "$LAB_DIR/g.ms"
	rm -f "$LAB_DIR/g.ms"
	LC_ALL=C join -a 2 -e 0 -o 0,1.2,2.2 "$LAB_DIR/tables.before" "$LAB_DIR/tables.after" |
		awk -v l="$gl" '$3 != $2 { printf "growth %s: last scan %-28s %+9d bytes\n", l, $1, $3 - $2 }'
}

bench_growth() {
	echo "== twin growth: ${BENCH_SCANS:-30} consecutive scans of an unchanged 50-host, 2,000-VM estate"
	lab_start "$B" 127.0.0.1:0 -clusters 5 -hosts 10 -vms 40 || exit 1
	growth "CIS" --baseline cis-vmware-esxi-8.0-subset
	growth "four baselines" --baseline cis-vmware-esxi-8.0-subset --baseline pci-dss-4.0-vmware \
		--baseline dengbao-2.0-level3-vmware --baseline vsphere-scg-v8-subset
	lab_stop
}

REPS=${BENCH_REPS:-3}
TARGET_FLAGS=${BENCH_TARGET_FLAGS:--clusters 5 -hosts 10 -vms 40}
only=" ${BENCH_ONLY:-dfw web growth ratios targets rss30k} "
case $only in *" dfw "*) bench_dfw ;; esac
case $only in *" growth "*) bench_growth ;; esac
case $only in *" web "*) bench_web ;; esac
case $only in *" ratios "* | *" ratios-2k "* | *" targets "*)
	(cd tests/lab/govmomi-bench && env $GO_ENV go build -o "$B/harden-govmomi-bench" .) || exit 1
	(cd tests/lab/soap-replay && env $GO_ENV go build -o "$B/harden-soap-replay" .) || exit 1 ;;
esac
case $only in *" ratios "* | *" ratios-2k "*)
	bench "50 hosts, 2,000 VMs" -clusters 5 -hosts 10 -vms 40 ;;
esac
case $only in *" ratios "*)
	bench "100 hosts, 10,000 VMs" -clusters 10 -hosts 10 -vms 100 ;;
esac
case $only in *" targets "*) bench_targets ;;
esac
case $only in *" rss30k "*) bench_rss30k ;;
esac
rm -rf "$LAB_DIR"
