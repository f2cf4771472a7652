# Sourced by demo.sh, lab.sh and bench.sh: writes .lab/targets.yaml and
# 0600 password files for target 'lab', and starts the vCenter lab and the
# NSX Policy API lab beside it.
#   lab_start BUILD_DIR LISTEN [extra lab flags...]   sets LAB_PID, LAB_URL,
#                                                     NSX_PID and NSX_URL
#   NSX_FLAGS: extra flags for the NSX lab (e.g. "-rules 20000 -policies 200")
LAB_DIR=${LAB_DIR:-.lab}

lab_start() {
	b=$1
	listen=$2
	shift 2
	mkdir -p "$LAB_DIR"
	chmod 700 "$LAB_DIR"
	rm -f "$LAB_DIR/url"
	umask 077
	od -An -tx1 -N12 /dev/urandom | tr -d ' \n' >"$LAB_DIR/vc.pw"
	umask 022
	"$b/harden-vclab" -listen "$listen" -url-file "$LAB_DIR/url" -username harden \
		-password-file "$LAB_DIR/vc.pw" "$@" >"$LAB_DIR/lab.log" 2>&1 &
	LAB_PID=$!
	i=0
	while [ ! -s "$LAB_DIR/url" ]; do
		i=$((i + 1))
		if [ $i -gt 2400 ] || ! kill -0 "$LAB_PID" 2>/dev/null; then
			echo "harden: the vCenter lab did not start; see $LAB_DIR/lab.log" >&2
			cat "$LAB_DIR/lab.log" >&2
			return 1
		fi
		sleep 0.05
	done
	LAB_URL=$(cat "$LAB_DIR/url")
	rm -f "$LAB_DIR/nsx-url"
	umask 077
	od -An -tx1 -N12 /dev/urandom | tr -d ' \n' >"$LAB_DIR/nsx.pw"
	umask 022
	# shellcheck disable=SC2086
	"$b/harden-nsxlab" -listen "${NSX_LISTEN:-127.0.0.1:0}" -url-file "$LAB_DIR/nsx-url" -username audit \
		-password-file "$LAB_DIR/nsx.pw" ${NSX_FLAGS:-} >"$LAB_DIR/nsx-lab.log" 2>&1 &
	NSX_PID=$!
	i=0
	while [ ! -s "$LAB_DIR/nsx-url" ]; do
		i=$((i + 1))
		if [ $i -gt 2400 ] || ! kill -0 "$NSX_PID" 2>/dev/null; then
			echo "harden: the NSX lab did not start; see $LAB_DIR/nsx-lab.log" >&2
			cat "$LAB_DIR/nsx-lab.log" >&2
			return 1
		fi
		sleep 0.05
	done
	NSX_URL=$(cat "$LAB_DIR/nsx-url")
	cat >"$LAB_DIR/targets.yaml" <<EOT
# Written by harden's lab scripts: the built-in lab as target 'lab'.
targets:
  lab:
    vcenter:
      url: $LAB_URL
      user: harden
      password_file: vc.pw
      timeout: 120
    nsx:
      url: $NSX_URL
      user: audit
      password_file: nsx.pw
      timeout: 120
EOT
}

lab_stop() {
	[ -n "${NSX_PID:-}" ] && kill "$NSX_PID" 2>/dev/null && wait "$NSX_PID" 2>/dev/null
	[ -n "${LAB_PID:-}" ] && kill "$LAB_PID" 2>/dev/null && wait "$LAB_PID" 2>/dev/null
	LAB_PID=
	NSX_PID=
}
