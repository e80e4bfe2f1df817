#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Prints synfin's version: `git describe` of a tag v* when built from a git
# checkout (VERSION-g<commit> when no tag is there yet, -dirty when the
# tree has changes), otherwise the VERSION file (a release tarball).
cd "$(dirname "$0")/.." || exit 1
base=$(cat VERSION 2>/dev/null || echo unknown)
if [ -e .git ] && command -v git >/dev/null 2>&1 &&
   [ "$(git rev-parse --show-toplevel 2>/dev/null)" = "$(pwd -P)" ]; then
	if v=$(git describe --tags --match 'v[0-9]*' --dirty 2>/dev/null); then
		echo "${v#v}"
		exit 0
	fi
	if h=$(git rev-parse --short HEAD 2>/dev/null); then
		git diff --quiet HEAD -- 2>/dev/null || h="$h-dirty"
		echo "$base-g$h"
		exit 0
	fi
fi
echo "$base"
