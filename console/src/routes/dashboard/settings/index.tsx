// Profile and password (PATCH /api/v1/auth/me).
import { component$ } from '@builder.io/qwik'
import { Form, routeAction$, zod$, z, type DocumentHead } from '@builder.io/qwik-city'
import { Alert, FormField, PageHeader, ProblemAlert } from '../../../components/ui'
import { failWith, fieldError } from '../../../lib/actions'
import { apiFetch, type ApiBody, type ApiData } from '../../../lib/api'
import { formatDate } from '../../../lib/format'
import { useMe } from '../layout'

type Saved = ApiData<'/api/v1/auth/me', 'patch'>
type MeUpdate = ApiBody<'/api/v1/auth/me', 'patch'>

export const useSaveProfile = routeAction$(async (form, ev) => {
  const r = await apiFetch<Saved>(ev, '/api/v1/auth/me', { method: 'PATCH', body: { name: form.name } satisfies MeUpdate })
  if (!r.ok) return failWith(ev, r)
  return { saved: 'profile' }
}, zod$({ name: z.string().trim().min(1, 'Enter your name').max(100) }))

export const useChangePassword = routeAction$(async (form, ev) => {
  if (form.password !== form.confirm) return ev.fail(400, { fieldErrors: { confirm: ['The two new passwords differ'] } })
  const r = await apiFetch<Saved>(ev, '/api/v1/auth/me', { method: 'PATCH', body: { currentPassword: form.currentPassword, password: form.password } satisfies MeUpdate })
  if (!r.ok) return failWith(ev, r)
  return { saved: 'password' }
}, zod$({
  currentPassword: z.string().min(1, 'Enter your current password'),
  password: z.string().min(8, 'Use at least 8 characters').max(128),
  confirm: z.string(),
}))

export const useSavePreferences = routeAction$(async (form, ev) => {
  const emailPreferences = { weeklySummary: form.weeklySummary === 'on', experimentAlerts: form.experimentAlerts === 'on' }
  const r = await apiFetch<Saved>(ev, '/api/v1/auth/me', { method: 'PATCH', body: { emailPreferences } satisfies MeUpdate })
  if (!r.ok) return failWith(ev, r)
  return { saved: 'preferences' }
}, zod$({ weeklySummary: z.literal('on').optional(), experimentAlerts: z.literal('on').optional() }))

export default component$(() => {
  const me = useMe()
  const profile = useSaveProfile()
  const pw = useChangePassword()
  const prefs = useSavePreferences()
  const ev = prefs.value as any
  const pv = profile.value as any
  const wv = pw.value as any
  return (
    <>
      <PageHeader title="Settings" lead={`${me.value.email} · member since ${formatDate(me.value.createdAt)}`} />
      <section class="card" aria-labelledby="profile-title">
        <h2 id="profile-title">Profile</h2>
        {pv?.saved && <Alert kind="success">Profile saved.</Alert>}
        {pv?.failed && <ProblemAlert problem={pv.problem} message={pv.fieldErrors ? 'Please correct the highlighted fields' : undefined} />}
        <Form action={profile}>
          <FormField name="name" label="Name" autocomplete="name" required maxLength={100} value={me.value.name} error={fieldError(pv, 'name')} />
          <div class="field">
            <label for="f-email">Email</label>
            <input id="f-email" type="email" value={me.value.email} readOnly aria-describedby="f-email-hint" />
            <span id="f-email-hint" class="hint">Your sign-in address; it cannot be changed here.</span>
          </div>
          <button type="submit" class="btn">Save profile</button>
        </Form>
      </section>
      <section class="card" aria-labelledby="prefs-title">
        <h2 id="prefs-title">Email preferences</h2>
        {ev?.saved && <Alert kind="success">Email preferences saved.</Alert>}
        {ev?.failed && <ProblemAlert problem={ev.problem} />}
        <Form action={prefs}>
          <div class="field">
            <label><input type="checkbox" name="weeklySummary" checked={me.value.emailPreferences.weeklySummary} /> Weekly summary — once a week, the last 7 days' KPIs of your tenants</label>
          </div>
          <div class="field">
            <label><input type="checkbox" name="experimentAlerts" checked={me.value.emailPreferences.experimentAlerts} /> Experiment alerts — a mail when an experiment first turns significant, shows a sample ratio mismatch, or completes</label>
          </div>
          <button type="submit" class="btn">Save email preferences</button>
        </Form>
      </section>
      <section class="card" aria-labelledby="password-title">
        <h2 id="password-title">Password</h2>
        {wv?.saved && <Alert kind="success">Password changed. Other sessions were signed out.</Alert>}
        {wv?.failed && <ProblemAlert problem={wv.problem} message={wv.fieldErrors ? 'Please correct the highlighted fields' : undefined} />}
        <Form action={pw}>
          {/* Lets password managers file the new password under the right account. */}
          <input type="text" name="username" autoComplete="username" value={me.value.email} hidden readOnly />
          <FormField name="currentPassword" type="password" label="Current password" autocomplete="current-password" required error={fieldError(wv, 'currentPassword')} />
          <FormField name="password" type="password" label="New password" autocomplete="new-password" required minLength={8} maxLength={128} hint="At least 8 characters." error={fieldError(wv, 'password')} />
          <FormField name="confirm" type="password" label="Repeat the new password" autocomplete="new-password" required error={fieldError(wv, 'confirm')} />
          <button type="submit" class="btn">Change password</button>
        </Form>
      </section>
    </>
  )
})

export const head: DocumentHead = { title: 'Settings' }
