// A value, or a promise of it when it has to be fetched. The serving path's lookups
// (API key and its rate-limit lease, session, model, profile, running experiments, a
// cached answer) hand back the value itself when it is in memory, and callers await
// only a promise: awaiting every lookup cost a cached answer about 20 % of its server
// time (BENCHMARKS.md, "no promise where the answer is in memory").
export type InMemoryFirst<T> = T | Promise<T>
