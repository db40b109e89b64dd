import { expect, test } from 'bun:test'
import type { RetailLine } from '../lib/online-retail.ts'
import { nextItemCases } from './anchored.ts'

const line = (invoice: string, stockCode: string): RetailLine =>
  ({ invoice, stockCode, description: stockCode, quantity: 1, date: new Date(Date.UTC(2011, 10, 2)), price: 1, customer: `c-${invoice}`, country: 'UK' })

test('each item of an invoice, in its order, is the anchor of the distinct item after it; wide invoices can be left out', () => {
  const lines = [line('1', 'a'), line('1', 'b'), line('2', 'x'), line('1', 'a'), line('1', 'c'), line('3', 'y'), line('3', 'z'), line('3', 'w')]
  expect(nextItemCases(lines, 0).map((c) => [c.basket.join(''), c.next, c.rest.join('')])).toEqual([
    ['a', 'b', 'bc'], ['ab', 'c', 'c'], // a repeated line is not a new item
    ['y', 'z', 'zw'], ['yz', 'w', 'w'],
  ])
  expect(nextItemCases(lines, 2).map((c) => c.customer)).toEqual([]) // both have 3 distinct items
  expect(nextItemCases(lines, 3)).toHaveLength(4)
})
