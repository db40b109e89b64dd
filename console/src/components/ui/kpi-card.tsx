import { component$, Slot } from '@builder.io/qwik'

/** A row of KPI cards: a description list, so each value is read with its label. */
export const KpiGrid = component$<{ label: string }>(({ label }) => (
  <dl class="kpis" aria-label={label}><Slot /></dl>
))

/** One KPI: label and an already formatted value (see lib/format.ts). Use inside <KpiGrid>. */
export const KpiCard = component$<{ label: string; value: string; hint?: string }>(({ label, value, hint }) => (
  <div class="kpi">
    <dt>{label}</dt>
    <dd>{value}{hint && <span class="kpi-hint">{hint}</span>}</dd>
  </div>
))
