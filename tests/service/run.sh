#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Service suite (root; a network namespace, so run it under the lock other
# namespace suites take): contrib/systemd/synfin@.service's own ExecStart
# line, run with exactly the unit's capability bounding set (setpriv), on a
# veth whose peer is in a namespace this suite makes; real connections; then
# the JSON events and stats fields against the man page, the live /metrics
# against the man page and the README, every metric the Grafana dashboard
# and the alerting rules name against the live /metrics, every dashboard
# query and the rules evaluated by a real Prometheus scraping the watcher,
# each capability shown necessary, a clean stop on SIGTERM, and the README's
# live examples against what synfin prints now.
# Prints "PASS name" / "FAIL name: why" / "SKIP name: why".
set -u
cd "$(dirname "$0")/../.." || exit 1
CHECKS=tests/install/checks.py
PEER=tests/reporting/peer.py
UNIT=contrib/systemd/synfin@.service
T=$(mktemp -d /tmp/sfs-test.XXXXXX)
[ -n "${KEEP:-}" ] && echo "# keeping $T"
# SF_SVC_NS, SF_SVC_NET: another name prefix and /24, for parallel runs.
. tests/lib.sh
ns_pair_names "${SF_SVC_NS:-sfsv}" "${SF_SVC_NET:-10.81.0}"
WPID=""; PROMPID=""; SRVPID=""; HOLDPID=""
trap suite_cleanup EXIT

if [ "$(id -u)" -ne 0 ]; then
	skip service "needs root (BPF, namespaces)"
	exit 0
fi
make -s synfin >/dev/null || { fail service-build "make synfin failed"; exit 1; }
cc -O2 -Wall tests/e2e/hooks.c -lbpf -o "$T/hooks" || { fail service-build "tests/e2e/hooks.c"; exit 1; }

ns_pair_up || { fail setup "cannot create namespace/veth"; exit 1; }
ip netns exec $NS python3 $PEER serve $SIP 9000 & SRVPID=$!

# The unit's command line and capabilities, as systemd would run them.
MPORT=$((30000 + $$ % 10000)); PPORT=$((MPORT + 1))
exec_line=$(sed -n 's/^ExecStart=//p' $UNIT)
caps=$(sed -n 's/^CapabilityBoundingSet=//p' $UNIT)
bset=-all$(for c in $caps; do c=${c#CAP_}; printf ',+%s' "${c,,}"; done)
cmd=${exec_line//%i/$V0}
cmd=${cmd//\$\{SYNFIN_METRICS\}/127.0.0.1:$MPORT}
cmd=${cmd//\$SYNFIN_OPTS/--stuck 2 --interval 1}
cmd=${cmd/\/usr\/sbin\/synfin/.\/synfin}
echo "# $UNIT as: setpriv --bounding-set=$bset --no-new-privs $cmd"
# shellcheck disable=SC2086
setpriv --bounding-set="$bset" --no-new-privs $cmd >"$T/w.json" 2>"$T/w.err" & WPID=$!
for _ in $(seq 100); do [ -e "$PIN/counters" ] && break; sleep 0.1; done
if [ -e "$PIN/counters" ] && kill -0 $WPID 2>/dev/null; then
	pass unit_exec_with_unit_caps
else
	fail unit_exec_with_unit_caps "not running with $caps: $(cat "$T/w.err")"
	exit 0
fi
check unit_caps_effective "the watcher has other capabilities: $(grep CapEff /proc/$WPID/status)" \
	test "$(awk '/^CapEff/ {print $2}' /proc/$WPID/status)" = "000000c000001000"

# A real Prometheus scraping the watcher, with the alerting rules loaded.
PROM=0
if command -v prometheus >/dev/null; then
	prom_start $PPORT $MPORT contrib/prometheus/synfin-alerts.yml && PROM=1 ||
		fail prometheus_start "not ready: $(tail -3 "$T/prom.log")"
else
	fail prometheus_start "prometheus missing (tools/deps.sh test)"
fi

# Traffic: 3 complete connections, 2 refused, 1 left half-closed (CLOSE_WAIT).
python3 $PEER client $SIP 9000 3 || fail traffic "client failed"
python3 $PEER refused $SIP 9001 2 || fail traffic "refused failed"
python3 $PEER hold $SIP 9000 12 & HOLDPID=$!
sleep 5	# half-close at +1 s, stuck after 2 s more, a sweep every second

curl -sf http://127.0.0.1:$MPORT/metrics >"$T/metrics.txt" || fail metrics_fetch "no /metrics"
M() { grep -qxF "$1" "$T/metrics.txt"; }
check unit_metrics_values "$(grep -E '^synfin_(handshakes_total|stuck_connections)' "$T/metrics.txt" | tr '\n' ' ')" \
	bash -c "grep -qxF 'synfin_handshakes_total{result=\"completed\"} 4' $T/metrics.txt &&
		grep -qxF 'synfin_handshakes_total{result=\"refused\"} 2' $T/metrics.txt &&
		grep -qxF 'synfin_stuck_connections{state=\"CLOSE_WAIT\",port=\"9000\"} 1' $T/metrics.txt"
reasons=$(jq -r 'select(.event == "close") | .reason' "$T/w.json" | sort | tr '\n' ' ')
check unit_json_events "events: $(jq -r .event "$T/w.json" 2>&1 | sort | uniq -c | tr -s ' \n' ' '); close reasons: $reasons" \
	bash -c "jq -s -e 'any(.[]; .event == \"stuck\") and any(.[]; .event == \"update\")' $T/w.json &&
		test '$reasons' = 'fin fin fin refused refused '"

# Every metric the dashboard and the rules name is served.
out=$(python3 $CHECKS promql-live "$T/metrics.txt" contrib/grafana/synfin-dashboard.json \
	contrib/prometheus/synfin-alerts.yml 2>&1)
check dashboard_rules_metrics_live "$out" test -z "$out"
# ... and the check can fail.
sed 's/synfin_open_connections/synfin_opened_connections/' contrib/grafana/synfin-dashboard.json >"$T/bad.json"
check dashboard_check_catches "a renamed metric passed" bash -c "! python3 $CHECKS promql-live $T/metrics.txt $T/bad.json"
# Every family served is documented: man page and README.
MANWIDTH=200 man -l man/synfin.8 2>/dev/null | col -b >"$T/man.txt"
out=$(python3 $CHECKS metrics-live "$T/man.txt" "$T/metrics.txt" 2>&1)
check man_metrics_live "served, not in synfin.8: $out" test -z "$out"
out=$(python3 $CHECKS metrics-live README.md "$T/metrics.txt" 2>&1)
check readme_metrics_live "served, not in README.md: $out" test -z "$out"
# Every JSON field watch, stats and conns print is documented in the man page.
./synfin stats -i $V0 -o json >"$T/stats.json" 2>&1
./synfin conns -i $V0 -o json >"$T/conns.json" 2>&1
out=$(cat "$T/w.json" "$T/stats.json" "$T/conns.json" >"$T/all.json" &&
	python3 $CHECKS fields "$T/man.txt" "$T/all.json" 2>&1)
check man_live_fields "not in synfin.8: $out" test -z "$out"

# A real Prometheus: the rules load, every dashboard query evaluates.
if [ $PROM -eq 1 ]; then
	sleep 2
	r=$(curl -s http://127.0.0.1:$PPORT/api/v1/rules)
	check prometheus_rules_loaded "rules: $(jq -c '[.data.groups[].rules[] | {name, health}]' <<<"$r" 2>&1 | head -c 300)" \
		jq -e '[.data.groups[].rules[]] | length == 8 and all(.health == "ok")' <<<"$r"
	out=$(python3 - "$PPORT" contrib/grafana/synfin-dashboard.json <<'EOF'
import json, sys, urllib.parse, urllib.request
port, dash = sys.argv[1], json.load(open(sys.argv[2]))
def exprs(x):
    if isinstance(x, dict):
        for k, v in x.items():
            if k == "expr":
                yield v
            else:
                yield from exprs(v)
    elif isinstance(x, list):
        for v in x:
            yield from exprs(v)
n = 0
for e in exprs(dash):
    q = e.replace("$__rate_interval", "1m").replace("$instance", ".*")
    url = f"http://127.0.0.1:{port}/api/v1/query?" + urllib.parse.urlencode({"query": q})
    try:
        r = json.load(urllib.request.urlopen(url, timeout=10))
    except Exception as ex:
        print(f"{e[:70]}: {ex}")
        continue
    if r.get("status") != "success":
        print(f"{e[:70]}: {r.get('error')}")
    n += 1
if n < 20:
    print(f"only {n} queries")
EOF
)
	check prometheus_dashboard_queries "$out" test -z "$out"
	q=$(curl -s http://127.0.0.1:$PPORT/api/v1/query --data-urlencode \
		'query=sum by (port) (synfin_handshake_failures_total{result="refused"})')
	check prometheus_scraped "query: $q" \
		jq -e '.data.result[0].metric.port == "9001" and .data.result[0].value[1] == "2"' <<<"$q"
fi

# SIGTERM, as systemctl stop sends it: exit 0, detached, pins gone.
kill -TERM $WPID; wait $WPID; rc=$?; WPID=""
check unit_stop_sigterm "exit $rc: $(tail -2 "$T/w.err")" test $rc -eq 0
# Every hook: XDP, and tcx ingress/egress (the default on a veth is tc).
"$T/hooks" $V0 >"$T/hooks.out" 2>&1
check unit_stop_clean "left behind: $(ls "$PIN" 2>&1; cat "$T/hooks.out")" \
	bash -c "! test -e $PIN && grep -qx 'xdp -' $T/hooks.out && ! grep -q synfin $T/hooks.out"

# Each capability of the unit is needed: without any one, watch fails (exit 1).
for c in $caps; do
	b=-all$(for d in $caps; do [ "$d" = "$c" ] || printf ',+%s' "$(tr A-Z a-z <<<"${d#CAP_}")"; done)
	out=$(setpriv --bounding-set="$b" --no-new-privs ./synfin watch -i $V0 --duration 1 2>&1); rc=$?
	check "unit_needs_${c,,}" "without $c: rc=$rc: $out" test $rc -eq 1
done
# The README's live examples (make demo, stats, conns, /metrics, errors) are
# what synfin prints now: times, ports and durations normalised.
out=$(timeout 300 python3 tools/readme_examples.py --check --live 2>&1); rc=$?
check readme_live_examples "$(head -12 <<<"$out")" test $rc -eq 0
exit 0
