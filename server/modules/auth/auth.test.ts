import { describe, expect, test } from 'bun:test'
import { BACKENDS } from '../../test/backends.ts'
import { createHmac } from 'node:crypto'
import { expectProblem, TEST_SECRETS, testApp, uniqueEmail } from '../../test/harness.ts'
import { waitFor } from '../../test/wait-for.ts'

const PW = 'correct horse battery'

for (const backend of BACKENDS) {
  describe(`auth [${backend}]`, async () => {
    const t = await testApp(backend)

    test('signup returns the user and a session; the email is taken afterwards', async () => {
      const email = uniqueEmail()
      const r = await t.req('POST', '/api/v1/auth/signup', { body: { email, password: PW, name: 'Ada' } })
      expect(r.status).toBe(201)
      expect(r.body.data.user).toMatchObject({ email, name: 'Ada' })
      expect(r.body.data.accessToken.split('.')).toHaveLength(3)
      expect(r.body.data.refreshToken).toStartWith('rt_')
      expect(r.body.data.expiresIn).toBe(3600)
      const again = await t.req('POST', '/api/v1/auth/signup', { body: { email: email.toUpperCase(), password: PW, name: 'Eve' } })
      expectProblem(again, 409)
    })

    test('signup validates each field', async () => {
      const short = expectProblem(await t.req('POST', '/api/v1/auth/signup', { body: { email: uniqueEmail(), password: 'short', name: 'A' } }), 400)
      expect(short.errors?.map((e) => e.field)).toEqual(['password'])
      const bad = expectProblem(await t.req('POST', '/api/v1/auth/signup', { body: { email: 'not-an-email', password: PW } }), 400)
      expect(bad.errors?.map((e) => e.field).sort()).toEqual(['email', 'name'])
      expectProblem(await t.req('POST', '/api/v1/auth/signup', { raw: '{"email":' }), 400)
    })

    test('login, wrong password, and /auth/me', async () => {
      const { email } = await t.admin()
      const bad = expectProblem(await t.req('POST', '/api/v1/auth/login', { body: { email, password: 'wrong password' } }), 401)
      expect(bad.detail).toBe('Incorrect email or password')
      expectProblem(await t.req('POST', '/api/v1/auth/login', { body: { email: uniqueEmail('nobody'), password: PW } }), 401)
      const ok = await t.req('POST', '/api/v1/auth/login', { body: { email, password: PW } })
      expect(ok.status).toBe(200)
      const me = await t.req('GET', '/api/v1/auth/me', { token: ok.body.data.accessToken })
      expect(me.body.data.email).toBe(email)
      expectProblem(await t.req('GET', '/api/v1/auth/me'), 401)
      expectProblem(await t.req('GET', '/api/v1/auth/me', { token: 'not.a.jwt' }), 401)
    })

    test('login is throttled per email after 10 failures', async () => {
      const { email } = await t.admin()
      const headers = { 'x-forwarded-for': `10.9.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}` }
      for (let i = 0; i < 10; i++) expectProblem(await t.req('POST', '/api/v1/auth/login', { body: { email, password: 'nope-nope' }, headers }), 401)
      const limited = await t.req('POST', '/api/v1/auth/login', { body: { email, password: PW }, headers })
      expectProblem(limited, 429)
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0)
    })

    test('refresh tokens rotate; reusing a rotated one revokes the family', async () => {
      const { refreshToken } = await t.admin()
      const r1 = await t.req('POST', '/api/v1/auth/refresh', { body: { refreshToken } })
      expect(r1.status).toBe(200)
      const next = r1.body.data.refreshToken
      expect(next).not.toBe(refreshToken)
      expectProblem(await t.req('POST', '/api/v1/auth/refresh', { body: { refreshToken } }), 401) // reuse
      expectProblem(await t.req('POST', '/api/v1/auth/refresh', { body: { refreshToken: next } }), 401) // family revoked
    })

    test('logout revokes the session', async () => {
      const { refreshToken } = await t.admin()
      expect((await t.req('POST', '/api/v1/auth/logout', { body: { refreshToken } })).status).toBe(204)
      expectProblem(await t.req('POST', '/api/v1/auth/refresh', { body: { refreshToken } }), 401)
    })

    test('forgot-password mails a one-time link; unknown emails get the same 202', async () => {
      const { email } = await t.admin()
      const unknown = await t.req('POST', '/api/v1/auth/forgot-password', { body: { email: uniqueEmail('ghost') } })
      expect(unknown.status).toBe(202)
      const before = t.mail.length
      expect((await t.req('POST', '/api/v1/auth/forgot-password', { body: { email } })).status).toBe(202)
      expect(t.mail.length).toBe(before + 1)
      const token = t.mail.at(-1)!.text.match(/token=([A-Za-z0-9]+)/)![1]
      expect(t.mail.at(-1)!.to).toBe(email)
      expect((await t.req('POST', '/api/v1/auth/reset-password', { body: { token, password: 'a brand new secret' } })).status).toBe(200)
      expectProblem(await t.req('POST', '/api/v1/auth/reset-password', { body: { token, password: 'another new secret' } }), 400)
      expectProblem(await t.req('POST', '/api/v1/auth/login', { body: { email, password: PW } }), 401)
      expect((await t.req('POST', '/api/v1/auth/login', { body: { email, password: 'a brand new secret' } })).status).toBe(200)
    })

    test('PATCH /auth/me changes the name, and the password only with the current one', async () => {
      const { token, email } = await t.admin()
      const r = await t.req('PATCH', '/api/v1/auth/me', { token, body: { name: 'Grace' } })
      expect(r.body.data.name).toBe('Grace')
      const noCurrent = expectProblem(await t.req('PATCH', '/api/v1/auth/me', { token, body: { password: 'new password 1' } }), 400)
      expect(noCurrent.errors?.[0].field).toBe('currentPassword')
      expect((await t.req('PATCH', '/api/v1/auth/me', { token, body: { currentPassword: PW, password: 'new password 1' } })).status).toBe(200)
      expect((await t.req('POST', '/api/v1/auth/login', { body: { email, password: 'new password 1' } })).status).toBe(200)
    })

    // Issue 17 (6): the attempt is reserved before the password is checked, so a burst cannot outrun the count.
    test('45 parallel wrong passwords for one email: at most 10 are tried (401), the rest 429', async () => {
      const { email } = await t.admin()
      const burst = await Promise.all(Array.from({ length: 45 }, (_, i) => t.req('POST', '/api/v1/auth/login', { body: { email, password: `wrong ${i}` }, headers: { 'x-forwarded-for': `10.17.6.${i}` } })))
      const statuses = burst.map((r) => r.status)
      expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(10)
      expect(statuses.filter((s) => s === 401).length + statuses.filter((s) => s === 429).length).toBe(45)
    })

    test('only failures count: successful sign-ins give their reservation back', async () => {
      const { email } = await t.admin()
      const headers = { 'x-forwarded-for': `10.17.7.${Math.floor(Math.random() * 250)}` }
      for (let i = 0; i < 12; i++) expect((await t.req('POST', '/api/v1/auth/login', { body: { email, password: PW }, headers })).status).toBe(200)
      for (let i = 0; i < 10; i++) expectProblem(await t.req('POST', '/api/v1/auth/login', { body: { email, password: 'nope-nope' }, headers }), 401)
      expectProblem(await t.req('POST', '/api/v1/auth/login', { body: { email, password: 'nope-nope' }, headers }), 429)
    })

    // Issue 17 (7): an access token lives no longer than its sign-in.
    test('after logout, a password reset or a password change elsewhere, the old access token is refused', async () => {
      const me = (token: string) => t.req('GET', '/api/v1/auth/me', { token })
      const a = await t.admin()
      expect((await me(a.token)).status).toBe(200)
      await t.req('POST', '/api/v1/auth/logout', { body: { refreshToken: a.refreshToken } })
      expectProblem(await me(a.token), 401)

      const b = await t.admin()
      const other = (await t.req('POST', '/api/v1/auth/login', { body: { email: b.email, password: PW } })).body.data
      expect((await me(b.token)).status).toBe(200)
      await t.req('POST', '/api/v1/auth/forgot-password', { body: { email: b.email } })
      const reset = t.mail.at(-1)!.text.match(/token=([A-Za-z0-9]+)/)![1]
      expect((await t.req('POST', '/api/v1/auth/reset-password', { body: { token: reset, password: 'a brand new secret' } })).status).toBe(200)
      expectProblem(await me(b.token), 401)
      expectProblem(await me(other.accessToken), 401)

      // A password change keeps the session that made it and ends the others.
      const c = await t.admin()
      const second = (await t.req('POST', '/api/v1/auth/login', { body: { email: c.email, password: PW } })).body.data
      expect((await me(second.accessToken)).status).toBe(200)
      expect((await t.req('PATCH', '/api/v1/auth/me', { token: c.token, body: { currentPassword: PW, password: 'new password 2' } })).status).toBe(200)
      expect((await me(c.token)).status).toBe(200)
      expect((await t.req('POST', '/api/v1/auth/refresh', { body: { refreshToken: c.refreshToken } })).status).toBe(200)
      expectProblem(await me(second.accessToken), 401)
      expectProblem(await t.req('POST', '/api/v1/auth/refresh', { body: { refreshToken: second.refreshToken } }), 401)
    })

    test('HS256 only, exp, sub and sid required: alg none, another algorithm, no exp and no sid are 401', async () => {
      const a = await t.admin()
      const [, payload] = a.token.split('.')
      const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString())
      const b64 = (v: object) => Buffer.from(JSON.stringify(v)).toString('base64url')
      const signed = (header: object, body: object, hash = 'sha256') => {
        const head = `${b64(header)}.${b64(body)}`
        return `${head}.${createHmac(hash, TEST_SECRETS.jwtSecret).update(head).digest('base64url')}`
      }
      expect((await t.req('GET', '/api/v1/auth/me', { token: signed({ alg: 'HS256', typ: 'JWT' }, claims) })).status).toBe(200) // the forger's tool works
      const { exp: _exp, ...noExp } = claims
      const { sid: _sid, ...noSid } = claims
      for (const token of [
        `${b64({ alg: 'none', typ: 'JWT' })}.${payload}.`,
        signed({ alg: 'HS512', typ: 'JWT' }, claims, 'sha512'),
        signed({ alg: 'HS256', typ: 'JWT' }, noExp),
        signed({ alg: 'HS256', typ: 'JWT' }, noSid),
        signed({ alg: 'HS256', typ: 'JWT' }, { ...claims, exp: Math.floor(Date.now() / 1000) - 10 }),
      ]) expectProblem(await t.req('GET', '/api/v1/auth/me', { token }), 401)
    })

    if (backend === 'postgres') test('a logout reaches every instance at once (the session check is broadcast)', async () => {
      const other = await testApp(backend)
      const a = await t.admin()
      expect((await other.req('GET', '/api/v1/auth/me', { token: a.token })).status).toBe(200) // remembered there as live
      await t.req('POST', '/api/v1/auth/logout', { body: { refreshToken: a.refreshToken } })
      // The broadcast is on its way: the other instance refuses the token once it arrives.
      await waitFor('the logout to reach the other instance', async () => (await other.req('GET', '/api/v1/auth/me', { token: a.token })).status === 401)
    })
  })
}

test('passwords are hashed with bcrypt cost 12 by default (NFR-015)', async () => {
  const t = await testApp('pglite', { bcryptCost: 12 })
  const email = uniqueEmail()
  await t.req('POST', '/api/v1/auth/signup', { body: { email, password: PW, name: 'Ada' } })
  const { findUserByEmail } = await import('../../../db/queries/users.ts')
  const { backend } = await import('../../test/backends.ts')
  const u = await findUserByEmail((await backend('pglite')).database.db, email)
  expect(u!.passwordHash).toStartWith('$2b$12$')
  expect(u!.passwordHash).not.toContain(PW)
})
