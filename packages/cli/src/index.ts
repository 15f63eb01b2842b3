export { convert } from './convert.js';
export type { ConvertOptions, ConvertResult } from './convert.js';
export { main, EXIT } from './main.js';
export { detect, findDialect, loadDialects } from './registry.js';
export { fileSource, folderSource, onceSource, openPath, writeFileAtomic, writeFolderAtomic } from './node-sources.js';
export { optionSpecs } from './options.js';
