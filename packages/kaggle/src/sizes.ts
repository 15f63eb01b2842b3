// Image sizes (HxW options, sizes CSVs, image headers) live in core, shared with other dialects.
export { imageHeaderSize, parseSize, readImageSize, SizeResolver } from '@rlekit/core';
export type { SizeOptions } from '@rlekit/core';
