# Differential cases from PyPI pycocotools 2.0.11 (x86-64): random polygons, boxes, masks, iou, merge.
import json, random
import numpy as np
import pycocotools.mask as M

rng = random.Random(7)
out = {"meta": {"generator": "pycocotools 2.0.11 (PyPI wheel, x86-64), numpy 2.4, seed 7", "note": "size [h, w]; compressed strings as produced by pycocotools; bbox = toBbox; iou[d][g]"}, "polygons": [], "bboxes": [], "masks": [], "iou": [], "merges": []}

def s(b): return b.decode('ascii')

for i in range(600):
    h, w = rng.randint(1, 90), rng.randint(1, 90)
    if h == w: w += 1
    polys = []
    for _ in range(rng.choice([1, 1, 1, 2, 3])):
        k = rng.choice([3, 4, 5, 7, 12, 20])
        kind = rng.random()
        pts = []
        cx, cy = rng.uniform(-10, w + 10), rng.uniform(-10, h + 10)
        for j in range(k):
            if kind < 0.4:   # star-ish around a centre
                import math
                a = j / k * 2 * math.pi; r = rng.uniform(0.2, 1) * rng.uniform(0.5, max(h, w) / 1.5)
                pts += [cx + r * math.cos(a), cy + r * math.sin(a)]
            elif kind < 0.7:  # random (self-intersecting)
                pts += [rng.uniform(-5, w + 5), rng.uniform(-5, h + 5)]
            elif kind < 0.85:  # on the half-pixel / integer grid
                pts += [rng.randint(-4, 2 * w + 4) / 2, rng.randint(-4, 2 * h + 4) / 2]
            else:  # tiny, sub-pixel
                pts += [cx + rng.uniform(-0.8, 0.8), cy + rng.uniform(-0.8, 0.8)]
        pts = [round(p, rng.choice([0, 1, 2, 3, 6])) for p in pts]
        polys.append(pts)
    if len(polys[0]) == 4: continue
    rles = M.frPyObjects(polys, h, w)
    merged = M.merge(rles)
    out["polygons"].append({"size": [h, w], "polygons": polys, "per_polygon": [s(r['counts']) for r in rles], "merged": s(merged['counts']), "area": int(M.area(merged)), "bbox": [float(x) for x in M.toBbox(merged)]})

# Large images and far-away vertices (edges mostly outside the image, steep and shallow).
import math
for i in range(150):
    far = i % 2 == 1
    h, w = (rng.randint(20, 80), rng.randint(20, 80)) if far else (480, 640)
    if h == w: w += 1
    k = rng.choice([3, 5, 20])
    if far:
        pts = []
        for j in range(k):
            pts += [round(rng.uniform(-3000, 3000), 2), round(rng.uniform(-3000, 3000), 2)] if rng.random() < 0.5 else [round(rng.uniform(-2, w + 2), 2), round(rng.uniform(-2, h + 2), 2)]
    else:
        cx, cy, r = 200 + rng.random() * 240, 160 + rng.random() * 160, 10 + rng.random() * 190
        pts = []
        for j in range(k):
            a = j / k * 2 * math.pi; rr = r * (0.5 + 0.5 * rng.random())
            pts += [cx + rr * math.cos(a), cy + rr * math.sin(a)]
    rles = M.frPyObjects([pts], h, w)
    out["polygons"].append({"size": [h, w], "polygons": [pts], "per_polygon": [s(r['counts']) for r in rles], "merged": s(M.merge(rles)['counts']), "area": int(M.area(M.merge(rles))), "bbox": [float(x) for x in M.toBbox(M.merge(rles))]})

for i in range(200):
    h, w = rng.randint(1, 60), rng.randint(1, 60)
    bb = [round(rng.uniform(-5, w + 5), rng.choice([0, 1, 2])), round(rng.uniform(-5, h + 5), rng.choice([0, 1, 2])), round(rng.uniform(-3, w), rng.choice([0, 1, 2])), round(rng.uniform(-3, h), rng.choice([0, 1, 2]))]
    r = M.frPyObjects(np.array([bb], dtype=np.float64), h, w)[0]
    out["bboxes"].append({"size": [h, w], "bbox_in": bb, "compressed": s(r['counts'])})

def rand_mask(h, w):
    kind = rng.random()
    if kind < 0.3: m = (np.random.RandomState(rng.randint(0, 1 << 30)).rand(h, w) < rng.choice([0.02, 0.5, 0.98])).astype(np.uint8)
    else:
        m = np.zeros((h, w), np.uint8)
        for _ in range(rng.randint(0, 3)):
            y0, x0 = rng.randint(0, h - 1), rng.randint(0, w - 1)
            m[y0:y0 + rng.randint(1, h), x0:x0 + rng.randint(1, w)] = 1
    return m

for i in range(300):
    h, w = rng.randint(1, 70), rng.randint(1, 70)
    if h == w: h += 1
    m = rand_mask(h, w)
    r = M.encode(np.asfortranarray(m))
    out["masks"].append({"size": [h, w], "row_major": [int(x) for x in np.flatnonzero(m.ravel())], "compressed": s(r['counts']), "area": int(M.area(r)), "bbox": [float(x) for x in M.toBbox(r)]})

for i in range(200):
    h, w = rng.randint(2, 50), rng.randint(2, 50)
    n_dt, n_gt = rng.randint(1, 3), rng.randint(1, 3)
    dt = [M.encode(np.asfortranarray(rand_mask(h, w))) for _ in range(n_dt)]
    gt = []
    for _ in range(n_gt):
        if rng.random() < 0.15:
            hh, ww = h + rng.randint(1, 3), w
            gt.append(M.encode(np.asfortranarray(rand_mask(hh, ww))))
        else:
            gt.append(M.encode(np.asfortranarray(rand_mask(h, w))))
    crowd = [rng.randint(0, 1) for _ in gt]
    o = M.iou(dt, gt, crowd)
    out["iou"].append({"dt": [{"size": r['size'], "counts": s(r['counts'])} for r in dt], "gt": [{"size": r['size'], "counts": s(r['counts'])} for r in gt], "iscrowd": crowd, "iou": [[float(x) for x in row] for row in np.asarray(o).reshape(n_dt, n_gt)]})

for i in range(150):
    h, w = rng.randint(1, 50), rng.randint(1, 50)
    rs = [M.encode(np.asfortranarray(rand_mask(h, w))) for _ in range(rng.randint(2, 4))]
    inter = rng.randint(0, 1)
    r = M.merge(rs, intersect=inter)
    out["merges"].append({"inputs": [{"size": x['size'], "counts": s(x['counts'])} for x in rs], "intersect": inter, "result": s(r['counts'])})

with open('pycocotools-random.json', 'w') as f:
    f.write('{\n"meta": ' + json.dumps(out["meta"]))
    for k in ["polygons", "bboxes", "masks", "iou", "merges"]:
        f.write(',\n"' + k + '": [\n' + ',\n'.join(json.dumps(x, separators=(',', ':')) for x in out[k]) + '\n]')
    f.write('\n}\n')
print({k: len(v) for k, v in out.items() if k != 'meta'})
