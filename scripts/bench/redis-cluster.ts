// scripts/load/mixed.ts on one redis-server, then on a 3-master Redis Cluster (issue 26), in
// the same script, short: recommendation and event-batch latency per phase and closed-loop
// recommendation throughput, with the cluster/single ratio. Both runs on the same machine,
// so the ratio says what the cluster client costs (slot routing, one more hop on nothing:
// all on loopback), not what more Redis cores buy. Prints figures; fails if either run does.
//
// The machine is shared and its load drifts: --rounds N runs the pair N times in ABBA order
// (single, cluster, cluster, single, …) and reports each measure's median per setup.
//
//   bun scripts/bench/redis-cluster.ts [--sustain 20] [--spike 10] [--recs 50] [--rounds 2]
import { arg } from '../lib/args.ts'
import { ROOT } from '../lib/cluster.ts'

const SUSTAIN = arg('--sustain', 20), SPIKE = arg('--spike', 10), RECS = arg('--recs', 50), ROUNDS = arg('--rounds', 2)

async function run(cluster: boolean): Promise<Record<string, any>> {
  const args = ['scripts/load/mixed.ts', '--sustain', String(SUSTAIN), '--spike', String(SPIKE), '--recs', String(RECS), '--summary', ...(cluster ? ['--redis-cluster'] : [])]
  const p = Bun.spawn([process.execPath, ...args], { cwd: ROOT, stdout: 'pipe', stderr: 'inherit' })
  const out = await new Response(p.stdout).text()
  await p.exited
  process.stdout.write(out.split('\n').filter((l) => !l.startsWith('summary: ')).join('\n'))
  const line = out.split('\n').find((l) => l.startsWith('summary: '))
  if (!line) throw new Error(`mixed.ts ${cluster ? 'on the cluster ' : ''}printed no summary`)
  return JSON.parse(line.slice('summary: '.length))
}

console.log(`mixed load, sustain ${SUSTAIN} s at ${RECS} recommendations/s, spike ${SPIKE} s at 10x; ${ROUNDS} rounds of single Redis and 3-master cluster, ABBA order\n`)
const runs: { single: Record<string, any>[]; cluster: Record<string, any>[] } = { single: [], cluster: [] }
for (let r = 0; r < ROUNDS; r++) {
  for (const cluster of r % 2 ? [true, false] : [false, true]) runs[cluster ? 'cluster' : 'single'].push(await run(cluster))
}
const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2 }
/** Each measure's median over the rounds (numbers, and each p50/p95/p99 of a latency record). */
const combine = (rs: Record<string, any>[]): Record<string, any> => Object.fromEntries(Object.keys(rs[0]!).map((k) => {
  const v = rs[0]![k]
  if (typeof v === 'number') return [k, median(rs.map((x) => x[k]))]
  if (v && typeof v === 'object') return [k, Object.fromEntries(Object.keys(v).map((m) => [m, median(rs.map((x) => x[k][m]))]))]
  return [k, rs.some((x) => x[k] === true) ? true : v]
}))
const single = combine(runs.single), cluster = combine(runs.cluster)
const f = (n: number) => (n >= 100 ? Math.round(n).toString() : n.toFixed(1))
console.log(`\nmedians of ${ROUNDS} runs each:\n| measure | single Redis | Redis Cluster (3 masters) | cluster / single |`)
console.log('|---|---|---|---|')
for (const key of Object.keys(single)) {
  const a = single[key], b = cluster[key]
  if (typeof a === 'number' && typeof b === 'number') console.log(`| ${key.replace(' rps', '')} (req/s) | ${f(a)} | ${f(b)} | ${(b / a).toFixed(2)} |`)
  else if (a && typeof a === 'object' && b) {
    for (const m of ['p50', 'p95', 'p99'] as const) console.log(`| ${key} ${m} (ms) | ${f(a[m])} | ${f(b[m])} | ${(b[m] / a[m]).toFixed(2)} |`)
  }
}
const failed = single.failed || cluster.failed
console.log(failed ? '\nFAILED (see the runs above)' : '\nboth runs: no errors beyond 429s on the over-limit keys; nothing lost')
process.exit(failed ? 1 : 0)
