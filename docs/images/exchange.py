#!/usr/bin/env python3
"""Renders a stretch of the reviewed month transcript (tests/app/snapshots/
app__month__month_ja.snap) as a chat, for the README: the bot's own words as
the test recorded them, not a mock-up. Usage (from the repository root):

    python3 docs/images/exchange.py > /tmp/exchange.html
    chromium --headless=new --no-sandbox --hide-scrollbars --window-size=720,900 \
        --screenshot=docs/images/discord-exchange.png /tmp/exchange.html
"""
import html
import re
import sys

SNAPSHOT = "tests/app/snapshots/app__month__month_ja.snap"
# The live session of 12/9: start, a late topic, 「次へ」, a learning, the summary.
FROM, UNTIL = "=== 12月9日(水) 16:58 ===", "=== 12月9日(水) 18:30 ==="

text = open(SNAPSHOT, encoding="utf-8").read()
part = text[text.index(FROM) + len(FROM):text.index(UNTIL)]
blocks, current = [], None
for line in part.splitlines():
    if line.startswith("▶ "):
        who, said = line[2:].split(": ", 1)
        current = {"who": who, "me": True, "lines": [said]}
        blocks.append(current)
    elif line.startswith("  ["):
        label, _, rest = line[3:].partition("]")
        current = {"who": "weekly-postmortem", "label": label, "me": False, "lines": []}
        if rest.strip():
            current["lines"].append(rest.strip())
        blocks.append(current)
    elif line.startswith("      ") and current is not None:
        current["lines"].append(line.strip())

def render(text):
    text = html.escape(text)
    return re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", text)

out = ["""<!doctype html><meta charset="utf-8"><style>
body{font-family:'Noto Sans CJK JP',sans-serif;background:#313338;color:#dbdee1;margin:0;padding:16px;font-size:15px}
.m{display:flex;gap:10px;margin:0 0 14px}.a{width:36px;height:36px;border-radius:50%;background:#5865f2;flex:none}
.me .a{background:#3ba55d}.n{font-weight:bold;color:#f2f3f5}.l{font-size:12px;color:#949ba4;margin-left:6px}
.t{white-space:pre-wrap;line-height:1.45}.b{display:inline-block;background:#4e5058;border-radius:4px;padding:3px 10px;margin:6px 6px 0 0;font-size:13px}
</style>"""]
for b in blocks:
    lines = [l for l in b["lines"] if not l.startswith("[ボタン]")]
    buttons = [l for l in b["lines"] if l.startswith("[ボタン]")]
    label = "" if b["me"] else f'<span class="l">{html.escape(b["label"])}</span>'
    body = "\n".join(render(l) for l in lines)
    btns = "".join(f'<span class="b">{html.escape(x.strip())}</span>'
                   for s in buttons for x in s[len("[ボタン]"):].split("|"))
    out.append(f'<div class="m{" me" if b["me"] else ""}"><div class="a"></div><div>'
               f'<span class="n">{html.escape(b["who"])}</span>{label}'
               f'<div class="t">{body}</div>{btns}</div></div>')
sys.stdout.write("\n".join(out))
