import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ErrorCodes, RleError } from '../src/index.js';

describe('docs/errors.md', () => {
  const doc = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');
  const documented = [...doc.matchAll(/^\| `([A-Z_]+)` \|/gm)].map((m) => m[1]);

  it('documents every error code, and no code that does not exist', () => {
    expect(documented.sort()).toEqual(Object.keys(ErrorCodes).sort());
  });

  it('errors carry code, path, offset and expectation in their message', () => {
    const e = new RleError('INVALID_TOKEN', 'Bad character', { path: ['annotations', 3, 'counts'], offset: 17, expected: "'0'..'o'", received: '"~"' });
    expect(e.message).toBe('Bad character (expected \'0\'..\'o\', got "~") [at annotations[3].counts, offset 17]');
    expect(e.at('file').path).toEqual(['file', 'annotations', 3, 'counts']);
    expect(e.at('file').message).toBe('Bad character (expected \'0\'..\'o\', got "~") [at file.annotations[3].counts, offset 17]');
  });
});
