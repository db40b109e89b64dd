// The API's experiment shapes, named from the generated OpenAPI types.
import type { ApiData } from '../../lib/api.ts'

export type Experiment = ApiData<'/api/v1/experiments/{id}', 'get'>
export type Results = ApiData<'/api/v1/experiments/{id}/results', 'get'>
export type Traffic = ApiData<'/api/v1/experiments/traffic', 'get'>

export const STATUS_BADGE: Record<Experiment['status'], string> = { draft: 'badge', running: 'badge badge-ok', paused: 'badge badge-warn', completed: 'badge' }
