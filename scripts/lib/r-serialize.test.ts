// The R serialization reader against hand-built XDR bytes, laid out as R's
// serialize.c writes them: no R needed, and each fixture shows the format it pins.
import { describe, expect, test } from 'bun:test'
import { deflateSync, gzipSync } from 'node:zlib'
import { CHAR_ENCODING, dataFrameColumns, FLAG, lazyLoadObject, NA_INTEGER, readRds, SEXP, unserialize, type RValue } from './r-serialize.ts'

// ---- a tiny XDR writer: each helper returns the bytes of one item ----
type Bytes = number[]
const int = (v: number): Bytes => { const b = new Uint8Array(4); new DataView(b.buffer).setInt32(0, v, false); return [...b] }
const dbl = (v: number): Bytes => { const b = new Uint8Array(8); new DataView(b.buffer).setFloat64(0, v, false); return [...b] }
const NA_REAL: Bytes = [0x7f, 0xf0, 0, 0, 0, 0, 0x07, 0xa2] // low word 1954
const flags = (type: number, o: { attr?: boolean; tag?: boolean; obj?: boolean; levels?: number } = {}): Bytes =>
  int(type | (o.obj ? FLAG.IS_OBJECT : 0) | (o.attr ? FLAG.HAS_ATTR : 0) | (o.tag ? FLAG.HAS_TAG : 0) | ((o.levels ?? 0) << 12))
const header = (version = 3): Bytes => [0x58, 0x0a, ...int(version), ...int(0x040101), ...int(0x030500), ...(version === 3 ? [...int(5), ...Buffer.from('UTF-8')] : [])]

const charsxp = (s: string | null, encoding: number = CHAR_ENCODING.ASCII, bytes?: Buffer): Bytes => {
  if (s === null) return [...flags(SEXP.CHAR), ...int(-1)]
  const b = bytes ?? Buffer.from(s, 'utf8')
  return [...flags(SEXP.CHAR, { levels: encoding }), ...int(b.length), ...b]
}
const sym = (name: string): Bytes => [...flags(SEXP.SYM), ...charsxp(name)]
/** A back-reference to the index-th symbol read (1-based), packed into the flags. */
const ref = (index: number): Bytes => int((index << 8) | SEXP.REF)
const NIL = int(SEXP.NILVALUE)
/** A pairlist of (tag bytes or null, value bytes), NIL-terminated. */
const pairlist = (entries: [Bytes | null, Bytes][]): Bytes => [...entries.flatMap(([tag, value]) => [...flags(SEXP.LIST, { tag: tag !== null }), ...(tag ?? []), ...value]), ...NIL]
const withAttrs = (type: number, body: Bytes, attrs?: Bytes, obj = false): Bytes => [...flags(type, { attr: !!attrs, obj }), ...body, ...(attrs ?? [])]
const ints = (values: (number | null)[], attrs?: Bytes, obj = false): Bytes => withAttrs(SEXP.INT, [...int(values.length), ...values.flatMap((v) => int(v ?? NA_INTEGER))], attrs, obj)
const reals = (values: (number | null)[], attrs?: Bytes): Bytes => withAttrs(SEXP.REAL, [...int(values.length), ...values.flatMap((v) => (v === null ? NA_REAL : dbl(v)))], attrs)
const strs = (values: (string | null)[], attrs?: Bytes): Bytes => withAttrs(SEXP.STR, [...int(values.length), ...values.flatMap((v) => charsxp(v))], attrs)
const list = (items: Bytes[], attrs?: Bytes, obj = false): Bytes => withAttrs(SEXP.VEC, [...int(items.length), ...items.flat()], attrs, obj)
const altrep = (cls: string, state: Bytes, attrs: Bytes = NIL): Bytes => [...int(SEXP.ALTREP), ...pairlist([[null, sym(cls)], [null, sym('base')], [null, ints([SEXP.INT])]]), ...state, ...attrs]

const read = (item: Bytes, version = 3): RValue => unserialize(new Uint8Array([...header(version), ...item]))
const attrs = (x: RValue): Record<string, RValue> => ('attributes' in x ? Object.fromEntries(x.attributes) : {})

describe('R XDR serialization', () => {
  test('integers, NA_integer_ as null (version 2 header, which names no encoding)', () => {
    expect(read(ints([1, -7, null, 2147483647]), 2)).toEqual({ type: 'integer', value: [1, -7, null, 2147483647], attributes: new Map() })
  })

  test('doubles are big-endian; NA_real_ is null but a plain NaN stays NaN', () => {
    const x = read([...flags(SEXP.REAL), ...int(5), ...dbl(1.5), ...dbl(-2e300), ...NA_REAL, ...dbl(NaN), ...dbl(Infinity)])
    expect(x).toEqual({ type: 'double', value: [1.5, -2e300, null, NaN, Infinity], attributes: new Map() })
  })

  test('logicals: TRUE, FALSE, NA', () => {
    expect(read(withAttrs(SEXP.LGL, [...int(3), ...int(1), ...int(0), ...int(NA_INTEGER)]))).toMatchObject({ type: 'logical', value: [true, false, null] })
  })

  test('strings: NA, UTF-8 and latin1 by their encoding flags', () => {
    const x = read([...flags(SEXP.STR), ...int(4), ...charsxp('plain'), ...charsxp(null), ...charsxp('Amélie', CHAR_ENCODING.UTF8), ...charsxp('x', CHAR_ENCODING.LATIN1, Buffer.from([0x4c, 0xe9, 0x6f, 0x6e]))])
    expect(x).toMatchObject({ type: 'character', value: ['plain', null, 'Amélie', 'Léon'] })
  })

  test('a pairlist of attributes: names and any other tag, after the vector data', () => {
    const x = read(ints([10, 20], pairlist([[sym('names'), strs(['a', 'b'])], [sym('comment'), strs(['why'])]])))
    expect(x.type === 'integer' && x.value).toEqual([10, 20])
    expect(attrs(x)).toEqual({ names: { type: 'character', value: ['a', 'b'], attributes: new Map() }, comment: { type: 'character', value: ['why'], attributes: new Map() } })
  })

  test('a back-reference resolves to a symbol read earlier, packed or in the next word', () => {
    // Symbols 1 = 'names', 2 = 'class'; the second list uses both by reference.
    const x = read(list([
      ints([1], pairlist([[sym('names'), strs(['a'])], [sym('class'), strs(['k'])]])),
      ints([2], pairlist([[ref(1), strs(['b'])], [[...int(SEXP.REF), ...int(2)], strs(['j'])]])),
    ]))
    expect(x.type === 'list' && x.value.map((v) => Object.keys(attrs(v)))).toEqual([['names', 'class'], ['names', 'class']])
    expect(() => read(ints([1], pairlist([[ref(3), strs(['a'])]])))).toThrow(/reference 3 .* points to nothing/)
  })

  test('a factor becomes its level strings in a data.frame with compact row.names', () => {
    // Symbols in reading order: levels 1, class 2, names 3, row.names 4.
    const factor = ints([2, 1, null], pairlist([[sym('levels'), strs(['Action|Adventure', 'Drama'])], [sym('class'), strs(['factor'])]]), true)
    const df = list([factor, reals([4.5, 3, null]), strs(['Heat', null, 'Up'])], pairlist([
      [sym('names'), strs(['genres', 'rating', 'title'])],
      [sym('row.names'), ints([null, -3])],
      [ref(2), strs(['data.frame'])],
    ]), true)
    const cols = dataFrameColumns(read(df))
    expect(Object.fromEntries(cols)).toEqual({ genres: ['Drama', 'Action|Adventure', null], rating: [4.5, 3, null], title: ['Heat', null, 'Up'] })
  })

  test('a data.frame whose columns and row.names disagree is refused', () => {
    const df = list([ints([1, 2])], pairlist([[sym('names'), strs(['a'])], [sym('row.names'), ints([null, -3])], [sym('class'), strs(['data.frame'])]]), true)
    expect(() => dataFrameColumns(read(df))).toThrow('data.frame column a has 2 values for 3 rows')
    expect(() => dataFrameColumns(read(ints([1])))).toThrow('not a data.frame')
  })

  test('ALTREP compact_intseq (1:n, state as doubles) with attributes; compact_realseq; wrap_integer', () => {
    const seq = read(altrep('compact_intseq', reals([4, 3, 1]), pairlist([[sym('names'), strs(['a', 'b', 'c', 'd'])]])))
    expect(seq.type === 'integer' && seq.value).toEqual([3, 4, 5, 6])
    expect(Object.keys(attrs(seq))).toEqual(['names'])
    expect(read(altrep('compact_intseq', ints([3, 0, -1])))).toMatchObject({ type: 'integer', value: [0, -1, -2] })
    expect(read(altrep('compact_realseq', reals([3, 1.5, 1])))).toMatchObject({ type: 'double', value: [1.5, 2.5, 3.5] })
    // wrap_* state is CONS(vector, metadata): a dotted pair.
    const wrapped = read(altrep('wrap_integer', [...flags(SEXP.LIST), ...ints([7, null]), ...ints([0, 1])]))
    expect(wrapped).toEqual({ type: 'integer', value: [7, null], attributes: new Map() })
  })

  test('what it cannot read, it says so', () => {
    expect(() => read([...flags(SEXP.ENV), ...int(0)])).toThrow('R serialization: unsupported SEXPTYPE 4 (ENV) at byte 23')
    expect(() => read(altrep('deferred_string', NIL))).toThrow('unsupported ALTREP class deferred_string')
    expect(() => unserialize(new Uint8Array([0x41, 0x0a, ...int(3)]))).toThrow(/format "A\\n" is not supported/)
    expect(() => read(ints([1, 2]).slice(0, 10))).toThrow(/truncated/)
  })
})

describe('R lazy-load database', () => {
  /** An .rdx index (gzip'd, as R writes it) for one object at (offset, length) of the .rdb. */
  const rdxFor = (name: string, offset: number, length: number, compressed: Bytes = withAttrs(SEXP.LGL, [...int(1), ...int(1)])): Uint8Array =>
    gzipSync(new Uint8Array([...header(), ...list(
      [list([ints([offset, length])], pairlist([[sym('names'), strs([name])]])), list([], pairlist([[ref(1), strs([])]])), compressed],
      pairlist([[ref(1), strs(['variables', 'references', 'compressed'])]]),
    )]))

  test('an entry round-trips: 4-byte length, then zlib, at its offset', () => {
    const object = new Uint8Array([...header(), ...strs(['Toy Story', null])])
    const z = deflateSync(object)
    const junk = new Uint8Array(37).fill(0xaa) // another object before it
    const rdb = new Uint8Array([...junk, ...int(object.length), ...z])
    const rdx = rdxFor('movies', junk.length, 4 + z.length)
    expect(lazyLoadObject(rdx, rdb, 'movies')).toEqual({ type: 'character', value: ['Toy Story', null], attributes: new Map() })
    expect(() => lazyLoadObject(rdx, rdb, 'ratings')).toThrow('lazy-load database has no object "ratings" (it has movies)')
    expect(readRds(rdx).type).toBe('list')
  })

  test('bzip2 or xz databases are refused by name', () => {
    const rdx = rdxFor('x', 0, 10, ints([3]))
    expect(() => lazyLoadObject(rdx, new Uint8Array(10), 'x')).toThrow('compression 3 is not supported (only zlib)')
  })
})
