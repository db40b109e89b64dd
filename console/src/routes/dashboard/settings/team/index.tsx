// Team (PRD §6): the account's members and pending invitations; owners invite, change roles and
// remove; anyone signed in accepts an invitation sent to them (?invitationToken= from the mail).
import { component$ } from '@builder.io/qwik'
import { Form, routeAction$, routeLoader$, useLocation, zod$, z, type DocumentHead } from '@builder.io/qwik-city'
import { Alert, FormField, PageHeader, ProblemAlert } from '../../../../components/ui'
import { failWith, fieldError } from '../../../../lib/actions'
import { apiFetch, type ApiBody, type ApiData } from '../../../../lib/api'
import { formatDate } from '../../../../lib/format'
import { can, ROLE_LABELS, type Role } from '../../../../lib/roles'
import { useAccount } from '../../layout'

type Member = ApiData<'/api/v1/account/members', 'get'>[number]
const ROLES = ['owner', 'admin', 'analyst', 'viewer'] as const

export const useMembers = routeLoader$(async (ev) => {
  const r = await apiFetch<Member[]>(ev, '/api/v1/account/members')
  return r.ok ? r.data : []
})

export const useInvite = routeAction$(async (form, ev) => {
  const r = await apiFetch<ApiData<'/api/v1/account/members', 'post'>>(ev, '/api/v1/account/members', { method: 'POST', body: form satisfies ApiBody<'/api/v1/account/members', 'post'> })
  if (!r.ok) return failWith(ev, r)
  return { invited: r.data.email }
}, zod$({ email: z.string().trim().email('Enter a valid email address').max(254), role: z.enum(ROLES) }))

export const useChangeRole = routeAction$(async (form, ev) => {
  const r = await apiFetch(ev, `/api/v1/account/members/${form.id}`, { method: 'PATCH', body: { role: form.role } })
  if (!r.ok) return failWith(ev, r)
  return { changed: true }
}, zod$({ id: z.string().uuid(), role: z.enum(ROLES) }))

export const useRemove = routeAction$(async (form, ev) => {
  const r = await apiFetch(ev, `/api/v1/account/members/${form.id}`, { method: 'DELETE' })
  if (!r.ok) return failWith(ev, r)
  return { removed: true }
}, zod$({ id: z.string().uuid() }))

export const useAccept = routeAction$(async (form, ev) => {
  const r = await apiFetch(ev, '/api/v1/account/invitations/accept', { method: 'POST', body: { invitationToken: form.invitationToken } })
  if (!r.ok) return failWith(ev, r)
  return { accepted: true }
}, zod$({ invitationToken: z.string().min(1).max(200) }))

export default component$(() => {
  const account = useAccount()
  const members = useMembers()
  const invite = useInvite()
  const change = useChangeRole()
  const remove = useRemove()
  const accept = useAccept()
  const loc = useLocation()
  const role = account.value?.role as Role | undefined
  const owner = can(role, 'owner')
  const iv = invite.value as any
  const failed = [change.value, remove.value, accept.value].find((x: any) => x?.failed) as any
  const active = members.value.filter((m) => m.status === 'active')
  const pending = members.value.filter((m) => m.status === 'invited')
  const token = loc.url.searchParams.get('invitationToken')
  return (
    <>
      <PageHeader title="Team" lead={account.value ? `${account.value.name} · your role: ${role}` : undefined} />
      {token && !(accept.value as any)?.accepted && (
        <section class="card" aria-labelledby="accept-title">
          <h2 id="accept-title">Invitation</h2>
          <p>You were invited to join an account. Accept to see its tenants (use the account switcher afterwards).</p>
          <Form action={accept}>
            <input type="hidden" name="invitationToken" value={token} />
            <button type="submit" class="btn">Accept invitation</button>
          </Form>
        </section>
      )}
      {(accept.value as any)?.accepted && <Alert kind="success">Invitation accepted. Switch to the account in the sidebar.</Alert>}
      {failed && <ProblemAlert problem={failed.problem} />}
      <section class="card" aria-labelledby="members-title">
        <h2 id="members-title">Members</h2>
        <table class="table">
          <caption class="sr-only">Members of the account</caption>
          <thead><tr><th scope="col">Name</th><th scope="col">Email</th><th scope="col">Role</th><th scope="col">Joined</th>{owner && <th scope="col"><span class="sr-only">Actions</span></th>}</tr></thead>
          <tbody>
            {active.map((m) => (
              <tr key={m.id} data-member={m.email}>
                <td>{m.name ?? '—'}</td>
                <td>{m.email}</td>
                <td>
                  {owner ? (
                    <Form action={change} class="form-row">
                      <input type="hidden" name="id" value={m.id} />
                      <label class="sr-only" for={`role-${m.id}`}>Role of {m.email}</label>
                      <select id={`role-${m.id}`} name="role">{ROLES.map((r) => <option key={r} value={r} selected={r === m.role}>{r}</option>)}</select>
                      <button type="submit" class="btn btn-secondary">Change<span class="sr-only"> role of {m.email}</span></button>
                    </Form>
                  ) : m.role}
                </td>
                <td>{m.joinedAt ? formatDate(m.joinedAt) : '—'}</td>
                {owner && (
                  <td>
                    <Form action={remove}>
                      <input type="hidden" name="id" value={m.id} />
                      <button type="submit" class="btn btn-danger">Remove<span class="sr-only"> {m.email}</span></button>
                    </Form>
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <section class="card" aria-labelledby="pending-title">
        <h2 id="pending-title">Pending invitations</h2>
        {pending.length === 0 ? <p class="muted">No pending invitations.</p> : (
          <table class="table">
            <caption class="sr-only">Pending invitations</caption>
            <thead><tr><th scope="col">Email</th><th scope="col">Role</th><th scope="col">Expires</th>{owner && <th scope="col"><span class="sr-only">Actions</span></th>}</tr></thead>
            <tbody>
              {pending.map((m) => (
                <tr key={m.id} data-invitation={m.email}>
                  <td>{m.email}</td><td>{m.role}</td><td>{m.expiresAt ? formatDate(m.expiresAt) : '—'}</td>
                  {owner && (
                    <td>
                      <Form action={remove}>
                        <input type="hidden" name="id" value={m.id} />
                        <button type="submit" class="btn btn-secondary">Withdraw<span class="sr-only"> invitation of {m.email}</span></button>
                      </Form>
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      {owner && (
        <section class="card" aria-labelledby="invite-title">
          <h2 id="invite-title">Invite someone</h2>
          {iv?.invited && <Alert kind="success">Invitation sent to {iv.invited}. The link is valid for 7 days.</Alert>}
          {iv?.failed && <ProblemAlert problem={iv.problem} message={iv.fieldErrors ? 'Please correct the highlighted fields' : undefined} />}
          <Form action={invite} class="form-row">
            <FormField name="email" type="email" label="Email" required maxLength={254} error={fieldError(iv, 'email')} />
            <div class="field">
              <label for="f-role">Role</label>
              <select id="f-role" name="role">{ROLES.map((r) => <option key={r} value={r} selected={r === 'viewer'}>{ROLE_LABELS[r]}</option>)}</select>
            </div>
            <div class="field"><button type="submit" class="btn" disabled={invite.isRunning}>Send invitation</button></div>
          </Form>
        </section>
      )}
      {!owner && <p class="muted">Only owners can invite members or change roles.</p>}
    </>
  )
})

export const head: DocumentHead = { title: 'Team' }
