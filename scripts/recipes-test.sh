#!/bin/sh
# Runs the README's recipes (cron, GitHub Actions, GitLab CI) exactly as
# printed against the labs: tests/recipes/run_recipes.py.
# Usage: recipes-test.sh BUILD_DIR
set -eu
B=${1:-build}
RECIPES_TMP=$(mktemp -d)
LAB_DIR=$RECIPES_TMP/lab
. scripts/lab-env.sh
trap 'lab_stop; rm -rf "$RECIPES_TMP"' EXIT
lab_start "$B" 127.0.0.1:0 || exit 1
HARDEN_BIN=$(cd "$B" && pwd)/harden
export HARDEN_BIN LAB_URL NSX_URL LAB_DIR RECIPES_TMP
python3 tests/recipes/run_recipes.py
