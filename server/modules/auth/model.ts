import { Strict, T, DateTime, Uuid } from '../../http/schemas.ts'

const Email = T.String({ format: 'email', maxLength: 254 })
const Password = T.String({ minLength: 8, maxLength: 128, description: 'At least 8 characters' })

export const AuthModel = {
  signup: Strict({
    email: Email, password: Password, name: T.String({ minLength: 1, maxLength: 100 }),
    invitationToken: T.Optional(T.String({ minLength: 1, maxLength: 200, description: 'From an invitation mail: the new user joins that account (with the invited email only) instead of getting one of their own' })),
  }),
  login: Strict({ email: Email, password: T.String({ minLength: 1, maxLength: 128 }) }),
  refresh: Strict({ refreshToken: T.String({ minLength: 1, maxLength: 200 }) }),
  forgot: Strict({ email: Email }),
  reset: Strict({ token: T.String({ minLength: 1, maxLength: 200 }), password: Password }),
  patchMe: Strict({
    name: T.Optional(T.String({ minLength: 1, maxLength: 100 })),
    emailPreferences: T.Optional(Strict({ weeklySummary: T.Optional(T.Boolean()), experimentAlerts: T.Optional(T.Boolean()) })),
    currentPassword: T.Optional(T.String({ minLength: 1, maxLength: 128 })),
    password: T.Optional(Password),
  }),
  user: T.Object({
    id: Uuid, email: T.String(), name: T.String(), createdAt: DateTime,
    emailPreferences: T.Object({
      weeklySummary: T.Boolean({ description: 'A mail each week with the KPIs of your tenants' }),
      experimentAlerts: T.Boolean({ description: 'Mails when an experiment of your account first turns significant, first shows a sample ratio mismatch, and when it completes (once each)' }),
    }),
  }),
} as const

export const Session = T.Object({
  user: AuthModel.user,
  accessToken: T.String(),
  refreshToken: T.String(),
  tokenType: T.Literal('Bearer'),
  expiresIn: T.Integer({ description: 'access token lifetime in seconds' }),
})
