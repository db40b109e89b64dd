// The "Import data" page in Chromium: a CSV chosen, its columns detected and
// mapped, the upload, the progress polled to the end, the counts, and the
// error report naming the bad row; axe on the page.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { consoleHarness, expectNoAxeViolations, requestsDuring, type ConsoleHarness, type SignedIn } from './harness.ts'
import { ago } from './tenant-data.ts'
import { waitFor } from '../../server/test/wait-for.ts'

let h: ConsoleHarness
let s: SignedIn

beforeAll(async () => {
  h = await consoleHarness()
  s = await h.newSignedInPage()
}, 120_000)
afterAll(async () => { await h?.close() })

describe('import data', () => {
  test('a CSV with a mapping: columns detected, progress to completed, counts, and the error report naming the bad row', async () => {
    const { page, tenantId } = s
    await page.goto(`/dashboard/tenants/${tenantId}`)
    await page.getByRole('link', { name: 'Import data' }).click()
    await page.waitForURL(/\/imports$/)
    expect(await page.locator('#imports-table tbody').innerText()).toContain('No imports yet.')

    const csv = `InvoiceDate,User ID,StockCode,UnitPrice\n${ago(3)},c1,sku-1,2.5\nnot a date,c2,sku-2,1\n${ago(2)},c2,sku-1,3\n`
    await page.locator('#import-file').setInputFiles({ name: 'orders.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) })
    await page.waitForSelector('#import-mapping')
    expect(await page.locator('#import-format').inputValue()).toBe('csv')
    expect(await page.locator('#import-format-hint').innerText()).toBe(`Detected from orders.csv (${csv.length} B)`)
    expect(await page.locator('#import-mapping tbody td code').allInnerTexts()).toEqual(['InvoiceDate', 'User ID', 'StockCode', 'UnitPrice'])
    // "User ID" is our userId by its name; the others need the mapping.
    expect(await page.getByLabel('User ID').inputValue()).toBe('userId')
    expect(await page.getByLabel('InvoiceDate').inputValue()).toBe('')
    await page.getByLabel('InvoiceDate').selectOption('timestamp')
    await page.getByLabel('StockCode').selectOption('productId')
    await page.getByLabel('UnitPrice').selectOption('metadata.UnitPrice')
    await page.getByLabel('Event type of rows that name none').selectOption('purchase')
    await expectNoAxeViolations(page)

    const upload = page.waitForRequest((r) => r.url().includes('/imports/upload?') && r.method() === 'POST')
    await page.getByRole('button', { name: 'Start the import' }).click()
    const sent = await upload
    expect(new URL(sent.url()).searchParams.toString()).toBe('type=events&format=csv&eventType=purchase')
    expect(sent.headers()['content-type']).toStartWith('multipart/form-data; boundary=')
    await page.waitForSelector('#import-result', { timeout: 30_000 })
    expect(await page.locator('#import-progress-text').innerText()).toBe(`Completed: 3 rows read · ${csv.length} B of ${csv.length} B (100%)`)
    expect(await page.locator('#import-progress').getAttribute('value')).toBe(String(csv.length))
    expect(await page.locator('#count-rows').innerText()).toBe('3')
    expect(await page.locator('#count-accepted').innerText()).toBe('2')
    expect(await page.locator('#count-duplicates').innerText()).toBe('0')
    expect(await page.locator('#count-rejected').innerText()).toBe('1')
    await expectNoAxeViolations(page)

    const report = page.locator('#import-result a', { hasText: 'Download the error report' })
    const href = await report.getAttribute('href')
    expect(href).toMatch(new RegExp(`^/dashboard/tenants/${tenantId}/imports/[0-9a-f-]{36}/errors$`))
    const res = await page.request.get(href!)
    expect(res.status()).toBe(200)
    expect(res.headers()['content-type']).toStartWith('text/csv')
    const lines = (await res.text()).trim().split(/\r?\n/)
    expect(lines[0]).toBe('line,column,message')
    expect(lines).toHaveLength(2)
    expect(lines[1]).toStartWith('3,InvoiceDate,')

    // The list shows it, and the events are stored with the mapping applied.
    await page.waitForFunction(() => document.querySelector('#imports-table tbody')?.textContent?.includes('completed'))
    const row = await page.locator('#imports-table tbody tr').first().innerText()
    expect(row).toContain('events (csv)')
    const stored = await waitFor('the imported events', async () => {
      const r = await h.t.req('GET', '/api/v1/events?limit=10', { token: s.token, tenant: tenantId })
      return r.body.data?.length === 2 ? r.body.data : undefined
    })
    expect(stored.map((e: any) => `${e.userId} ${e.eventType} ${e.productId} ${e.metadata.UnitPrice}`).sort()).toEqual(['c1 purchase sku-1 2.5', 'c2 purchase sku-1 3'])
  }, 90_000)

  test('a file whose format the name does not say, and another admin\'s job kept out', async () => {
    const { page, tenantId } = s
    await page.goto(`/dashboard/tenants/${tenantId}/imports`)
    await page.locator('#import-file').setInputFiles({ name: 'export.txt', mimeType: 'text/plain', buffer: Buffer.from('{"productId":"p1","name":"Mug"}\n') })
    await page.waitForFunction(() => document.querySelector('#import-format-hint')?.textContent === 'Could not tell from "export.txt": choose one')
    expect(await page.locator('#import-mapping').count()).toBe(0)
    await page.getByLabel('What the file holds').selectOption('catalog')
    await page.getByLabel('Format').selectOption('ndjson')
    await page.waitForSelector('#import-mapping')
    expect(await page.getByLabel('productId').inputValue()).toBe('productId')
    expect(await page.getByLabel('name', { exact: true }).inputValue()).toBe('name')
    expect(await page.getByLabel('Event type of rows that name none').count()).toBe(0)

    // Over the console's upload limit: the page says to use the CLI and sends nothing.
    const big = await page.evaluateHandle(() => {
      const mib = new Uint8Array(1024 * 1024).fill(97)
      const d = new DataTransfer()
      d.items.add(new File(['eventType,userId,productId,timestamp\n', ...Array.from({ length: 129 }, () => mib)], 'huge.csv', { type: 'text/csv' }))
      return d
    })
    await page.dispatchEvent('#import-file', 'drop', { dataTransfer: big })
    await page.waitForFunction(() => document.querySelector('#import-format-hint')?.textContent?.startsWith('Detected from huge.csv'))
    const uploads = await requestsDuring(page, (r) => r.url().includes('/imports/upload'), () => page.getByRole('button', { name: 'Start the import' }).click(), 300)
    expect(uploads).toEqual([])
    expect(await page.getByRole('alert').innerText()).toContain('The file is too large for the console')
    expect(await page.getByRole('alert').innerText()).toContain('npm run import -- --api … --key … --type catalog --file huge.csv')

    // Another admin cannot read this tenant's error report through the console.
    const jobs = await h.t.req('GET', '/api/v1/imports', { token: s.token, tenant: tenantId })
    const other = await h.newSignedInPage()
    const res = await other.page.request.get(`/dashboard/tenants/${tenantId}/imports/${jobs.body.data[0].id}/errors`)
    expect(res.status()).toBe(404)
    await other.context.close()
  }, 60_000)

  test('a file dropped on the field; a running import cancelled from the list stops, its counts kept', async () => {
    const { page, tenantId } = s
    await page.goto(`/dashboard/tenants/${tenantId}/imports`)
    // 40,000 rows: long enough on PGlite (a few hundred rows a chunk) to be cancelled while it runs.
    const drop = await page.evaluateHandle((start) => {
      const lines = ['eventType,userId,productId,timestamp']
      for (let i = 0; i < 40_000; i++) lines.push(`product_viewed,u${i % 500},p${i % 300},${new Date(start + i * 1000).toISOString()}`)
      const d = new DataTransfer()
      d.items.add(new File([lines.join('\n') + '\n'], 'views.csv', { type: 'text/csv' }))
      return d
    }, Date.now() - 86_400_000)
    await page.dispatchEvent('#import-file', 'drop', { dataTransfer: drop })
    await page.waitForSelector('#import-mapping')
    expect(await page.locator('#import-format-hint').innerText()).toStartWith('Detected from views.csv')
    await page.getByRole('button', { name: 'Start the import' }).click()
    const cancel = page.locator('#imports-table tbody tr').first().getByRole('button', { name: /^Cancel/ })
    await cancel.waitFor({ timeout: 30_000 })
    await cancel.click()
    await page.waitForSelector('#import-result', { timeout: 30_000 })
    expect(await page.locator('#import-progress-text').innerText()).toStartWith('Cancelled: ')
    expect(await page.locator('#import-result .alert').innerText()).toContain('The import was cancelled')
    const rows = Number((await page.locator('#count-rows').innerText()).replace(/,/g, ''))
    expect(rows).toBeLessThan(40_000)
    await page.waitForFunction(() => document.querySelector('#imports-table tbody tr')?.textContent?.includes('cancelled'))
    expect(await page.locator('#imports-table tbody tr').first().getByRole('button', { name: /^Cancel/ }).count()).toBe(0)
  }, 90_000)
})
