#!/usr/bin/env bash
# Produces the README's walkthrough from real runs: a month's payroll against the sandbox,
# with an interruption, a resume, an unknown row and its resolution. Prints Markdown.
# Usage: npm run build && bash scripts/walkthrough.sh > /tmp/walkthrough.md
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
bin="$root/$(node -p "require('$root/package.json').bin.payout")"
payout() { node "$bin" "$@"; }
work=/tmp/payroll-2026-11
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1
export PAYOUT_STATE_DIR="$work/.state"
cp "$root/fixtures/payroll-small.csv" payroll-2026-11.csv
echo "sandbox-key-for-the-walkthrough" > api.key && chmod 600 api.key

node "$bin" sandbox --interval 2000 > sandbox.url 2> sandbox.log &
sandbox_pid=$!
trap 'kill $sandbox_pid 2>/dev/null' EXIT
for _ in $(seq 50); do [ -s sandbox.url ] && break; sleep 0.1; done
url=$(head -1 sandbox.url)
opts=(--base-url "$url" --interval 2000 --api-key-file api.key)

step() { printf '\n```console\n$ %s\n' "$*"; }
show() { "$@" 2>&1; printf '[exit %s]\n```\n' "$?"; }
ledger() { curl -s "$url/_sandbox/ledger"; }

echo '### 1. Dry run: check every row, send nothing'
step payout run payroll-2026-11.csv --dry-run
show payout run payroll-2026-11.csv --dry-run

echo
echo '### 2. Pay, and stop it half-way with Ctrl-C'
step payout run payroll-2026-11.csv --base-url "$url" --interval 2000 --api-key-file api.key --yes '  # Ctrl-C after the 3rd row'
# Job control, so the background run does not ignore SIGINT as a plain background job would.
set -m
payout run payroll-2026-11.csv "${opts[@]}" --yes > run1.out 2>&1 &
run_pid=$!
accepted() { ledger | node -e 'console.log(JSON.parse(require("fs").readFileSync(0,"utf8")).filter(e=>e.response==="accepted").length)'; }
for _ in $(seq 400); do [ "$(accepted)" -ge 3 ] && break; sleep 0.05; done
kill -INT -- -$run_pid; wait $run_pid; code=$?
set +m
cat run1.out; printf '[exit %s]\n```\n' "$code"

echo
echo '### 3. Where it stands'
step payout status payroll-2026-11.csv
show payout status payroll-2026-11.csv

echo
echo '### 4. Resume; the API loses its answer for one row'
echo
echo 'The sandbox is told to create the next withdrawal and then drop the connection, as a network failure would:'
curl -s -X POST "$url/_sandbox/faults" -H 'content-type: application/json' -d '{"faults":[{"kind":"drop","when":"after"}]}' > /dev/null
step payout run payroll-2026-11.csv --base-url "$url" --interval 2000 --api-key-file api.key --yes
show payout run payroll-2026-11.csv "${opts[@]}" --yes

echo
echo '### 5. Settle the unknown row'
echo
unknown=$(payout status payroll-2026-11.csv --json | node -e 'const s=JSON.parse(require("fs").readFileSync(0,"utf8")); console.log(s.unknownRows[0])')
invoice=$(ledger | node -e 'const l=JSON.parse(require("fs").readFileSync(0,"utf8")); const e=l.filter(x=>x.fault==="drop:after"); console.log(e[0]?.invoiceId ?? "")')
echo "The dashboard (here: the sandbox's ledger) shows that the withdrawal for row $unknown was created, as $invoice."
step payout resolve payroll-2026-11.csv --row "$unknown" --paid "$invoice"
show payout resolve payroll-2026-11.csv --row "$unknown" --paid "$invoice"
step payout run payroll-2026-11.csv --base-url "$url" --interval 2000 --api-key-file api.key --yes
show payout run payroll-2026-11.csv "${opts[@]}" --yes
step cat payroll-2026-11.results.csv
show cat payroll-2026-11.results.csv
