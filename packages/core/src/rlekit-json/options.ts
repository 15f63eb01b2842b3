/** rlekit-json's read and write options, checked by hand (core carries no zod). */
import { describeValue, RleError } from '../errors.js';
import type { Order } from '../runs.js';
import type { OptionsSchema } from '../dialect.js';

export interface JsonReadOptions {
  /** Largest file read into memory, in bytes. */
  maxBytes: number;
}

export interface JsonWriteOptions {
  /** Order of the runs written. */
  order: Order;
  /** Spaces of indentation; 0 writes one line per annotation. */
  indent: number;
}


export const readOptions: OptionsSchema<JsonReadOptions> = {
  jsonSchema: { properties: { maxBytes: { type: 'integer', description: 'largest file read into memory, in bytes', default: 0x1fffffe8 } } },
  parse(input: unknown): JsonReadOptions {
    const o = (input ?? {}) as Partial<JsonReadOptions>;
    const maxBytes = o.maxBytes ?? 0x1fffffe8;
    if (!Number.isSafeInteger(maxBytes) || maxBytes <= 0) throw new RleError('INVALID_OPTION', 'Invalid maxBytes', { path: ['maxBytes'], expected: 'a positive integer', received: describeValue(maxBytes) });
    return { maxBytes };
  },
};

export const writeOptions: OptionsSchema<JsonWriteOptions> = {
  jsonSchema: {
    properties: {
      order: { type: 'string', enum: ['row', 'col'], description: 'order of the runs written', default: 'row' },
      indent: { type: 'integer', description: 'spaces of indentation (0 to 8)', default: 2 },
    },
  },
  parse(input: unknown): JsonWriteOptions {
    const o = (input ?? {}) as Partial<JsonWriteOptions>;
    const order = o.order ?? 'row';
    if (order !== 'row' && order !== 'col') throw new RleError('INVALID_OPTION', 'Invalid order', { path: ['order'], expected: '"row" or "col"', received: describeValue(order) });
    const indent = o.indent ?? 2;
    if (!Number.isSafeInteger(indent) || indent < 0 || indent > 8) throw new RleError('INVALID_OPTION', 'Invalid indent', { path: ['indent'], expected: 'an integer from 0 to 8', received: describeValue(indent) });
    return { order, indent };
  },
};
