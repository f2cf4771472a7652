#!/bin/sh
# Installs the Debian packages harden needs to build, test, fuzz and run its
# lab, and only those that are missing.  Extra package names may be given.
set -eu
pkgs="gcc make pkg-config ca-certificates libcurl4-openssl-dev libxml2-dev libyaml-dev
libsqlite3-dev libjansson-dev libmicrohttpd-dev check libsubunit-dev golang-go golang-github-vmware-govmomi-dev
valgrind curl libxml2-utils python3 python3-jsonschema clang libclang-rt-14-dev $*"
missing=""
for p in $pkgs; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
# Debian's chromium drives the browser test (tests/integration/check_web.c),
# with a font for the Chinese pages;
# it is optional: where it cannot be installed that test says so and skips.
optional=""
for p in chromium fonts-wqy-microhei; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		optional="$optional $p"
	fi
done
[ -z "$missing$optional" ] && exit 0
echo "harden: installing missing Debian packages:$missing$optional"
if [ "$(id -u)" != 0 ]; then
	if command -v sudo >/dev/null 2>&1; then
		SUDO=sudo
	else
		echo "harden: run as root, or install:$missing" >&2
		exit 1
	fi
else
	SUDO=
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
if [ -n "$missing" ]; then
	# shellcheck disable=SC2086
	$SUDO apt-get install -y -qq --no-install-recommends $missing
fi
if [ -n "$optional" ]; then
	# shellcheck disable=SC2086
	$SUDO apt-get install -y -qq --no-install-recommends $optional ||
		echo "harden: could not install$optional: the browser test will be skipped" >&2
fi
