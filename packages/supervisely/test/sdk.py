"""Writes Supervisely bitmaps the way its SDK does (Bitmap.data_2_base64 as documented in
shared/notes/labeling-tools.md section 5): Pillow palette PNG with index 0 transparent, the
PNG zlib-compressed, base64. Usage: sdk.py masks.json -> prints a JSON list of data strings.
masks.json: [{"height": h, "width": w, "bits": "<hex of h*w bytes 0/1, the tight crop>"}]"""
import base64
import io
import json
import sys
import zlib

import numpy as np
from PIL import Image


def encode(crop):
    image = Image.fromarray(crop.astype(np.uint8))
    image.putpalette([0, 0, 0, 255, 255, 255])
    out = io.BytesIO()
    image.save(out, format="PNG", transparency=0, optimize=0)
    return base64.b64encode(zlib.compress(out.getvalue())).decode("ascii")


masks = json.load(open(sys.argv[1]))
print(json.dumps([encode(np.frombuffer(bytes.fromhex(m["bits"]), dtype=np.uint8).reshape(m["height"], m["width"])) for m in masks]))
