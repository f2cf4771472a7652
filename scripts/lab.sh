#!/bin/sh
# make lab: run the built-in vCenter and NSX labs in the foreground on loopback.
set -u
B=${B:-build}
. scripts/lab-env.sh
NSX_LISTEN="127.0.0.1:${NSX_PORT:-8990}"
trap lab_stop EXIT INT TERM
lab_start "$B" "127.0.0.1:${LAB_PORT:-8989}" ${LAB_FLAGS:-} || exit 1
echo "harden: vCenter lab at $LAB_URL, user harden, password in $LAB_DIR/vc.pw"
echo "harden: NSX lab at $NSX_URL, user audit, password in $LAB_DIR/nsx.pw"
echo "harden: in another shell:"
echo "  $B/harden --config $LAB_DIR/targets.yaml --db $LAB_DIR/twin.db scan --target lab --baseline cis-vmware-esxi-8.0-subset"
echo "  $B/harden --config $LAB_DIR/targets.yaml --db $LAB_DIR/twin.db scan --target lab --baseline pci-dss-4.0-vmware"
echo "harden: press Ctrl-C to stop"
wait "$LAB_PID"
