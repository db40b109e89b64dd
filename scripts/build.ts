// The project's build: everything `npm start` and the tests need that is
// compiled from source. Today: the AssemblyScript kernels (release + debug).
import { buildKernels } from './build-kernels.ts'

const t0 = performance.now()
const built = await buildKernels()
console.log(`built ${built.length} kernel files in ${Math.round(performance.now() - t0)} ms`)
