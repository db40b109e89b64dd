import { component$, Slot } from '@builder.io/qwik'

/** The page's one h1, an optional lead sentence, and actions (slot) on the right. */
export const PageHeader = component$<{ title: string; lead?: string }>(({ title, lead }) => (
  <header class="page-header">
    <div>
      <h1>{title}</h1>
      {lead && <p>{lead}</p>}
    </div>
    <div><Slot /></div>
  </header>
))
