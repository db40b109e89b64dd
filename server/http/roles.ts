// Who may call what: one table from every route to the least role that may call it. The auth
// guards (auth.ts) look the matched route up here on every request made with an admin token or an
// account key, so no handler checks a role itself; a route missing here is refused to everyone but
// owners, and server/http/roles.test.ts fails for it.
//   owner    everything, incl. members and deleting
//   admin    everything but members (account keys act as admins, except on the human-only routes)
//   analyst  reads everything; creates and manages experiments
//   viewer   reads only
//   public      no credential (or one checked by the route itself: refresh tokens, tracked links)
//   signed-in   any signed-in user, whatever account (their own profile, accepting an invitation)
import { ROLES, type Role } from '../../db/schema.ts'
import { API_DOCS_ASSETS } from './api-docs-page.ts'

export { ROLES, type Role }
export type Access = Role | 'public' | 'signed-in'

const RANK: Record<Role, number> = { viewer: 0, analyst: 1, admin: 2, owner: 3 }
export const atLeast = (have: Role, need: Role) => RANK[have] >= RANK[need]

export const ROUTE_ROLES: Record<string, Access> = {
  'GET /api/docs': 'public',
  'GET /api/v1/openapi.json': 'public',
  'GET /api/v1/openapi-3.1.json': 'public',
  ...Object.fromEntries(API_DOCS_ASSETS.map((path) => [`GET ${path}`, 'public' as const])),
  'GET /health': 'public',
  'GET /metrics': 'public',
  'GET /sdk/v1.js': 'public',
  'GET /demo': 'public',
  'GET /demo/assets/:file': 'public',
  'GET /demo/images/:productId': 'public',
  'GET /o/:file': 'public',
  'GET /r/:token': 'public',

  'POST /api/v1/auth/signup': 'public',
  'POST /api/v1/auth/login': 'public',
  'POST /api/v1/auth/refresh': 'public',
  'POST /api/v1/auth/logout': 'public',
  'POST /api/v1/auth/forgot-password': 'public',
  'POST /api/v1/auth/reset-password': 'public',
  'GET /api/v1/auth/me': 'signed-in',
  'PATCH /api/v1/auth/me': 'signed-in',

  'GET /api/v1/account': 'viewer',
  'GET /api/v1/account/members': 'viewer',
  'POST /api/v1/account/members': 'owner',
  'PATCH /api/v1/account/members/:id': 'owner',
  'DELETE /api/v1/account/members/:id': 'owner',
  'POST /api/v1/account/leave': 'viewer',
  'POST /api/v1/account/invitations/accept': 'signed-in',
  'GET /api/v1/account/api-keys': 'admin',
  'POST /api/v1/account/api-keys': 'admin',
  'DELETE /api/v1/account/api-keys/:id': 'admin',
  'GET /api/v1/account/usage': 'viewer',

  'GET /api/v1/tenants': 'viewer',
  'POST /api/v1/tenants': 'admin',
  'GET /api/v1/tenants/:id': 'viewer',
  'PUT /api/v1/tenants/:id': 'admin',
  'DELETE /api/v1/tenants/:id': 'admin',
  'GET /api/v1/tenants/:id/usage': 'viewer',
  'GET /api/v1/tenants/:id/api-keys': 'viewer',
  'POST /api/v1/tenants/:id/api-keys': 'admin',
  'DELETE /api/v1/tenants/:id/api-keys/:keyId': 'admin',
  // Embedded analytics (issue 23, built beside this): minting read-only views is a management act.
  'POST /api/v1/tenants/:id/embed-tokens': 'admin',
  'POST /api/v1/tenants/:id/embed-key/rotate': 'admin',
  // What the embedded pages read: an embed token or session, checked by the routes themselves (modules/embed).
  'POST /api/v1/embed/sessions': 'public',
  'GET /api/v1/embed/session': 'public',
  'GET /api/v1/embed/analytics/summary': 'public',
  'GET /api/v1/embed/analytics/timeseries': 'public',
  'GET /api/v1/embed/analytics/top-products': 'public',
  'GET /api/v1/embed/analytics/placements': 'public',
  'GET /api/v1/embed/analytics/export.csv': 'public',
  'GET /api/v1/embed/experiments': 'public',
  'GET /api/v1/embed/experiments/:id': 'public',
  'GET /api/v1/embed/experiments/:id/results': 'public',

  'GET /api/v1/me': 'viewer',
  'GET /api/v1/analytics/overview': 'viewer',
  'GET /api/v1/analytics/summary': 'viewer',
  'GET /api/v1/analytics/timeseries': 'viewer',
  'GET /api/v1/analytics/placements': 'viewer',
  'GET /api/v1/analytics/top-products': 'viewer',
  'GET /api/v1/analytics/export.csv': 'viewer',

  'GET /api/v1/catalog': 'viewer',
  'GET /api/v1/catalog/export': 'viewer',
  'GET /api/v1/catalog/:productId': 'viewer',
  'POST /api/v1/catalog': 'admin',
  'POST /api/v1/catalog/batch': 'admin',
  'PUT /api/v1/catalog/:productId': 'admin',
  'PATCH /api/v1/catalog/:productId': 'admin',
  'DELETE /api/v1/catalog/:productId': 'admin',

  'GET /api/v1/events': 'viewer',
  'GET /api/v1/events/export': 'viewer',
  'POST /api/v1/events': 'admin',
  'POST /api/v1/events/batch': 'admin',
  'POST /api/v1/track': 'admin',

  'GET /api/v1/experiments': 'viewer',
  'GET /api/v1/experiments/traffic': 'viewer',
  'GET /api/v1/experiments/:id': 'viewer',
  'GET /api/v1/experiments/:id/results': 'viewer',
  'POST /api/v1/experiments': 'analyst',
  'PATCH /api/v1/experiments/:id': 'analyst',
  'DELETE /api/v1/experiments/:id': 'analyst',
  'POST /api/v1/experiments/:id/start': 'analyst',
  'POST /api/v1/experiments/:id/pause': 'analyst',
  'POST /api/v1/experiments/:id/resume': 'analyst',
  'POST /api/v1/experiments/:id/complete': 'analyst',
  'POST /api/v1/experiments/:id/promote': 'analyst',

  // Shopper segments (F-014) and traits.
  'GET /api/v1/segments': 'viewer',
  'GET /api/v1/segments/:key': 'viewer',
  'POST /api/v1/segments': 'admin',
  'PUT /api/v1/segments/:key': 'admin',
  'DELETE /api/v1/segments/:key': 'admin',
  'GET /api/v1/users/:userId/segments': 'admin',
  'POST /api/v1/users/:userId/traits': 'admin',
  'GET /api/v1/analytics/segments': 'viewer',
  // Merchandising rules (F-018): reading them is reading; changing them steers every answer.
  'GET /api/v1/rules': 'viewer',
  'GET /api/v1/rules/:id': 'viewer',
  'POST /api/v1/rules': 'admin',
  'PUT /api/v1/rules/:id': 'admin',
  'PATCH /api/v1/rules/:id': 'admin',
  'DELETE /api/v1/rules/:id': 'admin',
  // Webhooks (F-015): reading endpoints and deliveries shows no secret; changing them is a management act.
  'GET /api/v1/webhooks': 'viewer',
  'GET /api/v1/webhooks/:id': 'viewer',
  'GET /api/v1/webhooks/:id/deliveries': 'viewer',
  'POST /api/v1/webhooks': 'admin',
  'PATCH /api/v1/webhooks/:id': 'admin',
  'DELETE /api/v1/webhooks/:id': 'admin',
  'POST /api/v1/webhooks/:id/rotate-secret': 'admin',
  'POST /api/v1/webhooks/:id/test': 'admin',
  'POST /api/v1/webhooks/:id/deliveries/:deliveryId/retry': 'admin',
  'GET /api/v1/imports': 'viewer',
  'GET /api/v1/imports/:id': 'viewer',
  'GET /api/v1/imports/:id/errors.csv': 'viewer',
  'POST /api/v1/imports': 'admin',
  'POST /api/v1/imports/:id/cancel': 'admin',

  'GET /api/v1/models': 'viewer',
  'POST /api/v1/models/rebuild': 'admin',
  'GET /api/v1/recommendations': 'viewer',
  'POST /api/v1/recommendations/batch': 'viewer',
  'GET /api/v1/recommendations/email': 'viewer',
  'GET /api/v1/widgets/:placement': 'viewer',
  'PUT /api/v1/widgets/:placement': 'admin',
  // A shopper's stored data is personal data: exporting and erasing it are admin acts.
  'GET /api/v1/users/:userId': 'admin',
  'DELETE /api/v1/users/:userId': 'admin',
}

/** Routes an account key may not call even though its admin level would reach them: keys never make keys or manage people. */
export const HUMAN_ONLY = new Set(['GET /api/v1/account/api-keys', 'POST /api/v1/account/api-keys', 'DELETE /api/v1/account/api-keys/:id'])

/** The least role for a matched route (`route` as Elysia registered it); unknown routes need an owner. */
export function accessFor(method: string, route: string): Access {
  return ROUTE_ROLES[`${method === 'HEAD' ? 'GET' : method} ${route}`] ?? 'owner'
}
