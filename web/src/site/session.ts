// The site's signed-in reader (a student or member), kept in this tab
// only: the API client that sends and renews their token, for sign-up and
// learning progress. Public reads do not use it (they stay cacheable).
import { reactive } from 'vue'
import { Client, type Session } from '@/api/client'
import { SiteLogin } from './ops'

const key = 'zhdj.site.session'
type Reader = Session & { name: string }

export const reader = reactive<{ session: Reader | null }>({ session: JSON.parse(sessionStorage.getItem(key) ?? 'null') })

function save(s: Reader | null) {
  reader.session = s
  if (s) sessionStorage.setItem(key, JSON.stringify(s))
  else sessionStorage.removeItem(key)
}

let client: Client | null = null

// api is the client for the API at endpoint (one per page).
export function api(endpoint: string): Client {
  client ??= new Client({ endpoint, session: () => reader.session, onSession: (s) => save(s ? { ...s, name: reader.session?.name ?? '' } : null) })
  return client
}

export async function signIn(endpoint: string, school: string, identifier: string, password: string) {
  const r = (await api(endpoint).request(SiteLogin, { in: { school, identifier, password } })).login
  save({ accessToken: r.accessToken, accessTokenExpiresAt: r.accessTokenExpiresAt, refreshToken: r.refreshToken, name: r.account.displayName })
}

export function signOut() {
  save(null)
}
