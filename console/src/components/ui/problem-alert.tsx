import { component$ } from '@builder.io/qwik'
import type { Problem } from '../../lib/api'
import { Alert } from './alert'

/** An API problem (or an action's failure) as an error alert listing field errors. */
export const ProblemAlert = component$<{ problem?: Problem | null; message?: string }>(({ problem, message }) => {
  if (!problem && !message) return null
  return (
    <Alert kind="error" title={problem?.title ?? message}>
      {problem?.detail && problem.detail !== problem.title && <span>{problem.detail}</span>}
      {problem?.errors && problem.errors.length > 0 && (
        <ul>{problem.errors.map((e) => <li key={e.field}><code>{e.field}</code> {e.message}</li>)}</ul>
      )}
    </Alert>
  )
})
