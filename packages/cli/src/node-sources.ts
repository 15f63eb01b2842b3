import { closeSync, createReadStream, existsSync, fstatSync, mkdirSync, openSync, promises as fs, readFileSync, readSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { RleError, type ByteSource, type FolderSource, type ScratchFile } from '@rlekit/core';

/**
 * A ByteSource over a file: each `stream()` reads it again from the start (readers may take two passes).
 * @example
 * ```ts
 * import { mkdtempSync, writeFileSync } from 'node:fs';
 * import { tmpdir } from 'node:os';
 * import { join } from 'node:path';
 * const path = join(mkdtempSync(join(tmpdir(), 'rlekit-')), 'a.csv');
 * writeFileSync(path, 'ImageId,EncodedPixels\n');
 * decodeUtf8(await readAllBytes(fileSource(path))); // → 'ImageId,EncodedPixels\n'
 * ```
 */
export function fileSource(path: string, size?: number): ByteSource {
  return {
    kind: 'bytes',
    name: basename(path),
    path,
    ...(size === undefined ? {} : { size }),
    stream() {
      // As range's: a read dropped unfinished closes its handle when collected (abandonedReads).
      const held: { handle?: FileHandle } = {};
      const read = readWhole(path, held);
      abandonedReads.register(read, held);
      return read;
    },
    range(start: number, end: number) {
      // The file's handle, held here as well as by the read: a read its caller abandons (never
      // finished, never returned) is closed when it is collected (abandonedReads), not by Node's
      // FileHandle on GC, which warns on the user's terminal.
      const held: { handle?: FileHandle } = {};
      const read = readRange(path, start, end, held);
      abandonedReads.register(read, held);
      return read;
    },
  };
}

/** Largest chunk a file's stream() yields: bounded memory, syscalls amortised. */
const STREAM_CHUNK = 1 << 20;
/** Chunks read past the size a file's stat gave. */
const PAST_SIZE_CHUNK = 1 << 16;
/** One byte read past a small file's size (synchronously: never shared by two reads at once), to see whether it grew since its stat. */
const probe = new Uint8Array(1);

/**
 * A file from the start, in fresh chunks (a stream's chunks are the caller's to keep) no larger
 * than what is left of it: a folder of 4 KB PNGs read through createReadStream cost a 1 MiB buffer
 * per file, and that much external memory per file made V8 collect its whole heap every few
 * dozen files (95 full GCs for 2,000 files, a third of the time).
 */
async function* readWhole(path: string, held: { handle?: FileHandle }): AsyncGenerator<Uint8Array> {
  const small = readSmall(path);
  if (small !== undefined) {
    yield small;
    return;
  }
  const handle = (held.handle = await fs.open(path, 'r'));
  try {
    const { size } = await handle.stat();
    for (let at = 0; ;) {
      // Past the size the stat gave (a file still growing, or one whose size reads as 0, as in
      // /proc) it reads on in smaller chunks until the end.
      const want = at < size ? Math.min(STREAM_CHUNK, size - at) : PAST_SIZE_CHUNK;
      const chunk = new Uint8Array(want);
      const { bytesRead } = await handle.read(chunk, 0, want, at);
      if (bytesRead === 0) return;
      yield bytesRead === want ? chunk : chunk.slice(0, bytesRead);
      at += bytesRead;
    }
  } finally {
    held.handle = undefined;
    await handle.close();
  }
}

/**
 * A file of one chunk at most, read with synchronous calls: from the page cache open, stat, read
 * and close cost less than their four thread-pool round trips (130 µs a file, about a fifth of
 * reading a folder of 480×640 label PNGs), and a reader awaits each file before the next anyway.
 * Undefined for a larger file, an empty one (as /proc files read), or one that grew meanwhile.
 */
function readSmall(path: string): Uint8Array | undefined {
  const fd = openSync(path, 'r');
  try {
    const { size } = fstatSync(fd);
    if (size === 0 || size > STREAM_CHUNK) return undefined;
    const out = new Uint8Array(size);
    let at = 0;
    while (at < size) {
      const n = readSync(fd, out, at, size - at, at);
      if (n === 0) return out.subarray(0, at); // it shrank
      at += n;
    }
    return readSync(fd, probe, 0, 1, size) === 0 ? out : undefined;
  } finally {
    closeSync(fd);
  }
}

/** Closes the handle of a range read that was dropped unfinished (see fileSource's range). */
const abandonedReads = new FinalizationRegistry<{ handle?: FileHandle }>((held) => void held.handle?.close().catch(() => undefined));

async function* readRange(path: string, start: number, end: number, held: { handle?: FileHandle }): AsyncGenerator<Uint8Array> {
  // Two buffers, reused (the contract lets a chunk go stale when the next is asked for): no
  // fresh pages per chunk, and the next chunk is read while the caller works on this one.
  const handle = (held.handle = await fs.open(path, 'r'));
  const size = Math.min(1 << 20, Math.max(0, end - start));
  const buffers = [new Uint8Array(size), new Uint8Array(size)];
  let pending: Promise<{ bytesRead: number }> | undefined;
  try {
    let at = start, which = 0;
    pending = start < end ? handle.read(buffers[0]!, 0, Math.min(size, end - start), start) : undefined;
    while (pending !== undefined) {
      const { bytesRead } = await pending;
      pending = undefined;
      if (bytesRead === 0) return; // the file ended early: the reader sees too few bytes
      const chunk = buffers[which]!.subarray(0, bytesRead);
      at += bytesRead;
      which ^= 1;
      if (at < end) {
        pending = handle.read(buffers[which]!, 0, Math.min(size, end - at), at);
        // Its failure is thrown when the caller asks for that chunk, not as an unhandled rejection meanwhile.
        pending.catch(() => undefined);
      }
      yield chunk;
    }
  } finally {
    // A read still in flight (the caller stopped early) ends before its handle closes.
    if (pending !== undefined) await pending.catch(() => undefined);
    held.handle = undefined;
    await handle.close();
  }
}

/**
 * A ScratchFile in `dir` (a reader's bytes set aside, see core's ScratchFile): beside the output,
 * on the disk the user chose for it, rather than in a /tmp that may be memory. Where the system
 * allows (not Windows) its name is removed as soon as it is open, so nothing is left behind
 * whatever ends the process; it is never synced (its bytes are read back within the run).
 * @example
 * ```ts
 * import { mkdtempSync, readdirSync } from 'node:fs';
 * import { tmpdir } from 'node:os';
 * import { join } from 'node:path';
 * const dir = mkdtempSync(join(tmpdir(), 'rlekit-'));
 * const scratch = await scratchFile(dir);
 * await scratch.write(Uint8Array.of(1, 2, 3), 0);
 * const got = new Uint8Array(2);
 * await scratch.read(got, 1);
 * await scratch.close();
 * [[...got], readdirSync(dir)]; // → [[2, 3], []]
 * ```
 */
export async function scratchFile(dir: string): Promise<ScratchFile> {
  const path = join(dir, `.rlekit-scratch-${process.pid}-${Math.random().toString(36).slice(2)}`);
  const handle = await fs.open(path, 'wx+');
  let named = true;
  if (process.platform !== 'win32') named = !(await fs.unlink(path).then(() => true, () => false));
  if (named) track(path);
  return {
    async write(bytes, position) {
      for (let at = 0; at < bytes.length;) at += (await handle.write(bytes, at, bytes.length - at, position + at)).bytesWritten;
    },
    async read(into, position) {
      let at = 0;
      for (let n = -1; at < into.length && n !== 0; at += n) n = (await handle.read(into, at, into.length - at, position + at)).bytesRead;
      return at;
    },
    async close() {
      await handle.close().catch(() => undefined);
      if (named) {
        await fs.rm(path, { force: true });
        untrack(path);
      }
    },
  };
}

/**
 * A FolderSource over a directory tree.
 * @example
 * ```ts
 * import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
 * import { tmpdir } from 'node:os';
 * import { join } from 'node:path';
 * const dir = mkdtempSync(join(tmpdir(), 'rlekit-'));
 * mkdirSync(join(dir, 'masks'));
 * writeFileSync(join(dir, 'masks', 'a.png'), new Uint8Array(8));
 * await folderSource(dir).list(); // → ['masks/a.png']
 * ```
 */
export function folderSource(dir: string): FolderSource {
  const root = resolve(dir);
  return {
    kind: 'folder',
    name: basename(root),
    async list() {
      const out: string[] = [];
      const walk = async (d: string): Promise<void> => {
        for (const e of await fs.readdir(d, { withFileTypes: true })) {
          const p = join(d, e.name);
          if (e.isDirectory()) await walk(p);
          else if (e.isFile()) out.push(relative(root, p).split(sep).join('/'));
        }
      };
      await walk(root);
      return out.sort();
    },
    open(path: string) {
      const full = resolve(root, path);
      if (!full.startsWith(root + sep) && full !== root) throw new RleError('IO', 'Path leaves the folder', { path: [path] });
      return fileSource(full);
    },
  };
}

/** How much of a pipe or device input is kept so it can be read again (detection, then the reader; two-pass readers). */
export const ONCE_RETAIN_BYTES = 256 * 1024 * 1024;

/**
 * A ByteSource over a pipe, FIFO or device, which can be opened only once: opening a FIFO again
 * waits for a writer that never comes, and a device like /dev/zero has no end. The stream is read
 * once; what has been read is kept (up to `retain` bytes) so later `stream()` calls replay it and
 * then continue where the read stopped. A second full pass over more than `retain` bytes is an IO
 * error that says to save the input to a file, never a hang. `size` is unknown (stat says 0).
 * @example
 * ```ts
 * import { mkdtempSync, writeFileSync } from 'node:fs';
 * import { tmpdir } from 'node:os';
 * import { join } from 'node:path';
 * // For pipes and devices; a file works too. What was read is replayed to a second pass.
 * const path = join(mkdtempSync(join(tmpdir(), 'rlekit-')), 'a.txt');
 * writeFileSync(path, 'abc');
 * const source = onceSource(path);
 * decodeUtf8(await readAllBytes(source)) + decodeUtf8(await readAllBytes(source)); // → 'abcabc'
 * ```
 */
export function onceSource(path: string, retain = ONCE_RETAIN_BYTES, open: () => AsyncIterable<Uint8Array> = () => createReadStream(path, { highWaterMark: 1 << 20 })): ByteSource {
  let it: AsyncIterator<Uint8Array> | undefined;
  const kept: Uint8Array[] = [];
  let keptBytes = 0, dropped = false, done = false;
  return {
    kind: 'bytes',
    name: basename(path),
    async *stream() {
      if (dropped) {
        throw new RleError('IO', `${basename(path)} is a pipe or device, read only once, and this reader needs to read it again`, { expected: `a regular file (save the input to a file), or an input under ${retain} bytes` });
      }
      it ??= open()[Symbol.asyncIterator]();
      for (let i = 0; ; i++) {
        if (!dropped && i < kept.length) {
          yield kept[i]!;
          continue;
        }
        if (done) return;
        const r = await it.next();
        if (r.done) {
          done = true;
          return;
        }
        if (!dropped && keptBytes + r.value.length <= retain) {
          kept.push(r.value);
          keptBytes += r.value.length;
        } else if (!dropped) {
          dropped = true;
          kept.length = 0;
        }
        yield r.value;
      }
    },
  };
}

/**
 * `-`: standard input. A file redirected to it (`< x.json`) is read as that file (by offset, as
 * often as the reader needs, where the system names it /dev/stdin); a pipe once, as any pipe.
 */
function stdinSource(): ByteSource {
  let st;
  try {
    st = fstatSync(0);
  } catch (e) {
    throw new RleError('IO', 'Cannot read standard input', { cause: e, expected: 'a file or pipe on standard input' });
  }
  if (st.isFile() && process.platform !== 'win32') return { ...fileSource('/dev/stdin', st.size), name: 'stdin' };
  return onceSource('stdin', ONCE_RETAIN_BYTES, () => process.stdin); // named so its messages say stdin
}

/**
 * Opens a path as a file or folder source, or throws an IO RleError; `-` is standard input.
 * Pipes, FIFOs and devices (`<(zcat x.gz)`, /dev/stdin) are read once: see {@link onceSource}.
 * @example
 * ```ts
 * import { mkdtempSync } from 'node:fs';
 * import { tmpdir } from 'node:os';
 * isFolderSource(await openPath(mkdtempSync(`${tmpdir()}/rlekit-`))); // → true
 * (await openPath('/no/such/file').catch((e: RleError) => e) as RleError).code; // → 'IO'
 * ```
 */
export async function openPath(path: string): Promise<ByteSource | FolderSource> {
  if (path === '-') return stdinSource();
  let st;
  try {
    st = await fs.stat(path);
  } catch (e) {
    throw new RleError('IO', `Cannot read ${path}`, { cause: e, expected: 'an existing file or folder' });
  }
  if (st.isDirectory()) return folderSource(path);
  if (st.isFile()) return fileSource(path, st.size);
  if (st.isSocket()) throw new RleError('IO', `Cannot read ${path}: it is a socket`, { expected: 'a file, folder, pipe or device' });
  return onceSource(path);
}

function tempName(target: string): string {
  return join(dirname(target), `.${basename(target)}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 8)}`);
}

/** Node's file-system failures (output is a folder, read-only, ...) as IO RleErrors: they are the user's paths, not our bugs. */
function ioError(e: unknown, target: string): unknown {
  if (e instanceof RleError || !(e instanceof Error) || !('code' in e)) return e;
  return new RleError('IO', `Cannot write ${target}: ${(e as NodeJS.ErrnoException).code ?? e.message}`, { cause: e, expected: 'a writable path' });
}

/** Creates the output's missing parent folders (`-o .tmp/out.csv` in a fresh clone); returns the topmost one created, removed again if the write fails. */
async function makeParent(target: string): Promise<string | undefined> {
  try {
    return await fs.mkdir(dirname(resolve(target)), { recursive: true });
  } catch (e) {
    throw ioError(e, target);
  }
}

// Temporary outputs being written. SIGINT, SIGTERM and SIGHUP remove them before the process ends
// as the signal would have ended it (a half-written 50 MB temp file must not be left behind).
const pending = new Set<string>();
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
function onSignal(signal: NodeJS.Signals): void {
  for (const p of pending) rmSync(p, { recursive: true, force: true });
  pending.clear();
  for (const s of SIGNALS) process.removeListener(s, onSignal);
  process.kill(process.pid, signal);
}
/** Removes `tmp` (file or folder) if the process is stopped by a signal, until untracked. */
export function track(tmp: string): void {
  if (pending.size === 0) for (const s of SIGNALS) process.on(s, onSignal);
  pending.add(tmp);
}
export function untrack(tmp: string): void {
  pending.delete(tmp);
  if (pending.size === 0) for (const s of SIGNALS) process.removeListener(s, onSignal);
}

/**
 * Where a write to `target` lands: symbolic links are followed to the file they name (which may not
 * exist yet), so `-o link` writes the link's target and keeps the link.
 */
async function resolveOutput(target: string): Promise<string> {
  let path = resolve(target);
  for (let hops = 0; hops < 40; hops++) {
    const st = await fs.lstat(path).catch(() => undefined);
    if (!st?.isSymbolicLink()) return path;
    path = resolve(dirname(path), await fs.readlink(path));
  }
  throw new RleError('IO', `Cannot write ${target}: too many levels of symbolic links`, { expected: 'a writable path' });
}

async function syncFolder(dir: string): Promise<void> {
  // Makes the rename durable; some file systems cannot open a folder for this, which is not an error.
  const h = await fs.open(dir, 'r').catch(() => undefined);
  await h?.sync().catch(() => {});
  await h?.close().catch(() => {});
}

/**
 * Bytes a durable write writes between the syncs it starts meanwhile (not awaited): its data goes
 * to disk while the conversion runs, and the final fsync waits for the last of it only (a 750 MB
 * output: 0.55–0.8 s at the end without them, 0.04 s with, and no slower writing).
 */
const SYNC_EVERY_BYTES = 64 << 20;

/** `syncEvery`: a durable write's bytes between the syncs it starts (SYNC_EVERY_BYTES); none: no syncs. */
async function writeChunks(handle: FileHandle, chunks: AsyncIterable<Uint8Array> | Uint8Array, syncEvery?: number): Promise<number> {
  if (chunks instanceof Uint8Array) {
    await handle.writeFile(chunks);
    return chunks.length;
  }
  let bytes = 0, unsynced = 0;
  let syncing: Promise<void> | undefined, failure: { error: unknown } | undefined;
  for await (const c of chunks) {
    await handle.write(c);
    bytes += c.length;
    unsynced += c.length;
    if (syncEvery !== undefined && unsynced >= syncEvery && syncing === undefined) {
      unsynced = 0;
      syncing = handle.datasync().then(() => undefined, (error: unknown) => void (failure ??= { error })).finally(() => void (syncing = undefined));
    }
  }
  await syncing;
  if (failure !== undefined) throw failure.error;
  return bytes;
}

/**
 * Writes chunks to `target` so that a failure or a signal never leaves a half-written file:
 * - a new file, or an existing file with one link: a temp file beside it (same mode, owner where
 *   allowed), fsynced, then renamed over it;
 * - an existing file with several hard links: the same temp file, then copied into the file in place
 *   so every link sees the new content (renaming would split them);
 * - a symbolic link: written through to the file it names, the link kept;
 * - a character device or FIFO (/dev/null, /dev/stdout, a named pipe): written directly, never
 *   replaced by a regular file;
 * - a folder, block device or socket: refused with an IO error.
 * @example
 * ```ts
 * import { mkdtempSync, readFileSync } from 'node:fs';
 * import { tmpdir } from 'node:os';
 * import { join } from 'node:path';
 * // Written to a temporary file beside the target, then renamed: a failed write leaves nothing.
 * const path = join(mkdtempSync(join(tmpdir(), 'rlekit-')), 'out.csv');
 * await writeFileAtomic(path, encodeUtf8('ImageId,EncodedPixels\n')); // → 22
 * readFileSync(path, 'utf8'); // → 'ImageId,EncodedPixels\n'
 * ```
 */
export async function writeFileAtomic(target: string, chunks: AsyncIterable<Uint8Array> | Uint8Array, o: { durable?: boolean; onTemp?: (path: string) => void; syncEvery?: number } = {}): Promise<number> {
  // durable false: a scratch file (a --jobs part, read back and removed in a moment) is not synced to disk.
  const durable = o.durable !== false;
  const path = await resolveOutput(target);
  const st = await fs.stat(path).catch(() => undefined);
  if (st?.isDirectory()) throw new RleError('IO', `Output ${target} is a folder`, { expected: 'a file path' });
  if (st?.isBlockDevice() || st?.isSocket()) {
    throw new RleError('IO', `Output ${target} is a ${st.isSocket() ? 'socket' : 'block device'}; rlekit does not write there`, { expected: 'a file, a character device or a FIFO' });
  }
  if (st && !st.isFile()) {
    // A device or FIFO: there is nothing to replace atomically, and replacing it would destroy it.
    let handle: FileHandle;
    try {
      handle = await fs.open(path, 'w');
    } catch (e) {
      throw ioError(e, target);
    }
    try {
      return await writeChunks(handle, chunks);
    } catch (e) {
      throw ioError(e, target);
    } finally {
      await handle.close().catch(() => {});
    }
  }
  const tmp = tempName(path);
  const created = st ? undefined : await makeParent(path);
  let handle: FileHandle;
  try {
    handle = await fs.open(tmp, 'wx', st ? st.mode & 0o7777 : 0o666);
  } catch (e) {
    if (created) await fs.rm(created, { recursive: true, force: true });
    throw ioError(e, target);
  }
  track(tmp);
  // A --jobs join reads back what it wrote here when its parts must be merged after all.
  o.onTemp?.(tmp);
  try {
    if (st) {
      // The mode exactly (open's mode passes through the umask), and the owner where we may.
      await handle.chmod(st.mode & 0o7777);
      if (st.uid !== process.getuid?.() || st.gid !== process.getgid?.()) await handle.chown(st.uid, st.gid).catch(() => {});
    }
    const bytes = await writeChunks(handle, chunks, durable ? o.syncEvery ?? SYNC_EVERY_BYTES : undefined);
    if (durable) await handle.sync();
    await handle.close();
    if (st && st.nlink > 1) {
      await fs.copyFile(tmp, path);
      const h = await fs.open(path, 'r+');
      await h.sync().finally(() => h.close());
      await fs.rm(tmp, { force: true });
    } else {
      await fs.rename(tmp, path);
      if (durable) await syncFolder(dirname(path));
    }
    return bytes;
  } catch (e) {
    await handle.close().catch(() => {});
    await fs.rm(tmp, { force: true });
    if (created) await fs.rm(created, { recursive: true, force: true });
    throw ioError(e, target);
  } finally {
    untrack(tmp);
  }
}

/** A file for {@link writeFolderAtomic}: its bytes, or a file of ours to move there (`from`, renamed; a second file at the same path must have the same bytes). */
export type OutputFileFrom = { path: string; bytes: Uint8Array; from?: undefined } | { path: string; bytes?: undefined; from: string };

/**
 * Writes files into a new folder atomically: a temp folder beside it, renamed when complete.
 * @example
 * ```ts
 * import { mkdtempSync, readdirSync } from 'node:fs';
 * import { tmpdir } from 'node:os';
 * import { join } from 'node:path';
 * const out = join(mkdtempSync(join(tmpdir(), 'rlekit-')), 'masks');
 * async function* files() { yield { path: 'a.png', bytes: new Uint8Array(8) }; yield { path: 'b.png', bytes: new Uint8Array(8) }; }
 * await writeFolderAtomic(out, files()); // → 2
 * readdirSync(out).sort(); // → ['a.png', 'b.png']
 * ```
 */
export async function writeFolderAtomic(output: string, files: AsyncIterable<OutputFileFrom>): Promise<number> {
  const target = await resolveOutput(output);
  const st = await fs.stat(target).catch(() => undefined);
  if (st && !st.isDirectory()) throw new RleError('IO', `Output ${output} is a file`, { expected: 'a new or empty folder' });
  const existing = st ? await fs.readdir(target) : undefined;
  if (existing !== undefined && existing.length > 0) {
    throw new RleError('IO', `Output folder ${output} is not empty`, { expected: 'a new or empty folder' });
  }
  const tmp = tempName(target);
  const created = await makeParent(target);
  try {
    await fs.mkdir(tmp, st ? st.mode & 0o7777 : 0o777);
  } catch (e) {
    if (created) await fs.rm(created, { recursive: true, force: true });
    throw ioError(e, output);
  }
  track(tmp);
  let count = 0;
  const made = new Set<string>(); // folders made so far: one mkdir each, not one per file
  try {
    for await (const f of files) {
      const full = resolve(tmp, f.path);
      if (!full.startsWith(resolve(tmp) + sep)) throw new RleError('IO', 'Output path leaves the folder', { path: [f.path] });
      const dir = dirname(full);
      // Synchronous: a mask file is a few KB into the page cache, where open, write and close as
      // three thread-pool round trips with a promise each cost more than the calls themselves.
      if (!made.has(dir)) (mkdirSync(dir, { recursive: true }), made.add(dir));
      if (f.from === undefined) writeFileSync(full, f.bytes);
      else if (existsSync(full)) {
        // A file every part writes (a colour map): one copy, and the parts must agree on it.
        if (!readFileSync(full).equals(readFileSync(f.from))) throw new RleError('INVALID_STRUCTURE', `Parts wrote different ${f.path}`, { path: [f.path], expected: 'files shared by the parts (a colour map) that agree' });
        continue;
      } else {
        try {
          renameSync(f.from, full);
        } catch {
          writeFileSync(full, readFileSync(f.from)); // another file system
        }
      }
      count++;
    }
    if (existing !== undefined) await fs.rmdir(target);
    await fs.rename(tmp, target);
    return count;
  } catch (e) {
    await fs.rm(tmp, { recursive: true, force: true });
    if (created) await fs.rm(created, { recursive: true, force: true });
    throw ioError(e, output);
  } finally {
    untrack(tmp);
  }
}
