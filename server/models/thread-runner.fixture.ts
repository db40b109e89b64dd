// A thread for thread-runner.test.ts: echoes a job's value; a job given a shared flag waits on it
// first (the test holds the thread busy as long as it needs, without sleeping); `crash` dies.
export {}
declare const self: { onmessage: ((e: MessageEvent<{ id: number; value: number; hold?: Int32Array; crash?: boolean }>) => void) | null; postMessage(message: unknown): void }

self.onmessage = (e) => {
  const { id, value, hold, crash } = e.data
  if (crash) throw new Error('crashed on purpose')
  if (hold) Atomics.wait(hold, 0, 0)
  self.postMessage({ id, value })
}
