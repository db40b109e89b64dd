// The API's experiment shapes as the console reads them (server/modules/experiments/model.ts, results.ts).
import type { ResultsView } from './verdict'

export interface Experiment {
  id: string; name: string; control: string; variant: string; trafficSplit: number; metric: string
  placement: string | null; status: 'draft' | 'running' | 'paused' | 'completed'
  createdAt: string; updatedAt: string; startedAt: string | null; completedAt: string | null
}

export interface Results extends ResultsView {
  metric: string
  duration: number
  confidenceIntervals: { control: [number, number] | null; variant: [number, number] | null }
  daily?: { date: string; control: { users: number; metric: number | null }; variant: { users: number; metric: number | null }; pValue: number | null }[]
}

export const STATUS_BADGE: Record<string, string> = { draft: 'badge', running: 'badge badge-ok', paused: 'badge badge-warn', completed: 'badge' }
