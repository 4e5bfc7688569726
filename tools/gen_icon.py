#!/usr/bin/env python3
"""Draws zlist's app icon, assets/icon.png (256x256 RGBA), with the standard library only.

The icon is a rounded blue square holding a white list: three rows, each a bullet and a
bar, the middle row highlighted in amber (a search hit), with two small "network" dots
linked at the top right. Shapes are signed-distance functions sampled 4x4 per pixel for
anti-aliasing. Run from the repository root: python3 tools/gen_icon.py
"""

import math
import struct
import sys
import zlib

SIZE = 256
SAMPLES = 4  # per axis, per pixel


def rounded_rect(x, y, cx, cy, half_w, half_h, radius):
    """Signed distance to a rounded rectangle (negative inside)."""
    qx = abs(x - cx) - half_w + radius
    qy = abs(y - cy) - half_h + radius
    outside = math.hypot(max(qx, 0.0), max(qy, 0.0))
    inside = min(max(qx, qy), 0.0)
    return outside + inside - radius


def circle(x, y, cx, cy, r):
    return math.hypot(x - cx, y - cy) - r


def segment(x, y, ax, ay, bx, by, r):
    """Signed distance to a capsule from (ax, ay) to (bx, by) of radius r."""
    px, py = x - ax, y - ay
    dx, dy = bx - ax, by - ay
    t = max(0.0, min(1.0, (px * dx + py * dy) / (dx * dx + dy * dy)))
    return math.hypot(px - dx * t, py - dy * t) - r


def background(y):
    """Vertical gradient, lighter blue at the top."""
    t = y / SIZE
    top = (52, 120, 230)
    bottom = (24, 62, 150)
    return tuple(top[i] + (bottom[i] - top[i]) * t for i in range(3))


WHITE = (255, 255, 255)
AMBER = (255, 196, 40)
ROWS = (96, 144, 192)


def sample(x, y):
    """The colour and alpha at a point, or None outside the icon."""
    if rounded_rect(x, y, 128, 128, 120, 120, 44) > 0:
        return None
    colour = background(y)
    # The highlighted middle row's band.
    if rounded_rect(x, y, 128, ROWS[1], 92, 19, 12) <= 0:
        colour = AMBER
    for row in ROWS:
        ink = (24, 62, 150) if row == ROWS[1] else WHITE
        if circle(x, y, 62, row, 10) <= 0 or segment(x, y, 90, row, 196, row, 8) <= 0:
            colour = ink
    # Two linked nodes at the top right: the list is shared over the network.
    if segment(x, y, 178, 44, 212, 62, 3.5) <= 0:
        colour = WHITE
    if circle(x, y, 178, 44, 9) <= 0 or circle(x, y, 212, 62, 9) <= 0:
        colour = WHITE
    return colour


def render():
    rows = []
    step = 1.0 / SAMPLES
    for py in range(SIZE):
        row = bytearray([0])  # PNG filter type: none
        for px in range(SIZE):
            r = g = b = a = 0.0
            for sy in range(SAMPLES):
                for sx in range(SAMPLES):
                    c = sample(px + (sx + 0.5) * step, py + (sy + 0.5) * step)
                    if c is not None:
                        r += c[0]
                        g += c[1]
                        b += c[2]
                        a += 1
            if a:
                row += bytes((round(r / a), round(g / a), round(b / a), round(255 * a / SAMPLES**2)))
            else:
                row += bytes(4)
        rows.append(bytes(row))
    return b"".join(rows)


def png(width, height, raw):
    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)  # 8-bit RGBA
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "assets/icon.png"
    with open(out, "wb") as f:
        f.write(png(SIZE, SIZE, render()))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
