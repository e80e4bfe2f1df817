#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Installs every Debian package synfin's build, tests, demo and benchmarks use.
# Idempotent: does nothing (and needs no network) when everything is present.
set -euo pipefail

PKGS=(
	clang llvm make gcc pkg-config		# build: BPF object + user program
	libbpf-dev bpftool libelf-dev zlib1g-dev libpcap-dev
	iproute2 procps psmisc			# netns/veth, tc, process control
	libbpf-tools				# tcpstates: the kernel's socket states (test oracle)
	python3 curl jq				# test drivers, JSON checks
	nftables util-linux			# e2e: drop SYNs/FINs in a namespace; setpriv
	tcpdump tshark				# capture + independent decoder (replay tests)
	librsvg2-bin				# rsvg-convert: diagrams' SVG rendered to PNG (reporting tests)
	prometheus				# promtool + real scrape test
	iperf3 valgrind time			# benchmarks (/usr/bin/time: max RSS), memory checks
	libclang-rt-14-dev			# libFuzzer + sanitizers
)

missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "deps.sh: missing packages: ${missing[*]}; run as root (sudo tools/deps.sh)" >&2
	exit 1
fi
echo "deps.sh: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; answer once, quietly.
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# Debian's prometheus package starts a system service; tests run their own.
if command -v systemctl >/dev/null 2>&1; then systemctl disable --now prometheus >/dev/null 2>&1 || true; fi
