// A site's navigation and home blocks as the console edits them, and the
// JSON documents the server takes (docs/site-config.md): each kind or type
// sends only the keys it uses, since the server refuses any other.
import type { SiteLayoutQuery } from '@/gql/graphql'

type Layout = Extract<NonNullable<SiteLayoutQuery['node']>, { homeBlocks: unknown }>

export const navKinds = ['content_list', 'page', 'external', 'group'] as const
export const blockTypes = ['hero', 'content_list', 'featured', 'links'] as const
export const contentTypes = ['article', 'micro_lesson', 'comic'] as const
export const maxNavDepth = 3

export type NavKind = (typeof navKinds)[number]
export type BlockType = (typeof blockTypes)[number]

// A filter as edited: tags and topics as comma-separated text.
export interface FilterEdit { types: string[]; tags: string; topics: string }

export interface NavEdit {
  label: string
  kind: NavKind
  filter: FilterEdit
  pageSlug: string
  url: string
  children: NavEdit[]
}

export interface BlockEdit {
  type: BlockType
  title: string
  subtitle: string
  imageMediaId: string
  linkUrl: string
  filter: FilterEdit
  limit: number
  links: { label: string; url: string }[]
}

const list = (s: string) => s.split(/[,，、]/).map((x) => x.trim()).filter(Boolean)
const emptyFilter = (): FilterEdit => ({ types: [], tags: '', topics: '' })
const filterEdit = (f: { types: string[]; tags: string[]; topics: string[] } | null | undefined): FilterEdit =>
  f ? { types: [...f.types], tags: f.tags.join(', '), topics: f.topics.join(', ') } : emptyFilter()
const filterJSON = (f: FilterEdit) => ({ types: f.types, tags: list(f.tags), topics: list(f.topics) })

export function newNavItem(kind: NavKind = 'content_list'): NavEdit {
  return { label: '', kind, filter: emptyFilter(), pageSlug: '', url: '', children: kind === 'group' ? [newNavItem()] : [] }
}

export function newBlock(type: BlockType = 'content_list'): BlockEdit {
  return { type, title: '', subtitle: '', imageMediaId: '', linkUrl: '', filter: emptyFilter(), limit: 6, links: type === 'links' ? [{ label: '', url: '' }] : [] }
}

type NavIn = { label: string; kind: string; pageSlug?: string | null; url?: string | null; filter?: { types: string[]; tags: string[]; topics: string[] } | null; children?: NavIn[] }

export function navEdit(items: readonly NavIn[]): NavEdit[] {
  return items.map((it) => ({
    label: it.label, kind: it.kind.toLowerCase() as NavKind, filter: filterEdit(it.filter), pageSlug: it.pageSlug ?? '', url: it.url ?? '',
    children: navEdit(it.children ?? []),
  }))
}

export function navJSON(items: NavEdit[]): unknown[] {
  return items.map((it) => {
    const out: Record<string, unknown> = { label: it.label.trim(), kind: it.kind }
    if (it.kind === 'content_list') out.filter = filterJSON(it.filter)
    if (it.kind === 'page') out.pageSlug = it.pageSlug.trim()
    if (it.kind === 'external') out.url = it.url.trim()
    if (it.kind === 'group' || it.children.length) out.children = navJSON(it.children)
    return out
  })
}

const typeOf: Record<string, BlockType> = { HeroBlock: 'hero', ContentListBlock: 'content_list', FeaturedBlock: 'featured', LinkListBlock: 'links' }

export function blocksEdit(blocks: Layout['homeBlocks']): BlockEdit[] {
  return blocks.map((b) => {
    const e = newBlock(typeOf[b.__typename ?? ''] ?? 'content_list')
    e.links = []
    if ('title' in b) e.title = b.title
    if ('subtitle' in b) Object.assign(e, { subtitle: b.subtitle, imageMediaId: b.imageMediaId ?? '', linkUrl: b.linkUrl ?? '' })
    if ('limit' in b) e.limit = b.limit
    if ('filter' in b) e.filter = filterEdit(b.filter)
    if ('links' in b) e.links = b.links.map((l) => ({ ...l }))
    return e
  })
}

export function blocksJSON(blocks: BlockEdit[]): unknown[] {
  return blocks.map((b) => {
    const out: Record<string, unknown> = { type: b.type, title: b.title.trim() }
    switch (b.type) {
      case 'hero':
        out.subtitle = b.subtitle
        if (b.imageMediaId.trim()) out.imageMediaId = b.imageMediaId.trim()
        if (b.linkUrl.trim()) out.linkUrl = b.linkUrl.trim()
        break
      case 'content_list':
        Object.assign(out, { filter: filterJSON(b.filter), limit: b.limit })
        break
      case 'featured':
        out.limit = b.limit
        break
      case 'links':
        out.links = b.links.map((l) => ({ label: l.label.trim(), url: l.url.trim() }))
        break
    }
    return out
  })
}

// move swaps items i and i+by in place (up: -1, down: +1).
export function move<T>(items: T[], i: number, by: number) {
  const j = i + by
  if (j < 0 || j >= items.length) return
  ;[items[i], items[j]] = [items[j], items[i]]
}
