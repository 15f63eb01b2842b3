/** The command line's output streams, as every command writes to them (tests hand in their own). */
import { escapeUnprintable, type RleWarning } from '@rlekit/core';

export interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
  writeBytes: (b: Uint8Array) => void;
}

/** A warning as every command prints it: `warning [code]: message`, control characters escaped (a message may quote the input). */
export function printWarning(io: Pick<Io, 'err'>, w: RleWarning): void {
  io.err(`warning [${w.code}]: ${escapeUnprintable(w.message)}\n`);
}
