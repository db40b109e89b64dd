// A local HTTP receiver for webhook tests: records every request and answers as told.
export interface Received { headers: Record<string, string>; body: string; json: { type: string; timestamp: string; data: any } }

export function receiver(answer: (n: number, r: Received) => Response | Promise<Response> = () => new Response('ok')) {
  const got: Received[] = []
  const server = Bun.serve({
    port: 0, hostname: '127.0.0.1',
    async fetch(req) {
      const body = await req.text()
      const r: Received = { headers: Object.fromEntries(req.headers), body, json: JSON.parse(body) }
      got.push(r)
      return answer(got.length, r)
    },
  })
  return {
    url: `http://127.0.0.1:${server.port}/hook`,
    got,
    of: (type: string) => got.filter((r) => r.json.type === type),
    stop: () => server.stop(true),
  }
}
