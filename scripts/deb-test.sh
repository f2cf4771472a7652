#!/bin/sh
# The packaging test, run by check-run:
#   1. 'make install PREFIX=...' after a default build rebuilds the binary
#      with that prefix's data directory, and installs manual pages, shell
#      completion and systemd units naming the right paths;
#   2. the units pass systemd-analyze verify (when it is installed);
#   3. 'make deb' builds the Debian package, which is installed here with
#      dpkg -i (the tests run as root on a throw-away Debian 12 machine),
#      scans the labs with /usr/bin/harden, and is removed and purged.
# Installing system-wide is the only way to test what a user gets from
# 'dpkg -i' (the compiled-in /usr/share/harden, the conffile, the
# completion directory); the test refuses to touch a machine that already
# has harden, /usr/bin/harden or /etc/harden, and purges what it
# installed even when it fails.  Step 3 is skipped without root or dpkg.
# Usage: deb-test.sh BUILD_DIR
set -eu
B=${1:-build}
T=$(mktemp -d)
LAB_DIR=$T/lab
. scripts/lab-env.sh
installed=
cleanup() {
	lab_stop
	[ -n "$installed" ] && dpkg -P harden >/dev/null 2>&1
	rm -rf "$T"
}
trap cleanup EXIT
fail() {
	echo "deb-test: FAIL: $*" >&2
	exit 1
}

# 1. make install PREFIX=... after the default build.
P=$T/prefix
make --no-print-directory -s B="$B" PREFIX="$P" install >/dev/null
grep -q "$P/share/harden" "$P/bin/harden" || fail "the installed binary does not name $P/share/harden"
"$P/bin/harden" version | grep -q "$P/share/harden/baselines" || fail "harden version does not show $P/share/harden"
grep -q "$P/share/harden/baselines" "$P/share/man/man1/harden.1" || fail "harden(1) does not name $P/share/harden"
! grep -q /usr/local/share/harden "$P/share/man/man1/harden.1" "$P/share/man/man5/harden-baseline.5" ||
	fail "an installed manual page still names /usr/local/share/harden"
grep -q "ExecStart=.*$P/bin/harden" "$P/lib/systemd/system/harden-scan@.service" || fail "the unit does not run $P/bin/harden"
# The completion completes from the command table.
out=$(bash -c ". '$P/share/bash-completion/completions/harden'
	COMP_WORDS=(harden baseline co); COMP_CWORD=2; _harden; echo \"\${COMPREPLY[*]}\"
	COMP_WORDS=(harden scan --format s); COMP_CWORD=3; _harden; echo \"\${COMPREPLY[*]}\"
	COMP_WORDS=('$P/bin/harden' scan -b pci); COMP_CWORD=3; _harden; echo \"\${COMPREPLY[*]}\"")
[ "$out" = "conflicts coverage
sarif
pci-dss-4.0-vmware" ] || fail "bash completion gave: $out"
[ -s "$P/share/zsh/vendor-completions/_harden" ] || fail "no zsh completion"
if command -v zsh >/dev/null 2>&1; then
	zsh -n "$P/share/zsh/vendor-completions/_harden" || fail "the zsh completion is not valid zsh"
fi
# Back to the default prefix for the other tests.
make --no-print-directory -s B="$B" all >/dev/null
grep -q "$P/share/harden" "$B/harden" && fail "$B/harden was not rebuilt for the default prefix"

# 2. The units, as systemd reads them.
if command -v systemd-analyze >/dev/null 2>&1; then
	mkdir "$T/units"
	cp "$P/lib/systemd/system/harden-scan@.service" "$T/units/harden-scan@lab.service"
	cp "$P/lib/systemd/system/harden-scan@.timer" "$T/units/harden-scan@lab.timer"
	systemd-analyze verify --man=no "$T/units/harden-scan@lab.service" "$T/units/harden-scan@lab.timer" ||
		fail "systemd-analyze verify refused the units"
else
	echo "deb-test: systemd-analyze not installed, units not verified"
fi

# The unit's command as systemd runs it (%i and $$ substituted), its
# paths moved to a scratch directory: two baselines from HARDEN_BASELINES.
lab_start "$B" 127.0.0.1:0 || fail "the labs did not start"
mkdir "$T/state"
cmd=$(sed -n 's/^ExecStart=//p' "$P/lib/systemd/system/harden-scan@.service" |
	sed -e 's/%i/lab/g' -e 's/\$\$/$/g' -e "s|/var/lib/harden|$T/state|g")
set +e
(cd "$T/state" && export HARDEN_BASELINES="cis-vmware-esxi-8.0-subset pci-dss-4.0-vmware" \
	HARDEN_CONFIG="$LAB_DIR/targets.yaml" HARDEN_DB="$T/state/twin.db" HOME="$T" && eval "$cmd") 2>"$T/unit.err"
rc=$?
set -e
[ $rc = 1 ] || fail "the unit's command exited $rc: $(cat "$T/unit.err")"
[ -s "$T/state/lab.html" ] || fail "the unit's command wrote no lab.html"
n=$(HOME=$T "$B/harden" --db "$T/state/twin.db" --config "$LAB_DIR/targets.yaml" report --target lab --format json |
	grep -o '"evaluation_id"' | wc -l)
[ "$n" -eq 2 ] || fail "the unit's scan evaluated $n baselines, not 2"

# 3. The Debian package.
if [ "$(id -u)" != 0 ] || ! command -v dpkg-deb >/dev/null 2>&1; then
	echo "deb-test: not root or no dpkg: package not built"
	exit 0
fi
if dpkg -s harden >/dev/null 2>&1 || [ -e /usr/bin/harden ] || [ -e /etc/harden ]; then
	echo "deb-test: harden is already on this machine: package not installed"
	exit 0
fi
make --no-print-directory -s B="$B" deb >/dev/null
deb=$(ls "$B"/harden_*.deb)
dpkg-deb -I "$deb" | grep -q 'Package: harden' || fail "$deb has no control file"
installed=1
dpkg -i "$deb" >/dev/null || fail "dpkg -i $deb failed"
dpkg-query -W -f='${Status}\n' harden | grep -q 'install ok installed' || fail "harden is not installed"
dpkg-query -W -f='${Conffiles}\n' harden | grep -q /etc/harden/targets.yaml || fail "no conffile"
for f in /usr/bin/harden /usr/share/harden/baselines/cis-vmware-esxi-8.0-subset.yaml \
	/usr/share/harden/baselines/coverage/cis-esxi-8.0.yaml /usr/share/man/man1/harden.1 \
	/usr/share/man/man7/harden-properties.7 /usr/share/bash-completion/completions/harden \
	/usr/share/zsh/vendor-completions/_harden /usr/lib/systemd/system/harden-scan@.service \
	/usr/lib/systemd/system/harden-scan@.timer /usr/share/doc/harden/copyright /etc/harden/targets.yaml; do
	[ -s "$f" ] || fail "the package did not install $f"
done
grep -q 'ExecStart=.*/usr/bin/harden' /usr/lib/systemd/system/harden-scan@.service || fail "the unit's ExecStart"
# The installed harden scans the labs with its own baselines.
set +e
HOME=$T /usr/bin/harden --db "$T/twin.db" --config "$LAB_DIR/targets.yaml" scan --target lab \
	--baseline cis-vmware-esxi-8.0-subset --baseline pci-dss-4.0-vmware --format json >"$T/scan.json" 2>"$T/scan.err"
rc=$?
set -e
[ $rc = 1 ] || fail "the installed harden exited $rc: $(cat "$T/scan.err")"
grep -q '"schema": *"harden.scan"' "$T/scan.json" || fail "no harden.scan report"
grep -q '"cis-esxi-' "$T/scan.json" || fail "no CIS result in the report"
# The example targets file is what harden reads without one of its own.
HOME=$T /usr/bin/harden targets >/dev/null || fail "harden targets with /etc/harden/targets.yaml"
dpkg -r harden >/dev/null || fail "dpkg -r failed"
[ ! -e /usr/bin/harden ] || fail "dpkg -r left /usr/bin/harden"
[ -e /etc/harden/targets.yaml ] || fail "dpkg -r removed the conffile"
dpkg -P harden >/dev/null || fail "dpkg -P failed"
installed=
[ ! -e /etc/harden/targets.yaml ] || fail "dpkg -P left /etc/harden/targets.yaml"
echo "deb-test: $(basename "$deb"): installed, scanned the labs (exit 1, findings), removed and purged"
