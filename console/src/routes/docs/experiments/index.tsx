// The statistics methodology, rendered from the repository's docs/experiments.md
// (one source: the document the code comments point to). Rendered in the loader,
// which runs only on the server, so marked never ships to the browser.
import { component$ } from '@builder.io/qwik'
import { routeLoader$, type DocumentHead } from '@builder.io/qwik-city'
import methodology from '../../../../../docs/experiments.md?raw'
import { renderMarkdown } from '../../../lib/markdown'

// Once per server process: the document is fixed at build time and marked takes ~1.5 ms a render.
let html: string | undefined
export const useMethodology = routeLoader$(() => (html ??= renderMarkdown(methodology)))

export default component$(() => <div class="prose" dangerouslySetInnerHTML={useMethodology().value} />)

export const head: DocumentHead = { title: 'A/B testing methodology' }
