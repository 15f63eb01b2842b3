"""Pillow side of `pnpm bench labelme`: times LabelMe's shape_to_mask drawing (Pillow ImageDraw
on an 8-bit image, fill=1, outline=1, then the bool array LabelMe returns) for the shapes the
Node side draws. argv: a JSON object {"height", "width", "shapes": [{"name", "shape_type",
"points"}]}. Prints JSON: per shape, CPU and wall microseconds per call."""
import json
import math
import sys
import time

import numpy as np
import PIL
import PIL.Image
import PIL.ImageDraw


def draw(h, w, t, xy):
    im = PIL.Image.fromarray(np.zeros((h, w), dtype=np.uint8))
    d = PIL.ImageDraw.Draw(im)
    if t == "circle":
        (cx, cy), (px, py) = xy
        r = math.sqrt((cx - px) ** 2 + (cy - py) ** 2)
        d.ellipse(((cx - r, cy - r), (cx + r, cy + r)), outline=1, fill=1)
    else:
        d.polygon(xy, outline=1, fill=1)
    return np.array(im, dtype=bool)


def timed(fn, budget=1.0):
    fn()
    n, c0, t0 = 0, time.process_time(), time.perf_counter()
    while True:
        fn()
        n += 1
        cpu = time.process_time() - c0
        if cpu > budget and n >= 3:
            return {"cpu": cpu / n * 1e6, "wall": (time.perf_counter() - t0) / n * 1e6}


arg = json.loads(sys.argv[1])
h, w = arg["height"], arg["width"]
out = {"pillow": PIL.__version__, "cases": []}
for s in arg["shapes"]:
    xy = [tuple(p) for p in s["points"]]
    out["cases"].append({"name": s["name"], **timed(lambda: draw(h, w, s["shape_type"], xy))})
json.dump(out, sys.stdout)
