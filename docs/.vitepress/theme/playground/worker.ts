/// <reference lib="webworker" />
// Decoding, reading and converting happen here, off the page's thread.
import { convert, decodeFile, decodeText, dialects, errorText, kagglePresets } from './engine.js';

export type Request =
  | { id: number; type: 'text'; text: string; size?: string }
  | { id: number; type: 'file'; file: File; size?: string }
  | { id: number; type: 'convert'; index: number; to: string; options: Record<string, unknown> };

const post = (message: unknown, transfer: Transferable[] = []) => (self as unknown as Worker).postMessage(message, transfer);

self.onmessage = async (event: MessageEvent<Request>) => {
  const req = event.data;
  try {
    if (req.type === 'text') {
      const outcome = decodeText(req.text, req.size);
      post({ id: req.id, type: 'outcome', outcome }, outcome.interpretations.map((i) => i.rgba.buffer as ArrayBuffer));
    } else if (req.type === 'file') {
      let last = 0;
      const outcome = await decodeFile(req.file, req.size, (phase, done, total) => {
        const now = performance.now();
        if (now - last > 50 || done === total) {
          last = now;
          post({ id: req.id, type: 'progress', phase, done, total });
        }
      });
      post({ id: req.id, type: 'outcome', outcome }, outcome.interpretations.map((i) => i.rgba.buffer as ArrayBuffer));
    } else {
      const converted = await convert(req.index, req.to, req.options);
      post({ id: req.id, type: 'converted', converted }, [converted.bytes.buffer as ArrayBuffer]);
    }
  } catch (e) {
    post({ id: req.id, type: 'error', message: errorText(e) });
  }
};

// The page learns the dialects and presets from here, so it never loads the packages itself.
post({ type: 'ready', dialects: dialects.map((d) => ({ id: d.id, title: d.title, output: d.output })), presets: kagglePresets });
