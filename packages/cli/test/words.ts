/** Splits a shell line into words: single and double quotes, no expansion (the docs use none). */
export function words(line: string): string[] {
  const out: string[] = [];
  const re = /'([^']*)'|"((?:\\.|[^"\\])*)"|(\S+)/g;
  let cur = '', m: RegExpExecArray | null, last = 0;
  while ((m = re.exec(line))) {
    if (m.index > last && cur !== '') {
      out.push(cur);
      cur = '';
    }
    cur += m[1] ?? (m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : m[3]!);
    last = re.lastIndex;
    if (line[last] === ' ' || last === line.length) {
      out.push(cur);
      cur = '';
    }
  }
  if (cur) out.push(cur);
  return out;
}

