// Shared building blocks of every console page (accessible by construction).
export { Alert, type AlertKind } from './alert'
export { DataTable, type Column, type Cell } from './data-table'
export { EmptyState } from './empty-state'
export { FormField, SelectField, type FormFieldProps, type SelectFieldProps } from './form-field'
export { KpiCard, KpiGrid } from './kpi-card'
export { NavLink } from './nav-link'
export { PageHeader } from './page-header'
export { ProblemAlert } from './problem-alert'
