#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Prog suite (root): the real XDP and tc programs through BPF_PROG_TEST_RUN
# with the same lifecycle table as the unit suite, a two-CPU concurrency
# test and the verifier's instruction count.
set -u
cd "$(dirname "$0")/../.." || exit 1
if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP prog: needs root for BPF_PROG_TEST_RUN (run: sudo tests/prog/run.sh)"
	exit 0
fi
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! make .output/test_prog >"$log" 2>&1; then
	echo "FAIL prog-build: make .output/test_prog failed:"
	sed 's/^/    /' "$log"
	exit 1
fi
exec .output/test_prog "$@"
