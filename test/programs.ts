/**
 * Runs the project's programs (the demo, examples/, doc snippets) as a user would, in child
 * processes: TypeScript through vite-node with vitest.config.ts (so `effect-luasocket` imports
 * resolve to src/, as in the tests), Lua scripts through the built `luasock run`. Every run is
 * bounded: a program still running at its deadline is killed and the run fails, so a program
 * that leaves a handle open (and would not exit by itself) fails its test.
 */
import { type ChildProcess, spawn } from "node:child_process"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..")
const viteNode = path.join(root, "node_modules/vite-node/vite-node.mjs")
/** The built CLI (test/lua/support.ts's `ensureBuilt` builds it). */
export const luasock = path.join(root, "dist/src/cli/luasock.js")

export interface Ran {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
  readonly ms: number
}

export interface Running {
  readonly child: ChildProcess
  /** Resolves with the first stdout line matching `pattern` (rejects if the process ends first). */
  readonly line: (pattern: RegExp) => Promise<RegExpMatchArray>
  readonly done: Promise<Ran>
  readonly kill: () => void
}

/** Environment for children: without vitest's own variables (a child is a plain program). */
const childEnv = (): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = {}
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("VITEST") && k !== "NODE_ENV" && k !== "TEST") env[k] = v
  return env
}

/** Starts `node args...` in the repository root; kills it after `deadlineMs`. */
export const start = (args: ReadonlyArray<string>, deadlineMs = 30_000): Running => {
  const started = performance.now()
  const child = spawn(process.execPath, args, { cwd: root, env: childEnv(), stdio: ["ignore", "pipe", "pipe"] })
  let stdout = ""
  let stderr = ""
  const watchers: Array<() => void> = []
  child.stdout!.setEncoding("utf8").on("data", (s: string) => {
    stdout += s
    for (const w of watchers) w()
  })
  child.stderr!.setEncoding("utf8").on("data", (s: string) => void (stderr += s))
  let timedOut = false
  const timer = setTimeout(() => {
    timedOut = true
    child.kill("SIGKILL")
  }, deadlineMs)
  const done = new Promise<Ran>((resolve, reject) => {
    child.on("error", reject)
    child.on("close", (code, signal) => {
      clearTimeout(timer)
      for (const w of watchers) w()
      if (timedOut) reject(new Error(`node ${args.join(" ")}: still running after ${deadlineMs} ms, killed\nstdout:\n${stdout}\nstderr:\n${stderr}`))
      else resolve({ code, signal, stdout, stderr, ms: performance.now() - started })
    })
  })
  const line = (pattern: RegExp) =>
    new Promise<RegExpMatchArray>((resolve, reject) => {
      const check = () => {
        for (const l of stdout.split("\n")) {
          const m = l.match(pattern)
          if (m !== null) return resolve(m)
        }
        if (child.exitCode !== null || child.signalCode !== null) reject(new Error(`node ${args.join(" ")} ended without printing ${pattern}:\n${stdout}\n${stderr}`))
      }
      watchers.push(check)
      check()
    })
  return { child, line, done, kill: () => child.kill("SIGKILL") }
}

/** Runs a TypeScript program from the sources (vite-node, vitest's resolution of the package name). */
export const runTs = (file: string, args: ReadonlyArray<string> = [], deadlineMs?: number): Promise<Ran> =>
  start([viteNode, "--config", path.join(root, "vitest.config.ts"), file, ...args], deadlineMs).done

/** Starts a Lua script with the built `luasock run`. */
export const startLua = (file: string, args: ReadonlyArray<string> = [], deadlineMs?: number): Running =>
  start([luasock, "run", file, ...args], deadlineMs)

/** Runs a Lua script with the built `luasock run`. */
export const runLua = (file: string, args: ReadonlyArray<string> = [], deadlineMs?: number): Promise<Ran> =>
  startLua(file, args, deadlineMs).done

/** The lines of an output, without the empty last one. */
export const lines = (out: string): Array<string> => out.split("\n").filter((l, i, all) => l !== "" || i < all.length - 1)
