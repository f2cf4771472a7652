#!/bin/sh
# make bench: scan a 50-host / 2,000-VM lab and a 50-host / 10,000-VM lab,
# print harden's figures (wall time split into collection, storage and
# evaluation; API calls; bytes received; peak RSS), and time a govmomi
# property-collector client fetching the same properties from the same lab;
# then collect an NSX distributed firewall of 20,000 rules in 200 policies;
# then time harden web's pages on a twin of two 10,000-VM scans against the
# four builtin baselines.
#   BENCH_ONLY="web dfw scan"  runs only the parts named (default: all)
#   BENCH_TWIN=PATH            bench_web keeps its twin at PATH and reuses it
#                              when it is there (building it takes minutes)
set -u
B=${1:-build}
LAB_DIR=${LAB_DIR:-.lab-bench}
. scripts/lab-env.sh
trap lab_stop EXIT INT TERM
GO_ENV="GOPATH=/usr/share/gocode GO111MODULE=off GOFLAGS= GOCACHE=$(cd "$B" && pwd)/gocache"
B=$(cd "$B" && pwd)
export HARDEN_BASELINE_DIR="$(pwd)/baselines"

bench() {
	label=$1
	shift
	echo "== $label"
	t0=$(date +%s%N)
	lab_start "$B" 127.0.0.1:0 "$@" || exit 1
	t1=$(date +%s%N)
	echo "lab: started in $(( (t1 - t0) / 1000000 )) ms"
	rm -f "$LAB_DIR"/twin.db*
	for i in 1 2 3; do
		"$B/harden" --quiet --config "$LAB_DIR/targets.yaml" --db "$LAB_DIR/twin.db" scan --target lab \
			--baseline cis-vmware-esxi-8.0-subset --fail-on none --stats 2>&1 | sed "s/^harden: /harden run $i: /"
	done
	for i in 1 2 3; do
		"$B/harden-govmomi-bench" -url "$LAB_URL" -password-file "$LAB_DIR/vc.pw" | sed "s/^/run $i: /"
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
		"violations?q=VM1&status=all" "violations?cluster=DC0_C0&status=all" \
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

only=" ${BENCH_ONLY:-dfw web scan} "
case $only in *" dfw "*) bench_dfw ;; esac
case $only in *" web "*) bench_web ;; esac
case $only in *" scan "*)
	(cd tests/lab/govmomi-bench && env $GO_ENV go build -o "$B/harden-govmomi-bench" .) || exit 1
	bench "50 hosts, 2,000 VMs" -clusters 5 -hosts 10 -vms 40
	bench "50 hosts, 10,000 VMs" -clusters 5 -hosts 10 -vms 200 ;;
esac
rm -rf "$LAB_DIR"
