// Writes each app's operations manifest next to its build
// (internal/console/dist/{admin,site}/operations.json): every operation the
// app sends, as the client sends it (graphql-js's print of the generated
// document) with its SHA-256, in the persisted-query manifest format
// `zhdj operations push` reads. The server allows the console's own
// operations by itself; a deployment with ZHDJ_OPERATIONS=registered
// pushes the front end's for each of its sites.
import { createHash } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { print } from 'graphql'

const here = (p) => fileURLToPath(new URL(p, import.meta.url))
const generated = readFileSync(here('../src/gql/graphql.ts'), 'utf8')

function manifest(app) {
  const ops = readFileSync(here(`../src/${app}/ops.ts`), 'utf8')
  const names = [...ops.matchAll(/\b(?:query|mutation|subscription)\s+([A-Za-z_]\w*)/g)].map((m) => m[1])
  const operations = names.map((name) => {
    const m = generated.match(new RegExp(`^export const ${name}Document = (\\{.*\\}) as unknown as`, 'm'))
    if (!m) throw new Error(`${app}: no generated document for ${name} (run npm run codegen)`)
    const body = print(JSON.parse(m[1]))
    return { id: createHash('sha256').update(body).digest('hex'), name, body }
  })
  operations.sort((a, b) => a.name.localeCompare(b.name))
  if (new Set(operations.map((o) => o.name)).size !== operations.length) throw new Error(`${app}: an operation name is used twice`)
  writeFileSync(here(`../../internal/console/dist/${app}/operations.json`), JSON.stringify({ operations }, null, 1) + '\n')
  return operations.length
}

for (const app of ['admin', 'site']) console.log(`${app}: ${manifest(app)} operations`)
