/**
 * Helpers for the Lua runtime tests. The worker runs from the build (dist/src/lua/worker.js,
 * see src/lua/paths.ts), so `ensureBuilt` compiles src/lua and src/cli first when any of their sources is
 * newer than its output (under a lock: vitest runs test files in parallel forks).
 */
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { type HostFunction, runSource, type RunOptions, type RunResult } from "../../src/lua/index.js"

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..")
/** What tsconfig.worker.json compiles: src/lua and the CLI (src/cli). */
const sourceFiles = (): Array<string> =>
  ["src/lua", "src/cli"].flatMap((dir) => fs.readdirSync(path.join(root, dir)).filter((f) => f.endsWith(".ts")).map((f) => `${dir}/${f}`))
const lockDir = path.join(root, "dist/.lua-build-lock")

const outputs = (): Array<[string, string]> =>
  sourceFiles().map((f) => [path.join(root, f), path.join(root, "dist", f.replace(/\.ts$/, ".js"))])

const stale = (): boolean =>
  outputs().some(([src, out]) => !fs.existsSync(out) || fs.statSync(out).mtimeMs < fs.statSync(src).mtimeMs)

const sleep = (ms: number): void => void Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)

/** Builds src/lua into dist/ when stale. */
export const ensureBuilt = (): void => {
  if (!stale()) return
  fs.mkdirSync(path.dirname(lockDir), { recursive: true })
  const deadline = Date.now() + 120_000
  for (;;) {
    try {
      fs.mkdirSync(lockDir)
      break
    } catch {
      // another fork builds; take over a lock older than 2 minutes
      try {
        if (Date.now() - fs.statSync(lockDir).mtimeMs > 120_000) fs.rmSync(lockDir, { recursive: true, force: true })
      } catch {
        // gone meanwhile
      }
      if (Date.now() > deadline) throw new Error("timed out waiting for another test process to build src/lua")
      sleep(100)
    }
  }
  try {
    if (!stale()) return
    // type errors elsewhere (files under development that src/lua imports) do not stop the
    // emit; only a missing output does
    const p = spawnSync(process.execPath, [path.join(root, "node_modules/typescript/bin/tsc"), "-p", path.join(root, "test/lua/tsconfig.worker.json")], {
      encoding: "utf8"
    })
    if (p.status !== 0) process.stderr.write(`test/lua: tsc reported errors (emitting anyway):\n${p.stdout.slice(0, 2000)}\n`)
    for (const [, out] of outputs()) if (!fs.existsSync(out)) throw new Error(`tsc did not emit ${out}:\n${p.stdout}${p.stderr}`)
    // tsc leaves an unchanged output untouched: mark every output as fresh
    const now = new Date()
    for (const [, out] of outputs()) if (fs.existsSync(out)) fs.utimesSync(out, now, now)
  } finally {
    fs.rmSync(lockDir, { recursive: true, force: true })
  }
}

export const text = (b: Uint8Array | undefined): string => new TextDecoder().decode(b ?? new Uint8Array(0))
export const bytes = (s: string): Uint8Array => new TextEncoder().encode(s)

/** A host function that answers after a real timer: the script really waits. */
export const later = (ms: number): HostFunction => (args) => new Promise((resolve) => setTimeout(() => resolve(args), ms))

export interface Ran extends RunResult {
  readonly out: string
  readonly err: string
}

/** Runs source with output captured; stdout / stderr also as text. */
export const lua = async (source: string, options: RunOptions & { readonly name?: string } = {}): Promise<Ran> => {
  const r = await runSource(source, { output: "capture", stdin: "none", ...options })
  return { ...r, out: text(r.stdout), err: text(r.stderr) }
}

export const fixtures = path.join(root, "test/lua/fixtures")
/** The built CLI. */
export const cli = path.join(root, "dist/src/cli/luasock.js")
