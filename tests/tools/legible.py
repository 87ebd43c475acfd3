#!/usr/bin/env python3
"""legible.py PANE BACKGROUND: read a `tmux capture-pane -e -p` dump and
fail (exit 1, naming each place) where a visible character is drawn in its
background's colour. BACKGROUND (light or dark) is the terminal's default
background; its default text is then black or white. Bright colours count
as their plain ones, as on an 8-colour terminal they look alike."""
import re
import sys

BLACK, WHITE = 0, 7


def colour(params, i, base):
    """The colour an SGR parameter list sets at i (30-37, 90-97, 38;5;N):
    (value, how many parameters it took)."""
    p = params[i]
    if p == base + 8:
        if i + 2 < len(params) and params[i + 1] == 5:
            n = params[i + 2]
            return (n % 8 if n < 16 else n), 3
        return None, 1
    if base <= p <= base + 7:
        return p - base, 1
    if base + 60 <= p <= base + 67:
        return p - base - 60, 1
    return None, 1


def main():
    text = open(sys.argv[1], encoding="utf-8", errors="replace").read()
    light = sys.argv[2] == "light"
    bad = []
    fg = bg = None   # tmux carries the attributes from line to line
    reverse = False
    for y, line in enumerate(text.split("\n"), 1):
        x = 0
        for m in re.finditer(r"\x1b\[([0-9;]*)m|([^\x1b])", line):
            if m.group(1) is not None:
                params = [int(v) if v else 0 for v in m.group(1).split(";")] or [0]
                i = 0
                while i < len(params):
                    p = params[i]
                    if p == 0:
                        fg = bg = None
                        reverse = False
                    elif p == 7:
                        reverse = True
                    elif p == 27:
                        reverse = False
                    elif p == 39:
                        fg = None
                    elif p == 49:
                        bg = None
                    elif 30 <= p <= 38 or 90 <= p <= 97:
                        c, n = colour(params, i, 30)
                        fg = c
                        i += n - 1
                    elif 40 <= p <= 48 or 100 <= p <= 107:
                        c, n = colour(params, i, 40)
                        bg = c
                        i += n - 1
                    i += 1
                continue
            ch = m.group(2)
            x += 1
            if ch.isspace():
                continue
            f = fg if fg is not None else (BLACK if light else WHITE)
            b = bg if bg is not None else (WHITE if light else BLACK)
            if reverse:
                f, b = b, f
            if f == b:
                if not bad or not bad[-1].startswith("row %d " % y):
                    bad.append("row %d as drawn: %r" % (y, line))
                bad.append("row %d column %d: %r in colour %d on %d" % (y, x, ch, f, b))
    if bad:
        print("\n".join(bad[:20]))
        sys.exit(1)


main()
