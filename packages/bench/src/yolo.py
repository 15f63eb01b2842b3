"""OpenCV side of `pnpm bench yolo`: times Ultralytics' polygon2mask (np.zeros, int32 points,
cv2.fillPoly) on the label lines the Node side rasterizes. argv: a JSON file of
[{"name", "height", "width", "line"}]. Prints JSON: per case, CPU and wall microseconds per call."""
import json, sys, time
import numpy as np, cv2

def polygon2mask(h, w, seg):
    mask = np.zeros((h, w), dtype=np.uint8)
    pts = np.asarray([seg.reshape(-1)], dtype=np.int32).reshape((1, -1, 2))
    cv2.fillPoly(mask, pts, color=1)
    return mask

out = {'opencv': cv2.__version__, 'cases': []}
for c in json.load(open(sys.argv[1])):
    seg = np.array(c['line'].split()[1:], dtype=np.float32).reshape(-1, 2)
    seg[..., 0] *= c['width']
    seg[..., 1] *= c['height']
    polygon2mask(c['height'], c['width'], seg)
    n, c0, t0 = 0, time.process_time(), time.perf_counter()
    while True:
        polygon2mask(c['height'], c['width'], seg)
        n += 1
        if time.process_time() - c0 > 1.0 and n >= 3:
            break
    out['cases'].append({'name': c['name'], 'cpu': (time.process_time() - c0) / n * 1e6, 'wall': (time.perf_counter() - t0) / n * 1e6})
print(json.dumps(out))
