import { describe, expect, it } from 'vitest';
import type { ByteSource, Dialect } from '@rlekit/core';
import { dialect as json } from '@rlekit/core/json';
import { dialect as coco } from '@rlekit/coco';
import { dialect as png } from '@rlekit/png';
import { dialect as encord } from '@rlekit/encord';
import { dialect as cvat } from '@rlekit/cvat';
import { dialect as dicom } from '@rlekit/dicom';
import { dialect as labelStudio } from '@rlekit/label-studio';
import { dialect as darwin } from '@rlekit/darwin';
import { dialect as supervisely } from '@rlekit/supervisely';
import { dialect as labelme } from '@rlekit/labelme';
import { dialect as yolo } from '@rlekit/yolo';

/** /dev/zero as a source: endless zero bytes, counting how many a reader pulled. */
function zeros(): ByteSource & { pulled: number } {
  const src = {
    kind: 'bytes' as const, name: 'zero', pulled: 0,
    async *stream() {
      const chunk = new Uint8Array(1 << 16);
      for (;;) {
        src.pulled += chunk.length;
        // A reader that buffers on is stopped here (and fails the test) instead of eating memory.
        if (src.pulled > 64 << 20) throw new Error('read 64 MiB of zeros without refusing them');
        yield chunk;
      }
    },
  };
  return src;
}

// Every reader that reads a file into memory checks its first bytes as they arrive (#12 item 18).
const readers: Dialect[] = [json, coco, png, encord, cvat, dicom, labelStudio, darwin, supervisely, labelme, yolo];

describe('a stream of zeros read as any dialect', () => {
  it.each(readers.map((d) => [d.id, d] as const))('%s refuses it at its first bytes with a typed error', async (_id, d) => {
    const src = zeros();
    const reading = d.readStream ? d.readStream(src, {}, { warn: () => {} }) : d.read(src, {}, { warn: () => {} });
    await expect(reading).rejects.toMatchObject({ name: 'RleError', code: 'INVALID_STRUCTURE' });
    expect(src.pulled).toBeLessThanOrEqual(1 << 20);
  });
});
