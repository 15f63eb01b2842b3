import { Mask, RunBuilder, type MaskDataset, type Size } from '@rlekit/core';

/** A named dataset every profile writes and reads back. */
export interface Fixture {
  name: string;
  dataset: MaskDataset;
  /** True when its masks overlap (only profiles that carry overlap take it). */
  overlapping?: boolean;
}

/** Row-major mask from a pixel predicate; small fixtures only. */
function draw(size: Size, inside: (x: number, y: number) => boolean): Mask {
  const b = new RunBuilder();
  for (let y = 0; y < size.height; y++) {
    for (let x = 0; x < size.width; x++) {
      const i = y * size.width + x;
      if (inside(x, y)) b.addInterval(i, i + 1);
    }
  }
  return Mask.fromCanonicalRuns(b.finish(size.height * size.width), size, 'row');
}

/** Smooth blobs on a 1500×2250 frame, built row by row from intervals (no bitmap). */
function saLike(): Mask {
  const size = { height: 1500, width: 2250 };
  const blobs = [
    [400, 300, 220, 140], [1200, 700, 300, 260], [1900, 1200, 180, 200], [700, 1150, 90, 240], [2100, 200, 120, 80],
  ] as const;
  const b = new RunBuilder();
  for (let y = 0; y < size.height; y++) {
    const spans: [number, number][] = [];
    for (const [cx, cy, rx, ry] of blobs) {
      const dy = (y - cy) / ry;
      if (Math.abs(dy) >= 1) continue;
      const half = rx * Math.sqrt(1 - dy * dy) * (1 + 0.05 * Math.sin(y / 17));
      spans.push([Math.max(0, Math.floor(cx - half)), Math.min(size.width, Math.ceil(cx + half))]);
    }
    spans.sort((p, q) => p[0] - q[0]);
    let end = -1;
    for (const [s, e] of spans) {
      const from = Math.max(s, end);
      if (e > from) b.addInterval(y * size.width + from, y * size.width + e);
      end = Math.max(end, e);
    }
  }
  return Mask.fromCanonicalRuns(b.finish(size.height * size.width), size, 'row');
}

function single(name: string, mask: Mask): Fixture {
  return {
    name,
    dataset: {
      images: [{ id: 1, fileName: 'fixture.png', height: mask.height, width: mask.width }],
      categories: [{ id: 1, name: 'object' }],
      annotations: [{ id: 1, imageId: 1, categoryId: 1, mask }],
    },
  };
}

/** The shared fixtures: non-square and asymmetric throughout, so a transposed decode fails. */
export function fixtures(options: { large?: boolean } = {}): Fixture[] {
  const asym = { height: 7, width: 13 };
  const list: Fixture[] = [
    // An L with a notch and a lone pixel: no symmetry to hide a flip or transpose.
    single('asymmetric 7x13', draw(asym, (x, y) => (x >= 1 && x <= 3 && y >= 1 && y <= 5) || (y === 5 && x <= 9 && x >= 1) || (x === 11 && y === 2))),
    single('first and last pixel 5x9', draw({ height: 5, width: 9 }, (x, y) => (x === 0 && y === 0) || (x === 8 && y === 4))),
    single('empty 6x11', Mask.empty({ height: 6, width: 11 })),
    single('full 6x11', Mask.full({ height: 6, width: 11 })),
    single('checkerboard 8x13', draw({ height: 8, width: 13 }, (x, y) => ((x + y) & 1) === 0)),
    single('row 1x17', draw({ height: 1, width: 17 }, (x) => x % 5 === 1 || x === 16)),
    single('column 19x1', draw({ height: 19, width: 1 }, (_x, y) => y % 4 === 0 || y === 18)),
  ];
  if (options.large !== false) list.push(single('SA-1B-like 1500x2250', saLike()));
  const size = { height: 20, width: 30 };
  list.push({
    name: 'instances and categories 20x30',
    dataset: {
      images: [{ id: 1, fileName: 'fixture.png', height: 20, width: 30 }],
      categories: [{ id: 1, name: 'cell' }, { id: 2, name: 'nucleus' }],
      annotations: [
        { id: 1, imageId: 1, categoryId: 1, mask: draw(size, (x, y) => x >= 2 && x < 9 && y >= 1 && y < 6) },
        { id: 2, imageId: 1, categoryId: 1, mask: draw(size, (x, y) => x >= 12 && x < 29 && y >= 3 && y < 4) },
        { id: 3, imageId: 1, categoryId: 2, mask: draw(size, (x, y) => (x - 8) ** 2 + (y - 14) ** 2 < 20) },
      ],
    },
  });
  list.push({
    name: 'overlapping instances 20x30',
    overlapping: true,
    dataset: {
      images: [{ id: 1, fileName: 'fixture.png', height: 20, width: 30 }],
      categories: [{ id: 1, name: 'cell' }],
      annotations: [
        { id: 1, imageId: 1, categoryId: 1, mask: draw(size, (x, y) => x >= 2 && x < 15 && y >= 1 && y < 12) },
        { id: 2, imageId: 1, categoryId: 1, mask: draw(size, (x, y) => x >= 10 && x < 25 && y >= 8 && y < 19) },
      ],
    },
  });
  return list;
}
