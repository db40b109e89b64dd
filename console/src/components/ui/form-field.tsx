import { component$ } from '@builder.io/qwik'

export interface FormFieldProps {
  name: string
  label: string
  type?: 'text' | 'email' | 'password' | 'number' | 'search' | 'date' | 'url' | 'color'
  value?: string | number
  hint?: string
  /** A message shown under the field and tied to it with aria-describedby. */
  error?: string | string[]
  required?: boolean
  autocomplete?: string
  min?: number
  max?: number
  step?: number | 'any'
  minLength?: number
  maxLength?: number
  placeholder?: string
  /** Defaults to `f-<name>`; pass one when a page has two fields of the same name. */
  id?: string
}

/** A labelled input with its hint and error, accessible by construction. */
export const FormField = component$<FormFieldProps>((p) => {
  const id = p.id ?? `f-${p.name}`
  const error = Array.isArray(p.error) ? p.error.join(' ') : p.error
  const described = [p.hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined
  return (
    <div class="field">
      <label for={id}>{p.label}{p.required && <span aria-hidden="true"> *</span>}</label>
      <input
        id={id} name={p.name} type={p.type ?? 'text'} value={p.value} required={p.required}
        autoComplete={p.autocomplete as any} min={p.min} max={p.max} step={p.step}
        minLength={p.minLength} maxLength={p.maxLength} placeholder={p.placeholder}
        aria-invalid={error ? 'true' : undefined} aria-describedby={described}
      />
      {p.hint && <span id={`${id}-hint`} class="hint">{p.hint}</span>}
      {error && <span id={`${id}-error`} class="error">{error}</span>}
    </div>
  )
})

export interface SelectFieldProps {
  name: string
  label: string
  options: { value: string; label: string }[]
  value?: string
  hint?: string
  error?: string
  id?: string
}

/** A labelled <select>. */
export const SelectField = component$<SelectFieldProps>((p) => {
  const id = p.id ?? `f-${p.name}`
  const described = [p.hint ? `${id}-hint` : '', p.error ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined
  return (
    <div class="field">
      <label for={id}>{p.label}</label>
      <select id={id} name={p.name} aria-invalid={p.error ? 'true' : undefined} aria-describedby={described}>
        {p.options.map((o) => <option key={o.value} value={o.value} selected={o.value === p.value}>{o.label}</option>)}
      </select>
      {p.hint && <span id={`${id}-hint`} class="hint">{p.hint}</span>}
      {p.error && <span id={`${id}-error`} class="error">{p.error}</span>}
    </div>
  )
})
