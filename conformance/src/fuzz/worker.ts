/**
 * The child process that reads one input at a time for the supervisor (supervisor.ts): it runs
 * `read`, and `readStream` where the dialect has one, and answers with the outcome. Anything that
 * kills it (a hang, a blow-up, a crash) is seen and classified by the parent, which starts another.
 */
import { collectDataset, isRleError, type Annotation, type MaskDataset } from '@rlekit/core';
import { dialects } from './dialects.js';

export interface Job {
  dialect: string;
  bytes: Uint8Array;
  readOptions?: Record<string, unknown>;
}

/** What one read gave: a dataset summary, an RleError code, or an error that is not an RleError. */
export type ReadResult = { kind: 'ok'; signature: string } | { kind: 'rle'; code: string } | { kind: 'untyped'; error: string };

export interface Answer {
  read: ReadResult;
  stream?: ReadResult;
}

/** FNV-1a over 32-bit values: a cheap fingerprint of runs. */
function hash(values: ArrayLike<number>, h = 0x811c9dc5): number {
  for (let i = 0; i < values.length; i++) h = Math.imul(h ^ values[i]!, 0x01000193) >>> 0;
  return h;
}

function annotationSignature(a: Annotation): string {
  return `${String(a.id)}|${String(a.imageId)}|${String(a.categoryId)}|${a.mask.height}x${a.mask.width}|${a.mask.area()}|${hash(a.mask.runsView('row'))}|${a.iscrowd === true}|${a.score}`;
}

/** Everything a reader decided, in a comparable string (ids, sizes, categories, runs fingerprints). */
export function signature(d: MaskDataset): string {
  const images = d.images.map((i) => `${String(i.id)}|${i.height}x${i.width}|${i.fileName ?? ''}`).join(';');
  const categories = d.categories.map((c) => `${String(c.id)}|${c.name}`).join(';');
  return `${images}\n${categories}\n${d.annotations.map(annotationSignature).join(';')}`;
}

function describe(e: unknown): string {
  // Never String(e) on something the input made: only the constructor name and message of real errors.
  if (e instanceof Error) return `${e.constructor.name}: ${e.message.slice(0, 200)}`;
  return `non-Error thrown (${typeof e})`;
}

async function attempt(run: () => Promise<MaskDataset>): Promise<ReadResult> {
  try {
    return { kind: 'ok', signature: signature(await run()) };
  } catch (e) {
    return isRleError(e) ? { kind: 'rle', code: e.code } : { kind: 'untyped', error: describe(e) };
  }
}

export async function answer(job: Job): Promise<Answer> {
  const d = dialects[job.dialect];
  if (d === undefined) throw new Error(`no dialect ${job.dialect}`);
  const ctx = { warn: () => {} };
  const read = await attempt(() => d.read(job.bytes, job.readOptions ?? {}, ctx));
  if (d.readStream === undefined) return { read };
  const stream = await attempt(async () => collectDataset(await d.readStream!(job.bytes, job.readOptions ?? {}, ctx)));
  return { read, stream };
}

if (process.send !== undefined) {
  process.on('message', (message: { n: number; job: Job }) => {
    void answer(message.job).then(
      (a) => process.send!({ n: message.n, answer: a }),
      (e: unknown) => process.send!({ n: message.n, answer: { read: { kind: 'untyped', error: describe(e) } } }),
    );
  });
  process.send({ ready: true });
}
