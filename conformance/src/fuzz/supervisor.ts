/**
 * Runs reads in a child process with a time and a memory cap, so a hang or a blow-up is caught
 * and classified instead of taking the caller down. The child's heap is capped by V8
 * (--max-old-space-size) and its resident memory, which includes array buffers outside the heap,
 * is watched from here (Linux /proc) and the child killed above the cap.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Answer, Job } from './worker.js';

/** Every outcome a read can have. */
export const OUTCOMES = ['ok', 'rle-error', 'declined', 'untyped', 'crash', 'hang', 'blow-up', 'disagree'] as const;
export type OutcomeClass = (typeof OUTCOMES)[number];

export interface Outcome {
  class: OutcomeClass;
  /** The RleError code (rle-error). */
  code?: string;
  /** What happened, for untyped errors, crashes and disagreements. */
  detail?: string;
  ms: number;
}

export interface SupervisorOptions {
  /** Per input, in milliseconds. */
  timeMs?: number;
  /** Resident memory of the child, in MiB; the V8 heap is capped a little below it. */
  memoryMb?: number;
}

const workerPath = fileURLToPath(new URL('./worker.ts', import.meta.url));

function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** Classifies a worker's answer: untyped errors first, then read/readStream disagreement, then the read. */
export function classify(a: Answer): Omit<Outcome, 'ms'> {
  for (const r of [a.read, a.stream]) if (r?.kind === 'untyped') return { class: 'untyped', detail: r.error };
  const s = a.stream;
  if (s !== undefined) {
    // A streamed read that has handed on annotations cannot take them back when a key comes again
    // (the whole read lets the last win): it refuses the file as UNSUPPORTED, saying why. Not a disagreement.
    if (a.read.kind === 'ok' && s.kind === 'rle' && s.code === 'UNSUPPORTED') return { class: 'declined', code: s.code, detail: 'readStream UNSUPPORTED' };
    if ((a.read.kind === 'ok') !== (s.kind === 'ok')) return { class: 'disagree', detail: `read ${a.read.kind === 'rle' ? a.read.code : 'ok'}, readStream ${s.kind === 'rle' ? s.code : 'ok'}` };
    if (a.read.kind === 'ok' && s.kind === 'ok' && a.read.signature !== s.signature) return { class: 'disagree', detail: 'read and readStream give different datasets' };
  }
  return a.read.kind === 'ok' ? { class: 'ok' } : { class: 'rle-error', code: a.read.kind === 'rle' ? a.read.code : '' };
}

export class Supervisor {
  private child: ChildProcess | undefined;
  private ready: Promise<void> | undefined;
  private stderr = '';
  private n = 0;
  readonly timeMs: number;
  readonly memoryMb: number;

  constructor(options: SupervisorOptions = {}) {
    this.timeMs = options.timeMs ?? 2000;
    this.memoryMb = options.memoryMb ?? 1024;
  }

  private start(): Promise<void> {
    const heap = Math.max(64, Math.floor(this.memoryMb * 0.75));
    const child = fork(workerPath, [], {
      execArgv: ['--import', 'tsx', '--conditions=source', `--max-old-space-size=${heap}`],
      serialization: 'advanced',
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    this.child = child;
    this.stderr = '';
    child.stderr!.on('data', (b: Buffer) => {
      this.stderr = (this.stderr + b.toString()).slice(-4000);
    });
    this.ready = new Promise((resolve, reject) => {
      const onMessage = (m: { ready?: boolean }): void => {
        if (m.ready) {
          child.off('message', onMessage);
          resolve();
        }
      };
      child.on('message', onMessage);
      child.once('exit', (code) => reject(new Error(`fuzz worker exited before it was ready (${code}): ${this.stderr}`)));
    });
    return this.ready;
  }

  /** Starts the child now, so its start-up is not counted against the first input's time. */
  async warm(): Promise<void> {
    if (this.child === undefined || this.child.exitCode !== null || this.child.signalCode !== null) await this.start();
    else await this.ready;
  }

  /**
   * Reads one input in the child; never throws for anything the input does. A hang is confirmed
   * by a second run in a fresh child: on a machine stalled by other work, a timer can fire long
   * after the read would have finished (seen: a 3 s cap firing after 192 s).
   */
  async run(job: Job): Promise<Outcome> {
    const first = await this.runOnce(job);
    return first.class === 'hang' ? this.runOnce(job) : first;
  }

  private async runOnce(job: Job): Promise<Outcome> {
    await this.warm();
    const child = this.child!;
    const n = ++this.n;
    const t0 = performance.now();
    return new Promise<Outcome>((resolve) => {
      let done = false;
      const finish = (o: Omit<Outcome, 'ms'>, kill = false): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        clearInterval(watch);
        child.off('message', onMessage);
        child.off('exit', onExit);
        if (kill) {
          child.kill('SIGKILL');
          this.child = undefined;
        }
        resolve({ ...o, ms: Math.round(performance.now() - t0) });
      };
      const onMessage = (m: { n?: number; answer?: Answer }): void => {
        if (m.n === n && m.answer) finish(classify(m.answer));
      };
      const onExit = (code: number | null, signal: string | null): void => {
        this.child = undefined;
        const oom = /heap out of memory|Allocation failed|Invalid array buffer length|Cannot allocate memory/i.test(this.stderr);
        finish(oom ? { class: 'blow-up', detail: 'V8 heap limit' } : { class: 'crash', detail: `exit ${code ?? signal}: ${this.stderr.trim().split('\n').slice(-3).join(' | ')}` });
      };
      const timer = setTimeout(() => finish({ class: 'hang', detail: `over ${this.timeMs} ms` }, true), this.timeMs);
      const watch = setInterval(() => {
        const mb = rssMb(child.pid!);
        if (mb > this.memoryMb) finish({ class: 'blow-up', detail: `resident memory ${Math.round(mb)} MiB` }, true);
      }, 20);
      child.on('message', onMessage);
      child.once('exit', onExit);
      child.send({ n, job });
    });
  }

  close(): void {
    this.child?.kill('SIGKILL');
    this.child = undefined;
  }
}
