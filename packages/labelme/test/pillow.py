"""Draws LabelMe shapes as labelme's shape_to_mask does (Pillow ImageDraw, fill=1, outline=1),
for the tests in this folder. Input: a JSON file of cases, each either
  {height, width, shape_type, points}  -> one shape, or
  {file: <LabelMe JSON object>}        -> the file's instances: shapes grouped by (label, group_id)
                                          (a shape without group_id alone), mask shapes decoded with
                                          Pillow and pasted at round(points[0]) as labelme does.
Output (stdout): a JSON list; per case a row-major bitmap packed 8 pixels a byte (numpy.packbits),
hex, or for a file a list of [label, hex] per instance."""
import base64
import io
import json
import math
import sys

import numpy as np
import PIL.Image
import PIL.ImageDraw


def draw(height, width, shape_type, points):
    im = PIL.Image.fromarray(np.zeros((height, width), dtype=np.uint8))
    d = PIL.ImageDraw.Draw(im)
    xy = [tuple(p) for p in points]
    if shape_type == "circle":
        (cx, cy), (px, py) = xy
        r = math.sqrt((cx - px) ** 2 + (cy - py) ** 2)
        d.ellipse(((cx - r, cy - r), (cx + r, cy + r)), outline=1, fill=1)
    elif shape_type == "rectangle":
        (x0, y0), (x1, y1) = xy
        d.rectangle(((min(x0, x1), min(y0, y1)), (max(x0, x1), max(y0, y1))), outline=1, fill=1)
    else:
        d.polygon(xy, outline=1, fill=1)
    return np.array(im, dtype=bool)


def mask_shape(height, width, shape):
    patch = np.array(PIL.Image.open(io.BytesIO(base64.b64decode(shape["mask"])))).astype(bool)
    out = np.zeros((height, width), dtype=bool)
    x1, y1 = np.asarray(shape["points"][0]).round().astype(int)
    ph, pw = patch.shape
    ys, ye = max(y1, 0), min(y1 + ph, height)
    xs, xe = max(x1, 0), min(x1 + pw, width)
    if ys < ye and xs < xe:
        out[ys:ye, xs:xe] = patch[ys - y1 : ye - y1, xs - x1 : xe - x1]
    return out


def pack(m):
    return np.packbits(m.ravel()).tobytes().hex()


def instances(f):
    h, w = f["imageHeight"], f["imageWidth"]
    keys, masks = [], []
    for i, s in enumerate(f["shapes"]):
        t = s.get("shape_type") or "polygon"
        if t not in ("polygon", "rectangle", "circle", "mask"):
            continue
        m = mask_shape(h, w, s) if t == "mask" else draw(h, w, t, s["points"])
        key = (s["label"], s.get("group_id") if s.get("group_id") is not None else ("alone", i))
        if key in keys:
            masks[keys.index(key)] |= m
        else:
            keys.append(key)
            masks.append(m)
    return [[k[0], pack(m)] for k, m in zip(keys, masks)]


with open(sys.argv[1]) as f:
    cases = json.load(f)
json.dump([instances(c["file"]) if "file" in c else pack(draw(c["height"], c["width"], c["shape_type"], c["points"])) for c in cases], sys.stdout)
