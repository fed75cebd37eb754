// `npm run size`: the courier's first load, in compressed bytes: the .gz
// sizes of the JS and CSS that dist/index.html pulls in, plus the lazy
// chunks (and their CSS and imports) of /login, /m (phone home) and
// /m/report. Prints the number of bytes alone on stdout (details on stderr);
// exits 1 when it is over the 300 KB budget (307200 bytes).
import { readFileSync, existsSync } from 'node:fs'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'

const BUDGET = 300 * 1024
const dist = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist')
const manifestPath = join(dist, '.vite', 'manifest.json')
if (!existsSync(manifestPath)) {
  console.error('size: dist/.vite/manifest.json missing; run npm run build first')
  process.exit(2)
}
const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'))
const files = new Set()

// 1. what index.html loads
const html = readFileSync(join(dist, 'index.html'), 'utf8')
for (const m of html.matchAll(/(?:src|href)="\/?(assets\/[^"]+\.(?:js|css))"/g)) files.add(m[1])

// 2. the views of the courier's first pages, with their static imports
function add(key) {
  const e = manifest[key]
  if (!e) throw new Error('size: no manifest entry ' + key)
  if (files.has(e.file) && key !== 'index.html') return
  files.add(e.file)
  for (const c of e.css || []) files.add(c)
  for (const i of e.imports || []) add(i)
}
add('index.html')
for (const v of ['src/views/LoginView.vue', 'src/views/phone/PhoneHome.vue', 'src/views/phone/ReportView.vue']) add(v)

let total = 0
for (const f of [...files].sort()) {
  const gz = join(dist, f + '.gz')
  const p = existsSync(gz) ? gz : join(dist, f)
  const n = readFileSync(p).length
  total += n
  console.error(`${String(n).padStart(8)}  ${f}${existsSync(gz) ? '.gz' : ''}`)
}
console.error(`${String(total).padStart(8)}  total (budget ${BUDGET})`)
console.log(total)
process.exit(total > BUDGET ? 1 : 0)
