/**
 * `npm run generate`: rewrites every facade's generated reference page and declarations.
 *
 * @since 0.1.0
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { facades } from "./all.js"
import { generateDocs, generateTypes } from "./generate.js"

const root = process.cwd()
for (const f of facades) {
  for (const [file, text] of [[f.docs, generateDocs(f.spec)], [f.types, generateTypes(f.spec)]] as const) {
    const target = path.join(root, file)
    fs.mkdirSync(path.dirname(target), { recursive: true })
    const old = fs.existsSync(target) ? fs.readFileSync(target, "utf8") : undefined
    if (old !== text) {
      fs.writeFileSync(target, text)
      console.log(`wrote ${file}`)
    }
  }
}
