// The console's build. `vite build` makes the client bundle (dist/); with
// `--ssr` (scripts/build-console.ts runs both, client first) it makes the
// server bundle (server/entry.bun.js) that server/main.ts mounts beside the
// API. The SSR step takes the client manifest from dist/q-manifest.json rather
// than from the shared temp directory, so concurrent builds cannot cross.
import { qwikCity } from '@builder.io/qwik-city/vite'
import { bunServerAdapter } from '@builder.io/qwik-city/adapters/bun-server/vite'
import { qwikVite } from '@builder.io/qwik/optimizer'
import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'

const root = fileURLToPath(new URL('.', import.meta.url))
const clientManifest = root + 'dist/q-manifest.json'

export default defineConfig(({ isSsrBuild }) => ({
  root,
  logLevel: 'warn',
  plugins: [
    qwikCity({ trailingSlash: false }),
    qwikVite({
      client: { outDir: 'dist' },
      ssr: { outDir: 'server', manifestInput: isSsrBuild && existsSync(clientManifest) ? JSON.parse(readFileSync(clientManifest, 'utf8')) : undefined },
      // Request rewrite: an unknown tenant renders the not-found page under its own URL, with 404.
      experimental: ['enableRequestRewrite'],
    }),
    // No static generation: every page reads the session or the API.
    ...(isSsrBuild ? [bunServerAdapter({ ssg: null })] : []),
  ],
  build: {
    // Keep earlier hashed chunks: a console still running the previous build keeps finding its files.
    emptyOutDir: false,
    ...(isSsrBuild ? { ssr: true, rollupOptions: { input: [root + 'src/entry.bun.tsx', '@qwik-city-plan'] } } : { target: 'es2022' }),
  },
}))
