// The worker of --jobs, started from the TypeScript sources (tests, `pnpm rlekit`): tsx is
// registered in this thread before the worker module loads. Published builds start dist/jobs-worker.js.
import { register } from 'tsx/esm/api';

register();
const worker = await import('./jobs-worker.ts');
export default worker.default;
