import { main } from '../src/main.js';

/** What one run of the CLI in this process said: its exit code, stdout and stderr text, and what it wrote to stdout as bytes (as text). */
export interface CliRun {
  code: number;
  out: string;
  err: string;
  stdout: string;
}

/** Runs the CLI (`main`) in this process with `args`, collecting what it prints. */
export async function runCli(args: string[]): Promise<CliRun> {
  let out = '', err = '';
  const bytes: Uint8Array[] = [];
  const code = await main(args, { out: (s) => (out += s), err: (s) => (err += s), writeBytes: (b) => bytes.push(b) });
  return { code, out, err, stdout: Buffer.concat(bytes).toString() };
}
