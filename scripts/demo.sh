#!/bin/sh
# make demo: start the built-in vCenter and NSX labs, scan them against the
# CIS ESXi 8.0 subset and PCI DSS v4.0, show the result, stop the labs.
set -u
B=${B:-build}
. scripts/lab-env.sh
trap lab_stop EXIT INT TERM
lab_start "$B" 127.0.0.1:0 || exit 1
rm -f "$LAB_DIR/twin.db" "$LAB_DIR/twin.db-wal" "$LAB_DIR/twin.db-shm"
echo "harden: vCenter lab at $LAB_URL, NSX lab at $NSX_URL (targets file $LAB_DIR/targets.yaml)"
echo "\$ harden scan --target lab --baseline cis-vmware-esxi-8.0-subset --baseline pci-dss-4.0-vmware"
echo
"$B/harden" --config "$LAB_DIR/targets.yaml" --db "$LAB_DIR/twin.db" \
	scan --target lab --baseline cis-vmware-esxi-8.0-subset --baseline pci-dss-4.0-vmware
rc=$?
echo
case $rc in
0) echo "harden: exit 0: no failing result at or above critical" ;;
1) echo "harden: exit 1: failing findings at or above critical, as a CI gate would see them" ;;
3) echo "harden: exit 3: unknown results (data not collected)" ;;
*) echo "harden: the demo scan failed with exit $rc" >&2; exit "$rc" ;;
esac
echo "harden: the twin is in $LAB_DIR/twin.db; try:"
echo "  $B/harden --db $LAB_DIR/twin.db report --target lab --format json"
echo "  $B/harden --db $LAB_DIR/twin.db inventory --target lab"
echo "  $B/harden --db $LAB_DIR/twin.db drift --target lab     (after a second scan)"
exit 0
