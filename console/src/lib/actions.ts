// Helpers for routeAction$ handlers that forward a form to the API.
import type { RequestEventAction } from '@builder.io/qwik-city'
import type { ApiResult, Problem } from './api'

/** Turns a failed API result into the action's failure value ({ problem }), keeping 4xx statuses. */
export function failWith(ev: RequestEventAction, r: ApiResult<unknown> & { ok: false }) {
  const status = r.status >= 400 && r.status < 500 ? r.status : 502
  return ev.fail(status, { problem: r.problem })
}

// zod$ reports one message per field (a string), or a list for array fields.
type FieldErrors = Record<string, string | string[] | undefined>
const messages = (m: string | string[] | undefined) => (m === undefined ? [] : Array.isArray(m) ? m : [m])

/** The field error messages of an action result, whichever side (zod$ or the API) rejected it. */
export function fieldError(value: any, field: string): string | undefined {
  if (!value?.failed) return undefined
  const z = messages((value.fieldErrors as FieldErrors | undefined)?.[field])
  if (z.length) return z.join(' ')
  const api = (value.problem as Problem | undefined)?.errors?.filter((e) => e.field === field || e.field === `/${field}` || e.field.endsWith(`.${field}`) || e.field.endsWith(`/${field}`))
  return api?.length ? api.map((e) => e.message).join(' ') : undefined
}
