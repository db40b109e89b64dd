// Bun entry point: `bun server/main.ts`.
import { serveOnBun } from './runtime/bun.ts'

await serveOnBun(process.env)
