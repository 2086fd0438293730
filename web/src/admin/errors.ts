// What the console says of a failed call: the server's message (already in
// the user's language), or ours for the network; with retryAfter when the
// server asks to wait.
import { reactive, ref } from 'vue'
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

// useFormErrors is a form's errors: the server's by field, shown next to
// each (of), and its message, shown in an alert (message); need marks what
// the schema requires before anything is sent; run clears them, runs the
// call, and shows what went wrong, saying whether it succeeded.
export function useFormErrors() {
  const fields = ref<Record<string, string>>({})
  const message = ref('')
  function clear() {
    fields.value = {}
    message.value = ''
  }
  function fail(e: unknown) {
    fields.value = report(e)
    message.value = describe(e)
  }
  return reactive({
    fields,
    message,
    clear,
    fail,
    of: (name: string, withChildren = false) => fieldError(fields.value, name, withChildren),
    need(values: Record<string, unknown>): boolean {
      clear()
      const required = i18n.global.t('members.required')
      for (const [k, v] of Object.entries(values)) {
        if (v === null || v === undefined || (typeof v === 'string' && !v.trim())) fields.value[k] = required
      }
      return Object.keys(fields.value).length === 0
    },
    async run(f: () => Promise<unknown>): Promise<boolean> {
      clear()
      try {
        await f()
        return true
      } catch (e) {
        fail(e)
        return false
      }
    },
  })
}
