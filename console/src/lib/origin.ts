// CSRF for the console's non-form requests. Qwik City checks the Origin of
// form posts only (form, multipart and text/plain bodies); a JSON or
// qwik-json POST to an action, a server$ function or an endpoint skips it.
// This applies the same rule to every state-changing request.

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

/**
 * Whether a request changes state and names an Origin other than the console's
 * own. The scheme is ignored, as Qwik City's 'lax-proto' does for forms (a TLS
 * proxy in front); host and port must match. No Origin header: not a browser's
 * cross-site request (browsers send one on every such request), left to the
 * form check.
 */
export function isCrossOriginWrite(method: string, originHeader: string | null, ownOrigin: string): boolean {
  if (!MUTATING.has(method.toUpperCase()) || originHeader === null) return false
  const hostPort = (o: string) => o.replace(/^https?:\/\//i, '').toLowerCase()
  return originHeader === 'null' || hostPort(originHeader) !== hostPort(ownOrigin)
}

/** The 403 problem document the console answers a cross-origin write with. */
export function crossOriginRefusal(originHeader: string | null, ownOrigin: string): Response {
  return new Response(JSON.stringify({
    type: 'https://recomengine.dev/problems/forbidden', title: 'Forbidden', status: 403,
    detail: `Cross-origin requests that change state are refused: origin "${originHeader}" is not "${ownOrigin}"`,
  }), { status: 403, headers: { 'content-type': 'application/problem+json' } })
}
