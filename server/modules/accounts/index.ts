import { Elysia } from 'elysia'
import { BadRequest } from '../../errors.ts'
import type { authGuards } from '../../http/auth.ts'
import { Envelope, problems, T } from '../../http/schemas.ts'
import { AccountModel, CreatedAccountKey, Invited } from './model.ts'
import type { AccountService } from './service.ts'

const security: Record<string, string[]>[] = [{ bearer: [] }]
const roles = 'Roles: owner (everything, incl. members), admin (all but members), analyst (reads; manages experiments), viewer (reads). X-Account-ID picks the account.'

export function accountRoutes(accounts: AccountService, guards: ReturnType<typeof authGuards>) {
  return new Elysia({ prefix: '/account', tags: ['Account'] })
    .use(guards)
    .get('', async ({ actor }) => ({ data: await accounts.current(actor.accountId, actor.userId, actor.role) }),
      { account: true, response: { 200: Envelope(AccountModel.account), ...problems(401, 403, 404) }, detail: { summary: 'The current account, your role in it and every account you belong to', description: roles, security: [{ bearer: [] }, { accountKey: [] }] } })
    .get('/members', async ({ actor }) => ({ data: await accounts.members(actor.accountId) }),
      { account: true, response: { 200: Envelope(T.Array(AccountModel.member)), ...problems(401, 403) }, detail: { summary: 'Members and pending invitations', description: roles, security } })
    .post('/members', async ({ actor, body, set }) => { set.status = 201; return { data: await accounts.invite(actor.accountId, actor.userId ?? null, body) } },
      { account: true, body: AccountModel.invite, response: { 201: Envelope(Invited), ...problems(400, 401, 403, 409) }, detail: { summary: 'Invite someone by email (owners): a mail with a link valid 7 days', description: roles, security } })
    .patch('/members/:id', async ({ actor, params, body }) => ({ data: await accounts.changeRole(actor.accountId, params.id, body.role) }),
      { account: true, params: AccountModel.params, body: AccountModel.patch, response: { 200: Envelope(AccountModel.member), ...problems(400, 401, 403, 404, 409) }, detail: { summary: "Change a member's role (owners); the last owner cannot be demoted", description: roles, security } })
    .delete('/members/:id', async ({ actor, params }) => ({ data: await accounts.remove(actor.accountId, params.id) }),
      { account: true, params: AccountModel.params, response: { 200: Envelope(AccountModel.member), ...problems(401, 403, 404, 409) }, detail: { summary: 'Remove a member or withdraw an invitation (owners); the last owner stays', description: roles, security } })
    .post('/leave', async ({ actor }) => {
      if (!actor.userId) throw new BadRequest('An account key is no member: there is nothing to leave')
      return { data: await accounts.leave(actor.accountId, actor.userId) }
    }, { account: true, response: { 200: Envelope(AccountModel.member), ...problems(400, 401, 403, 404, 409) }, detail: { summary: 'Leave the current account (the last owner cannot)', security } })
    .post('/invitations/accept', async ({ userId, body }) => ({ data: await accounts.accept(userId, body.invitationToken) }),
      { admin: true, body: AccountModel.accept, response: { 200: Envelope(AccountModel.member), ...problems(400, 401, 403, 404, 409, 410) }, detail: { summary: 'Accept an invitation sent to your email: you join that account', security } })
    .get('/api-keys', async ({ actor, query }) => ({ data: await accounts.listKeys(actor.accountId, query.includeRevoked) }),
      { account: true, query: AccountModel.keysQuery, response: { 200: Envelope(T.Array(AccountModel.key)), ...problems(400, 401, 403) }, detail: { summary: 'List account keys (never the key itself)', description: roles, security } })
    .post('/api-keys', async ({ actor, body, set }) => { set.status = 201; return { data: await accounts.createKey(actor.accountId, actor.userId ?? null, body.name) } },
      { account: true, body: AccountModel.createKey, response: { 201: Envelope(CreatedAccountKey), ...problems(400, 401, 403, 409) }, detail: { summary: 'Create an account key (ak_live_…, shown once): acts for the whole account on the management routes', description: `Owners and admins, signed in (an account key cannot make keys). ${roles}`, security } })
    .delete('/api-keys/:id', async ({ actor, params }) => ({ data: await accounts.revokeKey(actor.accountId, params.id) }),
      { account: true, params: AccountModel.params, response: { 200: Envelope(AccountModel.key), ...problems(401, 403, 404) }, detail: { summary: 'Revoke an account key (at once, on every instance)', description: roles, security } })
}
