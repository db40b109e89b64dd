// Accounts (issue 23): members and their roles, invitations by mail, and account keys. The last
// owner stays (changeMember refuses, under a lock). No HTTP here; roles are checked by the guards.
import type { Db } from '../../../db/client.ts'
import {
  acceptInvitation, changeMember, countActiveAccountKeys, experimentAlertRecipients, findAccount, findInvitation, findMember, findOwnMembership, insertAccountKey,
  listAccountKeys, listMembers, listMemberships, revokeAccountKey, upsertInvitation,
} from '../../../db/queries/accounts.ts'
import { findUserById } from '../../../db/queries/users.ts'
import type { AccountApiKey, AccountMember, Role } from '../../../db/schema.ts'
import { Conflict, Forbidden, Gone, NotFound } from '../../errors.ts'
import { randomToken, sha256Hex } from '../../infra/crypto.ts'
import type { Mailer } from '../../infra/mailer.ts'

export const INVITATION_TTL_MS = 7 * 24 * 3600 * 1000
const MAX_ACCOUNT_KEYS = 20
const KEY_PREFIX_LENGTH = 12 // "ak_live_" + 4 characters

export interface AccountDeps {
  db: Db
  mailer: Mailer
  clock: () => Date
  consoleUrl: string
  hashKey: (key: string) => Promise<string>
}

const memberDto = (m: AccountMember, name: string | null = null) => ({
  id: m.id, email: m.email, name, role: m.role, status: m.status, createdAt: m.createdAt.toISOString(),
  joinedAt: m.joinedAt?.toISOString() ?? null, expiresAt: m.status === 'invited' ? m.expiresAt?.toISOString() ?? null : null,
})
const keyDto = (k: AccountApiKey) => ({
  id: k.id, name: k.name, prefix: k.prefix, createdAt: k.createdAt.toISOString(), lastUsedAt: k.lastUsedAt?.toISOString() ?? null, revokedAt: k.revokedAt?.toISOString() ?? null,
})
const normEmail = (e: string) => e.trim().toLowerCase()
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

export function createAccountService(d: AccountDeps) {
  /** The invitation a token names, live and for `email`; refused otherwise. */
  async function liveInvitation(token: string, email: string) {
    const inv = await findInvitation(d.db, await sha256Hex(token))
    if (!inv) throw new NotFound('Invitation not found: it was used, withdrawn or never existed')
    if (!inv.expiresAt || inv.expiresAt <= d.clock()) throw new Gone('The invitation has expired; ask for a new one')
    if (inv.email !== normEmail(email)) throw new Forbidden('This invitation was sent to another email address')
    return inv
  }

  async function join(inv: AccountMember, userId: string) {
    if (!(await acceptInvitation(d.db, inv.id, userId, d.clock()))) throw new Conflict('You are already a member of this account, or the invitation was just used')
  }

  return {
    /** Who gets a tenant's experiment alert mails: its account's active members with experimentAlerts on. */
    alertRecipients: (tenantId: string) => experimentAlertRecipients(d.db, tenantId),

    async current(accountId: string, userId: string | undefined, role: Role) {
      const account = await findAccount(d.db, accountId)
      if (!account) throw new NotFound('Account not found')
      const accounts = userId ? (await listMemberships(d.db, userId)).map((m) => ({ id: m.accountId, name: m.accountName, role: m.role })) : []
      return { id: account.id, name: account.name, role, accounts }
    },

    async members(accountId: string) {
      return (await listMembers(d.db, accountId)).map((r) => memberDto(r.member, r.name))
    },

    /** Invites `email` (again: a fresh token and 7 more days) and mails the link. */
    async invite(accountId: string, invitedBy: string | null, v: { email: string; role: Role }) {
      const email = normEmail(v.email)
      const token = `inv_${randomToken(40)}`
      const m = await upsertInvitation(d.db, accountId, { email, role: v.role, tokenHash: await sha256Hex(token), expiresAt: new Date(d.clock().getTime() + INVITATION_TTL_MS), invitedBy })
      if (!m) throw new Conflict(`${email} is already a member of this account`)
      const [account, inviter] = await Promise.all([findAccount(d.db, accountId), invitedBy ? findUserById(d.db, invitedBy) : undefined])
      await d.mailer.send({
        to: email,
        subject: `You are invited to ${account?.name ?? 'an account'} on RecomEngine`,
        text: `Hello,\n\n${inviter?.name ?? 'A member'} invited you to the RecomEngine account "${account?.name}" as ${v.role}.\n\n`
          + `New to RecomEngine? Sign up with this email here:\n${d.consoleUrl}/signup?invitationToken=${token}\n\n`
          + `Already have a sign-in? Sign in, then open:\n${d.consoleUrl}/dashboard/settings/team?invitationToken=${token}\n\nThe invitation is valid for 7 days.`,
      })
      return { ...memberDto(m), invitationToken: token }
    },

    async changeRole(accountId: string, id: string, role: Role) {
      if (!UUID.test(id)) throw new NotFound('Member not found')
      const res = await changeMember(d.db, accountId, id, { role })
      if (res === 'last-owner') throw new Conflict('An account keeps at least one owner: make another member owner first')
      if (!res) throw new NotFound('Member not found')
      return memberDto(res)
    },

    /** Removes a member or withdraws an invitation. */
    async remove(accountId: string, id: string) {
      if (!UUID.test(id)) throw new NotFound('Member not found')
      const res = await changeMember(d.db, accountId, id, 'remove')
      if (res === 'last-owner') throw new Conflict('The last owner cannot leave: make another member owner first')
      if (!res) throw new NotFound('Member not found')
      return memberDto(res)
    },

    async leave(accountId: string, userId: string) {
      const own = await findOwnMembership(d.db, accountId, userId)
      if (!own) throw new NotFound('Member not found')
      return this.remove(accountId, own.id)
    },

    /** A signed-in user accepts an invitation sent to their email. */
    async accept(userId: string, token: string) {
      const user = await findUserById(d.db, userId)
      if (!user) throw new NotFound('User not found')
      const inv = await liveInvitation(token, user.email)
      await join(inv, userId)
      const m = await findMember(d.db, inv.accountId, inv.id)
      return memberDto(m!, user.name)
    },

    /** For signup with an invitation: checked before the user exists; joins after. */
    async invitationForSignup(token: string, email: string) {
      const inv = await liveInvitation(token, email)
      return (userId: string) => join(inv, userId)
    },

    async createKey(accountId: string, createdBy: string | null, name: string) {
      if ((await countActiveAccountKeys(d.db, accountId)) >= MAX_ACCOUNT_KEYS) throw new Conflict(`An account can have at most ${MAX_ACCOUNT_KEYS} active account keys; revoke one first`)
      const key = `ak_live_${randomToken(40)}`
      const k = await insertAccountKey(d.db, accountId, { name: name.trim(), prefix: key.slice(0, KEY_PREFIX_LENGTH), keyHash: await d.hashKey(key), createdBy })
      return { ...keyDto(k), key }
    },

    async listKeys(accountId: string, includeRevoked: boolean) {
      return (await listAccountKeys(d.db, accountId, includeRevoked)).map(keyDto)
    },

    async revokeKey(accountId: string, id: string) {
      if (!UUID.test(id)) throw new NotFound('Account key not found or already revoked')
      const k = await revokeAccountKey(d.db, accountId, id, d.clock())
      if (!k) throw new NotFound('Account key not found or already revoked')
      return keyDto(k)
    },
  }
}
export type AccountService = ReturnType<typeof createAccountService>
