# Writes images of the sizes given on stdin with Pillow (Debian's python3-pil) and prints, per
# image, its bytes (hex) and the size Pillow reports, raw and EXIF-transposed: the oracle of
# test/image-size.test.ts.
import io, json, sys
from PIL import Image, ImageOps

out = []
for c in json.load(sys.stdin):
    im = Image.new('RGB', (c['width'], c['height']), (10, 200, 30))
    buf = io.BytesIO()
    kw = {}
    fmt = c['format']
    if fmt == 'JPEG' and c.get('orientation'):
        exif = Image.Exif()
        exif[274] = c['orientation']
        kw['exif'] = exif.tobytes()
    if fmt == 'WEBP':
        kw['lossless'] = c.get('lossless', False)
    im.save(buf, fmt, **kw)
    data = buf.getvalue()
    back = Image.open(io.BytesIO(data))
    turned = ImageOps.exif_transpose(back)
    out.append({'hex': data.hex(), 'size': [back.size[1], back.size[0]], 'shown': [turned.size[1], turned.size[0]]})
json.dump(out, sys.stdout)
