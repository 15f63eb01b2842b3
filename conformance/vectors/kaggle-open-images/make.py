"""Open Images mask encoding vectors (Kaggle presets open-images-2019-instance-segmentation,
hpa-single-cell-classification, hubmap-hacking-the-human-vasculature).

The encoder is the host's encode_binary_mask: base64.b64encode(zlib.compress(counts, zlib.Z_BEST_COMPRESSION))
where counts is pycocotools' compressed count string of the Fortran-ordered mask. pycocotools is not
installable here, so the count string is made by rle_to_string below (maskApi.c rleToString, i > 2 delta
rule), which this script first checks against every compressed string of the shared pycocotools vectors
(../coco/masks.json, made by pycocotools' own C code). Run with Debian's python3: python3 make.py
"""
import base64, json, os, random, zlib

here = os.path.dirname(os.path.abspath(__file__))

def rle_to_string(cnts):
    out = []
    for i, c in enumerate(cnts):
        x = c - cnts[i - 2] if i > 2 else c
        more = True
        while more:
            ch = x & 0x1f
            x >>= 5
            more = (x != -1) if (ch & 0x10) else (x != 0)
            if more:
                ch |= 0x20
            out.append(chr(ch + 48))
    return ''.join(out)

shared = json.load(open(os.path.join(here, '../coco/masks.json')))
checked = 0
for m in shared['masks']:
    if 'compressed' in m and 'counts' in m:
        assert rle_to_string(m['counts']) == m['compressed'], m['id']
        checked += 1

def counts_of(rows, h, w):
    # rows: list of h strings of '0'/'1'; column-major runs starting with background
    flat = [rows[y][x] == '1' for x in range(w) for y in range(h)]
    cnts, cur, n = [], False, 0
    for v in flat:
        if v != cur:
            cnts.append(n)
            cur, n = v, 0
        n += 1
    cnts.append(n)
    return cnts

def encode(rows, h, w):
    s = rle_to_string(counts_of(rows, h, w)).encode('ascii')
    return base64.b64encode(zlib.compress(s, zlib.Z_BEST_COMPRESSION)).decode('ascii')

rng = random.Random(16)
def rand_rows(h, w, p):
    return [''.join('1' if rng.random() < p else '0' for _ in range(w)) for _ in range(h)]
def block(h, w, y0, y1, x0, x1):
    return [''.join('1' if y0 <= y < y1 and x0 <= x < x1 else '0' for x in range(w)) for y in range(h)]

masks = []
def add(name, rows):
    h, w = len(rows), len(rows[0])
    masks.append({'id': name, 'size': [h, w], 'rows': rows, 'counts_string': rle_to_string(counts_of(rows, h, w)), 'encoded': encode(rows, h, w)})

add('first_pixel_3x5', block(3, 5, 0, 1, 0, 1))
add('last_pixel_3x5', block(3, 5, 2, 3, 4, 5))
add('first_and_last_4x7', [r[:0] + r for r in block(4, 7, 0, 1, 0, 1)])
masks[-1]['rows'] = ['1000000', '0000000', '0000000', '0000001']
masks[-1]['counts_string'] = rle_to_string(counts_of(masks[-1]['rows'], 4, 7)); masks[-1]['encoded'] = encode(masks[-1]['rows'], 4, 7)
add('empty_6x2', ['00'] * 6)
add('full_2x6', ['111111'] * 2)
add('block_5x9', block(5, 9, 1, 4, 2, 7))
add('column_bar_7x3', block(7, 3, 0, 7, 1, 2))
for k in range(8):
    h, w = rng.randint(1, 24), rng.randint(1, 31)
    add(f'noise_{k}_{h}x{w}', rand_rows(h, w, rng.choice([0.1, 0.5, 0.9])))
big = block(300, 451, 20, 280, 33, 400)
add('big_block_300x451', big)
del masks[-1]['rows']
masks[-1]['block'] = [20, 280, 33, 400]  # rows y0..y1-1, columns x0..x1-1 (the rows would be 135 KB)

def csv_rows(preset):
    return preset
files = {
    'open-images-2019-instance-segmentation': ('ImageID,ImageWidth,ImageHeight,PredictionString', lambda i, w, h, p: f'{i},{w},{h},{p}', ['/m/01g317', '/m/0k4j']),
    'hpa-single-cell-classification': ('ID,ImageWidth,ImageHeight,PredictionString', lambda i, w, h, p: f'{i},{w},{h},{p}', ['0', '16']),
    'hubmap-hacking-the-human-vasculature': ('id,height,width,prediction_string', lambda i, w, h, p: f'{i},{h},{w},{p}', ['0', '0']),
}
# One CSV per preset: image a (5x9) with two masks (the second with two labels for HPA), image b empty.
a1, a2 = block(5, 9, 0, 2, 0, 3), block(5, 9, 2, 5, 4, 9)
for preset, (header, row, labels) in files.items():
    preds = [f'{labels[0]} 0.875 {encode(a1, 5, 9)}', f'{labels[1]} 0.5 {encode(a2, 5, 9)}']
    if preset == 'hpa-single-cell-classification':
        preds.append(f'5 0.25 {encode(a2, 5, 9)}')
    with open(os.path.join(here, preset + '.csv'), 'w', newline='') as f:
        f.write(header + '\n' + row('img_a', 9, 5, ' '.join(preds)) + '\n' + row('img_b', 4, 3, '') + '\n')

json.dump({'checked_against_pycocotools': checked, 'masks': masks}, open(os.path.join(here, 'masks.json'), 'w'), indent=0)
print('count strings checked against', checked, 'pycocotools vectors;', len(masks), 'masks')
