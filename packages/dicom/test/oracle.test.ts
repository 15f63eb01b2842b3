/**
 * Cross-checks against independent DICOM implementations (installed by scripts/ci-setup.sh):
 * dciodvfy validates every SEG rlekit writes; DCMTK, GDCM and pydicom decode rlekit's RLE and
 * encode RLE that rlekit decodes. With CI=true a missing tool fails the run.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import dcmjs from 'dcmjs';
import { afterAll, describe, expect, it } from 'vitest';
import { Mask } from '@rlekit/core';
import { dialect, encodeRleFrame, readFrames, readSeg, writeSeg, type FramePixels, type WriteSegInput } from '../src/index.js';
import { TS_EXPLICIT_LE, TS_RLE, writePart10 } from '../src/part10.js';

const PY = '/usr/bin/python3';
function has(cmd: string, args: string[] = ['--version']): boolean {
  try {
    execFileSync(cmd, args, { stdio: 'ignore' });
    return true;
  } catch (e) {
    return (e as { code?: string }).code !== 'ENOENT' && (e as { status?: number }).status !== 127;
  }
}
const tools = {
  dciodvfy: has('dciodvfy', ['-']),
  dcmtk: has('dcmdrle') && has('dcmcrle') && has('dcmodify'),
  gdcm: has('gdcmconv'),
  pydicom: has(PY, ['-c', 'import pydicom, numpy']),
};
const missing = Object.entries(tools).filter(([, ok]) => !ok).map(([k]) => k);
if (missing.length > 0 && process.env.CI === 'true') {
  describe('DICOM oracles', () => {
    it('are installed (packages/dicom/scripts/ci-setup.sh)', () => {
      throw new Error(`missing in CI: ${missing.join(', ')}`);
    });
  });
}
if (missing.length > 0 && process.env.CI !== 'true') console.warn(`dicom oracle tests skipped for: ${missing.join(', ')} (run packages/dicom/scripts/ci-setup.sh)`);

const dir = mkdtempSync(join(tmpdir(), 'rlekit-dicom-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let counter = 0;
const tmp = (bytes: Uint8Array | undefined, ext = '.dcm'): string => {
  const p = join(dir, `f${counter++}${ext}`);
  if (bytes) writeFileSync(p, bytes);
  return p;
};
const run = (cmd: string, args: string[]): string => execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

/** Deterministic pixels with runs of every kind. */
function pixels(n: number, max: number, seed: number): number[] {
  let s = seed;
  const rand = (): number => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 4294967296);
  const out: number[] = [];
  while (out.length < n) {
    const v = Math.floor(rand() * (max + 1));
    const len = rand() < 0.5 ? 1 : Math.ceil(rand() * 200);
    for (let i = 0; i < len && out.length < n; i++) out.push(v);
  }
  out[0] = max;
  out[n - 1] = max;
  return out;
}

interface Image { rows: number; columns: number; bits: 8 | 16; samples: 1 | 3; frames: FramePixels[] }

function image(rows: number, columns: number, bits: 8 | 16, samples: 1 | 3, nframes: number, seed: number): Image {
  const Arr = bits === 8 ? Uint8Array : Uint16Array;
  const frames = Array.from({ length: nframes }, (_, k) => Arr.from(pixels(rows * columns * samples, bits === 8 ? 255 : 65535, seed + k)));
  return { rows, columns, bits, samples, frames };
}

/** A multi-frame Secondary Capture file, native or with rlekit's RLE frames. */
async function scFile(img: Image, rle: boolean): Promise<Uint8Array> {
  const sop = img.samples === 3 ? '1.2.840.10008.5.1.4.1.1.7.4' : img.bits === 8 ? '1.2.840.10008.5.1.4.1.1.7.2' : '1.2.840.10008.5.1.4.1.1.7.3';
  const info = { rows: img.rows, columns: img.columns, bitsAllocated: img.bits, samplesPerPixel: img.samples };
  let pixelData: ArrayBuffer[];
  if (rle) {
    pixelData = img.frames.map((f) => { const b = encodeRleFrame(f, info); return b.buffer.slice(b.byteOffset, b.byteOffset + b.length) as ArrayBuffer; });
  } else {
    const size = img.frames.reduce((a, f) => a + f.byteLength, 0);
    const all = new Uint8Array(size + (size & 1));
    let o = 0;
    for (const f of img.frames) { all.set(new Uint8Array(f.buffer, f.byteOffset, f.byteLength), o); o += f.byteLength; }
    pixelData = [all.buffer];
  }
  const ds: Record<string, unknown> = {
    SOPClassUID: sop, SOPInstanceUID: `2.25.${1000 + counter}`, StudyInstanceUID: '2.25.1', SeriesInstanceUID: '2.25.2', Modality: 'OT',
    ConversionType: 'WSD', PatientName: '', PatientID: '', SamplesPerPixel: img.samples,
    PhotometricInterpretation: img.samples === 3 ? 'RGB' : 'MONOCHROME2', NumberOfFrames: img.frames.length, Rows: img.rows, Columns: img.columns,
    BitsAllocated: img.bits, BitsStored: img.bits, HighBit: img.bits - 1, PixelRepresentation: 0, PixelData: pixelData,
  };
  if (img.samples === 3) ds.PlanarConfiguration = 0;
  return await writePart10(ds, rle ? TS_RLE : TS_EXPLICIT_LE, 'RLEKIT_TEST');
}

async function expectSameFrames(bytes: Uint8Array, img: Image): Promise<void> {
  const r = await readFrames(bytes);
  expect(r.numberOfFrames).toBe(img.frames.length);
  r.frames.forEach((f, k) => expect(Array.from(f)).toEqual(Array.from(img.frames[k]!)));
}

const images: [string, Image][] = [
  ['8-bit 23x37 (odd size) x3', image(23, 37, 8, 1, 3, 1)],
  ['8-bit 4x300 (long rows)', image(4, 300, 8, 1, 1, 7)],
  ['16-bit 17x30 x2', image(17, 30, 16, 1, 2, 11)],
  ['8-bit RGB 10x12 x2', image(10, 12, 8, 3, 2, 21)],
];

describe.skipIf(!tools.dcmtk)('DCMTK', () => {
  for (const [name, img] of images) {
    it(`dcmdrle decodes rlekit's RLE to the same pixels (${name})`, async () => {
      const out = tmp(undefined);
      run('dcmdrle', [tmp(await scFile(img, true)), out]);
      await expectSameFrames(new Uint8Array(readFileSync(out)), img);
    });
    it(`rlekit decodes dcmcrle's RLE to the same pixels (${name})`, async () => {
      const out = tmp(undefined);
      run('dcmcrle', [tmp(await scFile(img, false)), out]);
      const bytes = new Uint8Array(readFileSync(out));
      expect((await readFrames(bytes)).transferSyntaxUID).toBe(TS_RLE);
      await expectSameFrames(bytes, img);
    });
  }
  it('rlekit reads Deflated Explicit VR Little Endian (dcmconv +td) to the same masks', async () => {
    const seg = sampleSeg(11, 13);
    const out = tmp(undefined);
    run('dcmconv', ['+td', tmp(await writeSeg(seg)), out]);
    const back = await readSeg(new Uint8Array(readFileSync(out)));
    expect(back.transferSyntaxUID).toBe('1.2.840.10008.1.2.1.99');
    back.frames.forEach((f, k) => expect(f.mask.equals(seg.frames[k]!.mask)).toBe(true));
  });
  it('dcmdrle decodes rlekit BINARY RLE (one byte per pixel) after the BitsAllocated 1→8 patch', async () => {
    const seg = sampleSeg(23, 37);
    const p = tmp(await writeSeg(seg, { transferSyntax: 'rle' }));
    run('dcmodify', ['-nb', '-m', '(0028,0100)=8', '-m', '(0028,0101)=8', '-m', '(0028,0102)=7', p]);
    const out = tmp(undefined);
    run('dcmdrle', [p, out]);
    const r = await readFrames(new Uint8Array(readFileSync(out)));
    r.frames.forEach((f, k) => expect(Array.from(f)).toEqual(Array.from(seg.frames[k]!.mask.toBitmap('row'))));
  });
});

describe.skipIf(!tools.gdcm)('GDCM', () => {
  for (const [name, img] of images) {
    it(`gdcmconv --raw decodes rlekit's RLE to the same pixels (${name})`, async () => {
      const out = tmp(undefined);
      run('gdcmconv', ['--raw', tmp(await scFile(img, true)), out]);
      await expectSameFrames(new Uint8Array(readFileSync(out)), img);
    });
  }
  // gdcmconv --rle aborts when Rows*Columns is odd (a GDCM bug), so only even sizes go that way.
  for (const [name, img] of images.filter(([, i]) => (i.rows * i.columns) % 2 === 0)) {
    it(`rlekit decodes gdcmconv --rle output to the same pixels (${name})`, async () => {
      const out = tmp(undefined);
      run('gdcmconv', ['--rle', tmp(await scFile(img, false)), out]);
      const bytes = new Uint8Array(readFileSync(out));
      expect((await readFrames(bytes)).transferSyntaxUID).toBe(TS_RLE);
      await expectSameFrames(bytes, img);
    });
  }
});

describe.skipIf(!tools.pydicom)('pydicom', () => {
  const py = (code: string, ...args: string[]): string => run(PY, ['-c', code, ...args]);
  for (const [name, img] of images) {
    it(`pydicom decodes rlekit's RLE to the same pixels (${name})`, async () => {
      const p = tmp(await scFile(img, true));
      const json = py(`import sys, json, pydicom, numpy as np
ds = pydicom.dcmread(sys.argv[1]); a = ds.pixel_array
a = a.reshape((int(ds.NumberOfFrames), -1))
print(json.dumps(a.astype(int).tolist()))`, p);
      const frames = JSON.parse(json) as number[][];
      frames.forEach((f, k) => expect(f).toEqual(Array.from(img.frames[k]!)));
    });
    it(`rlekit decodes pydicom's RLE encoding to the same pixels (${name})`, async () => {
      const src = tmp(await scFile(img, false));
      const out = tmp(undefined);
      py(`import sys, pydicom
from pydicom.uid import RLELossless
ds = pydicom.dcmread(sys.argv[1]); ds.compress(RLELossless); ds.save_as(sys.argv[2])`, src, out);
      const bytes = new Uint8Array(readFileSync(out));
      expect((await readFrames(bytes)).transferSyntaxUID).toBe(TS_RLE);
      await expectSameFrames(bytes, img);
    });
  }
  it('rlekit reads native colour-by-plane frames (PlanarConfiguration 1) interleaved', async () => {
    const img = images[3]![1];
    const src = tmp(await scFile(img, false));
    const out = tmp(undefined);
    py(`import sys, pydicom, numpy as np
ds = pydicom.dcmread(sys.argv[1]); a = ds.pixel_array  # frames, rows, cols, samples
ds.PlanarConfiguration = 1
ds.PixelData = np.ascontiguousarray(a.transpose(0, 3, 1, 2)).tobytes()
ds.save_as(sys.argv[2])`, src, out);
    await expectSameFrames(new Uint8Array(readFileSync(out)), img);
  });
  it('rlekit groups frames split over fragments with the Extended Offset Table (empty BOT)', async () => {
    const img = images[0]![1];
    const src = tmp(await scFile(img, true));
    const out = tmp(undefined);
    py(`import sys, struct, pydicom
from pydicom.encaps import generate_pixel_data_frame, encapsulate
ds = pydicom.dcmread(sys.argv[1])
n = int(ds.NumberOfFrames)
frames = list(generate_pixel_data_frame(ds.PixelData, n))
# Two fragments per frame (not allowed for RLE by A.4.2, but the EOT makes it unambiguous).
enc = encapsulate(frames, fragments_per_frame=2, has_bot=False)
items, offsets, pos = [], [], 0
for f in frames:
    offsets.append(pos)
    half = (len(f) // 2 + 1) & ~1
    for part in (f[:half], f[half:]):
        pos += 8 + len(part) + (len(part) & 1)
ds.PixelData = enc
ds['PixelData'].is_undefined_length = True
ds.ExtendedOffsetTable = struct.pack('<%dQ' % n, *offsets)
ds.ExtendedOffsetTableLengths = struct.pack('<%dQ' % n, *[len(f) for f in frames])
ds.save_as(sys.argv[2])`, src, out);
    const bytes = new Uint8Array(readFileSync(out));
    await expectSameFrames(bytes, img);
  });
  it('pydicom reads rlekit native BINARY SEG bits (frames not byte aligned) as the same masks', async () => {
    const seg = sampleSeg(11, 13);
    const p = tmp(await writeSeg(seg));
    const json = py(`import sys, json, pydicom
ds = pydicom.dcmread(sys.argv[1]); a = ds.pixel_array.reshape((int(ds.NumberOfFrames), -1))
print(json.dumps(a.astype(int).tolist()))`, p);
    (JSON.parse(json) as number[][]).forEach((f, k) => expect(f).toEqual(Array.from(seg.frames[k]!.mask.toBitmap('row'))));
  });
});

/** 3 segments' worth of frames of a size, with corner pixels set and an empty frame. */
function sampleSeg(rows: number, columns: number): WriteSegInput {
  const size = { height: rows, width: columns };
  const bits = (seed: number): Uint8Array => Uint8Array.from(pixels(rows * columns, 1, seed));
  return {
    rows, columns,
    segments: [{ number: 1, label: 'liver' }, { number: 2, label: 'tumour', algorithmType: 'AUTOMATIC', algorithmName: 'net' }, { number: 3, label: 'Ödem' }],
    frames: [
      { segmentNumber: 1, imagePositionPatient: [0, 0, 0], mask: Mask.fromBitmap(bits(1), size) },
      { segmentNumber: 2, imagePositionPatient: [0, 0, 0], mask: Mask.fromBitmap(bits(2), size) },
      { segmentNumber: 1, imagePositionPatient: [0, 0, 1.5], mask: Mask.full(size) },
      { segmentNumber: 3, imagePositionPatient: [0, 0, 1.5], mask: Mask.empty(size) },
    ],
  };
}

describe.skipIf(!tools.dciodvfy)('dciodvfy', () => {
  const errors = (bytes: Uint8Array): string[] => {
    let out: string;
    try {
      out = execFileSync('dciodvfy', [tmp(bytes)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }) as string;
    } catch (e) {
      const x = e as { stdout?: string; stderr?: string };
      out = `${x.stdout ?? ''}${x.stderr ?? ''}`;
    }
    return out.split('\n').filter((l) => /^Error/.test(l));
  };
  it('reports errors for a SEG without its Frame of Reference (the check can fail)', async () => {
    const good = await writeSeg(sampleSeg(11, 13));
    const file = dcmjs.data.DicomMessage.readFile(good.buffer.slice(good.byteOffset, good.byteOffset + good.length));
    delete file.dict['00200052'];
    expect(errors(new Uint8Array(file.write())).length).toBeGreaterThan(0);
  });
  for (const ts of ['explicit', 'rle'] as const) {
    for (const type of ['BINARY', 'FRACTIONAL'] as const) {
      it(`finds no errors in rlekit's SEG (${ts}, ${type}, 11x13 and 48x64)`, async () => {
        for (const [r, c] of [[11, 13], [48, 64]] as const) expect(errors(await writeSeg(sampleSeg(r, c), { transferSyntax: ts, segmentationType: type }))).toEqual([]);
      });
    }
  }
  it('finds no errors in a SEG that references its source images', async () => {
    const seg = sampleSeg(16, 20);
    seg.referencedSeriesInstanceUID = '1.2.826.0.1.3680043.8.498.1';
    seg.frames.forEach((f, i) => { f.sourceImage = { sopClassUID: '1.2.840.10008.5.1.4.1.1.2', sopInstanceUID: `1.2.826.0.1.3680043.8.498.1.${Math.floor(i / 2) + 1}` }; });
    expect(errors(await writeSeg(seg))).toEqual([]);
  });
  it('finds no errors in highdicom SEGs re-written by the dialect (source references kept)', async () => {
    for (const f of ['highdicom_seg_image_ct_binary.dcm', 'highdicom_seg_image_ct_binary_overlap.dcm']) {
      const bytes = new Uint8Array(readFileSync(join(import.meta.dirname, '../../../conformance/vectors/dicom/external', f)));
      const out = await dialect.write(await dialect.read(bytes), { transferSyntax: 'rle' });
      expect(errors(out), f).toEqual([]);
      expect((await readSeg(out)).frames.every((fr) => fr.sourceImage !== undefined)).toBe(true);
    }
  });
  it('finds no errors in a SEG written by the dialect from a plain dataset', async () => {
    const size = { height: 9, width: 14 };
    const bytes = await dialect.write({
      images: [{ id: 'a', ...size }, { id: 'b', ...size }],
      categories: [{ id: 7, name: 'cell', color: [255, 0, 0] }, { id: 9, name: 'nucleus' }],
      annotations: [
        { id: 1, imageId: 'a', categoryId: 7, mask: Mask.full(size) },
        { id: 2, imageId: 'b', categoryId: 9, mask: Mask.fromBitmap(Uint8Array.from(pixels(126, 1, 5)), size) },
      ],
    }, { transferSyntax: 'rle' });
    expect(errors(bytes)).toEqual([]);
    expect((await readSeg(bytes)).frames.length).toBe(2);
  });
});
