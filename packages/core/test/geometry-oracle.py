"""Geometry oracles for test/geometry-oracle.test.ts: reads cases as JSON on stdin, answers
with what OpenCV, scikit-image, Pillow and SciPy compute for them (JSON on stdout)."""
import json, sys
import numpy as np, cv2
from PIL import Image
from scipy import ndimage
from skimage import measure

def bits(a):
    return ''.join('1' if v else '0' for v in a.ravel().tolist())

out = []
for c in json.load(sys.stdin):
    h, w = c['height'], c['width']
    m = np.frombuffer(c['bits'].encode(), dtype=np.uint8).reshape(h, w) - 48
    r = {}
    for conn in (4, 8):
        n, lab = cv2.connectedComponents(m, connectivity=conn)
        r['cv%d' % conn] = lab.ravel().tolist()
        r['sk%d' % conn] = measure.label(m, connectivity=1 if conn == 4 else 2).ravel().tolist()
    r['fill'] = bits(ndimage.binary_fill_holes(m))
    r['cvResize'] = [bits(cv2.resize(m, (W, H), interpolation=cv2.INTER_NEAREST)) for H, W in c['targets']]
    img = Image.fromarray(m * 255)
    r['pilResize'] = [bits(np.array(img.resize((W, H), Image.NEAREST)) > 0) for H, W in c['targets']]
    out.append(r)
json.dump(out, sys.stdout)
