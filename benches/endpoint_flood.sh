#!/usr/bin/env bash
# The daemon's memory under 16 parallel unauthenticated 250 MB uploads to
# /api/import (each must get 401 without its body being read), under
# 2,000 idle connections with 1,024 open files at most, and under
# authenticated load: 16 parallel 250 MB imports (one at a time: the others
# get 409 before their body is read; the one staged is parsed from its mapped
# file, never read onto the heap), then 256 half-sent imports and 256
# half-sent hook calls while /healthz is timed.
# Usage: benches/endpoint_flood.sh [binary]   (default: target/release/weekly-postmortem)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-$PWD/target/release/weekly-postmortem}
dir=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$dir"' EXIT
cat > "$dir/config.toml" <<TOML
[daemon]
state_dir = "$dir/state"
listen = "127.0.0.1:0"
holiday_refresh = false

[alerts]
listen = "127.0.0.1:0"
token_env = "FLOOD_HOOK_TOKEN"

[[meeting]]
id = "weekly"
title = "週刊ポストモーテム"
weekday = "wednesday"
start_time = "17:00"
first_session = "2019-02-06"
TOML
(ulimit -n 1024 && FLOOD_HOOK_TOKEN=flood exec "$bin" --config "$dir/config.toml" run 2>"$dir/daemon.log") &
pid=$!
for _ in $(seq 100); do [ -s "$dir/state/listen-address" ] && break; sleep 0.1; done
address=$(cat "$dir/state/listen-address")
kib() { awk -v k="$1:" '$1 == k {print $2}' /proc/$pid/status; }
echo "idle:                      RSS $(kib VmRSS) KiB"
# 16 parallel 250 MB uploads to /api/import, with the bearer token $2 if given.
sixteen_uploads() {
python3 - "$address" "${1:-}" <<'PY'
import socket, sys, threading
address, token = sys.argv[1], sys.argv[2]
host, port = address.rsplit(":", 1)
bearer = f"Authorization: Bearer {token}\r\n" if token else ""
answers = []
def upload():
    s = socket.create_connection((host, int(port)))
    length = 250 * 1024 * 1024
    s.sendall(f"POST /api/import HTTP/1.1\r\nHost: {address}\r\n{bearer}Content-Type: application/json\r\nContent-Length: {length}\r\n\r\n".encode())
    chunk, sent = b" " * 65536, 0
    try:
        while sent < length:
            s.sendall(chunk); sent += len(chunk)
    except OSError:
        pass
    s.settimeout(120)
    answers.append(s.recv(64).split(b" ")[1].decode())
threads = [threading.Thread(target=upload) for _ in range(16)]
[t.start() for t in threads]; [t.join() for t in threads]
print(f"16 {'authenticated' if token else 'unauthenticated'} uploads answered:", ",".join(sorted(answers)))
PY
}
sixteen_uploads
echo "after the uploads:         RSS $(kib VmRSS) KiB, peak $(kib VmHWM) KiB"
python3 - "$address" <<'PY'
import socket, sys, time, urllib.request
address = sys.argv[1]
host, port = address.rsplit(":", 1)
idle = []
for i in range(2000):
    s = socket.create_connection((host, int(port)))
    if i % 2 == 0:
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: ")
    idle.append(s)
start = time.time()
status = urllib.request.urlopen(f"http://{address}/healthz", timeout=10).status
print(f"/healthz with 2,000 idle connections open: {status} in {(time.time() - start) * 1000:.1f} ms")
PY
echo "after the idle connections: RSS $(kib VmRSS) KiB, peak $(kib VmHWM) KiB"
api_token=$(cat "$dir/state/api-token")
hooks=$(curl -s "http://$address/healthz" | python3 -c 'import json,sys; print(json.load(sys.stdin)["integrations"]["Alert hooks"]["detail"].rsplit(" ",1)[1])')
# The heap (RssAnon) is sampled apart from the peak, which counts the mapped
# file's pages while an import is parsed (the kernel may take those back).
( peak=0; while kill -0 "$pid" 2>/dev/null; do
    now=$(kib RssAnon); [ "${now:-0}" -gt "$peak" ] && peak=$now && echo "$peak" > "$dir/anon-peak"
    sleep 0.05
  done ) &
sampler=$!
sixteen_uploads "$api_token"
kill "$sampler" 2>/dev/null || true
echo "heap (RssAnon) at most $(cat "$dir/anon-peak") KiB during the authenticated uploads"
echo "after the authenticated uploads: RSS $(kib VmRSS) KiB, peak $(kib VmHWM) KiB"
python3 - "$address" "$api_token" "$hooks" <<'PY'
import socket, sys, time, urllib.request
address, token, hooks = sys.argv[1], sys.argv[2], sys.argv[3]
held = []
def half_sent(target, path, bearer, length):
    host, port = target.rsplit(":", 1)
    s = socket.create_connection((host, int(port)))
    s.sendall(f"POST {path} HTTP/1.1\r\nHost: {target}\r\nAuthorization: Bearer {bearer}\r\nContent-Type: application/json\r\nContent-Length: {length}\r\n\r\n".encode() + b" " * 4096)
    held.append(s)
for _ in range(256):
    half_sent(address, "/api/import", token, 250 * 1024 * 1024)
for _ in range(256):
    half_sent(hooks, "/hooks/alertmanager", "flood", 512 * 1024)
times = []
for _ in range(20):
    start = time.time()
    status = urllib.request.urlopen(f"http://{address}/healthz", timeout=10).status
    times.append((time.time() - start) * 1000)
    assert status == 200, status
times.sort()
print(f"/healthz under 256 half-sent imports and 256 half-sent hook calls: 20 x 200, median {times[10]:.1f} ms, max {times[-1]:.1f} ms")
PY
echo "after the authenticated load: RSS $(kib VmRSS) KiB, peak $(kib VmHWM) KiB, open files $(ls /proc/$pid/fd | wc -l)"
