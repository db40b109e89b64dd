import { Elysia } from 'elysia'
import type { authGuards } from '../../http/auth.ts'
import { Envelope, problems, T } from '../../http/schemas.ts'
import { AuthModel, Session } from './model.ts'
import type { AuthService } from './service.ts'

export function authRoutes(auth: AuthService, guards: ReturnType<typeof authGuards>, clientIp: (req: Request) => string) {
  return new Elysia({ prefix: '/auth', tags: ['Auth'] })
    .use(guards)
    .post('/signup', async ({ body, set }) => { set.status = 201; return { data: await auth.signup(body) } },
      { body: AuthModel.signup, response: { 201: Envelope(Session), ...problems(400, 409) }, detail: { summary: 'Create an admin account' } })
    .post('/login', async ({ body, request }) => ({ data: await auth.login(body, clientIp(request)) }),
      { body: AuthModel.login, response: { 200: Envelope(Session), ...problems(400, 401, 429) }, detail: { summary: 'Sign in' } })
    .post('/refresh', async ({ body }) => ({ data: await auth.refresh(body.refreshToken) }),
      { body: AuthModel.refresh, response: { 200: Envelope(Session), ...problems(400, 401) }, detail: { summary: 'Rotate a refresh token' } })
    .post('/logout', async ({ body, set }) => { await auth.logout(body.refreshToken); set.status = 204; return null },
      { body: AuthModel.refresh, response: { 204: T.Null(), ...problems(400) }, detail: { summary: 'Revoke a sign-in (its refresh token family)' } })
    .post('/forgot-password', async ({ body, set }) => { await auth.forgotPassword(body.email); set.status = 202; return { data: { status: 'accepted' } } },
      { body: AuthModel.forgot, response: { 202: Envelope(T.Object({ status: T.Literal('accepted') })), ...problems(400) }, detail: { summary: 'Mail a password reset link (always 202)' } })
    .post('/reset-password', async ({ body }) => { await auth.resetPassword(body.token, body.password); return { data: { status: 'reset' } } },
      { body: AuthModel.reset, response: { 200: Envelope(T.Object({ status: T.Literal('reset') })), ...problems(400) }, detail: { summary: 'Set a new password with a reset token' } })
    .get('/me', async ({ userId }) => ({ data: await auth.me(userId) }),
      { admin: true, response: { 200: Envelope(AuthModel.user), ...problems(401, 404) }, detail: { summary: 'The signed-in admin', security: [{ bearer: [] }] } })
    .patch('/me', async ({ userId, sessionId, body }) => ({ data: await auth.updateMe(userId, body, sessionId) }),
      { admin: true, body: AuthModel.patchMe, response: { 200: Envelope(AuthModel.user), ...problems(400, 401, 404) }, detail: { summary: 'Change name or password (a new password ends every other sign-in of the account; this one stays)', security: [{ bearer: [] }] } })
}
