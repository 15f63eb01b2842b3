// The YAML library's two functions rlekit calls, in a module of their own: dialect.ts imports it
// dynamically (on first use), and naming them lets the bundler tree-shake the lazy chunk.
export { parse, stringify } from 'yaml';
