#!/usr/bin/env bash
# Runs the gateway test files N times in a row (default 50), stops at the first failure and prints how many
# consecutive runs were green, the wall time and the 1-minute load average seen (issue 11: "50 green gateway runs").
#   scripts/gateway-loop.sh [N]        logs of each run in $GATEWAY_LOOP_LOGS (default: a fresh temporary folder)
set -u
N=${1:-50}
cd "$(dirname "$0")/.."
FILES=(test/gateway/{auth,authorize,backpressure,client/client,http,jwks,protocol,status,subscriptions,uws}.test.ts test/gateway/tenantMatrix*.test.ts)
LOGS=${GATEWAY_LOOP_LOGS:-$(mktemp -d -t gateway-loop.XXXXXX)}
mkdir -p "$LOGS"
load1() { cut -d' ' -f1 /proc/loadavg; }
echo "gateway loop: $N runs of ${#FILES[@]} files on $(nproc) cores, logs in $LOGS"
start=$(date +%s)
green=0
lo=$(load1)
hi=$lo
for i in $(seq 1 "$N"); do
  t0=$(date +%s)
  if npx vitest run "${FILES[@]}" --reporter=dot >"$LOGS/run-$i.log" 2>&1; then ok=1; else ok=0; fi
  l=$(load1)
  lo=$(awk -v a="$lo" -v b="$l" 'BEGIN { print (b < a ? b : a) }')
  hi=$(awk -v a="$hi" -v b="$l" 'BEGIN { print (b > a ? b : a) }')
  if [ "$ok" = 1 ]; then
    green=$((green + 1))
    echo "run $i green in $(($(date +%s) - t0)) s, load $(cut -d' ' -f1-3 /proc/loadavg)"
  else
    echo "run $i FAILED in $(($(date +%s) - t0)) s, load $(cut -d' ' -f1-3 /proc/loadavg); log: $LOGS/run-$i.log"
    grep -E 'FAIL|✗|×|Error' "$LOGS/run-$i.log" | head -20
    break
  fi
done
echo "gateway loop: $green of $N consecutive runs green, wall $(($(date +%s) - start)) s, 1-min load average between $lo and $hi"
[ "$green" = "$N" ]
