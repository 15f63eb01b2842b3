import { decodeUtf8, memoryFolder, parseJson, readAllBytes, RleError, type Dialect, type OutputFile } from '@rlekit/core';
import { dialect as panoptic } from '@rlekit/coco-panoptic';
import type { ConformanceProfile } from '../profile.js';

/**
 * COCO panoptic is a folder (the JSON and its PNGs); the matrix moves single files. This adapter
 * packs the folder that `writeFiles` makes into one JSON of base64 files and reads it back through
 * a memory folder, so the matrix runs the real folder writer and reader on every hop.
 */
export const packed: Dialect = {
  ...panoptic,
  async write(dataset, options, context) {
    const files: Record<string, string> = {};
    for await (const f of panoptic.writeFiles!(dataset, options, context) as AsyncIterable<OutputFile>) files[f.path] = Buffer.from(f.bytes).toString('base64');
    return new TextEncoder().encode(JSON.stringify(files));
  },
  async read(input, options, context) {
    return panoptic.read(await unpack(input), options, context);
  },
  // The streamed reader over the same folder (the fuzzer compares it with read).
  async readStream(input, options, context) {
    return panoptic.readStream!(await unpack(input), options, context);
  },
};

/** The packed folder as a memory folder. The container is this file's own; damaged containers (the robustness and fuzz tests) are RleErrors too. */
async function unpack(input: unknown): Promise<ReturnType<typeof memoryFolder>> {
  const files = parseJson(decodeUtf8(await readAllBytes(input as Uint8Array)), 'a packed coco-panoptic folder');
  if (typeof files !== 'object' || files === null || Array.isArray(files) || !Object.values(files).every((v) => typeof v === 'string')) {
    throw new RleError('INVALID_STRUCTURE', 'Not a packed coco-panoptic folder', { expected: '{ path: base64 }' });
  }
  return memoryFolder(Object.fromEntries(Object.entries(files as Record<string, string>).map(([p, b]) => [p, new Uint8Array(Buffer.from(b, 'base64'))])), 'panoptic');
}

// One segment per pixel: overlapping masks cannot be held (the fixture with overlaps is skipped).
// Not exact: the JSON gives every category `isthing` and a colour, and an empty mask has no segment.
export const profiles: ConformanceProfile[] = [{ name: 'coco-panoptic', dialect: packed, exact: false }];
