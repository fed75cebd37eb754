// Writes a .gz sibling beside every .js/.css/.html/.svg of dist/ (served by
// `civicare serve` when the browser accepts gzip). node:zlib only.
import { readdirSync, readFileSync, writeFileSync, statSync } from 'node:fs'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync, constants } from 'node:zlib'

const dist = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist')
let n = 0
function walk(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name)
    if (statSync(p).isDirectory()) { walk(p); continue }
    if (!/\.(js|css|html|svg)$/.test(name)) continue
    const gz = gzipSync(readFileSync(p), { level: constants.Z_BEST_COMPRESSION })
    writeFileSync(p + '.gz', gz)
    n++
  }
}
walk(dist)
console.log(`gzip: ${n} files compressed in dist/`)
