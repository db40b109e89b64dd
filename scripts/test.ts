// `npm test`: builds, then runs every test (bun test: unit, API on PGlite and
// on the real PostgreSQL + Redis, entry points on Bun and Deno), type-checks,
// and ends with one line CI reads: "N passed, N failed".
import { spawn } from 'node:child_process'

const bun = process.execPath
const bin = (name: string) => new URL(`../node_modules/.bin/${name}`, import.meta.url).pathname

function run(cmd: string, args: string[], capture = false): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    const onData = (stream: NodeJS.WriteStream) => (d: Buffer) => { out += d.toString(); stream.write(d) }
    p.stdout.on('data', onData(process.stdout))
    p.stderr.on('data', onData(process.stderr))
    p.on('close', (code) => resolve({ code: code ?? 1, out: capture ? out : '' }))
  })
}

let passed = 0
let failed = 0
const step = async (name: string, cmd: string, args: string[]) => {
  const { code } = await run(cmd, args)
  if (code === 0) passed++
  else { failed++; console.error(`✗ ${name} failed (exit ${code})`) }
}

await step('build', bun, ['scripts/build.ts'])
await step('tsc', bin('tsc'), ['--noEmit', '-p', '.'])
await step('tsc sdk', bin('tsc'), ['-p', 'sdk/tsconfig.test.json'])
await step('tsc console', bin('tsc'), ['--noEmit', '-p', 'console'])
await step('tsc console tests', bin('tsc'), ['--noEmit', '-p', 'console/test'])
await step('deno check', bin('deno'), ['check', 'server/main.deno.ts'])

// Heavy tests (model builds, child processes) run 10x slower on a loaded 2-core CI box than alone; the
// 5 s default would fail them for the machine's load, not for what they check.
const args = process.argv.slice(2)
const timeout = args.some((a) => a.startsWith('--timeout')) ? [] : ['--timeout', '60000']
const tests = await run(bun, ['test', ...timeout, ...args], true)
const count = (label: string) => Number(tests.out.match(new RegExp(`^\\s*(\\d+) ${label}$`, 'm'))?.[1] ?? 0)
passed += count('pass')
failed += count('fail')
// A crash or a runner error with no failing test still fails the run.
if (tests.code !== 0 && count('fail') === 0) failed++

console.log(`\n${passed} passed, ${failed} failed`)
process.exit(failed ? 1 : 0)
