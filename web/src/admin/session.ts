// The signed-in session: tokens in sessionStorage (they survive a reload,
// not the closing of the tab), the API client that sends and renews them,
// and who the caller is.
import { computed, reactive } from 'vue'
import { Client, type Session } from '@/api/client'
import { i18n } from './i18n'
import { WhoAmI, Login, Logout, UnitRoot } from './ops'
import type { WhoAmIQuery } from '@/gql/graphql'

const key = 'zhdj.session'

function load(): Session | null {
  try {
    return JSON.parse(sessionStorage.getItem(key) ?? 'null')
  } catch {
    return null
  }
}

export const state = reactive<{ session: Session | null; me: WhoAmIQuery['me'] | null }>({ session: load(), me: null })

function save(s: Session | null) {
  state.session = s
  if (s) sessionStorage.setItem(key, JSON.stringify(s))
  else {
    sessionStorage.removeItem(key)
    state.me = null
  }
}

export const api = new Client({
  endpoint: '/graphql',
  session: () => state.session,
  onSession: save,
  language: () => i18n.global.locale.value,
})

export async function signIn(school: string, identifier: string, password: string) {
  const r = await api.request(Login, { in: { school, identifier, password } })
  save(r.login)
  localStorage.setItem('zhdj.school', school)
  await loadMe()
}

export async function loadMe() {
  state.me = (await api.request(WhoAmI)).me
}

export async function signOut() {
  try {
    await api.request(Logout)
  } finally {
    save(null)
  }
}

export function can(permission: string): boolean {
  return !!state.me?.permissions.includes(permission as never)
}

// The units the caller's roles are bound at, each once: what the screens
// that work on one unit at a time (tasks, meetings, the cockpit) offer.
export const boundUnits = computed(() => [...new Map((state.me?.roles ?? []).map((r) => [r.orgUnit.id, r.orgUnit])).values()])

// schoolRoot is the ID of the school's root unit (the party committee):
// the root of the caller's first bound unit, for the screens that offer
// every unit or branch of the school.
export async function schoolRoot(): Promise<string | null> {
  const bound = state.me?.roles[0]?.orgUnit?.id
  if (!bound) return null
  const n = (await api.request(UnitRoot, { unit: bound })).node
  return n && 'ancestors' in n ? (n.ancestors[0]?.id ?? n.id) : bound
}
