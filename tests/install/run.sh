#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Install suite (no network namespaces): the corpus is in the tree and
# intact; deps.sh per purpose; a non-root build from a tree without git
# (VERSION fallback); --version; make install/uninstall with PREFIX and
# DESTDIR; the man page (lint, and every option, JSON field and metric
# documented); bash completion (every option of every command); the systemd
# unit (systemd-analyze verify); the alerting rules (promtool test rules);
# the licence texts; the README's examples (tools/readme_examples.sh --check)
# and links.
# Prints "PASS name" / "FAIL name: why" / "SKIP name: why".
set -u
cd "$(dirname "$0")/../.." || exit 1
ROOT=$PWD
HERE=tests/install
T=$(mktemp -d /tmp/sfi-install.XXXXXX)
chmod 755 "$T"
trap 'rm -rf "$T"' EXIT

. tests/lib.sh

make -s synfin >/dev/null || { fail install-build "make synfin failed"; exit 1; }

# --- 1. self-contained: the corpus is in the tree, byte for byte ----------
out=$(python3 $HERE/checks.py corpus tests/corpus 2>&1)
check corpus_intact "$out" test -z "$out"
out=$(git grep -n -e '\.\./shared' -e 'shared/pcaps' -- ':!tests/corpus' ':!tests/install' 2>&1)
check corpus_no_outside_paths "paths outside the tree: $out" test -z "$out"

# --- 2. deps.sh per purpose ------------------------------------------------
for p in build test demo bench fuzz; do
	check "deps_$p" "tools/deps.sh $p failed: $(tools/deps.sh $p 2>&1 | head -1)" tools/deps.sh $p
done
out=$(tools/deps.sh bogus 2>&1); rc=$?
check deps_bad_purpose "rc=$rc: $out" test $rc -eq 2
# A missing package, as a normal user: one line naming it and the command.
mkdir -p "$T/fakebin"
cat >"$T/fakebin/dpkg-query" <<'EOF'
#!/bin/sh
for a; do p=$a; done
[ "$p" = libpcap-dev ] && exit 1
echo "install ok installed"
EOF
chmod 755 "$T/fakebin/dpkg-query"
out=$(setpriv --reuid=nobody --regid=nogroup --clear-groups env PATH="$T/fakebin:$PATH" \
	tools/deps.sh build 2>&1); rc=$?
if [ "$(id -u)" -ne 0 ]; then
	skip deps_missing_nonroot "needs root to become nobody"
elif [ $rc -eq 1 ] && [ "$(wc -l <<<"$out")" -eq 1 ] && grep -q "libpcap-dev" <<<"$out" &&
	grep -q "sudo tools/deps.sh build" <<<"$out" && ! grep -q "clang" <<<"$out"; then
	pass deps_missing_nonroot
else
	fail deps_missing_nonroot "rc=$rc: $out"
fi

# --- 3. a non-root build in a tree without git: make, --version fallback ---
mkdir -p "$T/src"
git ls-files -z | grep -zv '^tests/corpus/' | xargs -0 cp --parents -t "$T/src"
if [ "$(id -u)" -eq 0 ]; then
	chown -R nobody "$T/src" "$T/fakebin"
	out=$(cd "$T/src" && setpriv --reuid=nobody --regid=nogroup --clear-groups env HOME="$T" \
		make -s 2>&1); rc=$?
else
	out=$(cd "$T/src" && make -s 2>&1); rc=$?
fi
check build_nonroot "make as $( [ "$(id -u)" -eq 0 ] && echo nobody || id -un) failed (rc=$rc): $(tail -3 <<<"$out")" \
	test $rc -eq 0 -a -x "$T/src/synfin"
# ... and with a build package missing, make stops on deps.sh's one line.
if [ "$(id -u)" -eq 0 ]; then
	out=$(cd "$T/src" && setpriv --reuid=nobody --regid=nogroup --clear-groups \
		env HOME="$T" PATH="$T/fakebin:$PATH" make -s 2>&1); rc=$?
	check make_missing_nonroot "rc=$rc: $out" bash -c "[ $rc -ne 0 ] &&
		[ \"\$(grep -c '^deps.sh' <<<'$out')\" = 1 ] && grep -q 'missing packages for build: libpcap-dev;' <<<'$out'"
fi
v=$("$T/src/synfin" --version 2>&1)
check version_fallback "without git: '$v', want 'synfin $(cat VERSION)'" test "$v" = "synfin $(cat VERSION)"
v=$(./synfin --version 2>&1); want="synfin $(tools/version.sh)"
check version_git "'$v', want '$want'" test "$v" = "$want"
check version_git_describe "'$v' names no commit" grep -Eq "g[0-9a-f]{7}|^synfin [0-9]+\.[0-9]+" <<<"$v"
check version_short "-V differs from --version" test "$(./synfin -V)" = "$v"
check version_in_help "synfin --help does not mention --version" bash -c "./synfin --help | grep -q -- --version"

# --- 4. make install / uninstall ---------------------------------------------
S=$T/stage
make -s install DESTDIR="$S" PREFIX=/usr >"$T/install.log" 2>&1 ||
	fail install "make install failed: $(tail -2 "$T/install.log")"
want="usr/lib/systemd/system/synfin@.service usr/sbin/synfin usr/share/bash-completion/completions/synfin
usr/share/doc/synfin/synfin-alerts.yml usr/share/doc/synfin/synfin-dashboard.json
usr/share/doc/synfin/synfin.default usr/share/man/man8/synfin.8"
got=$(cd "$S" 2>/dev/null && find . -type f | sed 's|^\./||' | sort | tr '\n' ' ')
check install_files "installed: $got" test "$got" = "$(tr ' \n' '\n\n' <<<"$want" | grep . | sort | tr '\n' ' ')"
check install_modes "modes: $(stat -c '%a %n' "$S"/usr/sbin/synfin "$S"/usr/share/man/man8/synfin.8 2>&1 | tr '\n' ' ')" \
	bash -c "test \$(stat -c %a $S/usr/sbin/synfin) = 755 && test \$(stat -c %a $S/usr/share/man/man8/synfin.8) = 644"
check install_binary_runs "the installed binary does not run" "$S/usr/sbin/synfin" --version
check install_unit_path "ExecStart: $(grep ExecStart= "$S/usr/lib/systemd/system/synfin@.service")" \
	grep -q '^ExecStart=/usr/sbin/synfin watch -i %i ' "$S/usr/lib/systemd/system/synfin@.service"
make -s install DESTDIR="$T/stage2" PREFIX=/opt/sf >/dev/null 2>&1
check install_prefix "PREFIX=/opt/sf: $(cd "$T/stage2" 2>/dev/null && find . -type f | tr '\n' ' ')" \
	bash -c "test -x $T/stage2/opt/sf/sbin/synfin && test -f $T/stage2/opt/sf/share/man/man8/synfin.8 &&
		grep -q '^ExecStart=/opt/sf/sbin/synfin ' $T/stage2/opt/sf/lib/systemd/system/synfin@.service"
make -s uninstall DESTDIR="$S" PREFIX=/usr >/dev/null 2>&1
left=$(find "$S" -type f 2>/dev/null)
check uninstall "left behind: $left" test -z "$left"

# --- 5. man page -----------------------------------------------------------
out=$(groff -man -ww -z man/synfin.8 2>&1)
check man_lint "groff: $(head -3 <<<"$out")" test -z "$out"
MANWIDTH=200 man -l man/synfin.8 2>/dev/null | col -b >"$T/man.txt"
for c in watch replay diagram stats conns; do ./synfin $c --help >"$T/help.$c"; done
./synfin --help >"$T/help.main"
out=$(python3 $HERE/checks.py man "$T/man.txt" "$T" 2>&1)
check man_options "not in synfin.8: $out" test -z "$out"
for f in tests/corpus/*.pcap; do ./synfin replay -o json "$f" 2>/dev/null; done >"$T/events.json"
out=$(python3 $HERE/checks.py fields "$T/man.txt" "$T/events.json" 2>&1)
check man_json_fields "JSON fields not in synfin.8: $out" test -z "$out"
out=$(python3 $HERE/checks.py metrics-src "$T/man.txt" out/counters.c 2>&1)
check man_metrics "metrics not in synfin.8: $out" test -z "$out"
check man_exit_status "no EXIT STATUS with 0, 1 and 2" python3 -c "
import re,sys; t=open('$T/man.txt').read(); s=t[t.index('EXIT STATUS'):t.index('ENVIRONMENT')]
sys.exit(not all(re.search(r'^\s+%d\s+\S' % n, s, re.M) for n in (0, 1, 2)))"
check man_examples "no EXAMPLES section" grep -q '^EXAMPLES' "$T/man.txt"

# --- 6. bash completion ------------------------------------------------------
out=$(python3 $HERE/checks.py completion contrib/bash-completion/synfin "$T" 2>&1)
check completion_options "$out" test -z "$out"
got=$(bash -c 'source contrib/bash-completion/synfin; COMP_WORDS=(synfin watch -i ""); COMP_CWORD=3; _synfin; printf "%s\n" "${COMPREPLY[@]}"' | sort | tr '\n' ' ')
want=$(ls /sys/class/net | sort | tr '\n' ' ')
check completion_interfaces "watch -i offers '$got', want '$want'" test "$got" = "$want"
got=$(bash -c 'source contrib/bash-completion/synfin; COMP_WORDS=(synfin stats -o ""); COMP_CWORD=3; _synfin; echo "${COMPREPLY[@]}"')
check completion_values "stats -o offers '$got'" test "$got" = "text json prometheus"
got=$(cd tests/corpus && bash -c 'source ../../contrib/bash-completion/synfin; COMP_WORDS=(synfin replay zeek_web); COMP_CWORD=2; _synfin; echo "${COMPREPLY[@]}"')
check completion_files "replay offers '$got'" test "$got" = "zeek_web_refused-then-4way-close.pcap"

# --- 7. systemd unit ---------------------------------------------------------
U=contrib/systemd/synfin@.service
if command -v systemd-analyze >/dev/null; then
	# Installed under a prefix in $T, so ExecStart's binary and the man page exist.
	make -s install PREFIX="$T/usr" >/dev/null 2>&1
	mkdir -p "$T/units"
	cp "$T/usr/lib/systemd/system/synfin@.service" "$T/units/synfin@lo.service"
	out=$(cd "$T" && MANPATH="$T/usr/share/man" systemd-analyze verify "$T/units/synfin@lo.service" 2>&1); rc=$?
	check systemd_verify "rc=$rc: $out" test $rc -eq 0 -a -z "$out"
	# The check can fail: a unit whose binary does not exist.
	sed "s|$T/usr/sbin/synfin|$T/usr/sbin/nosuch|" "$T/units/synfin@lo.service" >"$T/units/bad@lo.service"
	out=$(cd "$T" && MANPATH="$T/usr/share/man" systemd-analyze verify "$T/units/bad@lo.service" 2>&1); rc=$?
	check systemd_verify_catches "a broken unit passed verify" test $rc -ne 0 -o -n "$out"
else
	fail systemd_verify "systemd-analyze missing (tools/deps.sh test)"
fi
check unit_command "ExecStart is not watch -i %i --metrics ... -o json" \
	grep -Eq '^ExecStart=/usr/sbin/synfin watch -i %i --metrics \S+ -o json' $U
check unit_caps "capabilities: $(grep -E '^(Capability|Ambient)' $U | tr '\n' ' ')" bash -c "
	grep -qx 'CapabilityBoundingSet=CAP_BPF CAP_NET_ADMIN CAP_PERFMON' $U &&
	grep -qx 'AmbientCapabilities=CAP_BPF CAP_NET_ADMIN CAP_PERFMON' $U"
check unit_restart "no Restart=on-failure" grep -qx 'Restart=on-failure' $U
check unit_envfile "no EnvironmentFile" grep -q '^EnvironmentFile=-/etc/default/synfin' $U

# --- 8. alerting rules ------------------------------------------------------
if command -v promtool >/dev/null; then
	out=$(promtool check rules contrib/prometheus/synfin-alerts.yml 2>&1)
	check rules_check "$(tail -2 <<<"$out")" promtool check rules contrib/prometheus/synfin-alerts.yml
	out=$(cd contrib/prometheus && promtool test rules synfin-alerts.test.yml 2>&1); rc=$?
	check rules_unit_tests "$(tail -15 <<<"$out")" test $rc -eq 0
	# Every alert has a test that shows it firing.
	out=$(python3 $HERE/checks.py alerts-tested contrib/prometheus/synfin-alerts.yml \
		contrib/prometheus/synfin-alerts.test.yml 2>&1)
	check rules_every_alert_tested "$out" test -z "$out"
	# The tests can fail: a threshold moved must break them.
	sed 's/> 10$/> 30/' contrib/prometheus/synfin-alerts.yml >"$T/synfin-alerts.yml"
	sed "s|- synfin-alerts.yml|- $T/synfin-alerts.yml|" contrib/prometheus/synfin-alerts.test.yml >"$T/t.yml"
	check rules_tests_catch "a changed threshold still passed" bash -c "! promtool test rules $T/t.yml"
else
	fail rules_check "promtool missing (tools/deps.sh test)"
fi
out=$(python3 $HERE/checks.py promql-only-synfin contrib/prometheus/synfin-alerts.yml \
	contrib/grafana/synfin-dashboard.json 2>&1)
check rules_dashboard_only_synfin_metrics "$out" test -z "$out"

# --- 9. licences -------------------------------------------------------------
out=$(python3 $HERE/checks.py licenses 2>&1)
check licenses "$out" test -z "$out"

# --- 10. README and docs -----------------------------------------------------
out=$(python3 tools/readme_examples.py --check 2>&1); rc=$?
check readme_examples "$(head -20 <<<"$out")" test $rc -eq 0
n=$(wc -l <README.md)
check readme_length "README has $n lines (keep it under 350)" test "$n" -le 350
out=$(python3 $HERE/checks.py links README.md docs/*.md 2>&1)
check docs_links "$out" test -z "$out"
exit 0
