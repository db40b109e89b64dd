// A reader of R's XDR binary serialization (format 'X\n', versions 2 and 3: what
// saveRDS, save and R's lazy-load databases write), covering the types a data.frame is
// made of, so that data shipped in R packages can be read without R. Pure: bytes in,
// plain values out. Layout as in R's src/main/serialize.c: a header, then items, each a
// flags word (SEXPTYPE in the low byte; is-object, has-attributes and has-tag bits; the
// "levels" above bit 12, which for strings carry the encoding) and its payload.
import { gunzipSync, inflateSync } from 'node:zlib'

export type RAttributes = Map<string, RValue>

/** NA is null, in every vector type (for doubles, R's NA_real_ is; NaN stays NaN). */
export type RValue =
  | { type: 'NULL' }
  | { type: 'symbol'; name: string }
  | { type: 'pairlist'; value: { tag: string | null; value: RValue }[]; attributes: RAttributes }
  | { type: 'logical'; value: (boolean | null)[]; attributes: RAttributes }
  | { type: 'integer'; value: (number | null)[]; attributes: RAttributes }
  | { type: 'double'; value: (number | null)[]; attributes: RAttributes }
  | { type: 'character'; value: (string | null)[]; attributes: RAttributes }
  | { type: 'list'; value: RValue[]; attributes: RAttributes }

type RVector = Extract<RValue, { attributes: RAttributes }>

export const SEXP = {
  NIL: 0, SYM: 1, LIST: 2, CLO: 3, ENV: 4, PROM: 5, LANG: 6, SPECIAL: 7, BUILTIN: 8, CHAR: 9, LGL: 10, INT: 13, REAL: 14,
  CPLX: 15, STR: 16, DOT: 17, ANY: 18, VEC: 19, EXPR: 20, BCODE: 21, EXTPTR: 22, WEAKREF: 23, RAW: 24, S4: 25,
  ALTREP: 238, ATTRLIST: 239, ATTRLANG: 240, BASEENV: 241, EMPTYENV: 242, BCREPREF: 243, BCREPDEF: 244, GENERICREF: 245,
  CLASSREF: 246, PERSIST: 247, PACKAGE: 248, NAMESPACE: 249, BASENAMESPACE: 250, MISSINGARG: 251, UNBOUNDVALUE: 252,
  GLOBALENV: 253, NILVALUE: 254, REF: 255,
} as const

export const FLAG = { IS_OBJECT: 1 << 8, HAS_ATTR: 1 << 9, HAS_TAG: 1 << 10 } as const
/** CHARSXP encoding bits, within the levels (flags >> 12). */
export const CHAR_ENCODING = { BYTES: 1 << 1, LATIN1: 1 << 2, UTF8: 1 << 3, ASCII: 1 << 6 } as const

export const NA_INTEGER = -(2 ** 31)
/** R's NA_real_ is the NaN whose low word is 1954. */
const NA_REAL_LOW_WORD = 1954

const typeName = (type: number): string => Object.entries(SEXP).find(([, v]) => v === type)?.[0] ?? 'unknown'
const unsupported = (what: string, at: number): Error => new Error(`R serialization: unsupported ${what} at byte ${at}`)

const noAttributes = (): RAttributes => new Map()
const UTF8 = new TextDecoder('utf-8')

/** Byte for byte (TextDecoder's 'latin1' is really windows-1252, which remaps 0x80–0x9f). */
function latin1(bytes: Uint8Array): string {
  let s = ''
  for (const b of bytes) s += String.fromCharCode(b)
  return s
}

class Reader {
  private pos = 0
  private view: DataView
  /** What a REFSXP can point back to: here, only symbols (environments are refused). */
  private refs: RValue[] = []
  /** Unflagged strings are in the writer's native encoding, which version 3 names. */
  private nativeLatin1 = false

  constructor(private bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  }

  private int(): number {
    if (this.pos + 4 > this.bytes.length) throw new Error(`R serialization: truncated at byte ${this.pos}`)
    const v = this.view.getInt32(this.pos, false)
    this.pos += 4
    return v
  }

  private take(n: number): Uint8Array {
    if (this.pos + n > this.bytes.length) throw new Error(`R serialization: truncated at byte ${this.pos} (${n} bytes wanted)`)
    const out = this.bytes.subarray(this.pos, this.pos + n)
    this.pos += n
    return out
  }

  /** A vector length: -1 announces a long vector, as two more words (upper, lower). */
  private length(): number {
    const n = this.int()
    if (n >= 0) return n
    if (n !== -1) throw new Error(`R serialization: negative length ${n} at byte ${this.pos - 4}`)
    const upper = this.int()
    return upper * 2 ** 32 + (this.int() >>> 0)
  }

  header(): void {
    const format = latin1(this.take(2))
    if (format !== 'X\n') throw new Error(`R serialization: format ${JSON.stringify(format)} is not supported (only XDR, 'X\\n')`)
    const version = this.int()
    if (version !== 2 && version !== 3) throw new Error(`R serialization: version ${version} is not supported (only 2 and 3)`)
    this.int() // the writer's R version
    this.int() // the oldest R version that can read it
    if (version === 3) {
      const encoding = latin1(this.take(this.int()))
      this.nativeLatin1 = /^(latin1|ISO-8859-1|ISO8859-1)$/i.test(encoding)
    }
  }

  item(): RValue {
    const at = this.pos
    const flags = this.int()
    const type = flags & 0xff
    switch (type) {
      case SEXP.NILVALUE: return { type: 'NULL' }
      case SEXP.REF: return this.ref(flags, at)
      case SEXP.SYM: return this.symbol()
      case SEXP.LIST: return this.pairlist(flags)
      case SEXP.ALTREP: return this.altrep(at)
      case SEXP.LGL: case SEXP.INT: case SEXP.REAL: case SEXP.STR: case SEXP.VEC: return this.vector(flags)
      default: throw unsupported(`SEXPTYPE ${type} (${typeName(type)})`, at)
    }
  }

  private ref(flags: number, at: number): RValue {
    // The 1-based index is packed above the type byte, or follows when too large to pack.
    const index = flags >>> 8 || this.int()
    const target = this.refs[index - 1]
    if (!target) throw new Error(`R serialization: reference ${index} at byte ${at} points to nothing read so far (${this.refs.length} references)`)
    return target
  }

  private symbol(): RValue {
    const at = this.pos
    const flags = this.int()
    if ((flags & 0xff) !== SEXP.CHAR) throw unsupported(`symbol name of SEXPTYPE ${flags & 0xff}`, at)
    const name = this.charsxp(flags)
    if (name === null) throw new Error(`R serialization: NA symbol name at byte ${at}`)
    const sym: RValue = { type: 'symbol', name }
    this.refs.push(sym)
    return sym
  }

  private charsxp(flags: number): string | null {
    const n = this.int()
    if (n === -1) return null
    const bytes = this.take(n)
    const levels = flags >>> 12
    const isLatin1 = (levels & (CHAR_ENCODING.LATIN1 | CHAR_ENCODING.BYTES)) !== 0 || (this.nativeLatin1 && (levels & (CHAR_ENCODING.UTF8 | CHAR_ENCODING.ASCII)) === 0)
    return isLatin1 ? latin1(bytes) : UTF8.decode(bytes)
  }

  private attributes(): RAttributes {
    const at = this.pos
    return toAttributes(this.item(), at)
  }

  /** A pairlist node: its attributes and tag come before its value (unlike vectors'). */
  private node(flags: number): { attributes: RAttributes; tag: string | null; value: RValue } {
    const attributes = flags & FLAG.HAS_ATTR ? this.attributes() : noAttributes()
    let tag: string | null = null
    if (flags & FLAG.HAS_TAG) {
      const at = this.pos
      const t = this.item()
      if (t.type !== 'symbol') throw new Error(`R serialization: pairlist tag at byte ${at} is a ${t.type}, not a symbol`)
      tag = t.name
    }
    return { attributes, tag, value: this.item() }
  }

  /** Read as a loop over the CDRs (R writes them recursively), so long pairlists cannot overflow the stack. */
  private pairlist(flags: number): RValue {
    const first = this.node(flags)
    const value = [{ tag: first.tag, value: first.value }]
    for (;;) {
      const at = this.pos
      const next = this.int()
      if ((next & 0xff) === SEXP.NILVALUE) return { type: 'pairlist', value, attributes: first.attributes }
      if ((next & 0xff) !== SEXP.LIST) throw unsupported(`dotted pair (a CDR of SEXPTYPE ${next & 0xff})`, at)
      const { tag, value: v } = this.node(next)
      value.push({ tag, value: v })
    }
  }

  private vector(flags: number): RValue {
    const type = flags & 0xff
    const n = this.length()
    let v: RVector
    switch (type) {
      case SEXP.LGL: {
        const value: (boolean | null)[] = new Array(n)
        for (let i = 0; i < n; i++) { const x = this.int(); value[i] = x === NA_INTEGER ? null : x !== 0 }
        v = { type: 'logical', value, attributes: noAttributes() }
        break
      }
      case SEXP.INT: {
        const value: (number | null)[] = new Array(n)
        for (let i = 0; i < n; i++) { const x = this.int(); value[i] = x === NA_INTEGER ? null : x }
        v = { type: 'integer', value, attributes: noAttributes() }
        break
      }
      case SEXP.REAL: {
        const value: (number | null)[] = new Array(n)
        const base = this.pos
        this.take(8 * n) // bounds-checked; the words are read in place below
        for (let i = 0; i < n; i++) {
          const x = this.view.getFloat64(base + 8 * i, false)
          value[i] = Number.isNaN(x) && this.view.getUint32(base + 8 * i + 4, false) === NA_REAL_LOW_WORD ? null : x
        }
        v = { type: 'double', value, attributes: noAttributes() }
        break
      }
      case SEXP.STR: {
        const value: (string | null)[] = new Array(n)
        for (let i = 0; i < n; i++) {
          const at = this.pos
          const f = this.int()
          if ((f & 0xff) !== SEXP.CHAR) throw unsupported(`string element of SEXPTYPE ${f & 0xff}`, at)
          value[i] = this.charsxp(f)
        }
        v = { type: 'character', value, attributes: noAttributes() }
        break
      }
      default: {
        const value: RValue[] = new Array(n)
        for (let i = 0; i < n; i++) value[i] = this.item()
        v = { type: 'list', value, attributes: noAttributes() }
      }
    }
    // A vector's attributes follow its data.
    if (flags & FLAG.HAS_ATTR) v.attributes = this.attributes()
    return v
  }

  /**
   * An ALTREP object is written as its class (a pairlist: class symbol, package symbol,
   * type), its class's own state and its attributes; R rebuilds it with the class's
   * unserialize method, which is re-done here for base R's classes.
   */
  private altrep(at: number): RValue {
    const info = this.item()
    const cls = info.type === 'pairlist' && info.value[0]?.value.type === 'symbol' ? info.value[0].value.name : undefined
    if (cls === undefined) throw new Error(`R serialization: ALTREP at byte ${at} without a class symbol`)
    let v: RVector
    if (cls === 'compact_intseq' || cls === 'compact_realseq') v = compactSeq(cls, this.item(), at)
    else if (cls.startsWith('wrap_')) v = this.wrapped(at)
    else throw unsupported(`ALTREP class ${cls}`, at)
    const attributesAt = this.pos
    const attributes = this.item()
    if (attributes.type !== 'NULL') v.attributes = toAttributes(attributes, attributesAt)
    return v
  }

  /** wrap_* state is CONS(wrapped vector, metadata): a dotted pair, whose CAR is the value. */
  private wrapped(at: number): RVector {
    const flags = this.int()
    if ((flags & 0xff) !== SEXP.LIST) throw new Error(`R serialization: wrap_* ALTREP state at byte ${at} is not a pair`)
    const { value } = this.node(flags)
    this.item() // metadata: sortedness and no-NA hints
    if (value.type === 'NULL' || value.type === 'symbol' || value.type === 'pairlist') throw new Error(`R serialization: wrap_* ALTREP at byte ${at} wraps a ${value.type}`)
    return { ...value, attributes: noAttributes() }
  }
}

/** Attributes are a pairlist of tagged values: name → value. */
function toAttributes(list: RValue, at: number): RAttributes {
  if (list.type !== 'pairlist') throw new Error(`R serialization: attributes at byte ${at} are a ${list.type}, not a pairlist`)
  const out: RAttributes = new Map()
  for (const { tag, value } of list.value) {
    if (tag === null) throw new Error(`R serialization: untagged attribute at byte ${at}`)
    out.set(tag, value)
  }
  return out
}

/** compact_*seq state: (length, first, increment), as doubles (or ints, from R 3.5.0's intseq). */
function compactSeq(cls: 'compact_intseq' | 'compact_realseq', state: RValue, at: number): RVector {
  if ((state.type !== 'double' && state.type !== 'integer') || state.value.length !== 3) throw new Error(`R serialization: ${cls} at byte ${at} with a state that is not 3 numbers`)
  const [n, first, by] = state.value as number[]
  const value: number[] = new Array(n)
  for (let i = 0; i < n; i++) value[i] = first + i * by
  return { type: cls === 'compact_intseq' ? 'integer' : 'double', value, attributes: noAttributes() }
}

/** One serialized object (no gzip: see readRds). */
export function unserialize(bytes: Uint8Array): RValue {
  const r = new Reader(bytes)
  r.header()
  return r.item()
}

/** An .rds file (or an .rdx index): gzip'd or not, as saveRDS may write either. */
export function readRds(bytes: Uint8Array): RValue {
  return unserialize(bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes)
}

export function attribute(x: RValue, name: string): RValue | undefined {
  return 'attributes' in x ? x.attributes.get(name) : undefined
}

const strings = (x: RValue | undefined): (string | null)[] => (x?.type === 'character' ? x.value : [])

export type Column = (string | null)[] | (number | null)[] | (boolean | null)[]

/** A data.frame's columns by name; factors become their level strings. */
export function dataFrameColumns(df: RValue): Map<string, Column> {
  if (df.type !== 'list' || !strings(attribute(df, 'class')).includes('data.frame')) throw new Error(`not a data.frame (a ${df.type} of class ${strings(attribute(df, 'class')).join(', ') || 'none'})`)
  const names = strings(attribute(df, 'names'))
  const rows = rowCount(attribute(df, 'row.names'))
  const out = new Map<string, Column>()
  df.value.forEach((col, i) => {
    const name = names[i] ?? `V${i + 1}`
    const values = columnValues(col, name)
    if (values.length !== rows) throw new Error(`data.frame column ${name} has ${values.length} values for ${rows} rows`)
    out.set(name, values)
  })
  return out
}

/** row.names: the names themselves, or compactly c(NA, ±n) for 1..n. */
function rowCount(rowNames: RValue | undefined): number {
  if (rowNames?.type === 'integer' && rowNames.value.length === 2 && rowNames.value[0] === null) return Math.abs(rowNames.value[1]!)
  if (rowNames && 'attributes' in rowNames) return rowNames.value.length
  throw new Error('data.frame without row.names')
}

function columnValues(col: RValue, name: string): Column {
  if (col.type === 'integer' && strings(attribute(col, 'class')).includes('factor')) {
    const levels = strings(attribute(col, 'levels'))
    return col.value.map((code) => (code === null ? null : levels[code - 1] ?? null))
  }
  if (col.type === 'integer' || col.type === 'double' || col.type === 'character' || col.type === 'logical') return col.value
  throw new Error(`data.frame column ${name} is a ${col.type}, not an atomic vector`)
}

/**
 * One object of an R lazy-load database (what R packages ship as data/Rdata.rdx +
 * Rdata.rdb): the .rdx maps names to (offset, length) in the .rdb, where each entry is
 * a 4-byte big-endian uncompressed length, then a zlib stream of the serialized object.
 */
export function lazyLoadObject(rdx: Uint8Array, rdb: Uint8Array, name: string): RValue {
  const index = readRds(rdx)
  if (index.type !== 'list') throw new Error(`lazy-load index is a ${index.type}, not a list`)
  const part = (key: string): RValue | undefined => index.value[strings(attribute(index, 'names')).indexOf(key)]
  const variables = part('variables')
  if (!variables || variables.type !== 'list') throw new Error('lazy-load index without variables')
  const names = strings(attribute(variables, 'names'))
  const entry = variables.value[names.indexOf(name)]
  if (!entry) throw new Error(`lazy-load database has no object ${JSON.stringify(name)} (it has ${names.join(', ')})`)
  const compressed = part('compressed')
  // TRUE (or 1) is zlib; 2 and 3 are bzip2 and xz, which R marks with a type byte.
  const kind = compressed?.type === 'logical' ? (compressed.value[0] ? 1 : 0) : compressed?.type === 'integer' || compressed?.type === 'double' ? compressed.value[0] : undefined
  if (kind !== 1) throw new Error(`lazy-load database compression ${String(kind)} is not supported (only zlib)`)
  if ((entry.type !== 'integer' && entry.type !== 'double') || entry.value.length !== 2) throw new Error(`lazy-load entry ${name} is not (offset, length)`)
  const [offset, length] = entry.value as number[]
  if (offset + length > rdb.length || length < 4) throw new Error(`lazy-load entry ${name} (${offset}+${length}) lies outside the ${rdb.length}-byte database`)
  const expected = new DataView(rdb.buffer, rdb.byteOffset + offset, 4).getUint32(0, false)
  const bytes = inflateSync(rdb.subarray(offset + 4, offset + length))
  if (bytes.length !== expected) throw new Error(`lazy-load entry ${name} inflates to ${bytes.length} bytes, not the ${expected} recorded`)
  return unserialize(bytes)
}
