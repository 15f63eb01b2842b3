import * as kaggle from '@rlekit/kaggle';
import { detectConventions } from '@rlekit/detect';
import * as coco from '@rlekit/coco';
import { Mask, rasterizeBox, encodeUtf8 } from '@rlekit/core';
const size = { height: 48, width: 64 };
const ship = rasterizeBox({ x: 10, y: 20, width: 30, height: 6 }, size).union(rasterizeBox({ x: 45, y: 5, width: 8, height: 20 }, size));
const csv = `ImageId,EncodedPixels\nship.jpg,${kaggle.encode(ship, 'airbus-ship-detection')}\n`;
try { await kaggle.dialect.read(encodeUtf8(csv), { preset: 'airbus-ship-detection', size: '64x48' }); console.log('no error'); } catch (e) { console.log((e as any).code, (e as any).message); }
const s = coco.encode(ship).counts as string;
for (const c of detectConventions(s, { size: { height: 64, width: 48 } }).candidates.slice(0, 3)) console.log(c.dialect, c.order, c.size.join('x'), c.score.toFixed(2), c.reasons.join(' | '));
