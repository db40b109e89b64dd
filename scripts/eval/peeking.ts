// Why sequential analysis: simulated experiments watched every day. Each one
// gets `--daily` new exposed shoppers a day (the PRD's "10k+ daily visitors",
// split 50/50) for `--days` days, converting at `--baseline` in control and
// at baseline × (1 + lift) in the variant. Every day the results are read the
// way a manager on the dashboard would and the experiment stops at the first
// "significant":
//   fixed, peeking      the fixed-horizon z-test (statistics.ts conversionRate), read daily;
//   fixed, read once    the same test read once, at the planned size (minimumSampleSize for a 5 % lift);
//   sequential          the always-valid p-value (sequential.ts), read daily, at the default tuning
//                       and tuned for the planned size.
// A/A runs (no lift) give the false-positive rate; runs with the true lift give the power.
//
//   bun scripts/eval/peeking.ts [--experiments 2000] [--days 28] [--daily 10000] [--baseline 0.10] [--lift 0.05] [--seed 25]
import { arg } from '../lib/args.ts'
import { mulberry32 } from '../../server/prng.ts'
import { armEstimates, DEFAULT_EXPECTED_USERS_PER_ARM, sequentialLift } from '../../server/modules/experiments/sequential.ts'
import { conversionRate, minimumSampleSize } from '../../server/modules/experiments/statistics.ts'

const ALPHA = 0.05

/** Binomial(n, p) exactly, by geometric gaps between successes: O(n p) uniforms. */
export function binomial(rand: () => number, n: number, p: number): number {
  if (p <= 0) return 0
  if (p >= 1) return n
  const logQ = Math.log(1 - p)
  let successes = 0
  let position = 0
  for (;;) {
    position += Math.floor(Math.log(1 - rand()) / logQ) + 1
    if (position > n) return successes
    successes++
  }
}

export interface PeekingSettings { experiments: number; days: number; dailyUsers: number; baseline: number; lift: number; seed: number }
interface Rule { name: string; stops: (look: Look) => boolean; onlyAtDay?: number }
interface Look { day: number; control: { users: number; conversions: number }; variant: { users: number; conversions: number } }

/** How many experiments each rule declares significant within the horizon, and on which day (1-based). */
export function simulate(s: PeekingSettings, trueLift: number) {
  const planned = minimumSampleSize({ rate: s.baseline }, { relativeMde: 0.05 })!
  const perArmDaily = s.dailyUsers / 2
  const plannedDay = Math.ceil(planned / perArmDaily)
  const sequentialAt = (nStar: number) => (l: Look) => {
    const { control, variant } = armEstimates(conversionRate(l.control, l.variant))
    const p = sequentialLift(control, variant, nStar).pValue
    return p !== null && p < ALPHA
  }
  const fixed = (l: Look) => { const p = conversionRate(l.control, l.variant).pValue; return p !== null && p < ALPHA }
  const rules: Rule[] = [
    { name: 'fixed, peeking daily', stops: fixed },
    { name: `fixed, read once on day ${plannedDay} (${planned.toLocaleString('en-US')} per arm)`, stops: fixed, onlyAtDay: plannedDay },
    { name: `sequential, daily, default n* = ${DEFAULT_EXPECTED_USERS_PER_ARM.toLocaleString('en-US')}`, stops: sequentialAt(DEFAULT_EXPECTED_USERS_PER_ARM) },
    { name: `sequential, daily, n* = planned ${planned.toLocaleString('en-US')}`, stops: sequentialAt(planned) },
  ]
  const stoppedOn = rules.map(() => [] as number[])
  const rand = mulberry32(s.seed + Math.round(trueLift * 1e6))
  const pv = s.baseline * (1 + trueLift)
  for (let e = 0; e < s.experiments; e++) {
    const look: Look = { day: 0, control: { users: 0, conversions: 0 }, variant: { users: 0, conversions: 0 } }
    const open = new Set(rules.map((_, i) => i))
    for (let day = 1; day <= s.days && open.size > 0; day++) {
      look.day = day
      look.control.users += perArmDaily; look.control.conversions += binomial(rand, perArmDaily, s.baseline)
      look.variant.users += perArmDaily; look.variant.conversions += binomial(rand, perArmDaily, pv)
      for (const i of open) {
        const r = rules[i]!
        if (r.onlyAtDay !== undefined && r.onlyAtDay !== day) continue
        if (r.stops(look)) { stoppedOn[i]!.push(day); open.delete(i) }
      }
    }
  }
  const byDay = (days: number[], d: number) => days.filter((x) => x <= d).length / s.experiments
  return {
    plannedDay,
    rules: rules.map((r, i) => {
      const days = stoppedOn[i]!
      const firstDay80 = Array.from({ length: s.days }, (_, d) => d + 1).find((d) => byDay(days, d) >= 0.8) ?? null
      return { rule: r.name, share: days.length / s.experiments, byPlannedDay: byDay(days, plannedDay), medianDay: median(days), firstDay80 }
    }),
  }
}

function median(xs: number[]): number | null {
  if (xs.length === 0) return null
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor((s.length - 1) / 2)]!
}

if (import.meta.main) {
  const s: PeekingSettings = {
    experiments: arg('--experiments', 2000), days: arg('--days', 28), dailyUsers: arg('--daily', 10_000),
    baseline: arg('--baseline', 0.1), lift: arg('--lift', 0.05), seed: arg('--seed', 25),
  }
  const started = performance.now()
  const aa = simulate(s, 0)
  const ab = simulate(s, s.lift)
  const pct = (x: number) => `${(x * 100).toFixed(1)} %`
  console.log(`${s.experiments} A/A and ${s.experiments} with a ${pct(s.lift)} true lift; conversion ${pct(s.baseline)}; ${s.dailyUsers.toLocaleString('en-US')} users/day (50/50) for ${s.days} days`)
  console.log(`| rule | false positives (A/A), ${s.days} days | power by day ${ab.plannedDay} | power by day ${s.days} | 80 % power reached on day | median day of a true detection |`)
  console.log('|---|---|---|---|---|---|')
  aa.rules.forEach((r, i) => {
    const t = ab.rules[i]!
    console.log(`| ${r.rule} | ${pct(r.share)} | ${pct(t.byPlannedDay)} | ${pct(t.share)} | ${t.firstDay80 ?? '—'} | ${t.medianDay ?? '—'} |`)
  })
  console.log(`(${((performance.now() - started) / 1000).toFixed(1)} s)`)
}
