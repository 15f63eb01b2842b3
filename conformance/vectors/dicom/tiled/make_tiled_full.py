"""Makes seg_tiled_full_3seg_23x37.dcm: a BINARY SEG in TILED_FULL dimension organisation.

Run with Debian's python3 (pydicom 2.3.1, numpy) from this folder:
    /usr/bin/python3 make_tiled_full.py
It starts from highdicom's seg_image_sm_control.dcm (a TILED_SPARSE slide-microscopy SEG, in
../external/) and rewrites it the way PS3.3 C.7.6.17.3 describes TILED_FULL: no per-frame
functional groups; frames ordered by segment, then tile rows top to bottom, then tiles left to
right, covering TotalPixelMatrixRows x TotalPixelMatrixColumns (edge tiles padded with 0).
The sidecar .json holds each segment's mask over the whole total pixel matrix as row-major runs.
"""
import json

import numpy as np
import pydicom
from pydicom.pixel_data_handlers.numpy_handler import pack_bits

H, W, T = 23, 37, 10  # total pixel matrix (non-square, not a multiple of the tile size), tile size
rng = np.random.default_rng(12)
masks = np.zeros((3, H, W), dtype=np.uint8)
masks[0] = rng.random((H, W)) < 0.3
masks[0, 0, 0] = 1  # first pixel
masks[0, H - 1, W - 1] = 1  # last pixel
masks[1, 5:19, 8:33] = 1  # a rectangle across tile borders
masks[2, H - 1, W - 1] = 1  # only the last pixel, in the last (cropped) tile

ds = pydicom.dcmread('../external/highdicom_seg_image_sm_control.dcm')
ds.SegmentSequence = pydicom.Sequence(list(ds.SegmentSequence)[:3])
for i, s in enumerate(ds.SegmentSequence):
    s.SegmentNumber = i + 1
del ds.PerFrameFunctionalGroupsSequence
ds.DimensionOrganizationType = 'TILED_FULL'
ds.TotalPixelMatrixRows, ds.TotalPixelMatrixColumns = H, W
ds.TotalPixelMatrixFocalPlanes = 1
ds.Rows = ds.Columns = T
tiles = []
for s in range(3):
    for ty in range(0, H, T):
        for tx in range(0, W, T):
            tile = np.zeros((T, T), dtype=np.uint8)
            part = masks[s, ty:ty + T, tx:tx + T]
            tile[: part.shape[0], : part.shape[1]] = part
            tiles.append(tile)
ds.NumberOfFrames = len(tiles)
ds.PixelData = pack_bits(np.stack(tiles).ravel())
ds.file_meta.TransferSyntaxUID = pydicom.uid.ExplicitVRLittleEndian
ds.is_implicit_VR, ds.is_little_endian = False, True
ds.save_as('seg_tiled_full_3seg_23x37.dcm', write_like_original=False)


def runs(m):
    flat = m.ravel()
    out, cur, n = [], 0, 0
    for v in flat:
        if v == cur:
            n += 1
        else:
            out.append(n)
            cur, n = v, 1
    out.append(n)
    return out


json.dump({'totalPixelMatrixRows': H, 'totalPixelMatrixColumns': W, 'rows': T, 'columns': T, 'numberOfFrames': len(tiles),
           'segments': [{'number': s + 1, 'area': int(masks[s].sum()), 'runs': runs(masks[s])} for s in range(3)]},
          open('seg_tiled_full_3seg_23x37.dcm.json', 'w'), indent=1)
