// Partial updates of nested settings: the schema that accepts any subset of a
// strict object (unknown fields still refused), and the merge of such a patch.
import type { TSchema } from 'elysia'
import { T } from './schemas.ts'

/** A deep-partial twin of a strict object schema, for updates. */
export function deepPartial(schema: TSchema): TSchema {
  if (schema.type === 'object' && schema.properties) {
    const props: Record<string, TSchema> = {}
    for (const [k, v] of Object.entries(schema.properties as Record<string, TSchema>)) props[k] = T.Optional(deepPartial(v))
    return T.Object(props, { additionalProperties: false })
  }
  return schema
}
export type DeepPartial<O> = { [K in keyof O]?: O[K] extends object ? DeepPartial<O[K]> : O[K] }

const isPlain = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

/** Merges `patch` over `base`, recursing into objects; arrays and scalars replace. */
export function mergeConfig<B>(base: B, patch: unknown): B {
  if (!isPlain(base) || !isPlain(patch)) return (patch === undefined ? base : patch) as B
  const out: Record<string, unknown> = { ...base }
  for (const [k, v] of Object.entries(patch)) if (v !== undefined) out[k] = mergeConfig(out[k], v)
  return out as B
}
