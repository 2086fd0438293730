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
