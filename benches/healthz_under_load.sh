#!/usr/bin/env bash
# /healthz latency while the daemon imports 110,000 records (the history
# bench's data) through its local API: the endpoint must keep answering
# (issue: p99 <= 50 ms). Prints p50/p99/max of /healthz during the import,
# and the daemon's resident memory after the import and after searching
# through it (issue: <= 128 MiB). The daemon inherits the environment, so
# MALLOC_ARENA_MAX=2 (as the systemd unit sets it) can be compared with glibc's default.
# Usage: [HISTORY_DATA=FILE] [MALLOC_ARENA_MAX=N] benches/healthz_under_load.sh [binary]   (default: target/release/weekly-postmortem)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-$PWD/target/release/weekly-postmortem}
[ -x "$bin" ] || cargo build --release --quiet --bin weekly-postmortem
dir=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$dir"' EXIT
# HISTORY_DATA=FILE reuses a file the history bench wrote before.
data=${HISTORY_DATA:-$dir/data.json}
[ -f "$data" ] || HISTORY_BENCH_JSON="$data" cargo bench --quiet --bench history --features sqlite-bench >/dev/null
cat > "$dir/config.toml" <<TOML
[daemon]
state_dir = "$dir/state"
listen = "127.0.0.1:0"
holiday_refresh = false
backups_keep = 0

[[meeting]]
id = "weekly"
title = "週刊ポストモーテム"
weekday = "wednesday"
start_time = "17:00"
first_session = "2015-01-07"
TOML
"$bin" --config "$dir/config.toml" run 2>"$dir/daemon.log" &
pid=$!
until [ -s "$dir/state/listen-address" ]; do sleep 0.05; done
url="http://$(cat "$dir/state/listen-address")/healthz"
until curl -sf "$url" >/dev/null; do sleep 0.05; done
"$bin" --config "$dir/config.toml" import "$data" >"$dir/import.log" 2>&1 &
importer=$!
: >"$dir/times"
while kill -0 "$importer" 2>/dev/null; do
    curl -s -o /dev/null -w '%{time_total}\n' "$url" >>"$dir/times"
    sleep 0.02
done
wait "$importer" || { echo "the import failed:"; cat "$dir/import.log"; exit 1; }
sort -n "$dir/times" | awk '{ t[NR] = $1 * 1000 } END {
    printf "/healthz during the import: %d requests, p50 %.1f ms, p99 %.1f ms, max %.1f ms\n",
        NR, t[int(NR * 0.5) + 1], t[int(NR * 0.99) + 1], t[NR] }'
cat "$dir/import.log"
echo "daemon resident memory after the import: $(awk '/VmRSS/ {print $2, $3}' /proc/$pid/status)"
for query in デッドロック xylophone 障害 latency; do
    "$bin" --config "$dir/config.toml" history "$query" >/dev/null 2>&1
done
echo "daemon resident memory after 4 searches through it: $(awk '/VmRSS/ {print $2, $3}' /proc/$pid/status)"
