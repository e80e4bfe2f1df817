#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Runs every synfin test suite and ends with "N passed, N failed, N skipped".
# Each suite prints lines "PASS name", "FAIL name: why" or "SKIP name: why".
# Usage: tests/run.sh [SUITE...]   (suites: unit prog replay e2e reporting install service; default all)
# LOAD=1 runs them on a busy machine: one CPU hog (a spinning process) per
# CPU for the whole run, stopped on exit, also after a failure or Ctrl-C.
set -u
cd "$(dirname "$0")/.." || exit 1
suites=("$@")
[ ${#suites[@]} -eq 0 ] && suites=(unit prog replay e2e reporting install service)
log=$(mktemp)
HOGS=()
cleanup() {
	[ ${#HOGS[@]} -gt 0 ] && kill "${HOGS[@]}" 2>/dev/null && wait "${HOGS[@]}" 2>/dev/null
	rm -f "$log"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
if [ "${LOAD:-0}" != 0 ]; then
	for ((i = 0; i < $(nproc); i++)); do
		/bin/sh -c 'while :; do :; done' &
		HOGS+=($!)
	done
	echo "load: ${#HOGS[@]} CPU hogs (pids ${HOGS[*]})"
fi
for s in "${suites[@]}"; do
	echo "== $s"
	if [ -x "tests/$s/run.sh" ]; then
		"tests/$s/run.sh" 2>&1 | tee -a "$log"
		rc=${PIPESTATUS[0]}
		if [ "$rc" -ne 0 ] && ! grep -q '^FAIL' "$log"; then
			echo "FAIL suite-$s: runner exited $rc without a FAIL line" | tee -a "$log"
		fi
	else
		echo "FAIL suite-$s: tests/$s/run.sh missing" | tee -a "$log"
	fi
done
p=$(grep -c '^PASS ' "$log"); f=$(grep -c '^FAIL ' "$log"); k=$(grep -c '^SKIP ' "$log")
if [ "$f" -gt 0 ]; then echo; echo "failures:"; grep '^FAIL ' "$log"; fi
echo "$p passed, $f failed, $k skipped"
[ "$f" -eq 0 ] && [ "$p" -gt 0 ]
