import { component$, Slot } from '@builder.io/qwik'

/** What a page shows when there is nothing yet, with the next step in the slot. */
export const EmptyState = component$<{ title: string }>(({ title }) => (
  <div class="empty">
    <p><strong>{title}</strong></p>
    <Slot />
  </div>
))
