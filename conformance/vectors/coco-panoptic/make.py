"""COCO panoptic vectors: PNGs and JSON written the way panopticapi writes them.

Colours come from panopticapi's id2rgb (utils.py: [id % 256, id // 256 % 256, id // 256 // 256 % 256]),
PNGs from Pillow's Image.fromarray(rgb uint8 HxWx3).save (as converters/detection2panoptic_coco_format.py
does), area and bbox from the pixels as panopticapi's converters compute them (bbox [x, y, w, h],
w = x_max - x_min + 1). expected.json lists every segment's pixels as row-major indices, so a test builds
each mask without the code under test. Run with Debian's python3 (numpy, PIL): python3 make.py
"""
import json, os
import numpy as np
from PIL import Image

def id2rgb(i):
    return [i % 256, i // 256 % 256, i // 256 // 256 % 256]

def rgb2id(c):
    c = c.astype(np.uint32)
    return c[:, :, 0] + 256 * c[:, :, 1] + 256 * 256 * c[:, :, 2]

here = os.path.dirname(os.path.abspath(__file__))
os.makedirs(os.path.join(here, 'panoptic_tiny'), exist_ok=True)
categories = [
    {'id': 1, 'name': 'person', 'supercategory': 'person', 'isthing': 1, 'color': [220, 20, 60]},
    {'id': 3, 'name': 'car', 'supercategory': 'vehicle', 'isthing': 1, 'color': [0, 0, 142]},
    {'id': 184, 'name': 'sky-other-merged', 'supercategory': 'sky', 'isthing': 0, 'color': [70, 130, 180]},
]
# Non-square images; segment ids chosen to use all three channels (B > 0), 1, and 2^24 - 1.
H, W = 6, 9
a = np.zeros((H, W), dtype=np.uint32)
a[0, 0] = 1                      # first pixel, id 1 (R only)
a[0:2, 3:7] = 70 + 256 * 130 + 65536 * 180   # stuff: sky colour as id
a[2:5, 1:3] = 3226956            # a person (an id from panoptic_val2017)
a[3, 5:9] = 16777215             # a crowd of cars, id 2^24 - 1
a[H - 1, W - 1] = 16777215       # ... also the last pixel (two parts)
b = np.zeros((4, 3), dtype=np.uint32)  # image b: 4 high, 3 wide, all one stuff segment
b[:, :] = 70 + 256 * 130 + 65536 * 180
b[1, 1] = 0                      # one VOID pixel inside
segs = {
    'img_a': [(1, 1, 0), (70 + 256 * 130 + 65536 * 180, 184, 0), (3226956, 1, 0), (16777215, 3, 1)],
    'img_b': [(70 + 256 * 130 + 65536 * 180, 184, 0)],
}
images, annotations, expected = [], [], []
for n, (name, ids) in enumerate([('img_a', a), ('img_b', b)]):
    h, w = ids.shape
    rgb = np.zeros((h, w, 3), dtype=np.uint8)
    for i in np.unique(ids):
        rgb[ids == i] = id2rgb(int(i))
    assert (rgb2id(rgb) == ids).all()
    Image.fromarray(rgb).save(os.path.join(here, 'panoptic_tiny', name + '.png'))
    images.append({'id': 100 + n, 'file_name': name + '.jpg', 'height': h, 'width': w})
    info = []
    for sid, cat, crowd in segs[name]:
        m = ids == sid
        ys, xs = np.nonzero(m)
        x0, x1, y0, y1 = int(xs.min()), int(xs.max()), int(ys.min()), int(ys.max())
        info.append({'id': sid, 'category_id': cat, 'iscrowd': crowd, 'bbox': [x0, y0, x1 - x0 + 1, y1 - y0 + 1], 'area': int(m.sum())})
        expected.append({'image_id': 100 + n, 'id': sid, 'size': [h, w], 'pixels': [int(k) for k in np.flatnonzero(m.ravel(order='C'))]})
    annotations.append({'image_id': 100 + n, 'file_name': name + '.png', 'segments_info': info})
json.dump({'info': {'description': 'rlekit panoptic vectors'}, 'licenses': [], 'images': images, 'annotations': annotations, 'categories': categories},
          open(os.path.join(here, 'panoptic_tiny.json'), 'w'), indent=1)
json.dump(expected, open(os.path.join(here, 'expected.json'), 'w'))
