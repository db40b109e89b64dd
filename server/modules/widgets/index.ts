import { Elysia } from 'elysia'
import { ACCESS, type authGuards } from '../../http/auth.ts'
import { Envelope, problems } from '../../http/schemas.ts'
import { WidgetModel } from './model.ts'
import type { WidgetService } from './service.ts'

const security: Record<string, string[]>[] = [{ apiKey: [] }, { bearer: [] }]

export function widgetRoutes(widgets: WidgetService, guards: ReturnType<typeof authGuards>) {
  return new Elysia({ prefix: '/widgets', tags: ['Widgets'] })
    .use(guards)
    // Read keys may read: the SDK fetches (and polls) its placements' settings with the page's key.
    .get('/:placement', async ({ principal, params, set }) => {
      // Revalidated on every poll, so a saved change reaches open pages on their next poll.
      set.headers['cache-control'] = 'no-cache'
      return { data: await widgets.get(principal.tenantId, principal.config, params.placement) }
    }, {
      tenant: 'read', params: WidgetModel.params,
      response: { 200: Envelope(WidgetModel.widget), ...problems(400, 401, 403, 429) },
      detail: { summary: "A placement's widget settings (tenant defaults for anything it does not set)", description: ACCESS.read, security },
    })
    .put('/:placement', async ({ principal, params, body }) => ({ data: await widgets.put(principal.tenantId, principal.config, params.placement, body as object) }), {
      tenant: 'write', params: WidgetModel.params, body: WidgetModel.put,
      response: { 200: Envelope(WidgetModel.widget), ...problems(400, 401, 403, 429) },
      detail: { summary: "Replace a placement's widget settings: layout, columns, showPrice, ctaText, title, limit, strategy, theme (open pages pick it up within 60 s)", description: ACCESS.write, security },
    })
}
