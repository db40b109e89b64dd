import { component$ } from '@builder.io/qwik'
import { Form, Link, routeAction$, useLocation, zod$, z, type DocumentHead } from '@builder.io/qwik-city'
import { FormField, ProblemAlert } from '../../components/ui'
import { fieldError } from '../../lib/actions'
import { apiPublic } from '../../lib/api'
import { storeSession, type SessionTokens } from '../../lib/session'

export const useSignup = routeAction$(async (form, ev) => {
  const { invitationToken, ...rest } = form
  const r = await apiPublic<SessionTokens>(ev, '/api/v1/auth/signup', { method: 'POST', body: invitationToken ? form : rest })
  if (!r.ok) return ev.fail(r.status >= 400 && r.status < 500 ? r.status : 502, { problem: r.problem, name: form.name, email: form.email })
  storeSession(ev, r.data)
  // Invited: the new user joined that account; its tenants are there already.
  if (invitationToken) throw ev.redirect(303, '/dashboard/tenants')
  // Onboarding (PRD §4.1): the first step after sign-up is a tenant.
  throw ev.redirect(303, '/dashboard/tenants?welcome=1')
}, zod$({
  name: z.string().trim().min(1, 'Enter your name').max(100),
  email: z.string().trim().email('Enter a valid email address').max(254),
  password: z.string().min(8, 'Use at least 8 characters').max(128),
  invitationToken: z.string().max(200).optional(),
}))

export default component$(() => {
  const action = useSignup()
  const v = action.value as any
  const invitation = useLocation().url.searchParams.get('invitationToken')
  return (
    <div class="narrow">
      <h1>Create your account</h1>
      {invitation ? <p class="muted">You were invited: sign up with the email the invitation was sent to, and you join that account.</p> : <p class="muted">Free up to 100,000 events a month. No card needed.</p>}
      {v?.failed && <ProblemAlert problem={v.problem} message={v.fieldErrors ? 'Please correct the highlighted fields' : undefined} />}
      <Form action={action}>
        <FormField name="name" label="Your name" autocomplete="name" required maxLength={100} value={v?.name} error={fieldError(v, 'name')} />
        <FormField name="email" type="email" label="Work email" autocomplete="email" required value={v?.email} error={fieldError(v, 'email')} />
        <FormField name="password" type="password" label="Password" autocomplete="new-password" required minLength={8} maxLength={128} hint="At least 8 characters." error={fieldError(v, 'password')} />
        {invitation && <input type="hidden" name="invitationToken" value={invitation} />}
        <button type="submit" class="btn" disabled={action.isRunning}>Create account</button>
      </Form>
      <p>Already have an account? <Link href="/login">Sign in</Link></p>
    </div>
  )
})

export const head: DocumentHead = { title: 'Sign up', meta: [{ name: 'description', content: 'Create a RecomEngine account.' }] }
