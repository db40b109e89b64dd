import { component$, Slot } from '@builder.io/qwik'

export type AlertKind = 'error' | 'success' | 'warning' | 'info'

/** A message box. Errors are announced at once (role=alert), the rest politely (role=status). */
export const Alert = component$<{ kind?: AlertKind; title?: string; id?: string }>(({ kind = 'info', title, id }) => (
  <div id={id} class={`alert alert-${kind}`} role={kind === 'error' ? 'alert' : 'status'}>
    {title && <strong>{title}</strong>}
    {title && ' '}
    <Slot />
  </div>
))
