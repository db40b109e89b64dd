// Compiles the AssemblyScript kernels to assembly/build/{name}.wasm (release: -O3, no
// asserts) and {name}.debug.wasm (debug names, unoptimised) with the asc JS API.
//
//   bun scripts/build-kernels.ts
//
// Tests call ensureKernels(), which rebuilds only when an output is missing or older than
// its source or this script, so a clean clone works without a separate build step.
import asc from 'assemblyscript/asc'
import { mkdir, stat } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const outDir = 'assembly/build'

// Shared by every target: no runtime and no `env.abort` import, so each module
// instantiates with an empty import object (the SDK cannot supply imports cheaply).
const common = ['--runtime', 'stub', '--use', 'abort=', '--noColors']

const kernels = {
  // Hashes read their input from offset 0, so one page must exist before the first call.
  bucket: ['--initialMemory', '1'],
  similarity: ['--enable', 'simd'],
} as const

export type KernelName = keyof typeof kernels

const targets = {
  release: { suffix: '', flags: ['-O3', '--noAssert'] },
  debug: { suffix: '.debug', flags: ['--debug'] },
} as const

export type KernelTarget = keyof typeof targets

export interface BuiltKernel {
  name: KernelName
  target: KernelTarget
  path: string
  bytes: number
}

export function kernelPath(name: KernelName, target: KernelTarget = 'release'): string {
  return `${root}${outDir}/${name}${targets[target].suffix}.wasm`
}

async function compile(name: KernelName, target: KernelTarget): Promise<BuiltKernel> {
  const outFile = `${outDir}/${name}${targets[target].suffix}.wasm`
  const diagnostics: string[] = []
  const decoder = new TextDecoder()
  const { error } = await asc.main(
    [
      `assembly/${name}.ts`,
      '--baseDir',
      root,
      '--outFile',
      outFile,
      ...common,
      ...kernels[name],
      ...targets[target].flags,
    ],
    {
      stdout: { write: () => {} },
      stderr: { write: (chunk) => void diagnostics.push(typeof chunk === 'string' ? chunk : decoder.decode(chunk)) },
    },
  )
  if (error) throw new Error(`asc failed for ${name} (${target}): ${error.message}\n${diagnostics.join('')}`)
  const path = kernelPath(name, target)
  return { name, target, path, bytes: (await stat(path)).size }
}

export async function buildKernels(): Promise<BuiltKernel[]> {
  await mkdir(`${root}${outDir}`, { recursive: true })
  const built: BuiltKernel[] = []
  // One at a time: the whole build takes ~3 s, and errors then name a single module.
  for (const name of Object.keys(kernels) as KernelName[]) {
    for (const target of Object.keys(targets) as KernelTarget[]) {
      built.push(await compile(name, target))
    }
  }
  return built
}

async function mtime(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).mtimeMs
  } catch {
    return undefined
  }
}

// Shared so that concurrent callers in one process wait for a single build.
let ensuring: Promise<boolean> | undefined

/** Builds when any output is missing or older than its inputs; resolves to whether it built. */
export function ensureKernels(): Promise<boolean> {
  ensuring ??= (async () => {
    const script = (await mtime(fileURLToPath(import.meta.url))) ?? 0
    for (const name of Object.keys(kernels) as KernelName[]) {
      const source = Math.max(script, (await mtime(`${root}assembly/${name}.ts`)) ?? 0)
      for (const target of Object.keys(targets) as KernelTarget[]) {
        const output = await mtime(kernelPath(name, target))
        if (output === undefined || output < source) {
          await buildKernels()
          return true
        }
      }
    }
    return false
  })().finally(() => {
    ensuring = undefined
  })
  return ensuring
}

if (import.meta.main) {
  for (const { path, bytes } of await buildKernels()) {
    console.log(`${String(bytes).padStart(7)} B  ${path.slice(root.length)}`)
  }
}
