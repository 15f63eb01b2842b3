"""OpenCV side of `pnpm bench geometry`: times findContours(RETR_CCOMP, CHAIN_APPROX_SIMPLE)
and connectedComponents (8-connectivity) on the same masks the Node side uses.
argv: a JSON list of {"name", "path", "height", "width", "count"}; each file holds `count`
row-major uint8 masks back to back. Prints JSON: per case, mean microseconds per mask."""
import json, sys, time
import numpy as np, cv2

def timed(fn, masks, budget=1.0):
    """CPU microseconds (all threads) and wall microseconds per mask: the machine may be shared."""
    fn(masks)  # warm-up
    n, c0, t0 = 0, time.process_time(), time.perf_counter()
    while True:
        fn(masks)
        n += 1
        cpu = time.process_time() - c0
        if cpu > budget and n >= 3:
            wall = time.perf_counter() - t0
            return {'cpu': cpu / n / len(masks) * 1e6, 'wall': wall / n / len(masks) * 1e6}

def contours(masks):
    for m in masks:
        cv2.findContours(m, cv2.RETR_CCOMP, cv2.CHAIN_APPROX_SIMPLE)

def components(masks):
    for m in masks:
        cv2.connectedComponents(m, connectivity=8)

out = {'opencv': cv2.__version__, 'threads': cv2.getNumThreads(), 'cases': []}
for c in json.loads(sys.argv[1]):
    data = np.fromfile(c['path'], dtype=np.uint8).reshape(c['count'], c['height'], c['width'])
    masks = [np.ascontiguousarray(m) for m in data]
    out['cases'].append({'name': c['name'], 'findContours': timed(contours, masks), 'connectedComponents': timed(components, masks)})
print(json.dumps(out))
