#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Unit suite (no root): lifecycle table through the userspace tracker,
# lib/names.c summary helpers, parser on malformed input. Built with ASan/UBSan.
set -u
cd "$(dirname "$0")/../.." || exit 1
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! make .output/test_unit >"$log" 2>&1; then
	echo "FAIL unit-build: make .output/test_unit failed:"
	sed 's/^/    /' "$log"
	exit 1
fi
tests/unit/layers.sh
.output/test_unit "$@"
