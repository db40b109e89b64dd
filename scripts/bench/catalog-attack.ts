// Catalog search as an attack (issue 17, item 3): one API instance on a
// throw-away PostgreSQL database; an attacker tenant with a 20,000-item catalog
// runs six concurrent `GET /catalog?q=ab&limit=100` loops with its public read
// key, while a victim tenant makes ordinary requests at a steady rate (an open
// loop of --victim-rate a second: a recommendation, then a catalog page). Prints
// the victim's latency idle and under attack, and what the attacker got. Attacks:
//   normal limit  the default read limit (1,000/min), the six loops spread over it (the most
//                 searches a tenant may sustain); this is the target: victim p95 within 2x idle;
//   limit lifted  read limit 1,000,000/min, six loops back to back (a refused one waits its
//                 Retry-After): what searches cost when only the search gate bounds them;
//   flood         the default limit, every refusal retried at once: what answering a flood
//                 of 429s costs (no search runs after the first thousand a minute).
// The attack runs in its own process, so its loops do not delay the victim's client.
//
//   bun scripts/bench/catalog-attack.ts [--seconds 20] [--attackers 6] [--victim-rate 50] [--q ab]
//
// --q zq: a two-character term that matches nothing, so every search reads the whole catalog (the worst case);
// --q none: plain 100-item pages, no search (what any list of that size costs, for comparison).
import { cpus } from 'node:os'
import { arg } from '../lib/args.ts'
import { machineBusyMs } from '../lib/bench-server.ts'
import { call, seedSmallStore, setupTenant, startProcess, throwawayDatabase, waitForModel, type Proc } from '../lib/cluster.ts'

const SECONDS = arg('--seconds', 20)
const ATTACKERS = arg('--attackers', 6)
const VICTIM_RATE = arg('--victim-rate', 50)
const NORMAL_READ_LIMIT = 1000 // per minute: the tenant default (server/modules/tenants/config.ts)
const ITEMS = 20_000
const Q = process.argv.includes('--q') ? process.argv[process.argv.indexOf('--q') + 1]! : 'ab'

if (process.argv[2] === '--attack') {
  // ---- the attacker's process: ATTACKERS loops of the search until SECONDS pass; prints what it got as JSON.
  const { base, key, polite, perSecond } = JSON.parse(process.argv[3]!) as { base: string; key: string; polite: boolean; perSecond?: number }
  const until = performance.now() + SECONDS * 1000
  const statuses: Record<number, number> = {}
  const ms: number[] = []
  await Promise.all(Array.from({ length: ATTACKERS }, async (_, loop) => {
    // Paced: the loops take turns, so together they send perSecond requests a second.
    const gap = perSecond ? (ATTACKERS * 1000) / perSecond : 0
    let next = performance.now() + (gap * loop) / ATTACKERS
    while (performance.now() < until) {
      if (gap) { await Bun.sleep(Math.max(0, next - performance.now())); next += gap }
      const t = performance.now()
      let status = 0
      try {
        const res = await fetch(`${base}/api/v1/catalog?${Q === 'none' ? '' : `q=${encodeURIComponent(Q)}&`}limit=100`, { headers: { 'x-api-key': key } })
        await res.arrayBuffer()
        status = res.status
      } catch { /* refused: status 0 */ }
      statuses[status] = (statuses[status] ?? 0) + 1
      if (status === 200) ms.push(performance.now() - t)
      if (status === 429 && polite) await Bun.sleep(1000)
    }
  }))
  console.log(JSON.stringify({ statuses, ms }))
  process.exit(0)
}

// Words of which many hold "ab", so q=ab matches nearly every item and no trigram narrows it.
const WORDS = 'light grippy waterproof table fabric washable abstract cotton wool leather soft durable classic modern slim cabin lab stable runner walker jacket shirt boot sandal hat scarf glove belt bag'.split(' ')
let seed = 7
const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff
const words = (n: number) => Array.from({ length: n }, () => WORDS[Math.floor(rnd() * WORDS.length)]).join(' ')

const pct = (xs: number[], p: number) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]! }
const fmt = (ms: number) => `${ms.toFixed(1)} ms`

const db = await throwawayDatabase('catalogattack')
let api: Proc | undefined
try {
  api = await startProcess('api', 'server/main.ts', { DATABASE_URL: db.url, MODEL_WORKER: 'inline' })
  const victim = await setupTenant(api.base, { rateLimits: { read: 100_000, write: 100_000 } })
  const attacker = await setupTenant(api.base) // the normal rate limits
  await seedSmallStore(api.base, victim)
  for (let b = 0; b < ITEMS / 500; b++) {
    const items = Array.from({ length: 500 }, (_, i) => ({ productId: `a${b * 500 + i}`, name: `${words(3)} ${b * 500 + i}`, description: words(40), category: `c${i % 20}`, price: 10 }))
    const r = await call(api.base, 'POST', '/api/v1/catalog/batch', attacker.writeKey, { items })
    if (r.status !== 200) throw new Error(`seeding the attacker's catalog: ${r.status} ${JSON.stringify(r.body)}`)
  }
  // The catalog writes asked for a model build of the attacker's 20,000 items: let it finish before measuring.
  await waitForModel(api.base, attacker.writeKey, 600)
  const sql = db.connect()
  await sql`vacuum analyze catalog_items`
  const plan = (await sql.unsafe(`explain select * from catalog_items where tenant_id = $1 and (name || E'\\n' || coalesce(description, '')) ilike '%12345%'`, [attacker.tenantId])).map((r: any) => r['QUERY PLAN']).join('\n')
  await sql.end()
  console.log(`attacker catalog: ${ITEMS} items, searching q=${Q}; a selective search uses the trigram index: ${/catalog_items_search_idx/.test(plan)}`)

  let n = 0
  const victimRequest = () => {
    n++
    return n % 2
      ? call(api!.base, 'GET', `/api/v1/recommendations?userId=u${n % 40}&strategy=trending&limit=5`, victim.readKey)
      : call(api!.base, 'GET', '/api/v1/catalog?limit=20', victim.readKey)
  }
  /** The victim's requests at VICTIM_RATE a second for `seconds` (an open loop: a slow answer does not delay the next request). */
  const victimRun = async (seconds: number) => {
    const ms: number[] = []
    const statuses = new Map<number, number>()
    const pending: Promise<void>[] = []
    const busy0 = machineBusyMs(), t0 = performance.now()
    for (let i = 0; i < seconds * VICTIM_RATE; i++) {
      await Bun.sleep(Math.max(0, t0 + (i * 1000) / VICTIM_RATE - performance.now()))
      pending.push(victimRequest().then((r) => { ms.push(r.ms); statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1) }))
    }
    await Promise.all(pending)
    return { ms, statuses, cores: (machineBusyMs() - busy0) / (performance.now() - t0) }
  }
  const show = (label: string, r: Awaited<ReturnType<typeof victimRun>>) =>
    console.log(`${label.padEnd(22)} p50 ${fmt(pct(r.ms, 50))}, p95 ${fmt(pct(r.ms, 95))}, p99 ${fmt(pct(r.ms, 99))} over ${r.ms.length} requests`
      + ` (statuses ${[...r.statuses].map(([s, c]) => `${s}×${c}`).join(' ')}; machine ${r.cores.toFixed(2)} of ${cpus().length} cores busy)`)

  await victimRun(5) // warm-up: model loaded, answers cached, connections open
  const idle = await victimRun(SECONDS - 2)
  show('victim idle', idle)

  const setReadLimit = (read: number) => fetch(`${api!.base}/api/v1/tenants/${attacker.tenantId}`, {
    method: 'PUT', headers: { authorization: `Bearer ${attacker.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ config: { rateLimits: { read, write: 500 } } }),
  }).then((r) => { if (!r.ok) throw new Error(`setting the attacker's limit: ${r.status}`) })
  const attacks = [
    { mode: 'normal limit', limit: NORMAL_READ_LIMIT, polite: true, perSecond: (0.95 * NORMAL_READ_LIMIT) / 60 },
    { mode: 'limit lifted', limit: 1_000_000, polite: true },
    { mode: 'flood', limit: NORMAL_READ_LIMIT, polite: false },
  ]
  for (const { mode, limit, polite, perSecond } of attacks) {
    await setReadLimit(limit)
    const attack = Bun.spawn([process.execPath, import.meta.path, '--attack', JSON.stringify({ base: api.base, key: attacker.readKey, polite, perSecond }),
      '--seconds', String(SECONDS), '--attackers', String(ATTACKERS), '--q', Q], { stdout: 'pipe', stderr: 'inherit' })
    await Bun.sleep(1000) // the attack under way
    const under = await victimRun(SECONDS - 2)
    show(`victim, ${mode}`, under)
    const got = JSON.parse(await new Response(attack.stdout).text()) as { statuses: Record<string, number>; ms: number[] }
    console.log(`  attacker (${mode}): ${ATTACKERS} loops for ${SECONDS} s, statuses ${Object.entries(got.statuses).map(([s, c]) => `${s}×${c}`).join(' ')}`
      + (got.ms.length ? `; its searches p50 ${fmt(pct(got.ms, 50))}, p95 ${fmt(pct(got.ms, 95))}` : ''))
    const ratio = pct(under.ms, 95) / pct(idle.ms, 95)
    console.log(`  victim p95 ${mode} / idle: ${ratio.toFixed(2)}x${mode === 'normal limit' ? ` (target ≤ 2x) ${ratio <= 2 ? 'ok' : 'MISSED'}` : ''}`)
    await Bun.sleep(2000) // the attack's connections closed
  }
} finally {
  await api?.kill()
  await db.drop()
}
