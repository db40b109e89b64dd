// Which addresses a webhook may not reach (SSRF): loopback, private, link-local (cloud metadata lives at
// 169.254.169.254 and fd00:ec2::254), carrier-grade NAT, multicast, unspecified and reserved ranges, in IPv4
// and IPv6, IPv4-mapped and NAT64-embedded IPv4 included. Pure: the caller resolves names.
import { isIP } from 'node:net'

const V4_BLOCKED: [number, number][] = [ // [network, prefix length]
  [0x00000000, 8], [0x0a000000, 8], [0x64400000, 10], [0x7f000000, 8], [0xa9fe0000, 16], [0xac100000, 12],
  [0xc0000000, 24], [0xc0000200, 24], [0xc0a80000, 16], [0xc6120000, 15], [0xc6336400, 24], [0xcb007100, 24],
  [0xe0000000, 4], [0xf0000000, 4],
]

function v4Number(ip: string): number {
  return ip.split('.').reduce((n, part) => (n << 8 >>> 0) + Number(part), 0) >>> 0
}
function v4Blocked(ip: string): string | null {
  const n = v4Number(ip)
  for (const [net, len] of V4_BLOCKED) {
    const mask = len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0
    if (((n & mask) >>> 0) === net) return 'a private, loopback, link-local or reserved IPv4 address'
  }
  return null
}

/** The eight 16-bit groups of an IPv6 address (with an embedded dotted IPv4 tail converted). */
function v6Groups(ip: string): number[] {
  let s = ip.toLowerCase().split('%')[0]!
  const dotted = s.match(/(\d+\.\d+\.\d+\.\d+)$/)
  if (dotted) {
    const n = v4Number(dotted[1]!)
    s = s.slice(0, -dotted[1]!.length) + `${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}`
  }
  const [head, tail] = s.split('::') as [string, string | undefined]
  const h = head ? head.split(':') : [], t = tail ? tail.split(':') : []
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t]
  return groups.map((g) => parseInt(g, 16))
}

function v6Blocked(ip: string): string | null {
  const g = v6Groups(ip)
  const embedded = (hi: number, lo: number) => v4Blocked(`${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`)
  if (g.every((x) => x === 0)) return 'the unspecified address'
  if (g.slice(0, 7).every((x) => x === 0) && g[7] === 1) return 'the loopback address'
  // ::ffff:a.b.c.d (mapped), ::a.b.c.d (compatible), 64:ff9b::a.b.c.d (NAT64): judged by the IPv4 inside.
  if (g.slice(0, 5).every((x) => x === 0) && (g[5] === 0xffff || g[5] === 0)) return embedded(g[6]!, g[7]!)
  if (g[0] === 0x64 && g[1] === 0xff9b) return embedded(g[6]!, g[7]!)
  if ((g[0]! & 0xfe00) === 0xfc00) return 'a unique-local IPv6 address'
  if ((g[0]! & 0xffc0) === 0xfe80) return 'a link-local IPv6 address'
  if ((g[0]! & 0xffc0) === 0xfec0) return 'a site-local IPv6 address'
  if ((g[0]! & 0xff00) === 0xff00) return 'a multicast IPv6 address'
  if (g[0] === 0x2001 && g[1] === 0x0db8) return 'a documentation IPv6 address'
  return null
}

/** Why this address may not be reached, or null when it may. */
export function blockedAddress(ip: string): string | null {
  const kind = isIP(ip)
  if (kind === 4) return v4Blocked(ip)
  if (kind === 6) return v6Blocked(ip)
  return 'not an IP address'
}
