import { describe, expect, test } from 'bun:test'
import { renderMarkdown } from './markdown'

describe('renderMarkdown', () => {
  test('headings get ids, paragraphs keep their lines', () => {
    expect(renderMarkdown('# A/B testing\n\nOne\ntwo.')).toBe('<h1 id="a-b-testing">A/B testing</h1>\n<p>One\ntwo.</p>')
  })
  test('escapes HTML everywhere, including inside code', () => {
    const html = renderMarkdown('<script>alert(1)</script> `<b>` **x<y**')
    expect(html).not.toContain('<script>')
    expect(html).toContain('&lt;script&gt;')
    expect(html).toContain('<code>&lt;b&gt;</code>')
    expect(html).toContain('<strong>x&lt;y</strong>')
  })
  test('links: only safe schemes become anchors', () => {
    const html = renderMarkdown('[ok](https://x.test/a) [bad](javascript:alert(1))')
    expect(html).toStartWith('<p><a href="https://x.test/a">ok</a> bad')
    expect(html).not.toContain('javascript')
    expect(html.match(/<a /g)).toHaveLength(1)
  })
  test('raw HTML blocks, unsafe images and autolinks stay text', () => {
    const html = renderMarkdown('<div onclick="x">\nhi\n</div>\n\n<img src=x onerror=alert(1)> ![i](javascript:x) <javascript:alert(2)>')
    expect(html).not.toMatch(/<(div|img|a)[ >]/)
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;')
  })
  test('code inside formatting markers is left alone', () => {
    expect(renderMarkdown('`a*b*c` *em*')).toBe('<p><code>a*b*c</code> <em>em</em></p>')
  })
  test('tables, lists and fenced code', () => {
    const html = renderMarkdown('| a | b |\n|---|---|\n| 1 | `2` |\n\n1. first\n   more\n2. second\n\n```sh\necho <x>\n```')
    expect(html).toStartWith('<div class="table-wrap"><table>')
    expect(html).toContain('<th scope="col">a</th>')
    expect(html).toContain('<td><code>2</code></td>')
    expect(html).toContain('<ol>\n<li>first\nmore</li>\n<li>second</li>\n</ol>')
    expect(html).toContain('<pre><code class="language-sh">echo &lt;x&gt;\n</code></pre>')
  })
  test('heading offset', () => {
    expect(renderMarkdown('## Sub', { headingOffset: 1 })).toBe('<h3 id="sub">Sub</h3>')
  })
})
