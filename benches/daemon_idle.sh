#!/usr/bin/env bash
# Measures the daemon on the offline example: time from exec to a /healthz
# answer, resident memory after start, and CPU while idle (no busy loops).
# Usage: benches/daemon_idle.sh [idle-seconds]   (builds the release binary first)
# With Discord connected (fake Discord, median of 3):
#   cargo test --test app footprint -- --ignored --nocapture
set -euo pipefail
cd "$(dirname "$0")/.."
idle=${1:-30}
cargo build --release --quiet
echo "binary: $(stat -c %s target/release/weekly-postmortem) bytes"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
port=$((20000 + RANDOM % 20000))
sed -e "s#state_dir = \"./state\"#state_dir = \"$dir/state\"#" \
    -e "s#127.0.0.1:8754#127.0.0.1:$port#" \
    -e 's/^language = "ja".*/language = "ja"\nholiday_refresh = false/' \
    config/example.toml > "$dir/config.toml"
start=$(date +%s%N)
./target/release/weekly-postmortem --config "$dir/config.toml" run 2>"$dir/log" &
pid=$!
until curl -sf "http://127.0.0.1:$port/healthz" >/dev/null; do sleep 0.005; done
end=$(date +%s%N)
echo "exec to first /healthz answer: $(( (end - start) / 1000000 )) ms ($(grep -o 'ready in [0-9]* ms' "$dir/log"))"
sleep 5
echo "resident memory after start: $(awk '/VmRSS/ {print $2, $3}' /proc/$pid/status)"
ticks=$(getconf CLK_TCK)
t1=$(awk '{print $14 + $15}' /proc/$pid/stat)
sleep "$idle"
t2=$(awk '{print $14 + $15}' /proc/$pid/stat)
echo "CPU while idle for ${idle} s: $(( (t2 - t1) * 1000 / ticks )) ms"
echo "resident memory after ${idle} s idle: $(awk '/VmRSS/ {print $2, $3}' /proc/$pid/status)"
stopped=$(date +%s%N)
kill -TERM "$pid"
wait "$pid" && status=0 || status=$?
echo "SIGTERM to exit: $(( ($(date +%s%N) - stopped) / 1000000 )) ms, exit code $status"
