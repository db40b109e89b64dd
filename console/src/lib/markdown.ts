// Markdown to HTML with `marked` (CommonMark + GFM tables) for the /docs pages. Raw HTML in the
// source is shown as text, never passed through, and links may only be http(s), relative or fragment
// URLs, so the output is safe for dangerouslySetInnerHTML whatever the text. Pure; server-side only
// (see routes/docs/experiments): marked would add ~16 KB gzipped to a page's client JS.
import { Marked, Renderer, type Tokens } from 'marked'

const SAFE_HREF = /^(https?:\/\/|\/|#)/i

const slugify = (s: string) => s.toLowerCase().replace(/<[^>]+>/g, '').replace(/&[a-z0-9#]+;/g, '').replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '')

function markedWith(headingOffset: number): Marked {
  return new Marked({
    gfm: true,
    // No HTML tokens at all: `<script>` stays text, which marked escapes like any other text.
    tokenizer: { html: () => undefined, tag: () => undefined },
    renderer: {
      heading({ tokens, depth }) {
        const level = Math.min(6, depth + headingOffset)
        const html = this.parser.parseInline(tokens)
        return `<h${level} id="${slugify(html)}">${html}</h${level}>\n`
      },
      // `false` hands a safe link to marked's own renderer; an unsafe one keeps only its label.
      link(token) { return SAFE_HREF.test(token.href) ? false : this.parser.parseInline(token.tokens) },
      image(token) { return SAFE_HREF.test(token.href) ? false : this.parser.parseInline(token.tokens) },
      table(token) { return `<div class="table-wrap">${Renderer.prototype.table.call(this, token)}</div>\n` },
      // Header cells name their column for screen readers.
      tablecell(token: Tokens.TableCell) {
        const html = Renderer.prototype.tablecell.call(this, token)
        return token.header ? html.replace(/^<th/, '<th scope="col"') : html
      },
    },
  })
}

/** Renders Markdown to HTML. `headingOffset` shifts heading levels (1 → h2 when 1). */
export function renderMarkdown(md: string, opts: { headingOffset?: number } = {}): string {
  return markedWith(opts.headingOffset ?? 0).parse(md, { async: false }).trim()
}
