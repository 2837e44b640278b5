#!/usr/bin/env bash
# W2 (request/response) and W3 (line receive) of the shared bench's Lua scripts, run under
# Debian's lua5.4 + LuaSocket and under `luasock run` (this package's Lua runtime), the same
# scripts, the same CPU placement (server on CPU 0, client on CPU 1; PIN=same puts both on 0).
# Medians of REPS runs, lua5.4 and each luasock placement interleaved. THREADS (default "worker
# main") says which placements of the Lua state to run: `worker` (luasock run --worker: a
# worker thread) and `main` (luasock run's default, the main thread). Needs lua5.4 + lua-socket and the
# shared bench directory (SHARED_BENCH, default ../shared/bench); run `npm run build` first.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
SHARED="${SHARED_BENCH:-$ROOT/../shared/bench}"
REPS="${REPS:-3}"; W2_N="${W2_N:-20000}"; W3_N="${W3_N:-200000}"
if [ "${PIN:-split}" = same ]; then CS=0; CC=0; else CS=0; CC=1; fi
LUASOCK="node $ROOT/dist/src/cli/luasock.js run"
THREADS="${THREADS:-worker main}"
[ -f "$SHARED/lua/client.lua" ] || { echo "no shared bench at $SHARED (set SHARED_BENCH)"; exit 1; }
command -v lua5.4 >/dev/null || { echo "lua5.4 is not installed"; exit 1; }
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
pair() { # impl workload n -> the client's metric
  local run=$1 w=$2 n=$3 port=""
  # emptied here, not by the server's redirection (which runs later, in the background): else
  # the loop below may read the previous pair's port and the client finds nobody there
  : > "$tmp/srv"
  (cd "$SHARED/lua" && timeout 120 taskset -c $CS $run server.lua "$w" 127.0.0.1 "$n" > "$tmp/srv" 2>&1 &)
  for _ in $(seq 200); do port=$(grep -o "PORT [0-9]*" "$tmp/srv" 2>/dev/null | cut -d' ' -f2 || true); [ -n "$port" ] && break; sleep 0.05; done
  (cd "$SHARED/lua" && timeout 120 taskset -c $CC $run client.lua "$w" 127.0.0.1 "$port" "$n") | grep -o "\"$4\":[0-9.e+]*" | cut -d: -f2
  sleep 0.3
}
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
for w in w2 w3; do
  metric=$([ $w = w2 ] && echo rt_s || echo lines_s); n=$([ $w = w2 ] && echo "$W2_N" || echo "$W3_N")
  : > "$tmp/lua"; for t in $THREADS; do : > "$tmp/ls-$t"; done
  for _ in $(seq "$REPS"); do
    pair lua5.4 $w "$n" $metric >> "$tmp/lua"
    for t in $THREADS; do
      flag=$([ "$t" = main ] && echo "--main-thread" || echo "--worker")
      LUASOCK_THREAD= pair "$LUASOCK $flag" $w "$n" $metric >> "$tmp/ls-$t"
    done
  done
  l=$(median < "$tmp/lua")
  for t in $THREADS; do
    s=$(median < "$tmp/ls-$t")
    awk -v w="$w" -v m="$metric" -v t="$t" -v l="$l" -v s="$s" 'BEGIN { printf "%s %-8s lua5.4+LuaSocket %10.0f   luasock run (%-6s) %10.0f   ratio %.3f\n", w, m, l, t, s, s / l }'
  done
done
