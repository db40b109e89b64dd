import { describe, expect, test } from 'bun:test'
import { crossOriginRefusal, isCrossOriginWrite } from './origin'

describe('isCrossOriginWrite (CSRF for JSON requests)', () => {
  const own = 'http://localhost:3112'
  test('a write from another origin, or from an opaque one, is cross-origin', () => {
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE', 'post']) expect(isCrossOriginWrite(method, 'https://evil.example', own)).toBe(true)
    expect(isCrossOriginWrite('POST', 'null', own)).toBe(true)
    expect(isCrossOriginWrite('POST', 'http://localhost:3113', own)).toBe(true) // another port
    expect(isCrossOriginWrite('POST', 'http://localhost.evil.example:3112', own)).toBe(true)
  })
  test('the console\'s own origin, with either scheme (a TLS proxy in front), is not', () => {
    expect(isCrossOriginWrite('POST', own, own)).toBe(false)
    expect(isCrossOriginWrite('POST', 'https://localhost:3112', own)).toBe(false)
    expect(isCrossOriginWrite('DELETE', 'HTTP://LOCALHOST:3112', own)).toBe(false)
  })
  test('reads, and requests without an Origin header, are left alone', () => {
    expect(isCrossOriginWrite('GET', 'https://evil.example', own)).toBe(false)
    expect(isCrossOriginWrite('HEAD', 'https://evil.example', own)).toBe(false)
    expect(isCrossOriginWrite('POST', null, own)).toBe(false)
  })
  test('the refusal is a 403 problem document naming both origins', async () => {
    const r = crossOriginRefusal('https://evil.example', own)
    expect(r.status).toBe(403)
    expect(r.headers.get('content-type')).toBe('application/problem+json')
    expect((await r.json()).detail).toContain('https://evil.example')
  })
})
