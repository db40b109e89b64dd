// Builds the browser SDK (sdk/src) into one minified IIFE, sdk/dist/v1.js (the script
// tag, the default), and the ESM package @recomengine/sdk for bundlers:
// sdk/dist/esm/index.js with its declarations under sdk/dist/types. Both inline the
// MurmurHash3 bucket kernel (assembly/build/bucket.wasm) as base64.
//
//   bun scripts/build-sdk.ts
//
// Tests call ensureSdk(), which rebuilds only when the bundle is older than a source.
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import { ensureKernels, kernelPath } from './build-kernels.ts'

const root = fileURLToPath(new URL('..', import.meta.url))
export const SDK_BUNDLE = `${root}sdk/dist/v1.js`
export const SDK_ESM = `${root}sdk/dist/esm/index.js`
/** Sources the bundle is made of, beyond sdk/src. */
const SHARED = [`${root}server/kernels/murmur3.ts`, fileURLToPath(import.meta.url)]

export interface BuiltSdk { path: string; bytes: number; gzipBytes: number; wasmBytes: number }

export async function buildSdk(): Promise<BuiltSdk> {
  await ensureKernels()
  const wasm = await readFile(kernelPath('bucket'))
  const result = await Bun.build({
    entrypoints: [`${root}sdk/src/index.ts`],
    format: 'iife',
    target: 'browser',
    minify: true,
    define: { __BUCKET_WASM__: JSON.stringify(wasm.toString('base64')) },
  })
  if (!result.success) throw new AggregateError(result.logs, 'SDK build failed')
  const code = await result.outputs[0]!.text()
  await mkdir(`${root}sdk/dist`, { recursive: true })
  await writeFile(SDK_BUNDLE, code)
  await buildEsm(wasm)
  return { path: SDK_BUNDLE, bytes: Buffer.byteLength(code), gzipBytes: gzipSync(code, { level: 9 }).length, wasmBytes: wasm.length }
}

/** The ESM entry (readable, not minified: the app's bundler minifies) and its declarations. */
async function buildEsm(wasm: Buffer) {
  const result = await Bun.build({
    entrypoints: [`${root}sdk/src/module.ts`],
    format: 'esm',
    target: 'browser',
    define: { __BUCKET_WASM__: JSON.stringify(wasm.toString('base64')) },
  })
  if (!result.success) throw new AggregateError(result.logs, 'SDK ESM build failed')
  await mkdir(`${root}sdk/dist/esm`, { recursive: true })
  await writeFile(SDK_ESM, await result.outputs[0]!.text())
  const ts = (await import('typescript')).default
  const program = ts.createProgram([`${root}sdk/src/module.ts`], {
    declaration: true, emitDeclarationOnly: true, outDir: `${root}sdk/dist/types`, rootDir: root, strict: true, skipLibCheck: true,
    target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler,
    allowImportingTsExtensions: true, lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'], types: [],
  })
  const emitted = program.emit()
  const errors = [...ts.getPreEmitDiagnostics(program), ...emitted.diagnostics].filter((d) => d.category === ts.DiagnosticCategory.Error)
  if (errors.length) throw new Error(`SDK declarations: ${ts.formatDiagnostics(errors, { getCanonicalFileName: (f) => f, getCurrentDirectory: () => root, getNewLine: () => '\n' })}`)
}

async function mtime(path: string): Promise<number> {
  try { return (await stat(path)).mtimeMs } catch { return 0 }
}

/** Builds when sdk/dist/v1.js is missing or older than any of its sources. */
export async function ensureSdk(): Promise<boolean> {
  await ensureKernels()
  const sources = [...(await readdir(`${root}sdk/src`)).map((f) => `${root}sdk/src/${f}`), ...SHARED, kernelPath('bucket')]
  const newest = Math.max(...(await Promise.all(sources.map(mtime))))
  if (Math.min(await mtime(SDK_BUNDLE), await mtime(SDK_ESM)) >= newest) return false
  await buildSdk()
  return true
}

if (import.meta.main) {
  const b = await buildSdk()
  console.log(`sdk/dist/v1.js: ${b.bytes} B, ${b.gzipBytes} B gzipped (bucket.wasm ${b.wasmBytes} B inlined)`)
}
