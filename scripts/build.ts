// The project's build: everything `npm start` and the tests need that is
// compiled from source: the AssemblyScript kernels (release + debug), the SDK
// and the console (client + SSR bundles; skipped when its sources are unchanged).
import { buildKernels } from './build-kernels.ts'
import { buildSdk } from './build-sdk.ts'
import { buildConsole } from './build-console.ts'

const t0 = performance.now()
const built = await buildKernels()
console.log(`built ${built.length} kernel files in ${Math.round(performance.now() - t0)} ms`)
const sdk = await buildSdk()
console.log(`built sdk/dist/v1.js: ${sdk.gzipBytes} B gzipped`)

const t1 = performance.now()
console.log(`console ${await buildConsole()} in ${Math.round(performance.now() - t1)} ms`)
