# Sourced by demo.sh, lab.sh and bench.sh: writes .lab/targets.yaml and a
# 0600 password file for target 'lab', and starts the vCenter lab.
#   lab_start BUILD_DIR LISTEN [extra lab flags...]   sets LAB_PID and LAB_URL
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
	cat >"$LAB_DIR/targets.yaml" <<EOT
# Written by harden's lab scripts: the built-in lab as target 'lab'.
targets:
  lab:
    vcenter:
      url: $LAB_URL
      user: harden
      password_file: vc.pw
      timeout: 120
EOT
}

lab_stop() {
	[ -n "${LAB_PID:-}" ] && kill "$LAB_PID" 2>/dev/null && wait "$LAB_PID" 2>/dev/null
	LAB_PID=
}
