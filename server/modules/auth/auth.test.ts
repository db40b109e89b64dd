import { describe, expect, test } from 'bun:test'
import { BACKENDS } from '../../test/backends.ts'
import { expectProblem, testApp, uniqueEmail } from '../../test/harness.ts'

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
