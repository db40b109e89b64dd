import { component$ } from '@builder.io/qwik'
import { Form, Link, routeAction$, zod$, z, type DocumentHead } from '@builder.io/qwik-city'
import { Alert, FormField, ProblemAlert } from '../../components/ui'
import { fieldError } from '../../lib/actions'
import { apiPublic } from '../../lib/api'

export const useForgot = routeAction$(async (form, ev) => {
  const r = await apiPublic(ev, '/api/v1/auth/forgot-password', { method: 'POST', body: form })
  if (!r.ok) return ev.fail(r.status === 400 ? 400 : 502, { problem: r.problem })
  return { sent: true }
}, zod$({ email: z.string().trim().email('Enter a valid email address') }))

export default component$(() => {
  const action = useForgot()
  const v = action.value as any
  return (
    <div class="narrow">
      <h1>Reset your password</h1>
      {v?.sent ? (
        <Alert kind="success" title="Check your inbox.">If an account exists for that address, we sent it a link to set a new password. The link works for one hour.</Alert>
      ) : (
        <>
          <p class="muted">Enter the email you signed up with and we will send you a link to set a new password.</p>
          {v?.failed && <ProblemAlert problem={v.problem} message={v.fieldErrors ? 'Please correct the highlighted fields' : undefined} />}
          <Form action={action}>
            <FormField name="email" type="email" label="Email" autocomplete="email" required error={fieldError(v, 'email')} />
            <button type="submit" class="btn">Send reset link</button>
          </Form>
        </>
      )}
      <p><Link href="/login">Back to sign in</Link></p>
    </div>
  )
})

export const head: DocumentHead = { title: 'Forgot password' }
