import { pillowCompare } from './png.js';
for (const c of pillowCompare()) console.log(c.map, c.format, 'enc', c.encode.toFixed(0), 'pil', c.pillow?.encode.toFixed(0), 'KB', (c.bytes/1024).toFixed(0), (c.pillow!.bytes/1024).toFixed(0), '| dec into', c.decodeInto.toFixed(0), 'fresh', c.decode.toFixed(0), 'pil', c.pillow?.decode.toFixed(0), (c.pillow!.decode / c.decodeInto).toFixed(2));
