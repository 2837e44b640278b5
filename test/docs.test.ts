/**
 * docs/getting-started.md and the README run: every ```ts block that starts with `import` and
 * every ```lua block is run as written; the blocks that talk to port 7000 run against the server
 * the pages tell the reader to start (examples/select-server.lua, under `luasock run`), on a
 * free port put in place of 7000. What each block prints must match its comments: `// "..."`
 * beside a `console.log`, `--> ...` beside a Lua `print`.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest"
import { defaultHosts, runSource } from "../src/lua/index.js"
import { ensureBuilt } from "./lua/support.js"
import { lines, root, type Running, startLua } from "./programs.js"

const pages = ["docs/getting-started.md", "README.md"] as const

interface Block {
  readonly page: string
  readonly lang: "ts" | "lua"
  readonly line: number
  readonly code: string
  readonly expected: ReadonlyArray<string>
}

const blocksOf = (page: string): Array<Block> => {
  const text = fs.readFileSync(path.join(root, page), "utf8")
  const blocks: Array<Block> = []
  for (const m of text.matchAll(/```(ts|lua)\n([\s\S]*?)```/g)) {
    const lang = m[1] as "ts" | "lua"
    const code = m[2]!
    if (lang === "ts" && !code.startsWith("import")) continue
    const expected = lang === "ts"
      ? [...code.matchAll(/console\.log\(.*\)\s*\/\/\s*"([^"]*)"/g)].map((x) => x[1]!)
      : [...code.matchAll(/print\(.*\)\s*-->\s*(.*)$/gm)].map((x) => x[1]!.trim())
    blocks.push({ page, lang, line: text.slice(0, m.index).split("\n").length, code, expected })
  }
  return blocks
}

const blocks = pages.flatMap(blocksOf)
const talking = blocks.filter((b) => b.code.includes("7000"))

const dir = path.join(root, "test/.doc-examples")
let server: Running | undefined
let port = ""

beforeAll(async () => {
  ensureBuilt()
  // as the page says, with a free port, stopping by itself after serving every block
  server = startLua(path.join(root, "examples/select-server.lua"), ["0", String(talking.length)], 120_000)
  port = (await server.line(/^listening on 127\.0\.0\.1:(\d+)$/))[1]!
  fs.mkdirSync(dir, { recursive: true })
}, 120_000)

afterAll(async () => {
  fs.rmSync(dir, { recursive: true, force: true })
  server?.kill()
})

const withPort = (code: string): string => code.replaceAll("7000", port)

describe("docs/getting-started.md and README.md", () => {
  it("getting-started has the four faces: Effect, Promise, LuaSocket for TypeScript, Lua", () => {
    const started = blocks.filter((b) => b.page === "docs/getting-started.md")
    expect(started.map((b) => b.lang)).toEqual(["ts", "ts", "ts", "lua"])
    expect(started.every((b) => b.code.includes("7000"))).toBe(true)
    expect(started.map((b) => b.code.match(/from "(effect-luasocket[^"]*)"/)?.[1] ?? "lua")).toEqual([
      "effect-luasocket",
      "effect-luasocket/promise",
      "effect-luasocket/luasocket",
      "lua"
    ])
    for (const b of blocks) expect(b.expected.length, `${b.page} block at line ${b.line}`).toBeGreaterThan(0)
    expect(blocks.filter((b) => b.page === "README.md").length).toBeGreaterThanOrEqual(3)
  })

  blocks.forEach((block, index) => {
    it(`${block.page}: the ${block.lang} block at line ${block.line} prints ${block.expected.join(", ")}`, async () => {
      let printed: Array<string>
      if (block.lang === "ts") {
        const file = path.join(dir, `block-${index + 1}.ts`)
        fs.writeFileSync(file, withPort(block.code) + "\nexport {}\n")
        printed = []
        const spy = vi.spyOn(console, "log").mockImplementation((...args: Array<unknown>) => void printed.push(args.map(String).join(" ")))
        try {
          await import(file)
        } finally {
          spy.mockRestore()
        }
      } else {
        const r = await runSource(withPort(block.code), { name: "hello.lua", hosts: defaultHosts(), output: "capture", stdin: "none" })
        const decode = (b: Uint8Array | undefined) => new TextDecoder().decode(b ?? new Uint8Array())
        expect([r.exitCode, decode(r.stderr)]).toEqual([0, ""])
        printed = lines(decode(r.stdout))
      }
      expect(printed).toEqual(block.expected)
    })
  })

  it("the server served every block that talks to it, and stopped", async () => {
    const r = await server!.done
    expect([r.code, r.stderr]).toEqual([0, ""])
    expect(lines(r.stdout).at(-1)).toBe(`served ${talking.length} clients, bye`)
  })
})
