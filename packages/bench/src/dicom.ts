import { Mask, RunBuilder } from '@rlekit/core';
import { decodeRleFrame, encodeRleFrame, readSeg, writeSeg, type SegFrame } from '@rlekit/dicom';
import { fillCase, prng, runCases, type BenchRow } from './kit.js';

/** A 512×512×100 16-bit CT-like volume: air, a body ellipse with organs and low-bit noise. */
function volume(): Uint16Array[] {
  const rand = prng(8);
  const frames: Uint16Array[] = [];
  for (let z = 0; z < 100; z++) {
    const f = new Uint16Array(512 * 512);
    for (let y = 0; y < 512; y++) {
      for (let x = 0; x < 512; x++) {
        const bx = (x - 256) / 220, by = (y - 256) / 170;
        if (bx * bx + by * by > 1) continue;
        const ox = (x - 200 - z) / 60, oy = (y - 240) / 50;
        const base = ox * ox + oy * oy < 1 ? 1060 : 1020;
        f[y * 512 + x] = base + (rand() < 0.3 ? Math.floor(rand() * 8) : 0);
      }
    }
    frames.push(f);
  }
  return frames;
}

/** 200 frames of 512×512 binary masks: a moving, growing ellipse per frame, built from runs. */
function segFrames(): SegFrame[] {
  const size = { height: 512, width: 512 };
  return Array.from({ length: 200 }, (_, k) => {
    const b = new RunBuilder();
    const cx = 180 + k, cy = 256, rx = 40 + (k % 50), ry = 60 + (k % 30);
    for (let y = 0; y < 512; y++) {
      const dy = (y - cy) / ry;
      if (Math.abs(dy) >= 1) continue;
      const half = rx * Math.sqrt(1 - dy * dy);
      b.addInterval(y * 512 + Math.max(0, Math.floor(cx - half)), y * 512 + Math.min(512, Math.ceil(cx + half)));
    }
    return { segmentNumber: (k % 2) + 1, imagePositionPatient: [0, 0, Math.floor(k / 2)] as const, mask: Mask.fromCanonicalRuns(b.finish(512 * 512), size, 'row') };
  });
}

export async function bench(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const vol = volume();
  const info = { rows: 512, columns: 512, bitsAllocated: 16 };
  const encoded = vol.map((f) => encodeRleFrame(f, info));
  const mb = (512 * 512 * 2 * 100) / 1e6;
  rows.push(...(await runCases('dicom 512x512x100 16-bit volume', [
    fillCase(512 * 512 * 2 * 100),
    { name: 'encodeRleFrame x100 (MB of pixels)', work: mb, unit: 'MB', fn: () => vol.map((f) => encodeRleFrame(f, info)) },
    { name: 'decodeRleFrame x100 (MB of pixels)', work: mb, unit: 'MB', fn: () => encoded.map((f) => decodeRleFrame(f, info)) },
  ])));
  const frames = segFrames();
  const seg = { rows: 512, columns: 512, segments: [{ number: 1, label: 'a' }, { number: 2, label: 'b' }], frames, contentDateTime: new Date(0) };
  const rle = await writeSeg(seg, { transferSyntax: 'rle' });
  const native = await writeSeg(seg, { transferSyntax: 'explicit' });
  const px = (512 * 512 * 200) / 1e6; // one byte per pixel, decoded
  rows.push(...(await runCases('dicom 512x512 BINARY SEG, 200 frames', [
    fillCase(512 * 512 * 200),
    // Async since dcmjs loads on first use (loaded above): the bench awaits each call.
    { name: 'writeSeg RLE (MB as 1 byte/pixel)', work: px, unit: 'MB', fn: async () => writeSeg(seg, { transferSyntax: 'rle' }) },
    { name: 'readSeg RLE (MB as 1 byte/pixel)', work: px, unit: 'MB', fn: async () => readSeg(rle) },
    { name: 'writeSeg native bit-packed (MB as 1 byte/pixel)', work: px, unit: 'MB', fn: async () => writeSeg(seg, { transferSyntax: 'explicit' }) },
    { name: 'readSeg native bit-packed (MB as 1 byte/pixel)', work: px, unit: 'MB', fn: async () => readSeg(native) },
  ])));
  return rows;
}
