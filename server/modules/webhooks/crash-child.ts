// Test fixture for outbox-crash.test.ts: a process that commits a state change (an API key created, its
// api_key.created event in the same transaction) and is then SIGKILLed by the test, either before any send
// ("after-commit") or while its dispatcher waits on the receiver ("mid-send"). Prints one JSON line once committed.
import { openDatabase } from '../../../db/client.ts'
import { createServices } from '../../app.ts'
import { loadConfig } from '../../config.ts'
import { MemoryCache } from '../../infra/cache/memory.ts'
import { createLogger } from '../../logger.ts'

const args = JSON.parse(process.argv[2]!) as { databaseUrl?: string; dataDir?: string; url: string; mode: 'after-commit' | 'mid-send'; jwtSecret: string; apiKeyPepper: string }
const database = await openDatabase(args.databaseUrl ? { databaseUrl: args.databaseUrl } : { dataDir: args.dataDir! })
await database.migrate()
const config = { ...loadConfig({ LOG_LEVEL: 'silent', WEBHOOK_ALLOW_PRIVATE: 'true' }) }
const { services } = await createServices({
  config, database, cache: new MemoryCache(), log: createLogger('silent'), mailer: { send: async () => {} },
  secrets: { jwtSecret: args.jwtSecret, apiKeyPepper: args.apiKeyPepper }, usageFlushMs: 0,
})
const [user] = await database.raw.query<{ id: string }>(`insert into users (email, password_hash, name) values ($1, 'x', 'Crash') returning id`, [`crash-${crypto.randomUUID()}@example.com`])
const [account] = await database.raw.query<{ id: string }>(`insert into accounts (name) values ('Crash') returning id`)
const [tenant] = await database.raw.query<{ id: string }>(`insert into tenants (account_id, owner_id, name) values ($1, $2, 'Crash shop') returning id`, [account!.id, user!.id])
const endpoint = await services.webhooks.create(tenant!.id, { url: args.url, events: ['api_key.created'] })
const key = await services.apiKeys.create(account!.id, tenant!.id, { name: 'committed before the crash', permissions: 'read' })
console.log(JSON.stringify({ committed: true, tenantId: tenant!.id, endpointId: endpoint.id, secret: endpoint.secret, keyId: key.id }))
if (args.mode === 'mid-send') void services.dispatcher.runOnce()
setInterval(() => {}, 1 << 30) // wait for the SIGKILL
