// The statistics methodology, rendered from the repository's docs/experiments.md
// (one source: the document the code comments point to).
import { component$ } from '@builder.io/qwik'
import type { DocumentHead } from '@builder.io/qwik-city'
import methodology from '../../../../../docs/experiments.md?raw'
import { renderMarkdown } from '../../../lib/markdown'

const html = renderMarkdown(methodology)

export default component$(() => <div class="prose" dangerouslySetInnerHTML={html} />)

export const head: DocumentHead = { title: 'A/B testing methodology' }
