/** The COCO dialect's read and write options, validated by zod (tree-shakable zod/mini). */
import * as z from 'zod/mini';
import { en } from 'zod/locales';
import { parseDialectOptions } from '@rlekit/core';


export type CocoFormat = 'instances' | 'results' | 'sa1b';

export const readOptionsSchema = z.object({
  format: z._default(z.enum(['auto', 'instances', 'results', 'sa1b']), 'auto')
    .register(z.globalRegistry, { description: 'File layout: auto (sniffed from the JSON structure), instances (COCO/LVIS), results (a list of detections) or sa1b (SA-1B per-image JSON)' }),
  inMemoryBytes: z._default(z.int().check(z.positive()), 256 * 1024 * 1024)
    .register(z.globalRegistry, { description: 'Files up to this many bytes are parsed in memory; larger ones are stream-parsed' }),
  groupByImage: z._default(z.boolean(), true)
    .register(z.globalRegistry, { description: 'Streamed reads yield each image\'s annotations together, in image order (per-image writers such as Kaggle need it; a file that scatters them holds masks until their image is complete); false: file order, bounded memory' }),
});
export type CocoReadOptions = z.infer<typeof readOptionsSchema>;

export const writeOptionsSchema = z.object({
  format: z._default(z.enum(['instances', 'results', 'sa1b']), 'instances')
    .register(z.globalRegistry, { description: 'File layout written: instances (COCO), results (a list of detections) or sa1b (SA-1B, one image)' }),
  rle: z._default(z.enum(['compressed', 'uncompressed']), 'compressed')
    .register(z.globalRegistry, { description: 'Segmentation form: compressed (counts string) or uncompressed (counts list)' }),
  iscrowd: z._default(z.enum(['preserve', '0', '1']), 'preserve')
    .register(z.globalRegistry, { description: 'iscrowd written: preserve (the annotation flag, 0 when absent), or 0 / 1 for every annotation' }),
  polygons: z._default(z.enum(['keep', 'rle']), 'keep')
    .register(z.globalRegistry, { description: 'keep: masks read from COCO polygons (and unchanged) are written back as those polygons; rle: always write RLE' }),
  segmentation: z._default(z.enum(['rle', 'polygons', 'auto']), 'rle')
    .register(z.globalRegistry, { description: 'Other masks (instances format): rle; polygons (traced from the mask, one ring per part); auto: polygons where they are exact (no holes), else RLE' }),
  polygonHoles: z._default(z.enum(['bridge', 'fill']), 'bridge')
    .register(z.globalRegistry, { description: 'With segmentation polygons, a mask with holes: bridge (each hole joined to its part\'s ring by a zero-width cut; pycocotools draws it back exactly) or fill (holes dropped, reported)' }),
});
export type CocoWriteOptions = z.infer<typeof writeOptionsSchema>;

export function parseOptions<T>(schema: z.ZodMiniType<T>, input: unknown): T {
  // zod/mini ships no messages: zod's English ones, as the full zod printed them.
  return parseDialectOptions(schema, input, undefined, { error: en().localeError });
}
