// What the console says of a failed call: the server's message (already in
// the user's language), or ours for the network; with retryAfter when the
// server asks to wait.
import { ElMessage } from 'element-plus'
import { ApiError } from '@/api/client'
import { i18n } from './i18n'

export function describe(e: unknown): string {
  const t = i18n.global.t
  if (e instanceof ApiError) {
    if (e.code === 'NETWORK' || e.code === 'INTERNAL') return t('errors.' + e.code)
    return e.retryAfter ? `${e.message}（${t('app.retryIn', { s: e.retryAfter })}）` : e.message
  }
  return String(e)
}

// report shows the error; field errors are returned for the form to show
// next to each field.
export function report(e: unknown): Record<string, string> {
  ElMessage.error({ message: describe(e), showClose: true, duration: 6000 })
  return e instanceof ApiError ? e.fields : {}
}

// fieldError is the message of the server's field errors for a form field
// called name: the server names a field by its path (input.fields.title,
// title, …), so any path that ends with the name counts; withChildren also
// takes the paths below it (theme.colors.primary for theme,
// homeBlocks[0].links[1].url for homeBlocks[0].links).
export function fieldError(errors: Record<string, string>, name: string, withChildren = false): string | undefined {
  for (const [k, v] of Object.entries(errors)) {
    if (k === name || k.endsWith('.' + name)) return v
    if (withChildren && ['.', '['].some((c) => k.startsWith(name + c) || k.includes('.' + name + c))) return v
  }
  return undefined
}
