// What a member's role lets them do, for hiding what the API would refuse (403): the same order
// as server/http/roles.ts — viewer < analyst < admin < owner.
export type Role = 'owner' | 'admin' | 'analyst' | 'viewer'
const RANK: Record<Role, number> = { viewer: 0, analyst: 1, admin: 2, owner: 3 }

/** Whether `role` reaches `need`. */
export const can = (role: Role | undefined, need: Role) => role !== undefined && RANK[role] >= RANK[need]

export const ROLE_LABELS: Record<Role, string> = {
  owner: 'Owner — everything, incl. members',
  admin: 'Admin — everything but members',
  analyst: 'Analyst — reads; manages experiments',
  viewer: 'Viewer — read only',
}
