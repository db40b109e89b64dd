// A second instance on a taken port must not share it silently (SO_REUSEPORT
// splits the traffic between them): both entry points bind without it unless
// REUSE_PORT=true, and turn the bind failure into this one message and exit 1.

/** Whether a listen error means another process holds the port (Bun: EADDRINUSE; Deno: AddrInUse). */
export function isPortInUse(error: unknown): boolean {
  const e = error as { code?: unknown; name?: unknown; message?: unknown } | null
  return !!e && (e.code === 'EADDRINUSE' || e.name === 'AddrInUse' || /\bin use\b/i.test(String(e.message ?? '')))
}

export const portInUseMessage = (port: number) => `port ${port} is already in use; set REUSE_PORT=true to share it on purpose`
