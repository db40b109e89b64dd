import { expect, test } from 'bun:test'
import { Buffer } from 'node:buffer'
import { CopyPieces } from './events.ts'

test('COPY text is cut into pieces of whole lines, in order, multi-byte characters and over-long lines included', () => {
  const lines = ['a\tb\n', 'héllo→\t\\N\n', 'x'.repeat(40) + '\n', '€€€\n', 'z\n']
  const out = new CopyPieces(16)
  for (const l of lines) out.add(l)
  const pieces = out.done()
  expect(Buffer.concat(pieces).toString('utf8')).toBe(lines.join(''))
  for (const p of pieces) expect(p.toString('utf8').endsWith('\n')).toBe(true) // no line split between two writes
  expect(pieces.length).toBeGreaterThan(2)
  expect(pieces.some((p) => p.byteLength > 16)).toBe(true) // the 41-byte line goes whole, in a piece of its own size
  expect(new CopyPieces(16).done()).toEqual([])
})
