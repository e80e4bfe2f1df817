#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Renders the ladder diagrams of the standard lifecycles (the ones
# tests/reporting/test_diagram.c draws) to docs/diagrams/NAME.svg and .png,
# the pictures the README and docs/learn.md show. Run it after changing
# out/diagram.c, look at the PNGs, commit them.
# Usage: tools/figures.sh   (needs rsvg-convert: tools/deps.sh test)
set -eu
cd "$(dirname "$0")/.."
make -s .output/test_diagram
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
.output/test_diagram tests/reporting/golden "$tmp" >/dev/null
mkdir -p docs/diagrams
# test case -> picture
for pair in open_close4:four-way-close close3:three-way-close simultaneous:simultaneous-close \
	refused:refused close_wait:close-wait half_close:half-close rst_abort:reset; do
	cp "$tmp/${pair%%:*}.svg" "docs/diagrams/${pair#*:}.svg"
	rsvg-convert -o "docs/diagrams/${pair#*:}.png" "$tmp/${pair%%:*}.svg"
done
echo "docs/diagrams: $(ls docs/diagrams | tr '\n' ' ')"
