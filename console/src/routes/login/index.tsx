import { component$ } from '@builder.io/qwik'
import { Form, Link, routeAction$, useLocation, zod$, z, type DocumentHead, type RequestHandler } from '@builder.io/qwik-city'
import { Alert, FormField, ProblemAlert } from '../../components/ui'
import { apiPublic } from '../../lib/api'
import { fieldError } from '../../lib/actions'
import { readSession, safeNext, storeSession, type SessionTokens } from '../../lib/session'

export const onGet: RequestHandler = async (ev) => {
  // Already signed in: straight on.
  if (readSession(ev).accessToken) throw ev.redirect(302, safeNext(ev.url.searchParams.get('next')))
}

export const useLogin = routeAction$(async (form, ev) => {
  const r = await apiPublic<SessionTokens>(ev, '/api/v1/auth/login', { method: 'POST', body: { email: form.email, password: form.password } })
  if (!r.ok) return ev.fail(r.status === 401 || r.status === 429 || r.status === 400 ? r.status : 502, { problem: r.problem, email: form.email })
  storeSession(ev, r.data)
  throw ev.redirect(303, safeNext(form.next))
}, zod$({ email: z.string().trim().email('Enter a valid email address'), password: z.string().min(1, 'Enter your password'), next: z.string().optional() }))

export default component$(() => {
  const action = useLogin()
  const loc = useLocation()
  const v = action.value as any
  return (
    <div class="narrow">
      <h1>Sign in</h1>
      {loc.url.searchParams.get('signedOut') && <Alert kind="success">You are signed out.</Alert>}
      {loc.url.searchParams.get('reset') && <Alert kind="success">Your password was changed. Sign in with the new one.</Alert>}
      {loc.url.searchParams.get('next') && !v && <Alert kind="info">Sign in to continue.</Alert>}
      {v?.failed && <ProblemAlert problem={v.problem} message={v.fieldErrors ? 'Please correct the highlighted fields' : undefined} />}
      <Form action={action}>
        <input type="hidden" name="next" value={loc.url.searchParams.get('next') ?? ''} />
        <FormField name="email" type="email" label="Email" autocomplete="email" required value={v?.email ?? (action.formData?.get('email') as string | undefined)} error={fieldError(v, 'email')} />
        <FormField name="password" type="password" label="Password" autocomplete="current-password" required error={fieldError(v, 'password')} />
        <button type="submit" class="btn" disabled={action.isRunning}>Sign in</button>
      </Form>
      <p><Link href="/forgot-password">Forgot your password?</Link></p>
      <p>New here? <Link href="/signup">Create an account</Link></p>
    </div>
  )
})

export const head: DocumentHead = { title: 'Sign in', meta: [{ name: 'description', content: 'Sign in to the RecomEngine console.' }] }
