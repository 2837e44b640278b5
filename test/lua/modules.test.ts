/**
 * Our pure-Lua `ltn12`, `socket.url` and `socket.headers` (lua/) against Debian's
 * (lua5.4 + lua-socket, the executable reference): each script in test/lua/modules/ runs
 * once with Debian's modules and once with ours first on the path, and the two stdouts must
 * be identical byte for byte. Property tests feed random URL strings and random chunk lists
 * / filter chains to the same scripts.
 *
 * Ours are put first through an overlay directory holding links to just these three files:
 * putting lua/ itself on LUA_PATH would also put our `socket.lua` (written for the Node
 * runtime's host functions) in front of Debian's, and ours need `require "socket"` to work.
 */
import { describe, expect, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { haveReference } from "../facade/differential.js"

const here = path.dirname(fileURLToPath(import.meta.url))
const root = path.resolve(here, "../..")
const luaDir = path.join(root, "lua")
const scriptsDir = path.join(here, "modules")
const conformanceDir = path.join(here, "conformance")

/** Module name -> our file, relative to lua/. */
const OURS: ReadonlyArray<readonly [string, string]> = [
  ["ltn12", "ltn12.lua"],
  ["socket.url", "socket/url.lua"],
  ["socket.headers", "socket/headers.lua"]
]

let overlay: string | undefined
/** A directory with links to our three modules only (made once per test file). */
const overlayDir = (): string => {
  if (overlay !== undefined) return overlay
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "luasock-modules-"))
  for (const [, file] of OURS) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true })
    fs.symlinkSync(path.join(luaDir, file), path.join(dir, file))
  }
  process.on("exit", () => fs.rmSync(dir, { recursive: true, force: true }))
  overlay = dir
  return dir
}

type Which = "debian" | "ours"

const env = (which: Which): NodeJS.ProcessEnv => {
  const e: NodeJS.ProcessEnv = { ...process.env, LUA_PATH: which === "ours" ? `${overlayDir()}/?.lua;;` : ";;" }
  delete e.LUA_PATH_5_4
  delete e.LUA_INIT
  delete e.LUA_INIT_5_4
  return e
}

interface Run {
  readonly status: number | null
  readonly stdout: Buffer
  readonly stderr: string
}

const lua = (which: Which, args: ReadonlyArray<string>, timeout = 20_000): Run => {
  const r = spawnSync("lua5.4", args, { env: env(which), timeout, maxBuffer: 64 * 1024 * 1024 })
  return { status: r.status, stdout: r.stdout, stderr: r.stderr.toString("latin1") + (r.error ? String(r.error) : "") }
}

/** Runs a module script both ways; both must succeed with identical stdout. */
const same = (script: string, args: ReadonlyArray<string> = []): void => {
  const file = path.join(scriptsDir, script)
  const want = lua("debian", [file, ...args])
  const got = lua("ours", [file, ...args])
  expect(want.stderr, `${script} under Debian's modules: stderr`).toBe("")
  expect(want.status, `${script} under Debian's modules: exit status`).toBe(0)
  expect(got.stderr, `${script} with ours: stderr`).toBe("")
  expect(got.status, `${script} with ours: exit status`).toBe(0)
  // compared as latin1 text (one char per byte) so that a mismatch shows as a readable diff
  expect(got.stdout.toString("latin1")).toBe(want.stdout.toString("latin1"))
}

const hex = (s: string): string => Buffer.from(s, "latin1").toString("hex")

const reference = haveReference()
const inCi = process.env.EFFECT_LUASOCKET_CI === "1"

describe("pure-Lua modules: ours against Debian's lua-socket (byte-identical output)", () => {
  if (!reference && !inCi) {
    it.skip("lua5.4 with lua-socket is not installed here (apt-get install -y lua5.4 lua-socket); CI installs it", () => {})
    return
  }

  it("the reference is installed", () => {
    expect(reference, "lua5.4 + lua-socket must be installed in CI").toBe(true)
  })

  it("each run loads the intended modules: Debian's by default, ours through the overlay", () => {
    const probe = OURS.map(([name]) =>
      // the file a function of the loaded module was defined in (socket.headers has none)
      `local m = require(${JSON.stringify(name)}); local f; for _, v in pairs(m) do if type(v) == "function" then f = v end end; ` +
      `print(package.searchpath(${JSON.stringify(name)}, package.path), f and debug.getinfo(f, "S").source or "-")`
    ).join("\n")
    const lines = (which: Which): Array<Array<string>> => {
      const r = lua(which, ["-e", probe])
      expect(r.stderr).toBe("")
      return r.stdout.toString("latin1").trim().split("\n").map((l) => l.split("\t"))
    }
    const ours = lines("ours")
    const debian = lines("debian")
    OURS.forEach(([, file], i) => {
      const [found, source] = ours[i]!
      expect(fs.realpathSync(found!)).toBe(fs.realpathSync(path.join(luaDir, file)))
      if (source !== "-") expect(fs.realpathSync(source!.slice(1))).toBe(fs.realpathSync(path.join(luaDir, file)))
      const [theirs] = debian[i]!
      expect(fs.realpathSync(theirs!)).not.toBe(fs.realpathSync(path.join(luaDir, file)))
      expect(theirs!.startsWith(root)).toBe(false)
    })
  })

  const scripts = fs.readdirSync(scriptsDir).filter((f) => f.endsWith(".lua") && !f.startsWith("_")).sort()
  it("there are module scripts", () => {
    expect(scripts).toEqual(expect.arrayContaining(["headers.lua", "ltn12.lua", "url.lua"]))
  })
  for (const script of scripts) {
    it(`${script}: fixed corpus`, () => same(script))
  }

  // ---- properties --------------------------------------------------------------------

  const urlPiece = fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(
      "http", "s", "a", "b", "x1", "://", ":", "/", "//", ".", "..", "./", "../", "/./", "/../", "?", "#", ";", "@", "[",
      "]", "::1", "%", "%41", "%2f", "%zz", " ", "=", "+", "-", "~", "*", "80", "\\", "&", "\u00e9"
    ) },
    { weight: 1, arbitrary: fc.integer({ min: 0, max: 255 }).map((b) => String.fromCharCode(b)) }
  )
  const urlString = fc.array(urlPiece, { maxLength: 14 }).map((parts) => parts.join(""))

  it.prop(
    "socket.url: random URL-like strings give the same parse/build/escape/paths/absolute",
    [fc.array(urlString, { minLength: 1, maxLength: 5 })],
    ([list]) => same("url.lua", ["strings", ...list.map(hex)]),
    { timeout: 120_000, fastCheck: { numRuns: 80 } }
  )

  it.prop(
    "socket.url: random byte strings",
    [fc.array(fc.uint8Array({ maxLength: 24 }).map((a) => Buffer.from(a).toString("latin1")), { minLength: 1, maxLength: 4 })],
    ([list]) => same("url.lua", ["strings", ...list.map(hex)]),
    { timeout: 120_000, fastCheck: { numRuns: 40 } }
  )

  const filterSpec = fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom("i", "u", "d", "a", "e", "s1", "s2", "s3", "s5", "c>", "c+") },
    { weight: 1, arbitrary: fc.integer({ min: 1, max: 6 }).map((k) => `n${k}`) }
  )
  const specs = fc.array(filterSpec, { maxLength: 4 }).map((a) => a.join(","))
  const chunk = fc.oneof(
    fc.constant(""),
    fc.string({ unit: fc.constantFrom(..."abcXYZ\r\n\0 ".split("")), maxLength: 12 }),
    fc.uint8Array({ maxLength: 40 }).map((a) => Buffer.from(a).toString("latin1"))
  )

  it.prop(
    "ltn12: random chunk lists through random source / sink / filter chains",
    [fc.array(chunk, { maxLength: 8 }), specs, specs, fc.integer({ min: 1, max: 10 })],
    ([chunks, srcSpecs, snkSpecs, blocksize]) =>
      same("ltn12.lua", ["chain", srcSpecs, snkSpecs, String(blocksize), ...chunks.map(hex)]),
    { timeout: 120_000, fastCheck: { numRuns: 120 } }
  )
})

describe("conformance scripts: stable under the reference", () => {
  if (!reference && !inCi) {
    it.skip("lua5.4 with lua-socket is not installed here (apt-get install -y lua5.4 lua-socket); CI installs it", () => {})
    return
  }
  const scripts = fs.existsSync(conformanceDir)
    ? fs.readdirSync(conformanceDir).filter((f) => f.endsWith(".lua")).sort()
    : []
  for (const script of scripts) {
    it(`${script}: succeeds and prints the same bytes twice under lua5.4 + LuaSocket`, () => {
      const file = path.join(conformanceDir, script)
      const a = lua("debian", [file], 15_000)
      const b = lua("debian", [file], 15_000)
      expect(a.stderr).toBe("")
      expect(a.status).toBe(0)
      expect(b.status).toBe(0)
      expect(a.stdout.length).toBeGreaterThan(0)
      expect(b.stdout.toString("latin1")).toBe(a.stdout.toString("latin1"))
    }, 40_000)
  }
})
