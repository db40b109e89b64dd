// Seeding helpers for the tenant-data browser tests (analytics, catalog,
// events, experiments, widgets): everything goes through the public API as
// the signed-in admin (access token + X-Tenant-ID), as a merchant's backend would.
import { expect } from 'bun:test'
import type { ConsoleHarness } from './harness.ts'

export interface Admin { token: string; tenantId: string }

export async function seedCatalog(h: ConsoleHarness, a: Admin, items: object[]) {
  for (let i = 0; i < items.length; i += 500) {
    const r = await h.t.req('POST', '/api/v1/catalog/batch', { token: a.token, tenant: a.tenantId, body: { items: items.slice(i, i + 500) } })
    expect(r.status).toBe(200)
    expect(r.body.data.rejected).toEqual([])
  }
}

export async function seedEvents(h: ConsoleHarness, a: Admin, events: object[]) {
  for (let i = 0; i < events.length; i += 100) {
    const r = await h.t.req('POST', '/api/v1/events/batch', { token: a.token, tenant: a.tenantId, body: { events: events.slice(i, i + 100) } })
    expect(r.status).toBe(202)
    expect(r.body.data.rejected).toEqual([])
  }
}

/** An ISO timestamp `days` days and `minutes` minutes before now. */
export const ago = (days: number, minutes = 0) => new Date(Date.now() - days * 86_400_000 - minutes * 60_000).toISOString()
