// Admin accounts: signup, login (throttled), rotating refresh tokens with
// reuse detection, password reset by mail, profile changes. No HTTP here.
import bcrypt from 'bcryptjs'
import type { Db } from '../../../db/client.ts'
import { findRefreshToken, insertRefreshToken, markRotated, revokeAllForUser, revokeFamily } from '../../../db/queries/refresh-tokens.ts'
import { insertAccountWithOwner } from '../../../db/queries/accounts.ts'
import { consumePasswordReset, findUserByEmail, findUserById, insertPasswordReset, insertUser, updateUser } from '../../../db/queries/users.ts'
import type { User } from '../../../db/schema.ts'
import type { Cache } from '../../infra/cache/index.ts'
import type { BucketSpec } from '../../infra/rate-limit/token-bucket.ts'
import { randomToken, sha256Hex } from '../../infra/crypto.ts'
import { Conflict, NotFound, TooManyRequests, Unauthorized, ValidationFailed } from '../../errors.ts'
import type { Mailer } from '../../infra/mailer.ts'
import type { Revocation } from './sessions.ts'

export const ACCESS_TTL_S = 3600
const REFRESH_TTL_MS = 7 * 24 * 3600 * 1000
const RESET_TTL_MS = 3600 * 1000
// Failed logins allowed per 15 minutes: per email, and per client address.
const EMAIL_THROTTLE: BucketSpec = { capacity: 10, refillPerMs: 10 / (15 * 60_000) }
const IP_THROTTLE: BucketSpec = { capacity: 50, refillPerMs: 50 / (15 * 60_000) }

export interface AuthDeps {
  db: Db
  cache: Cache
  mailer: Mailer
  clock: () => Date
  bcryptCost: number
  consoleUrl: string
  /** An access token for this user's sign-in (`sessionId`: its refresh-token family). */
  signAccess: (userId: string, sessionId: string) => Promise<string>
  /** Told after sign-ins were revoked in the database, so access tokens of theirs stop working everywhere at once. */
  onRevoked?: (r: Revocation) => Promise<void> | void
  /**
   * Signing up with an invitation: checks the token is live and for this email, before the user is made
   * (throws otherwise), and answers how to join once they exist.
   */
  invitation?: (token: string, email: string) => Promise<(userId: string) => Promise<void>>
}

const userDto = (u: User) => ({ id: u.id, email: u.email, name: u.name, createdAt: u.createdAt.toISOString() })
const normEmail = (e: string) => e.trim().toLowerCase()

export function createAuthService(d: AuthDeps) {
  // Compared against when the email is unknown, so both paths cost one bcrypt.
  const dummyHash = bcrypt.hashSync('not-a-real-password', 4).replace(/^\$2b\$04\$/, `$2b$${String(d.bcryptCost).padStart(2, '0')}$`)

  async function issueSession(user: User, familyId: string = crypto.randomUUID()) {
    const refreshToken = `rt_${randomToken(48)}`
    await insertRefreshToken(d.db, { userId: user.id, familyId, tokenHash: await sha256Hex(refreshToken), expiresAt: new Date(d.clock().getTime() + REFRESH_TTL_MS) })
    return { user: userDto(user), accessToken: await d.signAccess(user.id, familyId), refreshToken, tokenType: 'Bearer' as const, expiresIn: ACCESS_TTL_S }
  }

  return {
    /** A new user and their own account (they own it); with an invitation, they join the inviting account instead. */
    async signup(v: { email: string; password: string; name: string; invitationToken?: string }) {
      const email = normEmail(v.email)
      const join = v.invitationToken !== undefined ? await d.invitation!(v.invitationToken, email) : undefined
      const passwordHash = await bcrypt.hash(v.password, d.bcryptCost)
      const user = await insertUser(d.db, { email, passwordHash, name: v.name.trim() })
      if (!user) throw new Conflict('An account with this email already exists')
      if (join) await join(user.id)
      else await insertAccountWithOwner(d.db, user)
      return issueSession(user)
    },

    async login(v: { email: string; password: string }, clientIp: string) {
      const email = normEmail(v.email)
      // The attempt is reserved before the password is checked, atomically, so parallel
      // guesses cannot all pass a check made before any of them was counted; a success
      // gives its reservation back (only failures count).
      const buckets = [[`login:email:${email}`, EMAIL_THROTTLE], [`login:ip:${clientIp}`, IP_THROTTLE]] as const
      const reserved = await Promise.all(buckets.map(([key, spec]) => d.cache.take(key, spec, 1)))
      const refund = () => Promise.all(buckets.map(([key, spec], i) => (reserved[i]!.allowed ? d.cache.take(key, spec, -1) : undefined)))
      if (reserved.some((r) => !r.allowed)) {
        await refund()
        throw new TooManyRequests('Too many failed sign-in attempts; try again later', Math.max(...reserved.map((r) => r.retryAfterMs)) / 1000)
      }
      const user = await findUserByEmail(d.db, email)
      const ok = await bcrypt.compare(v.password, user?.passwordHash ?? dummyHash)
      if (!user || !ok) throw new Unauthorized('Incorrect email or password')
      await refund()
      return issueSession(user)
    },

    /** Rotates a refresh token. Presenting one already rotated revokes its whole family. */
    async refresh(token: string) {
      const now = d.clock()
      const row = await findRefreshToken(d.db, await sha256Hex(token))
      if (!row || row.revokedAt) throw new Unauthorized('The refresh token is invalid or revoked')
      if (row.rotatedAt || !(await markRotated(d.db, row.id, now))) {
        await revokeFamily(d.db, row.familyId, now)
        await d.onRevoked?.({ familyId: row.familyId })
        throw new Unauthorized('The refresh token was already used; every session from that sign-in is now revoked')
      }
      if (row.expiresAt <= now) throw new Unauthorized('The refresh token has expired')
      const user = await findUserById(d.db, row.userId)
      if (!user) throw new Unauthorized('The refresh token is invalid or revoked')
      return issueSession(user, row.familyId)
    },

    async logout(token: string) {
      const row = await findRefreshToken(d.db, await sha256Hex(token))
      if (!row) return
      await revokeFamily(d.db, row.familyId, d.clock())
      await d.onRevoked?.({ familyId: row.familyId })
    },

    /** Always succeeds from the caller's view, so it cannot reveal which emails exist. */
    async forgotPassword(email: string) {
      const user = await findUserByEmail(d.db, normEmail(email))
      if (!user) return
      const token = randomToken(40)
      await insertPasswordReset(d.db, { userId: user.id, tokenHash: await sha256Hex(token), expiresAt: new Date(d.clock().getTime() + RESET_TTL_MS) })
      await d.mailer.send({
        to: user.email,
        subject: 'Reset your RecomEngine password',
        text: `Hello ${user.name},\n\nSomeone asked to reset the password of your RecomEngine account. If it was you, open this link within an hour:\n\n${d.consoleUrl}/reset-password?token=${token}\n\nIf it was not you, ignore this message.`,
      })
    },

    async resetPassword(token: string, password: string) {
      const now = d.clock()
      const userId = await consumePasswordReset(d.db, await sha256Hex(token), now)
      if (!userId) throw new ValidationFailed('The reset link is invalid, used or expired', [{ field: 'token', message: 'is invalid, used or expired' }])
      await updateUser(d.db, userId, { passwordHash: await bcrypt.hash(password, d.bcryptCost) })
      await revokeAllForUser(d.db, userId, now)
      await d.onRevoked?.({ userId })
    },

    async me(userId: string) {
      const user = await findUserById(d.db, userId)
      if (!user) throw new NotFound('Account not found')
      return userDto(user)
    },

    /** `sessionId`: the caller's sign-in, which a password change keeps (it ends every other). */
    async updateMe(userId: string, v: { name?: string; currentPassword?: string; password?: string }, sessionId?: string) {
      const user = await findUserById(d.db, userId)
      if (!user) throw new NotFound('Account not found')
      const change: { name?: string; passwordHash?: string } = {}
      if (v.name !== undefined) change.name = v.name.trim()
      if (v.password !== undefined) {
        if (!v.currentPassword || !(await bcrypt.compare(v.currentPassword, user.passwordHash))) {
          throw new ValidationFailed('The current password is required to set a new one', [{ field: 'currentPassword', message: 'is missing or incorrect' }])
        }
        change.passwordHash = await bcrypt.hash(v.password, d.bcryptCost)
      }
      const updated = Object.keys(change).length ? await updateUser(d.db, userId, change) : user
      // A new password ends every other session.
      if (change.passwordHash) {
        await revokeAllForUser(d.db, userId, d.clock(), sessionId)
        await d.onRevoked?.({ userId })
      }
      return userDto(updated ?? user)
    },
  }
}
export type AuthService = ReturnType<typeof createAuthService>
