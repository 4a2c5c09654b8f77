#!/usr/bin/env bash
# Runs the ```sh examples of docs/server.md, in order and in one shell, against a real caseworkd (virtual
# clock from Monday 2026-03-02 09:00 Taipei, a fresh store, the demo's token names), so the docs cannot rot.
# Fails when an example fails (the success examples use curl -f) or the story they tell is not in the output.
#
#   tests/server/run-doc-examples.sh CASEWORKD DOCS_MD
set -euo pipefail
bin=${1:?usage: $0 CASEWORKD DOCS_MD}
doc=${2:?usage: $0 CASEWORKD DOCS_MD}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/casework-doc-examples.XXXXXX")
pid=
# On a failure caseworkd's log goes to stderr first (it holds no personal data: checked below on success), so a
# failure in CI can be read from its output.
cleanup() {
  local rc=$?
  [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null && wait "$pid" || true
  if [ "$rc" -ne 0 ] && [ -s "$tmp/log" ]; then echo "--- caseworkd's log:" >&2; tail -n 50 "$tmp/log" >&2; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

tok() { "$bin" --tokens "$tmp/tokens.json" --make-token "$2" --token-id "$1" ${3:+--agency "$3"} ${4:+--person "$4"}; }
export ADMIN_TOKEN=$(tok admin admin)
export CALL_TAKER_TOKEN=$(tok ct call-taker call-centre cc-ct-1)
export DUTY_OFFICER_TOKEN=$(tok do duty-officer pwd-parks-lights pwd-parks-lights-do-1)
export HANDLER_TOKEN=$(tok h handler pwd-parks-lights pwd-parks-lights-h-1)
export SUPERVISOR_TOKEN=$(tok sup supervisor pwd-parks-lights pwd-parks-lights-dm-1)
export OPEN311_TOKEN=$(tok o311 open311-client call-centre)

"$bin" --data "$tmp/store" --tokens "$tmp/tokens.json" --listen 127.0.0.1:0 --metrics off --clock virtual \
       --start 2026-03-02T09:00:00+08:00 2> "$tmp/log" &
pid=$!
port=
# Up to 60 s: under a parallel `make test` on 2 cores a start has taken longer than the 5 s this waited once.
for _ in $(seq 1200); do
  port=$(sed -n 's/.*"msg":"listening","port":\([0-9]*\).*/\1/p' "$tmp/log")
  [ -n "$port" ] && break
  kill -0 "$pid" 2>/dev/null || { pid=; echo "caseworkd exited before listening" >&2; exit 1; }
  sleep 0.05
done
[ -n "$port" ] || { echo "caseworkd did not start within 60 s" >&2; exit 1; }
export CASEWORK=http://127.0.0.1:$port

awk '/^```sh$/ {on = 1; next} /^```$/ {on = 0} on' "$doc" > "$tmp/examples.sh"
[ -s "$tmp/examples.sh" ] || { echo "no sh examples in $doc" >&2; exit 1; }
bash -euo pipefail "$tmp/examples.sh" | tee "$tmp/out"

for expected in 'stage-one-escalation R6.5' '"rule": "R6.10"' '"field": "state"' 'closed' 'notification R6.8' \
                '"calendar_version":1' 'streetlight-out' 'service_request_id'; do
  grep -qF "$expected" "$tmp/out" || { echo "doc examples: missing \"$expected\" in the output" >&2; exit 1; }
done
if grep -q '0912000000\|Citizen A' "$tmp/log"; then echo "personal data in caseworkd's log" >&2; exit 1; fi
echo "doc examples: all ran"
