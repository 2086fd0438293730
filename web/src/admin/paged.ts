// A keyset-paged list: the first page, "load more" with the last cursor,
// and a reload (debounced) whenever the filter changes.
import { onMounted, ref, watch, type Ref, type WatchSource } from 'vue'
import { report } from './errors'

export interface Page<Row> {
  rows: Row[]
  next: string | null
}

export function usePaged<Row>(fetch: (after: string | null) => Promise<Page<Row>>, filter: WatchSource | object) {
  const rows = ref([]) as Ref<Row[]>
  const next = ref<string | null>(null)
  const busy = ref(false)

  async function load(more: boolean) {
    busy.value = true
    try {
      const p = await fetch(more ? next.value : null)
      rows.value = more ? [...rows.value, ...p.rows] : p.rows
      next.value = p.next
    } catch (e) {
      report(e)
    } finally {
      busy.value = false
    }
  }

  let timer: number | undefined
  watch(filter as WatchSource, () => {
    clearTimeout(timer)
    timer = window.setTimeout(() => load(false), 250)
  }, { deep: true })
  onMounted(() => load(false))
  return { rows, next, busy, load }
}
