// Waiting for a condition instead of for a time: a test waits as long as the
// machine needs (under load too) and no longer, and fails naming what it waited for.
export async function waitFor<T>(what: string, probe: () => T | Promise<T>, { timeoutMs = 10_000, everyMs = 10 } = {}): Promise<Exclude<T, false | null | undefined | 0 | ''>> {
  const deadline = performance.now() + timeoutMs
  for (;;) {
    const v = await probe()
    if (v) return v as Exclude<T, false | null | undefined | 0 | ''>
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((r) => setTimeout(r, everyMs))
  }
}
