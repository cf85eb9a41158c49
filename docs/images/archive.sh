#!/usr/bin/env bash
# Makes the README's pictures of the web archive: a daemon on a sample log
# (docs/images/sample-archive.json, people named by their display), its pages
# taken by headless chromium. Needs chromium and fonts-noto-cjk; run from the
# repository root after `cargo build`: docs/images/archive.sh
set -euo pipefail
dir=$(mktemp -d)
trap 'kill "$daemon" 2>/dev/null || true; rm -rf "$dir"' EXIT
cat > "$dir/config.toml" <<TOML
[daemon]
state_dir = "$dir/state"
listen = "127.0.0.1:0"
holiday_refresh = false

[[meeting]]
id = "weekly"
title = "週刊ポストモーテム"
weekday = "wednesday"
start_time = "17:00"
first_session = "2019-02-06"
closures = [{name = "年末年始", from = "12-29", until = "01-03"}]
team = "SRE"

[[person]]
name = "sato"
display = "佐藤"
[[person]]
name = "suzuki"
display = "鈴木"
[[person]]
name = "tanaka"
display = "田中"
team = "CloudLog"
TOML
binary=target/debug/weekly-postmortem
export WEEKLY_POSTMORTEM_NOW="2026-12-07T12:00:00+09:00"
"$binary" --config "$dir/config.toml" import docs/images/sample-archive.json >/dev/null
"$binary" --config "$dir/config.toml" run 2>/dev/null &
daemon=$!
for _ in $(seq 50); do [ -s "$dir/state/listen-address" ] && break; sleep 0.2; done
base="http://$(cat "$dir/state/listen-address")"
shot() { chromium --headless=new --no-sandbox --hide-scrollbars --window-size="$2" \
    --screenshot="docs/images/$1" "$base$3" 2>/dev/null; }
shot archive-home.png 1280,900 /
shot archive-session-phone.png 390,1100 /sessions/weekly/2026-12-02
