// The Docker image's contents, proven without Docker (scripts/image-smoke.ts):
// the Dockerfile's stages reproduced in a temporary directory and the CMD
// started from the final stage alone. The build stage is built once (about
// 20 s: kernels, SDK, console); each final stage assembled from it is cheap.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CHECKS, dockerignore, parseDockerfile, reproduce, ROOT, smoke } from './image-smoke.ts'

const DOCKERFILE = readFileSync(join(ROOT, 'Dockerfile'), 'utf8')

describe('reading the Dockerfile', () => {
  test('stages, COPY --from lines, continuation lines and the CMD', () => {
    const stages = parseDockerfile(DOCKERFILE)
    expect(stages.map((s) => s.name)).toEqual(['build', '1'])
    const final = stages[1]!.instructions
    expect(final.filter((i) => i.op === 'COPY').every((i) => i.args.startsWith('--from=build '))).toBe(true)
    expect(final.find((i) => i.op === 'HEALTHCHECK')!.args).toContain('CMD bun -e')
    expect(final.find((i) => i.op === 'CMD')!.args).toBe('["bun", "server/main.ts"]')
  })

  test('.dockerignore: anchored at the root, globs, directories exclude their subtree, ! re-includes', () => {
    const ignored = dockerignore('node_modules\n**/*.log\nconsole/dist\n# a comment\ndocs/*\n!docs/keep.md\n')
    expect(ignored('node_modules')).toBe(true)
    expect(ignored('node_modules/x/index.js')).toBe(true)
    expect(ignored('console/node_modules')).toBe(false)
    expect(ignored('a/b/c.log')).toBe(true)
    expect(ignored('top.log')).toBe(true)
    expect(ignored('console/dist/build/q.js')).toBe(true)
    expect(ignored('console/src/x.ts')).toBe(false)
    expect(ignored('docs/other.md')).toBe(true)
    expect(ignored('docs/keep.md')).toBe(false)
  })

  test('a RUN it does not know fails the reproduction instead of being skipped', async () => {
    const out = mkdtempSync(join(tmpdir(), 'image-smoke-run-'))
    try {
      await expect(reproduce('FROM x AS a\nWORKDIR /app\nRUN apt-get install -y curl\n', out)).rejects.toThrow('RUN apt-get install -y curl is not reproduced')
      await expect(reproduce('FROM x AS a\nWORKDIR /app\nCOPY no-such-file ./\n', out)).rejects.toThrow('COPY source no-such-file does not exist')
    } finally { rmSync(out, { recursive: true, force: true }) }
  })
})

describe('the image, reproduced and started', () => {
  const out = mkdtempSync(join(tmpdir(), 'image-smoke-test-'))
  let buildStage = ''
  beforeAll(async () => {
    // Builds every stage once; the tests below reuse the build stage.
    buildStage = (await reproduce(DOCKERFILE, join(out, 'full'))).stages.build!
  }, 120_000)
  afterAll(() => rmSync(out, { recursive: true, force: true }), 60_000)

  test('serves /health, the SDK, the console and its assets, the API docs and a recommendation', async () => {
    const image = await reproduce(DOCKERFILE, join(out, 'as-is'), { reuse: { build: buildStage } })
    const checks = await smoke(image)
    expect(checks.filter((c) => !c.ok)).toEqual([])
    expect(checks).toHaveLength(CHECKS)
  }, 90_000)

  test('an image without a file the app serves fails its check', async () => {
    const withoutSdk = DOCKERFILE.split('\n').filter((l) => !l.includes('/app/sdk/dist')).join('\n')
    expect(withoutSdk).not.toBe(DOCKERFILE)
    const checks = await smoke(await reproduce(withoutSdk, join(out, 'no-sdk'), { reuse: { build: buildStage } }))
    expect(checks.at(-1)).toMatchObject({ what: 'GET /sdk/v1.js', ok: false })
  }, 90_000)

  test('an image whose node_modules lost a production dependency does not start', async () => {
    // As `npm prune --omit=dev` would leave it if a runtime package were listed as a devDependency.
    const image = await reproduce(DOCKERFILE, join(out, 'no-elysia'), { reuse: { build: buildStage } })
    rmSync(join(image.dir, 'node_modules/elysia'), { recursive: true, force: true })
    const checks = await smoke(image)
    expect(checks).toEqual([expect.objectContaining({ what: 'GET /health', ok: false })])
  }, 90_000)
})
