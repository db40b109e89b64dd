// Shapes of the embed routes (F-016). The theme is written into the embedded pages' CSS, so every value is
// held to a narrow pattern here (colours as hex, a font list from a safe charset, an https logo URL).
import { DateTime, Strict, T } from '../../http/schemas.ts'

/** The patterns a theme's values must match; the console checks them again before writing CSS. */
export const THEME_PATTERNS = {
  color: '^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$',
  fontFamily: '^[A-Za-z0-9 ,-]{1,100}$',
  logoUrl: '^https://[A-Za-z0-9.-]+(?::[0-9]{1,5})?(?:/[A-Za-z0-9._~!$&*+,;=:@%/?-]*)?$',
} as const

const Colour = (what: string) => T.String({ pattern: THEME_PATTERNS.color, description: `${what}, as #rgb or #rrggbb` })

export const EmbedTheme = Strict({
  primaryColor: T.Optional(Colour('Buttons and links')),
  textColor: T.Optional(Colour('Body text')),
  background: T.Optional(Colour('Page background')),
  fontFamily: T.Optional(T.String({ pattern: THEME_PATTERNS.fontFamily, description: 'A CSS font list of letters, digits, spaces, commas and hyphens (no quotes), e.g. "Inter, Arial, sans-serif"' })),
  logoUrl: T.Optional(T.String({ maxLength: 2048, pattern: THEME_PATTERNS.logoUrl, description: 'An https URL of the logo shown above the embedded page', examples: ['https://shop.example.com/logo.svg'] })),
}, { description: 'Colours, font and logo of the embedded pages' })

/** `analytics`, `experiments` (all of the tenant's), or one experiment: `experiment:<id>`. */
export const EmbedView = T.Union([
  T.Literal('analytics'), T.Literal('experiments'),
  T.String({ pattern: '^experiment:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$', description: 'one experiment: experiment:<id>' }),
], { description: '`analytics`, `experiments` (every experiment of the tenant) or `experiment:<id>` (that one only)' })

export const EmbedModel = {
  params: T.Object({ id: T.String({ format: 'uuid' }) }),
  mint: Strict({
    views: T.Array(EmbedView, { minItems: 1, maxItems: 20, uniqueItems: true, description: 'What the token opens; the first one is the page `url` points to' }),
    ttlSeconds: T.Optional(T.Integer({ minimum: 60, maximum: 86_400, default: 3600, description: 'Lifetime of the token (seconds): 60 to 86,400, default 3,600' })),
    theme: T.Optional(EmbedTheme),
    locale: T.Optional(T.String({ maxLength: 35, pattern: '^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8}){0,3}$', description: 'A BCP 47 language tag for the embedded page (its `lang`)', examples: ['en-US'] })),
    hideChrome: T.Optional(T.Boolean({ description: 'Leave out the header (logo and title) of the embedded page' })),
  }),
  minted: T.Object({
    token: T.String({ description: 'A signed JWT (HS256, the tenant\'s own embed key) scoped to this tenant and these views; read-only' }),
    url: T.String({ description: 'The console page to put in an iframe, with the token' }),
    expiresAt: DateTime,
  }),
  rotated: T.Object({ version: T.Integer({ description: 'The embed key\'s version, bumped by each rotation' }), rotatedAt: DateTime }),
  exchange: Strict({ token: T.String({ minLength: 1, maxLength: 8192, description: 'An embed token from POST /tenants/{id}/embed-tokens' }) }),
  session: T.Object({
    session: T.String({ description: 'An opaque session id for X-Embed-Session; it lapses after 15 idle minutes and when the token expires' }),
    expiresAt: DateTime,
    views: T.Array(EmbedView),
    theme: EmbedTheme,
    locale: T.Union([T.String(), T.Null()]),
    hideChrome: T.Boolean(),
    allowedOrigins: T.Array(T.String(), { description: "The tenant's embed.allowedOrigins: the sites that may frame the page" }),
  }),
} as const
