/**
 * Where the runtime's files are: the package root (found by walking up from this module to the
 * package.json named `effect-luasocket`, so it works from `src/` under vitest and from
 * `dist/src/` once built), the built-in Lua modules (`<root>/lua`) and the worker entry.
 *
 * The worker must be plain JavaScript: from the build, it is the sibling `worker.js`; from the
 * TypeScript sources (vitest), it is `<root>/dist/src/lua/worker.js`, so tests need a build
 * (`npm test` builds first; test/lua/support.ts rebuilds src/lua when it is stale).
 *
 * @since 0.1.0
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"

const here = fileURLToPath(import.meta.url)

const findRoot = (): string => {
  let dir = path.dirname(here)
  for (;;) {
    const pkg = path.join(dir, "package.json")
    try {
      if ((JSON.parse(fs.readFileSync(pkg, "utf8")) as { name?: string }).name === "effect-luasocket") return dir
    } catch {
      // no (readable) package.json here: keep walking
    }
    const up = path.dirname(dir)
    if (up === dir) throw new Error(`effect-luasocket: no package.json named effect-luasocket above ${here}`)
    dir = up
  }
}

/** The package root directory. @since 0.1.0 */
export const packageRoot: string = findRoot()

/** The directory of built-in Lua modules (`require` finds them before package.path). @since 0.1.0 */
export const builtinLuaDir: string = path.join(packageRoot, "lua")

/** Whether this module runs from TypeScript sources (vitest) rather than the build. */
export const fromSources: boolean = here.endsWith(".ts")

/** The worker entry, as a file URL. @since 0.1.0 */
export const workerUrl: URL = fromSources
  ? pathToFileURL(path.join(packageRoot, "dist", "src", "lua", "worker.js"))
  : new URL("./worker.js", import.meta.url)
