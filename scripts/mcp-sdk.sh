#!/bin/sh
# Installs the official MCP TypeScript SDK (tests/mcp-sdk, pinned by its
# lock file) that the MCP server's tests use as an independent client.
# Without node and npm it says so and does nothing: the test then skips.
set -eu
dir=tests/mcp-sdk
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
	echo "harden: node and npm not found; the MCP SDK client test will be skipped"
	exit 0
fi
stamp=$dir/node_modules/.harden-lock
if [ -f "$stamp" ] && cmp -s "$dir/package-lock.json" "$stamp"; then
	exit 0
fi
echo "harden: installing the MCP TypeScript SDK for the tests (npm ci in $dir)"
(cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
cp "$dir/package-lock.json" "$stamp"
