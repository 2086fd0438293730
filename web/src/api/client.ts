// The one way the console and the front end talk to zhdj: the public
// GraphQL API, with typed documents from src/gql (graphql-codegen). Errors
// come back as ApiError with the server's code, the fields it names (so a
// form shows each next to its field) and retryAfter.
import type { TypedDocumentNode } from '@graphql-typed-document-node/core'
import { print } from 'graphql'

export class ApiError extends Error {
  code: string
  fields: Record<string, string>
  retryAfter?: number
  constructor(message: string, code: string, fields: Record<string, string> = {}, retryAfter?: number) {
    super(message)
    this.code = code
    this.fields = fields
    this.retryAfter = retryAfter
  }
}

interface GraphQLError {
  message: string
  path?: (string | number)[]
  extensions?: { code?: string; fields?: Record<string, string>; retryAfter?: number }
}

export interface Session {
  accessToken: string
  accessTokenExpiresAt: string
  refreshToken: string
}

export interface ClientOptions {
  endpoint: string
  // The session's tokens, kept by the caller (the console keeps them in
  // sessionStorage); null when signed out.
  session?: () => Session | null
  // Called with fresh tokens after a refresh, or null when the session
  // cannot be renewed (the console then shows the sign-in page).
  onSession?: (s: Session | null) => void
  // Sent with every request (the UI language, for translated errors).
  language?: () => string
}

const printed = new WeakMap<object, string>()

function text(doc: object): string {
  let s = printed.get(doc)
  if (!s) {
    s = print(doc as Parameters<typeof print>[0])
    printed.set(doc, s)
  }
  return s
}

function operationName(doc: TypedDocumentNode<unknown, unknown>): string | undefined {
  for (const d of doc.definitions) {
    if (d.kind === 'OperationDefinition' && d.name) return d.name.value
  }
  return undefined
}

const refreshDocument = `mutation RefreshSession($token: String!) {
  refreshSession(input: { refreshToken: $token }) { accessToken accessTokenExpiresAt refreshToken }
}`

export class Client {
  private opts: ClientOptions
  private refreshing: Promise<boolean> | null = null

  constructor(opts: ClientOptions) {
    this.opts = opts
  }

  // request sends a named operation as JSON over POST.
  async request<R, V>(doc: TypedDocumentNode<R, V>, variables?: V): Promise<R> {
    return this.send<R>(() => JSON.stringify({ query: text(doc), operationName: operationName(doc as TypedDocumentNode<unknown, unknown>), variables: variables ?? {} }), 'application/json', true)
  }

  // upload sends a mutation with one file, as a GraphQL multipart request;
  // filePath is where the file goes in the variables (e.g. "in.file").
  async upload<R, V>(doc: TypedDocumentNode<R, V>, variables: V, filePath: string, file: File): Promise<R> {
    const form = () => {
      const f = new FormData()
      f.append('operations', JSON.stringify({ query: text(doc), operationName: operationName(doc as TypedDocumentNode<unknown, unknown>), variables }))
      f.append('map', JSON.stringify({ '0': ['variables.' + filePath] }))
      f.append('0', file, file.name)
      return f
    }
    return this.send<R>(form, null, true)
  }

  private async send<R>(body: () => BodyInit, contentType: string | null, mayRefresh: boolean): Promise<R> {
    const headers: Record<string, string> = { 'GraphQL-Preflight': '1' }
    if (contentType) headers['Content-Type'] = contentType
    const lang = this.opts.language?.()
    if (lang) headers['Accept-Language'] = lang
    const s = this.opts.session?.()
    if (s) headers['Authorization'] = 'Bearer ' + s.accessToken
    let res: Response
    try {
      res = await fetch(this.opts.endpoint, { method: 'POST', headers, body: body() })
    } catch (e) {
      throw new ApiError(String(e), 'NETWORK')
    }
    let payload: { data?: R; errors?: GraphQLError[] }
    try {
      payload = await res.json()
    } catch {
      throw new ApiError(`HTTP ${res.status}`, 'NETWORK')
    }
    const err = payload.errors?.[0]
    if (err) {
      if (err.extensions?.code === 'UNAUTHENTICATED' && s && mayRefresh && (await this.refresh())) {
        return this.send<R>(body, contentType, false)
      }
      throw new ApiError(err.message, err.extensions?.code ?? 'INTERNAL', err.extensions?.fields ?? {}, err.extensions?.retryAfter)
    }
    return payload.data as R
  }

  // refresh exchanges the refresh token once, however many requests failed
  // on the expired access token at the same time.
  private refresh(): Promise<boolean> {
    if (!this.refreshing) {
      this.refreshing = (async () => {
        const s = this.opts.session?.()
        if (!s) return false
        try {
          const res = await fetch(this.opts.endpoint, {
            method: 'POST',
            headers: { 'Content-Type': 'application/json' },
            body: JSON.stringify({ query: refreshDocument, operationName: 'RefreshSession', variables: { token: s.refreshToken } }),
          })
          const p = await res.json()
          const next = p.data?.refreshSession as Session | undefined
          this.opts.onSession?.(next ?? null)
          return !!next
        } catch {
          return false
        } finally {
          setTimeout(() => (this.refreshing = null), 0)
        }
      })()
    }
    return this.refreshing
  }
}

// publicQuery reads an anonymous public query over GET with an automatic
// persisted query (the document's SHA-256; the text is sent only when the
// server does not know it yet), so that browsers, CDNs and the server's
// response cache can keep the answer. No custom header: a cross-origin
// GET stays a simple request, without a preflight.
export async function publicQuery<R, V>(endpoint: string, doc: TypedDocumentNode<R, V>, variables: V): Promise<R> {
  const query = text(doc)
  const hash = await sha256(query)
  const ext = JSON.stringify({ persistedQuery: { version: 1, sha256Hash: hash } })
  const params = new URLSearchParams({ operationName: operationName(doc as TypedDocumentNode<unknown, unknown>) ?? '', variables: JSON.stringify(variables ?? {}), extensions: ext })
  let res = await fetch(endpoint + '?' + params.toString())
  let p = await res.json()
  if (p.errors?.[0]?.extensions?.code === 'PERSISTED_QUERY_NOT_FOUND') {
    params.set('query', query)
    res = await fetch(endpoint + '?' + params.toString())
    p = await res.json()
  }
  const err = p.errors?.[0] as GraphQLError | undefined
  if (err) throw new ApiError(err.message, err.extensions?.code ?? 'INTERNAL', err.extensions?.fields ?? {})
  return p.data as R
}

async function sha256(s: string): Promise<string> {
  const d = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(s))
  return Array.from(new Uint8Array(d), (b) => b.toString(16).padStart(2, '0')).join('')
}
