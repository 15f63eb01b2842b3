import { createReadStream, promises as fs } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { RleError, type ByteSource, type FolderSource } from '@rlekit/core';

/** A ByteSource over a file: each `stream()` reads it again from the start (readers may take two passes). */
export function fileSource(path: string, size?: number): ByteSource {
  return {
    kind: 'bytes',
    name: basename(path),
    ...(size === undefined ? {} : { size }),
    async *stream() {
      // 1 MiB chunks keep memory bounded while amortising syscalls.
      yield* createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Uint8Array>;
    },
  };
}

/** A FolderSource over a directory tree. */
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

/** Opens a path as a file or folder source, or throws an IO RleError. */
export async function openPath(path: string): Promise<ByteSource | FolderSource> {
  let st;
  try {
    st = await fs.stat(path);
  } catch (e) {
    throw new RleError('IO', `Cannot read ${path}`, { cause: e, expected: 'an existing file or folder' });
  }
  return st.isDirectory() ? folderSource(path) : fileSource(path, st.size);
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

/** Writes chunks to `target` atomically: a temp file in the same folder, renamed when complete. */
export async function writeFileAtomic(target: string, chunks: AsyncIterable<Uint8Array> | Uint8Array): Promise<number> {
  const tmp = tempName(target);
  const st = await fs.stat(target).catch(() => undefined);
  if (st?.isDirectory()) throw new RleError('IO', `Output ${target} is a folder`, { expected: 'a file path' });
  const created = await makeParent(target);
  let handle;
  try {
    handle = await fs.open(tmp, 'wx');
  } catch (e) {
    if (created) await fs.rm(created, { recursive: true, force: true });
    throw ioError(e, target);
  }
  let bytes = 0;
  try {
    if (chunks instanceof Uint8Array) {
      await handle.writeFile(chunks);
      bytes = chunks.length;
    } else {
      for await (const c of chunks) {
        await handle.write(c);
        bytes += c.length;
      }
    }
    await handle.close();
    await fs.rename(tmp, target);
    return bytes;
  } catch (e) {
    await handle.close().catch(() => {});
    await fs.rm(tmp, { force: true });
    if (created) await fs.rm(created, { recursive: true, force: true });
    throw ioError(e, target);
  }
}

/** Writes files into a new folder atomically: a temp folder beside it, renamed when complete. */
export async function writeFolderAtomic(target: string, files: AsyncIterable<{ path: string; bytes: Uint8Array }>): Promise<number> {
  const st = await fs.stat(target).catch(() => undefined);
  if (st && !st.isDirectory()) throw new RleError('IO', `Output ${target} is a file`, { expected: 'a new or empty folder' });
  const existing = st ? await fs.readdir(target) : undefined;
  if (existing !== undefined && existing.length > 0) {
    throw new RleError('IO', `Output folder ${target} is not empty`, { expected: 'a new or empty folder' });
  }
  const tmp = tempName(target);
  const created = await makeParent(target);
  try {
    await fs.mkdir(tmp);
  } catch (e) {
    if (created) await fs.rm(created, { recursive: true, force: true });
    throw ioError(e, target);
  }
  let count = 0;
  try {
    for await (const f of files) {
      const full = resolve(tmp, f.path);
      if (!full.startsWith(resolve(tmp) + sep)) throw new RleError('IO', 'Output path leaves the folder', { path: [f.path] });
      await fs.mkdir(dirname(full), { recursive: true });
      await fs.writeFile(full, f.bytes);
      count++;
    }
    if (existing !== undefined) await fs.rmdir(target);
    await fs.rename(tmp, target);
    return count;
  } catch (e) {
    await fs.rm(tmp, { recursive: true, force: true });
    if (created) await fs.rm(created, { recursive: true, force: true });
    throw ioError(e, target);
  }
}
