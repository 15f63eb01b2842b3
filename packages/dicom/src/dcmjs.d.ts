// dcmjs ships no types; rlekit uses a handful of its data-layer calls (see part10.ts).
declare module 'dcmjs' {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const dcmjs: any;
  export default dcmjs;
}
