import { z } from 'zod';
import { JSONParser } from '@streamparser/json';
const s = z.object({ rle: z.enum(['compressed', 'uncompressed']).default('compressed').describe('x'), n: z.number().int().positive().default(5).describe('n') });
console.log(JSON.stringify(z.toJSONSchema(s)), s.parse({}));
const p = new JSONParser({ paths: ['$.images.*', '$.annotations.*', '$.*'], keepStack: false });
p.onValue = ({ value, key, stack }) => console.log(JSON.stringify(value), key, stack.map((e) => e.key));
p.write('{"info": {"a": 1}, "images": [{"id": 1}, {"id": 2}], "annotations": [{"id": 5, "segmentation": {"counts": "ab"}}]}');
const q = new JSONParser({ paths: ['$.*'], keepStack: false });
q.onValue = ({ value, key, stack }) => console.log('R', JSON.stringify(value), key, stack.length);
q.write('[{"a":1},{"b":2}]');
try { const e = new JSONParser(); e.write('{"a": tru'); e.write('x'); } catch (err) { console.log(err.constructor.name, err.message); }
try { const e = new JSONParser(); e.write('{"a": 1'); e.end(); } catch (err) { console.log(err.constructor.name, err.message); }
