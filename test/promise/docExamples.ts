/**
 * Runs the complete examples of a doc page (```ts blocks that start with `import`)
 * against the sources: package imports are pointed at src/, each block is written to a
 * module under test/ (so that vitest transforms it and resolves `effect`), imported, and
 * its `console.log` output is captured. Expectations come from `// "..."` / `// true`
 * comments after `console.log(...)` calls.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { vi } from "vitest"

const root = path.resolve(import.meta.dirname, "../..")

export interface DocExample {
  readonly index: number
  readonly line: number
  readonly expected: ReadonlyArray<string>
  run(): Promise<Array<string>>
}

const rewrite = (code: string, dir: string): string =>
  code.replace(/from "effect-luasocket(\/promise|\/platform)?"/g, (_, sub: string | undefined) => {
    const target = sub === "/promise" ? "src/promise/index.js" : sub === "/platform" ? "src/platform/index.js" : "src/index.js"
    return `from ${JSON.stringify(path.relative(dir, path.join(root, target)).replace(/^(?!\.)/, "./"))}`
  })

const expectations = (code: string): Array<string> => {
  const out: Array<string> = []
  for (const m of code.matchAll(/console\.log\(.*\)\s*\/\/\s*(?:"([^"]*)"|(true|false)\b)/g)) out.push(m[1] ?? m[2]!)
  return out
}

export const runDocExamples = (page: string, testDir: string) => {
  const text = fs.readFileSync(path.join(root, page), "utf8")
  const dir = path.join(root, testDir, ".doc-examples")
  fs.mkdirSync(dir, { recursive: true })
  const list: Array<DocExample> = []
  for (const m of text.matchAll(/```ts\n(import[\s\S]*?)```/g)) {
    const index = list.length
    const line = text.slice(0, m.index).split("\n").length
    const file = path.join(dir, `example${index + 1}.ts`)
    fs.writeFileSync(file, rewrite(m[1]!, dir) + "\nexport {}\n")
    list.push({
      index,
      line,
      expected: expectations(m[1]!),
      run: async () => {
        const printed: Array<string> = []
        const spy = vi.spyOn(console, "log").mockImplementation((...args: Array<unknown>) => {
          printed.push(args.map(String).join(" "))
        })
        try {
          await import(file)
        } finally {
          spy.mockRestore()
        }
        return printed
      }
    })
  }
  // KEEP_DOC_EXAMPLES=1 keeps the modules (e.g. to typecheck them: npm run typecheck)
  return { list, cleanup: () => process.env.KEEP_DOC_EXAMPLES === "1" || fs.rmSync(dir, { recursive: true, force: true }) }
}
