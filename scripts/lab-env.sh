# Sourced by demo.sh, lab.sh and bench.sh: writes .lab/targets.yaml and
# 0600 password files for target 'lab', and starts the vCenter lab and the
# NSX Policy API lab beside it.
#   lab_start BUILD_DIR LISTEN [extra lab flags...]   sets LAB_PID, LAB_URL,
#                                                     NSX_PID and NSX_URL
#   NSX_FLAGS: extra flags for the NSX lab (e.g. "-rules 20000 -policies 200")
LAB_DIR=${LAB_DIR:-.lab}

# start_one NAME BINARY URLFILE PWFILE USER LOG [flags...]: starts one lab
# with a fresh random password and waits for its URL; sets STARTED_PID.
start_one() {
	name=$1 bin=$2 urlfile=$3 pwfile=$4 user=$5 log=$6
	shift 6
	rm -f "$urlfile"
	umask 077
	od -An -tx1 -N12 /dev/urandom | tr -d ' \n' >"$pwfile"
	umask 022
	"$bin" -url-file "$urlfile" -username "$user" -password-file "$pwfile" "$@" >"$log" 2>&1 &
	STARTED_PID=$!
	i=0
	while [ ! -s "$urlfile" ]; do
		i=$((i + 1))
		if [ $i -gt 2400 ] || ! kill -0 "$STARTED_PID" 2>/dev/null; then
			echo "harden: the $name lab did not start; see $log" >&2
			cat "$log" >&2
			return 1
		fi
		sleep 0.05
	done
}

lab_start() {
	b=$1
	listen=$2
	shift 2
	mkdir -p "$LAB_DIR"
	chmod 700 "$LAB_DIR"
	start_one vCenter "$b/harden-vclab" "$LAB_DIR/url" "$LAB_DIR/vc.pw" harden "$LAB_DIR/lab.log" \
		-listen "$listen" "$@" || return 1
	LAB_PID=$STARTED_PID
	LAB_URL=$(cat "$LAB_DIR/url")
	# shellcheck disable=SC2086
	start_one NSX "$b/harden-nsxlab" "$LAB_DIR/nsx-url" "$LAB_DIR/nsx.pw" audit "$LAB_DIR/nsx-lab.log" \
		-listen "${NSX_LISTEN:-127.0.0.1:0}" ${NSX_FLAGS:-} || return 1
	NSX_PID=$STARTED_PID
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
