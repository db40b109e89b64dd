// Who the shopper is: the merchant's id (data-user-id / init({ userId })) or an
// anonymous id kept in the merchant's own (first-party) storage, so recommendations and
// A/B arms stay stable across page views. Storage can be blocked (privacy modes): the
// id then lives for this page only, and nothing throws.

export type KeyValueStorage = Pick<Storage, 'getItem' | 'setItem'>

const KEY = 'recomengine_uid'
const SESSION_KEY = 'recomengine_sid'

export function randomId(): string {
  const b = crypto.getRandomValues(new Uint8Array(16))
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('')
}

function kept(storage: KeyValueStorage | undefined, key: string, make: () => string): string {
  try {
    const known = storage?.getItem(key)
    if (known) return known
  } catch { /* storage blocked */ }
  const id = make()
  try { storage?.setItem(key, id) } catch { /* storage blocked or full */ }
  return id
}

/** The shopper's anonymous id, kept in localStorage across visits. */
export const anonymousId = (storage: KeyValueStorage | undefined) => kept(storage, KEY, () => `anon-${randomId()}`)

/** The browsing session: one per tab, kept in sessionStorage while the tab lives. */
export const sessionIdOf = (storage: KeyValueStorage | undefined) => kept(storage, SESSION_KEY, randomId)
