"""Fixtures from independent encoders (Pillow, ImageMagick) and a Pillow reader, for png tests.

  python3 tools.py make OUTDIR   writes PNGs and OUTDIR/manifest.json (expected labels and foreground)
  python3 tools.py dump A.png... prints what Pillow reads: mode, size, raw samples, palette
"""
import json, os, subprocess, sys
from PIL import Image

W, H = 37, 23  # non-square, odd width: partial bytes at low bit depths


def lcg(seed):
    s = seed
    while True:
        s = (s * 1103515245 + 12345) & 0x7fffffff
        yield s


def values(seed, choices):
    """Pixel values drawn from choices, with the first and the last pixel set to the last choice."""
    g = lcg(seed)
    out = [choices[next(g) % len(choices)] for _ in range(W * H)]
    out[0] = out[-1] = choices[-1]
    return out


def make(out):
    manifest = []

    def add(name, labels, fg, color_type, bit_depth, interlaced=False):
        manifest.append({"name": name, "labels": labels, "fg": fg, "colorType": color_type, "bitDepth": bit_depth, "interlaced": interlaced})

    def im(mode, data):
        i = Image.new(mode, (W, H))
        i.putdata(data)
        return i

    def magick(src, dst, *args):
        subprocess.run(["convert", os.path.join(out, src), *args, os.path.join(out, dst)], check=True)

    v = values(1, [0, 1])
    im("1", [x * 255 for x in v]).save(f"{out}/pil-1bit.png")
    add("pil-1bit", v, v, 0, 1)

    v = values(2, [0, 0, 1, 7, 128, 255])
    im("L", v).save(f"{out}/pil-gray8.png")
    add("pil-gray8", v, [int(x > 0) for x in v], 0, 8)

    for bits, n in [(1, 2), (2, 4), (4, 16), (8, 256)]:
        v = values(10 + bits, list(range(n)))
        p = im("P", v)
        # Colours repeat (every index shows black or red): labels must be the indices.
        p.putpalette([0, 0, 0, 255, 0, 0] * (n // 2))
        p.save(f"{out}/pil-palette{bits}.png", bits=bits)
        add(f"pil-palette{bits}", v, [int(x > 0) for x in v], 3, bits)

    v = values(3, [0, 255])
    p = im("P", [1 if x else 0 for x in v])
    p.putpalette([0, 0, 0, 192, 128, 128])
    p.save(f"{out}/pil-palette-trns.png", transparency=0)
    add("pil-palette-trns", [1 if x else 0 for x in v], [1 if x else 0 for x in v], 3, None)  # Pillow picks the depth

    v = values(4, [0, 0, 7, 24000, 26001, 26002, 33000, 65535])
    im("I;16", v).save(f"{out}/pil-gray16.png")
    add("pil-gray16", v, [int(x > 0) for x in v], 0, 16)

    v = values(5, [(0, 0), (9, 0), (0, 255), (200, 128), (255, 255)])
    im("LA", v).save(f"{out}/pil-la8.png")
    add("pil-la8", [g if a else 0 for g, a in v], [int(a > 0) for g, a in v], 4, 8)

    cols = [(0, 0, 0), (128, 0, 0), (0, 128, 0), (1, 2, 3), (255, 255, 255)]
    v = values(6, cols)
    im("RGB", v).save(f"{out}/pil-rgb8.png")
    add("pil-rgb8", [(r << 16) | (g << 8) | b for r, g, b in v], [int(bool(r or g or b)) for r, g, b in v], 2, 8)

    v = values(7, [(0, 0, 0, 0), (10, 20, 30, 0), (10, 20, 30, 255), (0, 0, 0, 128), (255, 1, 2, 255)])
    im("RGBA", v).save(f"{out}/pil-rgba8.png")
    add("pil-rgba8", [(r << 16) | (g << 8) | b if a else 0 for r, g, b, a in v], [int(a > 0) for *_, a in v], 6, 8)

    # ImageMagick: low and high bit depths Pillow does not write, and Adam7 interlacing.
    v = values(8, [0, 85, 170, 255])
    im("L", v).save(f"{out}/src-gray-85.png")
    magick("src-gray-85.png", "im-gray2.png", "-depth", "2")
    add("im-gray2", [x // 85 for x in v], [int(x > 0) for x in v], 0, 2)
    v = values(9, [0, 17, 34, 119, 255])
    im("L", v).save(f"{out}/src-gray-17.png")
    magick("src-gray-17.png", "im-gray4.png", "-depth", "4")
    add("im-gray4", [x // 17 for x in v], [int(x > 0) for x in v], 0, 4)

    magick("pil-rgb8.png", "im-rgb16.png", "-depth", "16", "-define", "png:bit-depth=16", "-define", "png:color-type=2")
    m = next(e for e in manifest if e["name"] == "pil-rgb8")
    add("im-rgb16", m["labels"], m["fg"], 2, 16)
    magick("pil-rgba8.png", "im-rgba16.png", "-depth", "16", "-define", "png:bit-depth=16", "-define", "png:color-type=6")
    m = next(e for e in manifest if e["name"] == "pil-rgba8")
    add("im-rgba16", m["labels"], m["fg"], 6, 16)
    magick("pil-la8.png", "im-la16.png", "-depth", "16", "-define", "png:bit-depth=16", "-define", "png:color-type=4")
    m = next(e for e in manifest if e["name"] == "pil-la8")
    add("im-la16", [x * 257 for x in m["labels"]], m["fg"], 4, 16)

    for src, ct, bd, extra in [("pil-1bit", 0, 1, []), ("pil-gray8", 0, 8, []), ("pil-gray16", 0, 16, ["-depth", "16"]),
                               ("pil-rgba8", 6, 8, []), ("im-gray4", 0, 4, ["-depth", "4"])]:
        defines = [] if bd < 8 and bd > 1 else ["-define", f"png:bit-depth={bd}", "-define", f"png:color-type={ct}"]
        magick(f"{src}.png", f"im-{src}-adam7.png", *extra, "-interlace", "PNG", *defines)
        m = next(e for e in manifest if e["name"] == src)
        add(f"im-{src}-adam7", m["labels"], m["fg"], ct, bd, True)

    with open(f"{out}/manifest.json", "w") as f:
        json.dump({"width": W, "height": H, "fixtures": manifest}, f)


def dump(paths):
    out = []
    for p in paths:
        i = Image.open(p)
        i.load()
        e = {"path": p, "mode": i.mode, "width": i.width, "height": i.height, "data": [list(x) if isinstance(x, tuple) else x for x in i.getdata()]}
        if i.mode == "P":
            e["palette"] = i.getpalette()
        out.append(e)
    print(json.dumps(out))


if __name__ == "__main__":
    if sys.argv[1] == "make":
        make(sys.argv[2])
    else:
        dump(sys.argv[2:])
