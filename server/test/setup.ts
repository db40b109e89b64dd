// Preloaded by bun test (bunfig.toml): tears the shared backends down once,
// after every test file has run.
import { afterAll } from 'bun:test'
import { teardownBackends } from './backends.ts'

afterAll(async () => { await teardownBackends() })
