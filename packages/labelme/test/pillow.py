"""Draws LabelMe shapes as labelme's shape_to_mask does (Pillow ImageDraw, fill=1, outline=1),
for test/pillow.test.ts. Input: a JSON file of cases {height, width, shape_type, points};
output (stdout): JSON list of row-major bitmaps, each packed 8 pixels a byte (numpy.packbits), hex."""
import json
import math
import sys

import numpy as np
import PIL.Image
import PIL.ImageDraw


def draw(case):
    im = PIL.Image.fromarray(np.zeros((case["height"], case["width"]), dtype=np.uint8))
    d = PIL.ImageDraw.Draw(im)
    xy = [tuple(p) for p in case["points"]]
    kind = case["shape_type"]
    if kind == "circle":
        (cx, cy), (px, py) = xy
        r = math.sqrt((cx - px) ** 2 + (cy - py) ** 2)
        d.ellipse(((cx - r, cy - r), (cx + r, cy + r)), outline=1, fill=1)
    elif kind == "rectangle":
        (x0, y0), (x1, y1) = xy
        d.rectangle(((min(x0, x1), min(y0, y1)), (max(x0, x1), max(y0, y1))), outline=1, fill=1)
    else:
        d.polygon(xy, outline=1, fill=1)
    return np.packbits(np.array(im, dtype=bool).ravel()).tobytes().hex()


with open(sys.argv[1]) as f:
    cases = json.load(f)
json.dump([draw(c) for c in cases], sys.stdout)
