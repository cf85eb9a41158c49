#!/usr/bin/env bash
# `history` end to end through the release binary at 110,000 records (the
# history bench's data), without and with a running daemon, and the daemon's
# resident memory after the searches.
# Usage: benches/history_cli.sh [runs-per-query]   (builds what it needs first)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-20}
cargo build --release --quiet --bin weekly-postmortem
bin=$PWD/target/release/weekly-postmortem
dir=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$dir"' EXIT
# The generator of benches/history.rs, asked only for its data.
HISTORY_BENCH_JSON="$dir/data.json" cargo bench --quiet --bench history >/dev/null
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
wp import "$dir/data.json"
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
echo "history without a daemon (opens the store, scans its search entries):"
queries
wp run 2>"$dir/daemon.log" &
pid=$!
until curl -sf "http://127.0.0.1:$port/healthz" >/dev/null; do sleep 0.01; done
echo "daemon resident memory after start: $(awk '/VmRSS/ {print $2, $3}' /proc/$pid/status)"
echo "history with the daemon running (GET /api/search, the daemon's index in memory):"
queries
echo "daemon resident memory after searching: $(awk '/VmRSS/ {print $2, $3}' /proc/$pid/status)"
kill -TERM "$pid"
wait "$pid" || true
pid=
