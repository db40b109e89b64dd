// Our CLOCK-evicting BoundedMap against lru-cache's LRUCache, side by side in one run,
// on the operations the profile, answer and key caches do. Prints figures; asserts nothing.
//
//   bun scripts/bench/bounded-map.ts [--size 50000] [--ops 200000] [--rounds 9]
//
// Every map is full (`--size` entries) before timing, so each insert of a new key evicts.
// In each round both maps get the same keys and the same sequence of operations, back
// to back (which goes first alternates), so load from other work falls on both alike.
// Figures are this process's CPU time (user + system, collector threads included), not
// wall time: on a shared machine, time spent descheduled is not the map's cost.
import { LRUCache } from 'lru-cache'
import { arg } from '../lib/args.ts'
import { BoundedMap } from '../../server/infra/cache/bounded-map.ts'

const SIZE = arg('--size', 50_000)
const OPS = arg('--ops', 200_000)
const ROUNDS = arg('--rounds', 9)
/** Mixed workload: this share of operations are gets of the hot keys, the rest sets of new keys. */
const GET_SHARE = 0.8
/** The hot keys: this share of the map's entries. */
const HOT_SHARE = 0.2

interface Mapish { get(k: string): object | undefined; set(k: string, v: object): unknown; readonly size: number }
const IMPLEMENTATIONS: [string, () => Mapish][] = [
  ['BoundedMap (CLOCK)', () => new BoundedMap<string, object>(SIZE)],
  ['LRUCache { max }', () => new LRUCache<string, object>({ max: SIZE })],
]

// Deterministic inputs, so runs compare like for like (reset before each map's round).
let state = 42
const random = (): number => {
  state = (Math.imul(state, 1664525) + 1013904223) >>> 0
  return state / 2 ** 32
}
// Keys shaped like the call sites' (tenant, separator, shopper); made before timing.
let made = 0
const newKeys = (n: number): string[] => Array.from({ length: n }, () => `tenant-${made % 7}\u0000shopper-${(made++).toString(36)}`)
const VALUE = { until: 0 }
const pct = (share: number): string => `${Math.round(share * 100)} %`

// Results feed this sink so no engine can drop the work as dead.
let sink = 0

interface Workload {
  name: string
  /** Builds a full map and the inputs for one round (not timed). */
  prepare(make: () => Mapish): { map: Mapish; run: () => void; after?: () => string }
}

const full = (make: () => Mapish): { map: Mapish; keys: string[] } => {
  const map = make()
  const keys = newKeys(SIZE)
  for (const k of keys) map.set(k, VALUE)
  return { map, keys }
}

const workloads: Workload[] = [
  {
    name: `set of a new key, map full at ${SIZE.toLocaleString('en')}`,
    prepare(make) {
      const { map } = full(make)
      const keys = newKeys(OPS)
      return { map, run: () => { for (let i = 0; i < OPS; i++) map.set(keys[i]!, VALUE) } }
    },
  },
  {
    name: 'get, hit (random present key)',
    prepare(make) {
      const { map, keys } = full(make)
      const picks = Array.from({ length: OPS }, () => keys[Math.floor(random() * SIZE)]!)
      return { map, run: () => { for (let i = 0; i < OPS; i++) sink += map.get(picks[i]!) ? 1 : 0 } }
    },
  },
  {
    name: `mixed: ${pct(GET_SHARE)} gets of the hot ${pct(HOT_SHARE)} of keys (set again on a miss), ${pct(1 - GET_SHARE)} sets of new keys`,
    prepare(make) {
      const { map, keys } = full(make)
      // The hot keys are spread over the map's insertion order, not its oldest or newest end.
      const hot = keys.filter((_, i) => i % Math.round(1 / HOT_SHARE) === 0)
      const ops = Array.from({ length: OPS }, () => (random() < GET_SHARE ? hot[Math.floor(random() * hot.length)]! : undefined))
      const fresh = newKeys(OPS)
      let gets = 0
      let hits = 0
      return {
        map,
        run: () => {
          for (let i = 0; i < OPS; i++) {
            const k = ops[i]
            if (k === undefined) map.set(fresh[i]!, VALUE)
            else if (map.get(k)) { gets++; hits++ }
            else { gets++; map.set(k, VALUE) } // read through, as the call sites do
          }
        },
        after: () => `hot hit rate ${((100 * hits) / gets).toFixed(2)} %`,
      }
    },
  },
]

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

console.log(`Bun ${Bun.version}, ${navigator.hardwareConcurrency} cores; ${SIZE.toLocaleString('en')} entries, ${OPS.toLocaleString('en')} operations a round, ${ROUNDS} rounds after one warm-up`)
for (const w of workloads) {
  console.log(w.name)
  // ns per operation, by implementation, one figure a round
  const perOp = IMPLEMENTATIONS.map((): number[] => [])
  const notes: string[] = []
  for (let round = 0; round <= ROUNDS; round++) {
    const order = round % 2 ? [0, 1] : [1, 0]
    for (const i of order) {
      const [name, make] = IMPLEMENTATIONS[i]!
      state = 42 + round
      made = 0
      const { map, run, after } = w.prepare(make)
      Bun.gc(true) // collect the previous round's maps and keys outside the timing
      const start = process.cpuUsage()
      run()
      const used = process.cpuUsage(start)
      const ns = ((used.user + used.system) * 1e3) / OPS
      if (map.size !== SIZE) throw new Error(`${name}: ${map.size} entries, expected ${SIZE}`)
      if (round > 0) perOp[i]!.push(ns) // round 0 warms the JIT tiers
      if (after) notes[i] = `  ${after()}`
    }
  }
  IMPLEMENTATIONS.forEach(([name], i) => {
    const xs = perOp[i]!
    console.log(`  ${name.padEnd(20)}best ${Math.min(...xs).toFixed(0).padStart(5)} ns/op  median ${median(xs).toFixed(0).padStart(5)} ns/op (CPU)${notes[i] ?? ''}`)
  })
  // The two ran back to back in each round, so the median of per-round ratios is the figure least moved by load.
  const [a, b] = perOp as [number[], number[]]
  console.log(`  ${IMPLEMENTATIONS[1]![0]} / ${IMPLEMENTATIONS[0]![0]}: ${median(b.map((x, r) => x / a[r]!)).toFixed(2)}x (median of per-round ratios), ${(Math.min(...b) / Math.min(...a)).toFixed(2)}x best to best`)
}
if (sink < 0) console.log(sink)
