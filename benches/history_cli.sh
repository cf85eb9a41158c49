#!/usr/bin/env bash
# `history` end to end through the release binary at 110,000 records (the
# history bench's data), without and with a running daemon, and the daemon's
# resident memory after the searches.
# Usage: [BIN=binary] [HISTORY_DATA=FILE] benches/history_cli.sh [runs-per-query]
# (builds what it needs first; HISTORY_DATA reuses data the history bench wrote)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-20}
bin=${BIN:-$PWD/target/release/weekly-postmortem}
[ -n "${BIN:-}" ] || cargo build --release --quiet --bin weekly-postmortem
dir=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$dir"' EXIT
# The generator of benches/history.rs, asked only for its data.
data=${HISTORY_DATA:-$dir/data.json}
[ -f "$data" ] || HISTORY_BENCH_JSON="$data" cargo bench --quiet --bench history --features sqlite-bench >/dev/null
port=$((20000 + RANDOM % 20000))
cat > "$dir/config.toml" <<TOML
[daemon]
state_dir = "$dir/state"
listen = "127.0.0.1:$port"
holiday_refresh = false
backups_keep = 0

[[meeting]]
id = "weekly"
title = "週刊ポストモーテム"
weekday = "wednesday"
start_time = "17:00"
first_session = "2015-01-07"
TOML
wp() { "$bin" --config "$dir/config.toml" "$@"; }
start=$(date +%s%N)
wp import "$data"
echo "import through the CLI (no daemon): $(( ($(date +%s%N) - start) / 1000000 )) ms"

# Each query `runs` times; prints p50 and the slowest run, in ms.
measure() {
    local label=$1; shift
    local samples=()
    for _ in $(seq "$runs"); do
        local t=$(date +%s%N)
        wp history "$@" >/dev/null 2>&1
        samples+=($(( ($(date +%s%N) - t) / 100000 )))
    done
    local sorted=($(printf '%s\n' "${samples[@]}" | sort -n))
    local p50=${sorted[$(( ${#sorted[@]} / 2 ))]}
    local max=${sorted[$(( ${#sorted[@]} - 1 ))]}
    printf '  %-28s p50 %5s ms   max %5s ms\n' "$label" "$(awk "BEGIN{print $p50/10}")" "$(awk "BEGIN{print $max/10}")"
}
queries() {
    measure "デッドロック (common)" デッドロック
    measure "証明書の期限切れ (rare)" 証明書の期限切れ
    measure "xylophone (absent)" xylophone
    measure "db --format json" db --format json
    measure "--kind postmortem latency" latency --kind postmortem
    measure "--since 2026-10-01 障害" 障害 --since 2026-10-01
    measure "(no text) --limit 20"
}
start=$(date +%s%N)
wp history デッドロック >/dev/null
echo "the first history after the import (opens the store, rewrites search-entries): $(( ($(date +%s%N) - start) / 1000000 )) ms"
echo "history without a daemon (search-entries alone, the store not opened):"
queries
"$bin" --config "$dir/config.toml" run 2>"$dir/daemon.log" &
pid=$!
until curl -sf "http://127.0.0.1:$port/healthz" >/dev/null; do sleep 0.01; done
echo "daemon resident memory after start: $(awk '/VmRSS/ {print $2, $3}' /proc/$pid/status)"
echo "history with the daemon running, nothing changed since it started (search-entries alone):"
queries
printf '{"format": "weekly-postmortem/v1", "learnings": [{"meeting": "weekly", "date": "2019-01-02", "text": "bench write", "tags": []}]}' >"$dir/one.json"
wp import "$dir/one.json" >/dev/null 2>&1
echo "history with the daemon running after a write (GET /api/search, the daemon's index in memory):"
queries
echo "daemon resident memory after searching: $(awk '/VmRSS/ {print $2, $3}' /proc/$pid/status)"
kill -TERM "$pid"
wait "$pid" || true
pid=
