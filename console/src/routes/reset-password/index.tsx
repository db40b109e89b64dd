// The page the reset mail links to: CONSOLE_URL/reset-password?token=… (server/modules/auth/service.ts).
import { component$ } from '@builder.io/qwik'
import { Form, Link, routeAction$, useLocation, zod$, z, type DocumentHead } from '@builder.io/qwik-city'
import { Alert, FormField, ProblemAlert } from '../../components/ui'
import { fieldError } from '../../lib/actions'
import { apiPublic } from '../../lib/api'

export const useReset = routeAction$(async (form, ev) => {
  if (form.password !== form.confirm) return ev.fail(400, { fieldErrors: { confirm: ['The two passwords differ'] } })
  const r = await apiPublic(ev, '/api/v1/auth/reset-password', { method: 'POST', body: { token: form.token, password: form.password } })
  if (!r.ok) return ev.fail(r.status === 400 ? 400 : 502, { problem: r.problem })
  throw ev.redirect(303, '/login?reset=1')
}, zod$({
  token: z.string().min(1, 'The link has no token'),
  password: z.string().min(8, 'Use at least 8 characters').max(128),
  confirm: z.string(),
}))

export default component$(() => {
  const action = useReset()
  const loc = useLocation()
  const token = loc.url.searchParams.get('token') ?? ''
  const v = action.value as any
  return (
    <div class="narrow">
      <h1>Choose a new password</h1>
      {!token ? (
        <Alert kind="error" title="This link is incomplete.">Open the link from the email again, or <Link href="/forgot-password">ask for a new one</Link>.</Alert>
      ) : (
        <>
          {v?.failed && <ProblemAlert problem={v.problem} message={v.fieldErrors ? 'Please correct the highlighted fields' : undefined} />}
          <Form action={action}>
            <input type="hidden" name="token" value={token} />
            <FormField name="password" type="password" label="New password" autocomplete="new-password" required minLength={8} maxLength={128} hint="At least 8 characters." error={fieldError(v, 'password')} />
            <FormField name="confirm" type="password" label="Repeat the new password" autocomplete="new-password" required error={fieldError(v, 'confirm')} />
            <button type="submit" class="btn">Set password</button>
          </Form>
        </>
      )}
      <p><Link href="/forgot-password">Request a new link</Link></p>
    </div>
  )
})

export const head: DocumentHead = { title: 'Reset password' }
