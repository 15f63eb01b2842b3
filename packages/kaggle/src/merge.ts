/**
 * Joins Kaggle CSVs written for consecutive shards of one input (`rlekit convert --shard i/n`)
 * into what one conversion writes: the header once (every part must have the same), then each
 * part's rows, copied as bytes. The writer puts each image's rows together in image order, so the
 * parts are consecutive pieces of one run's rows.
 */
import { RleError, type ByteSource, type PartJoin } from '@rlekit/core';

const NL = 0x0a;

export async function* mergeCsv(parts: readonly ByteSource[]): AsyncGenerator<Uint8Array> {
  if (parts.length === 0) throw new RleError('INVALID_OPTION', 'merge needs at least one part');
  let header: Uint8Array | undefined;
  for (const [k, part] of parts.entries()) {
    // The header line (the writer's column names hold no line break), gathered across chunks.
    let line: Uint8Array[] = [], lineBytes = 0, inHeader = true;
    for await (const chunk of part.stream()) {
      let body = chunk;
      if (inHeader) {
        const nl = chunk.indexOf(NL);
        line.push(nl < 0 ? chunk : chunk.subarray(0, nl + 1));
        lineBytes += nl < 0 ? chunk.length : nl + 1;
        if (lineBytes > 1 << 16) throw new RleError('INVALID_STRUCTURE', `${part.name} has no CSV header line`, { expected: 'a Kaggle CSV written by rlekit' });
        if (nl < 0) continue;
        inHeader = false;
        const h = new Uint8Array(lineBytes);
        let o = 0;
        for (const b of line) (h.set(b, o), (o += b.length));
        line = [];
        if (k === 0) (header = h, yield h);
        else if (!sameBytes(h, header!)) {
          throw new RleError('INVALID_STRUCTURE', `${part.name} is not a shard of the same conversion as the first part: its header differs`, { path: ['line', 1], expected: 'the outputs of one conversion run with --shard 0/n … (n-1)/n, in that order' });
        }
        body = chunk.subarray(nl + 1);
      }
      if (body.length > 0) yield body.slice();
    }
    if (inHeader) throw new RleError('INVALID_STRUCTURE', `${part.name} has no CSV header line`, { expected: 'a Kaggle CSV written by rlekit' });
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * A `--jobs` part's layout for the join: its header line is its head (described as soon as the
 * chunk that ends it is about to go out), every row after it the body.
 */
export async function* describeHeader(chunks: AsyncIterable<Uint8Array>, describe: (info: unknown) => void): AsyncGenerator<Uint8Array> {
  let at = 0, described = false;
  for await (const c of chunks) {
    if (!described) {
      const nl = c.indexOf(NL);
      if (nl >= 0) (described = true, describe({ start: at + nl + 1 }));
    }
    at += c.length;
    yield c;
  }
}

/** `--jobs` parts joined while they are written (core's PartJoin): one header, then every part's rows. */
export const csvJoin: PartJoin = {
  body: (info) => (info === undefined ? undefined : { start: (info as { start: number }).start }),
  async open(heads) {
    if (heads.some((h) => !sameBytes(h, heads[0]!))) throw new RleError('INVALID_STRUCTURE', 'The parts of one conversion have different headers', { expected: 'one header in every part' });
    return { head: heads[0]!, between: new Uint8Array(0), close: () => new Uint8Array(0) };
  },
  accept: () => true,
};
