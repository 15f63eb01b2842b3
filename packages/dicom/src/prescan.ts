/**
 * What rlekit checks in a Part 10 file's bytes before dcmjs parses it, because dcmjs has no
 * limits of its own: the File Meta group (for the transfer syntax), Deflated data sets (inflated
 * here, in bounded pieces, instead of by dcmjs without a limit) and the nesting depth of
 * sequences (dcmjs recurses into each level; thousands of levels take tens of seconds).
 */
import { Inflate } from 'fflate';
import { RleError, type WarningSink } from '@rlekit/core';

/** Deepest nesting of sequences accepted. Real files nest a few levels (SEG: 3, SR trees about 10-20). */
export const MAX_SEQUENCE_DEPTH = 64;

const TS_IMPLICIT_LE = '1.2.840.10008.1.2';
const TS_EXPLICIT_LE = '1.2.840.10008.1.2.1';
const TS_DEFLATED_LE = '1.2.840.10008.1.2.1.99';
const TS_EXPLICIT_BE = '1.2.840.10008.1.2.2';

/** Explicit VRs with a 2-byte reserved field and a 4-byte length (PS3.5 7.1.2). */
const SHORT_VRS = new Set(['AE', 'AS', 'AT', 'CS', 'DA', 'DS', 'DT', 'FL', 'FD', 'IS', 'LO', 'LT', 'PN', 'SH', 'SL', 'SS', 'ST', 'TM', 'UI', 'UL', 'US']);
/** Every other VR has the 4-byte length, an unknown one too: dcmjs reads it as UN (PS3.5 6.2.2), and so must the checks. */
const LONG_VRS = { has: (vr: string): boolean => !SHORT_VRS.has(vr) };
const UNDEFINED = 0xffffffff;

interface MetaElement {
  group: number;
  element: number;
  start: number;
  end: number;
}

export interface FileMeta {
  transferSyntaxUID: string;
  /** Offset of the first data set element, just after the File Meta group. */
  end: number;
  elements: MetaElement[];
}

/** Reads the File Meta Information group (always Explicit VR Little Endian) that follows "DICM". */
export function readFileMeta(bytes: Uint8Array): FileMeta {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const elements: MetaElement[] = [];
  let transferSyntaxUID = '';
  let pos = 132;
  while (pos + 8 <= bytes.length && view.getUint16(pos, true) === 0x0002) {
    const element = view.getUint16(pos + 2, true);
    const vr = String.fromCharCode(bytes[pos + 4]!, bytes[pos + 5]!);
    const long = LONG_VRS.has(vr);
    if (long && pos + 12 > bytes.length) break;
    const length = long ? view.getUint32(pos + 8, true) : view.getUint16(pos + 6, true);
    const header = long ? 12 : 8;
    if (length === UNDEFINED || pos + header + length > bytes.length) {
      throw new RleError('TRUNCATED', 'The File Meta group ends before its elements do', { offset: pos, expected: `an element of ${length === UNDEFINED ? 'defined length' : `${length} bytes`}` });
    }
    if (element === 0x0010) transferSyntaxUID = new TextDecoder().decode(bytes.subarray(pos + header, pos + header + length)).replace(/[\0 ]+$/, '');
    elements.push({ group: 2, element, start: pos, end: pos + header + length });
    pos += header + length;
  }
  return { transferSyntaxUID, end: pos, elements };
}

/**
 * A Deflated Explicit VR Little Endian file as the same file in Explicit VR Little Endian:
 * the data set is inflated in 1 KiB pieces and refused (LIMIT_EXCEEDED) as soon as it passes
 * `maxBytes`, before any more is inflated; the File Meta group is rewritten to name the
 * inflated transfer syntax (its group length recomputed), so dcmjs never inflates anything.
 */
export function inflateDeflated(bytes: Uint8Array, meta: FileMeta, maxBytes: number): Uint8Array {
  const parts: Uint8Array[] = [];
  let total = 0;
  const inflater = new Inflate((chunk) => {
    total += chunk.length;
    if (total > maxBytes) {
      throw new RleError('LIMIT_EXCEEDED', 'The Deflated data set inflates to more than maxBytes', { offset: meta.end, expected: `at most ${maxBytes} bytes inflated`, received: `more than ${maxBytes}` });
    }
    parts.push(chunk);
  });
  // Deflate expands at most 1032:1, so a 1 KiB piece makes at most about 1 MiB: the limit is
  // checked every MiB of output, not after fflate has made a whole bomb.
  const PIECE = 1 << 10;
  try {
    for (let i = meta.end; i < bytes.length; i += PIECE) inflater.push(bytes.subarray(i, Math.min(bytes.length, i + PIECE)), i + PIECE >= bytes.length);
    if (meta.end >= bytes.length) inflater.push(new Uint8Array(0), true);
  } catch (e) {
    if (e instanceof RleError) throw e;
    throw new RleError('CORRUPT', `The Deflated data set cannot be inflated: ${e instanceof Error ? e.message : 'invalid deflate data'}`, { offset: meta.end, expected: 'raw deflate data (RFC 1951) after the File Meta group', cause: e });
  }
  // The File Meta group again, with the transfer syntax of what now follows it.
  const uid = TS_EXPLICIT_LE + '\0'; // UIDs are padded to even length with NUL
  const metaParts: Uint8Array[] = [];
  let groupLengthAt = -1;
  let metaLength = 0;
  for (const el of meta.elements) {
    let raw = bytes.subarray(el.start, el.end);
    if (el.element === 0x0010) {
      raw = new Uint8Array(8 + uid.length);
      raw.set(bytes.subarray(el.start, el.start + 6)); // tag and "UI"
      new DataView(raw.buffer).setUint16(6, uid.length, true);
      for (let i = 0; i < uid.length; i++) raw[8 + i] = uid.charCodeAt(i);
    } else if (el.element === 0x0000) {
      raw = raw.slice();
      groupLengthAt = metaParts.length;
    }
    if (el.element !== 0x0000) metaLength += raw.length;
    metaParts.push(raw);
  }
  if (groupLengthAt >= 0) {
    const g = metaParts[groupLengthAt]!;
    if (g.length === 12) new DataView(g.buffer, g.byteOffset).setUint32(8, metaLength, true);
  }
  const out = new Uint8Array(132 + metaParts.reduce((n, p) => n + p.length, 0) + total);
  out.set(bytes.subarray(0, 132));
  let o = 132;
  for (const p of [...metaParts, ...parts]) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** The encoding of the data set that follows the File Meta group. */
export function dataSetEncoding(transferSyntaxUID: string): { explicit: boolean; little: boolean } {
  if (transferSyntaxUID === TS_IMPLICIT_LE) return { explicit: false, little: true };
  if (transferSyntaxUID === TS_EXPLICIT_BE) return { explicit: true, little: false };
  return { explicit: true, little: true }; // Explicit VR LE, (inflated) Deflated, and every encapsulated syntax
}

type Frame = { kind: 'elements' | 'items' | 'fragments'; end: number; explicit: boolean };

/**
 * Walks the data set's element headers (values are skipped, not read) and refuses sequences
 * nested deeper than `maxDepth` with LIMIT_EXCEEDED at the offset of the first one too deep.
 * Iterative and linear in the number of elements. Anything it cannot follow (a malformed
 * header, a value past the end) ends the walk: dcmjs then reports the file as it does.
 */
export function checkSequenceDepth(bytes: Uint8Array, start: number, transferSyntaxUID: string, maxDepth = MAX_SEQUENCE_DEPTH): void {
  const { explicit, little } = dataSetEncoding(transferSyntaxUID);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = bytes.length;
  const stack: Frame[] = [{ kind: 'elements', end: n, explicit }];
  let depth = 0;
  let pos = start;
  const pop = (): void => {
    if (stack.pop()!.kind === 'items') depth--;
  };
  // A length past the end of the file is refused here: dcmjs 0.51 would allocate the declared
  // length (up to 4 GiB, the file's choice) and pad the value with zeros.
  const pastEnd = (at: number, length: number, valueAt: number): void => {
    if (valueAt + length > n) {
      throw new RleError('TRUNCATED', `The value at byte ${at} declares ${length} bytes but only ${Math.max(0, n - valueAt)} are left`, { offset: at, expected: `${length} bytes`, received: `${Math.max(0, n - valueAt)} bytes` });
    }
  };
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    if (pos >= top.end) {
      pop();
      continue;
    }
    if (pos + 8 > n) return;
    const group = view.getUint16(pos, little), element = view.getUint16(pos + 2, little);
    const isDelimiterGroup = group === 0xfffe;
    if (top.kind !== 'elements') {
      if (isDelimiterGroup && element === 0xe0dd) {
        pos += 8;
        pop();
      } else if (isDelimiterGroup && element === 0xe000) {
        const length = view.getUint32(pos + 4, little);
        pos += 8;
        if (top.kind === 'fragments') {
          if (length === UNDEFINED) throw new RleError('INVALID_STRUCTURE', 'A fragment item has an undefined length', { offset: pos - 8, expected: 'a fragment of defined length (PS3.5 A.4)' });
          pastEnd(pos - 8, length, pos);
          pos += length;
        } else {
          if (length !== UNDEFINED) pastEnd(pos - 8, length, pos);
          stack.push({ kind: 'elements', end: length === UNDEFINED ? n : pos + length, explicit: top.explicit });
        }
      } else {
        // dcmjs would go on reading whatever this is as an item; nothing valid follows a sequence's items but a delimiter.
        throw new RleError('INVALID_STRUCTURE', `(${hex(group)},${hex(element)}) inside a sequence or Pixel Data, where items are`, { offset: pos, expected: 'an item (FFFE,E000) or a sequence delimiter (FFFE,E0DD)' });
      }
      continue;
    }
    if (isDelimiterGroup) {
      pos += 8;
      if (element === 0xe00d && stack.length > 1) pop();
      continue;
    }
    let vr = '';
    let length: number, header: number;
    if (top.explicit) {
      vr = String.fromCharCode(bytes[pos + 4]!, bytes[pos + 5]!);
      if (LONG_VRS.has(vr)) {
        if (pos + 12 > n) return;
        length = view.getUint32(pos + 8, little);
        header = 12;
      } else {
        length = view.getUint16(pos + 6, little);
        header = 8;
      }
    } else {
      length = view.getUint32(pos + 4, little);
      header = 8;
    }
    const valueAt = pos + header;
    const pixelData = group === 0x7fe0 && (element === 0x0010 || element === 0x0008 || element === 0x0009);
    if (pixelData && length === UNDEFINED) {
      // Encapsulated Pixel Data: fragments, not data sets.
      stack.push({ kind: 'fragments', end: n, explicit: top.explicit });
      pos = valueAt;
      continue;
    }
    const sequence = top.explicit
      ? vr === 'SQ' || (vr === 'UN' && length === UNDEFINED)
      : length === UNDEFINED || (length >= 8 && valueAt + 4 <= n && view.getUint16(valueAt, little) === 0xfffe && view.getUint16(valueAt + 2, little) === 0xe000);
    if (sequence) {
      if (++depth > maxDepth) {
        throw new RleError('LIMIT_EXCEEDED', `Sequences are nested more than ${maxDepth} levels deep`, { offset: pos, expected: `sequences nested at most ${maxDepth} deep`, received: `(${hex(group)},${hex(element)}) at level ${depth}` });
      }
      if (length !== UNDEFINED) pastEnd(pos, length, valueAt);
      // A UN of undefined length holds an Implicit VR Little Endian sequence (PS3.5 6.2.2).
      stack.push({ kind: 'items', end: length === UNDEFINED ? n : valueAt + length, explicit: top.explicit && vr !== 'UN' });
      pos = valueAt;
      continue;
    }
    if (length === UNDEFINED) {
      // OB/OW of undefined length outside Pixel Data: encapsulated the same way (items, then a delimiter).
      stack.push({ kind: 'fragments', end: n, explicit: top.explicit });
      pos = valueAt;
      continue;
    }
    pastEnd(pos, length, valueAt);
    pos = valueAt + length;
  }
}

const hex = (v: number): string => v.toString(16).toUpperCase().padStart(4, '0');

/**
 * Runs `fn` (a synchronous dcmjs call) with dcmjs's loggers captured instead of printed. dcmjs
 * logs through loglevel: what it says about the file (an invalid VR read as UN, a value longer
 * than the bytes left) is summed up as one `dicom-parser` warning; what is only noise (Pixel
 * Data's VR "ox" in Implicit VR files, resolved as the standard says) is dropped.
 */
export function withDcmjsLog<T>(dcmjs: { log?: unknown }, warn: WarningSink | undefined, fn: () => T): T {
  const root = dcmjs.log as Logger | undefined;
  const loggers = root ? [root, ...['validation.dcmjs', 'AsyncDicomReader'].map((name) => root.getLogger?.(name)).filter((l): l is Logger => l !== undefined)] : [];
  const saved = loggers.map((l) => LEVELS.map((k) => l[k]));
  const said: string[] = [];
  const capture = (...args: unknown[]): void => {
    const text = args.map((a) => (typeof a === 'string' || typeof a === 'number' ? String(a) : '')).join(' ').trim();
    if (/^Invalid vr type (ox|xs) /.test(text)) return;
    said.push(text);
  };
  for (const l of loggers) for (const k of LEVELS) l[k] = capture;
  try {
    return fn();
  } finally {
    loggers.forEach((l, i) => LEVELS.forEach((k, j) => (l[k] = saved[i]![j]!)));
    if (said.length > 0 && warn) {
      const shown = said[0]!.replace(/[^\x20-\x7e]/g, '?').slice(0, 160);
      warn({ code: 'dicom-parser', message: `dcmjs read ${said.length} element${said.length === 1 ? '' : 's'} leniently, first: ${shown}`, count: said.length });
    }
  }
}

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'log'] as const;
type Logger = { getLogger?: (name: string) => Logger } & Record<(typeof LEVELS)[number], (...args: unknown[]) => void>;

export { TS_DEFLATED_LE };
