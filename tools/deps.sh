#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Installs the Debian packages synfin needs for one purpose:
#   tools/deps.sh build   compile ./synfin (make)
#   tools/deps.sh test    build + everything `make test` runs
#   tools/deps.sh demo    build + what `make demo` runs
#   tools/deps.sh bench   build + what `make bench` runs
#   tools/deps.sh fuzz    build + libFuzzer and the sanitizers (make fuzz)
#   tools/deps.sh all     all of the above (the default)
# Idempotent: does nothing (needs no root, no network) when everything is
# present. As a normal user with packages missing it names them and exits 1.
set -euo pipefail

BUILD=(clang llvm make gcc pkg-config libbpf-dev bpftool libelf-dev zlib1g-dev libpcap-dev
	libmicrohttpd-dev)			# the /metrics HTTP server
# Run-time tools the tests drive, and their oracles.
TEST=(
	iproute2 procps psmisc			# netns/veth, tc, process control
	python3 python3-yaml curl jq		# test drivers, JSON and YAML checks
	python3-scapy				# e2e: forged segments (tests/e2e/forged.py)
	nftables util-linux			# e2e: drop SYNs/FINs in a namespace; setpriv
	tcpdump tshark				# capture + independent decoder (replay tests)
	librsvg2-bin				# rsvg-convert: diagrams' SVG rendered to PNG (reporting)
	tmux					# conns --watch on an 80x24 terminal (reporting)
	valgrind libclang-rt-14-dev		# replay under valgrind; sanitizer build of the fuzz harness
	prometheus				# promtool (rules, exposition check) + a real scrape
	systemd man-db groff-base		# systemd-analyze verify; man page lint
)
DEMO=(iproute2 python3 curl)
BENCH=(iproute2 procps python3 iperf3 time tshark)
FUZZ=(libclang-rt-14-dev)

purpose=${1:-all}
case "$purpose" in
build) PKGS=("${BUILD[@]}") ;;
test) PKGS=("${BUILD[@]}" "${TEST[@]}") ;;
demo) PKGS=("${BUILD[@]}" "${DEMO[@]}") ;;
bench) PKGS=("${BUILD[@]}" "${BENCH[@]}") ;;
fuzz) PKGS=("${BUILD[@]}" "${FUZZ[@]}") ;;
all) PKGS=("${BUILD[@]}" "${TEST[@]}" "${DEMO[@]}" "${BENCH[@]}" "${FUZZ[@]}") ;;
-h | --help) sed -n '3,11s/^# \{0,1\}//p' "$0"; exit 0 ;;
*) echo "deps.sh: unknown purpose '$purpose' (use build, test, demo, bench, fuzz or all)" >&2; exit 2 ;;
esac

if ! command -v dpkg-query >/dev/null 2>&1; then
	echo "deps.sh: not a Debian system; make sure these (Debian names) are installed: ${PKGS[*]}" >&2
	exit 0
fi

missing=()
for p in $(printf '%s\n' "${PKGS[@]}" | awk '!seen[$0]++'); do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "deps.sh: missing packages for $purpose: ${missing[*]}; install them (sudo tools/deps.sh $purpose)" >&2
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
