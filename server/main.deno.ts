// Deno entry point: the same app, served through its web-standard fetch.
//   deno run --allow-net --allow-env --allow-read --allow-write --allow-sys --allow-ffi server/main.deno.ts
import { serveOnDeno } from './runtime/deno.ts'

await serveOnDeno(Deno.env.toObject())
