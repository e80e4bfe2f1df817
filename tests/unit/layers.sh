#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# The user-space layers (Makefile, docs/design.md): each directory may
# include headers of its own layer and of the layers below, never above.
#   lib  -> (bpf/ headers only)         pure code: no libbpf, no kernel
#   kern -> lib                         talks to the kernel
#   out  -> lib                         renderers: no libbpf, no kernel
#   cmd  -> lib kern out                one file per command (no libbpf)
# Prints PASS/FAIL lines like the other suites.
cd "$(dirname "$0")/../.." || exit 1
declare -A allowed=([lib]="lib" [kern]="lib kern" [out]="lib out" [cmd]="lib kern out cmd")
declare -A libbpf_ok=([lib]=0 [kern]=1 [out]=0 [cmd]=0)
bad=0
for layer in lib kern out cmd; do
	for f in "$layer"/*.[ch]; do
		while IFS= read -r inc; do
			dir=${inc%%/*}
			if [ "$dir" = "$inc" ]; then
				# Unprefixed: only the headers of bpf/ and the skeleton.
				case "$inc" in
				synfin.h|conn.h|parse.h|glue.h|cbpf.h) continue ;;
				synfin.skel.h) [ "${libbpf_ok[$layer]}" = 1 ] && continue ;;
				esac
				echo "FAIL layers: $f includes \"$inc\" (user headers are included as \"LAYER/name.h\")"
				bad=1
			elif [[ " ${allowed[$layer]} " != *" $dir "* ]]; then
				echo "FAIL layers: $f ($layer/) includes \"$inc\" from a layer above or beside it"
				bad=1
			fi
		done < <(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$f")
		if [ "${libbpf_ok[$layer]}" = 0 ] && grep -qE '^#include <bpf/' "$f"; then
			echo "FAIL layers: $f ($layer/) uses libbpf; only kern/ talks to the kernel"
			bad=1
		fi
	done
done
[ $bad = 0 ] && echo "PASS layers (lib <- kern, out <- cmd; libbpf only in kern/)"
exit $bad
