# Rasterizes YOLO label lines the way Ultralytics builds training masks (Debian's python3-opencv,
# python3-numpy): coordinates parsed as float32 (verify_image_label), denormalised in float32
# (Instances.denormalize), cast to int32 and drawn with cv2.fillPoly (data/utils.py polygon2mask,
# downsample_ratio 1). Input on stdin: [{height, width, line}] or [{height, width, points}] (ints);
# output: the row-major foreground indices of each mask.
import json, sys
import cv2
import numpy as np

out = []
for c in json.load(sys.stdin):
    h, w = c['height'], c['width']
    mask = np.zeros((h, w), dtype=np.uint8)
    if 'line' in c:
        seg = np.array(c['line'].split()[1:], dtype=np.float32).reshape(-1, 2)
        seg[..., 0] *= w
        seg[..., 1] *= h
        pts = np.asarray([seg.reshape(-1)], dtype=np.int32).reshape((1, -1, 2))
    else:
        pts = np.asarray([c['points']], dtype=np.int32).reshape((1, -1, 2))
    cv2.fillPoly(mask, pts, color=1)
    out.append(np.flatnonzero(mask.reshape(-1)).tolist())
json.dump(out, sys.stdout)
