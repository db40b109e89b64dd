// Content vectors for content-based similarity: TF-IDF over an item's name, description,
// category and attributes, feature-hashed into `dim` signed buckets (Weinberger et al.
// 2009) and L2-normalised, so any catalog size fits a fixed-width matrix the similarity
// kernel scores in one pass. Plain arrays: the model is persisted as JSON.
import { murmur3String } from '../../kernels/murmur3.ts'
import type { Item } from '../types.ts'
import { round6 } from './ranking.ts'

// Common English words that make any two descriptions look alike.
const STOP_WORDS = new Set((
  'the and for with from this that these those are was were been being have has had not but you your our their its they them ' +
  'his her she him who whom which what when where why how all any each few more most other some such only own same than too very ' +
  'can will just should now into onto over under about above below off out per via also may might must shall would could ' +
  'one two three four five six ten new use used using made make item items product products set pack size'
).split(' '))

/**
 * Porter's step 1a (plurals), so "jacket" and "jackets" are one feature. The full
 * stemmer would also merge "running"/"runner", but its stems read badly in reasons.
 */
export function stem(word: string): string {
  if (word.endsWith('sses')) return word.slice(0, -2)
  if (word.endsWith('ies') && word.length > 4) return `${word.slice(0, -3)}y`
  if (word.endsWith('ss') || word.endsWith('us') || word.endsWith('is') || word.length <= 3) return word
  return word.endsWith('s') ? word.slice(0, -1) : word
}

/** Lowercased words of three or more letters, without stop words and bare numbers. */
export function tokenize(text: string): string[] {
  return text.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter((w) => w.length >= 3 && !STOP_WORDS.has(w) && !/^\p{N}+$/u.test(w))
}

// Field weights: a name or a category describes what the item is; a description
// also says what it is not ("unlike leather…"). Features that are not words (a whole
// category, key=value) start with ':', so no word can collide with them.
const NAME = 2
const DESCRIPTION = 1
const CATEGORY = 1.5
const WHOLE_CATEGORY = 3
const ATTRIBUTE = 1.5
const ATTRIBUTE_KEY = 0.5

function attributeText(value: unknown): string[] {
  if (value === null || value === undefined) return []
  if (Array.isArray(value)) return value.flatMap((v) => (typeof v === 'object' ? [] : [String(v)]))
  return typeof value === 'object' ? [] : [String(value)]
}

interface ItemTerms {
  /** Weighted frequency per feature (stemmed words, ':'-prefixed features). */
  tf: Map<string, number>
  /**
   * Stem → the word as first written, for the fields a reason may quote: the name,
   * description and attribute values. Category words are left out: a reason says
   * "same category" instead.
   */
  words: Map<string, string>
}

function itemTerms(item: Item): ItemTerms {
  const tf = new Map<string, number>()
  const words = new Map<string, string>()
  const add = (text: string, w: number, quotable: boolean): void => {
    for (const word of tokenize(text)) {
      const s = stem(word)
      tf.set(s, (tf.get(s) ?? 0) + w)
      if (quotable && !words.has(s)) words.set(s, word)
    }
  }
  const feature = (name: string, w: number): void => { tf.set(`:${name}`, (tf.get(`:${name}`) ?? 0) + w) }
  add(item.name, NAME, true)
  if (item.description) add(item.description, DESCRIPTION, true)
  if (item.category) {
    add(item.category, CATEGORY, false)
    feature(`category=${item.category.trim().toLowerCase()}`, WHOLE_CATEGORY)
  }
  for (const [key, value] of Object.entries(item.attributes ?? {})) {
    add(key, ATTRIBUTE_KEY, false)
    for (const text of attributeText(value)) {
      add(text, ATTRIBUTE, true)
      feature(`${key.toLowerCase()}=${text.trim().toLowerCase()}`, ATTRIBUTE)
    }
  }
  return { tf, words }
}

export interface ContentVectors { dim: number; vectors: number[][]; terms: string[][] }

/** How many of its strongest words each item keeps for reasons ("shares 'waterproof, hooded'"). */
const TERMS_PER_ITEM = 10

export function contentVectors(items: Item[], dim: number, hash: (s: string) => number = murmur3String): ContentVectors {
  const all = items.map(itemTerms)
  const df = new Map<string, number>()
  for (const { tf } of all) for (const term of tf.keys()) df.set(term, (df.get(term) ?? 0) + 1)
  return { dim, ...vectorsOf(all, df, items.length, dim, hash) }
}

/**
 * How many items of `items` (from `from` to `to`) have each feature, added into `df`: a built
 * catalog's, for vectors of items added later. In ranges, so a caller can count a large
 * catalog a slice at a time.
 */
export function documentFrequencies(items: readonly Item[], df = new Map<string, number>(), from = 0, to = items.length): Map<string, number> {
  for (let i = from; i < to; i++) for (const term of itemTerms(items[i]!).tf.keys()) df.set(term, (df.get(term) ?? 0) + 1)
  return df
}

/**
 * Vectors of items added to a catalog whose vectors exist (`df`: the catalog's document
 * frequencies, counted over `catalogSize` items, updated here to include the new items):
 * the same features, hashing and smoothed IDF as a build over the grown catalog, so they
 * score against the existing vectors as if built with them (the existing vectors' IDF,
 * over one catalog fewer, differs in the third decimal at most for a handful of items).
 */
export function addedContentVectors(items: readonly Item[], df: Map<string, number>, catalogSize: number, dim: number, hash: (s: string) => number = murmur3String): Omit<ContentVectors, 'dim'> {
  const all = items.map(itemTerms)
  for (const { tf } of all) for (const term of tf.keys()) df.set(term, (df.get(term) ?? 0) + 1)
  return vectorsOf(all, df, catalogSize + items.length, dim, hash)
}

function vectorsOf(all: ItemTerms[], df: ReadonlyMap<string, number>, n: number, dim: number, hash: (s: string) => number): Omit<ContentVectors, 'dim'> {
  // Smoothed IDF (as scikit-learn's): a term in every item still counts a little.
  // One hash per distinct term, not per occurrence. Low bits pick the bucket, the top bit
  // the sign, so colliding terms cancel on average instead of inflating similarity.
  const weight = new Map<string, { idf: number; slot: number }>()
  const termWeight = (term: string) => {
    let w = weight.get(term)
    if (!w) {
      const h = hash(term)
      weight.set(term, (w = { idf: Math.log((1 + n) / (1 + df.get(term)!)) + 1, slot: (h >>> 31 ? -1 : 1) * ((h % dim) + 1) }))
    }
    return w
  }
  const vectors: number[][] = []
  const terms: string[][] = []
  const v = new Float64Array(dim)
  for (const { tf, words } of all) {
    v.fill(0)
    const weighted: [string, number][] = []
    for (const [term, f] of tf) {
      const { idf, slot: s } = termWeight(term)
      const w = Math.log1p(f) * idf
      v[Math.abs(s) - 1]! += Math.sign(s) * w
      const word = words.get(term)
      if (word !== undefined) weighted.push([word, w])
    }
    let norm = 0
    for (let j = 0; j < dim; j++) norm += v[j]! * v[j]!
    norm = Math.sqrt(norm)
    vectors.push(Array.from(v, (x) => (norm > 0 ? round6(x / norm) : 0)))
    weighted.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    terms.push(weighted.slice(0, TERMS_PER_ITEM).map(([t]) => t))
  }
  return { vectors, terms }
}
