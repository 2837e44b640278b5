/**
 * Child processes of the benchmark drivers (`run.ts`, `scale.ts`): started with a
 * time limit (killed after it), their output collected, the "PORT <p>" line awaited,
 * CPU pinning with `taskset`, and a raised descriptor limit through `bash -c ulimit`.
 */
import { spawn, spawnSync } from "node:child_process"
import * as os from "node:os"
import type { Json } from "./summary.js"

export const hasTaskset = spawnSync("taskset", ["-c", "0", "true"]).status === 0
const cpus = os.availableParallelism()

/** The `taskset` prefix for one side at one placement (empty when pinning is off or impossible). */
export const pinPrefix = (placement: string, side: "server" | "client"): Array<string> => {
  if (!hasTaskset || placement === "none") return []
  if (placement === "same") return ["taskset", "-c", "0"]
  if (placement === "split") return ["taskset", "-c", side === "server" || cpus < 2 ? "0" : "1"]
  throw new Error(`unknown placement ${placement}`)
}

/**
 * The descriptor limit a child gets when started through `withFdLimit(want, ...)`:
 * `want` when the hard limit allows raising the soft one, else the soft limit.
 */
export const reachableFdLimit = (want: number): number => {
  const r = spawnSync("bash", ["-c", `ulimit -n ${want} 2>/dev/null; ulimit -n`], { encoding: "utf8" })
  const n = Number(r.stdout.trim())
  return Number.isFinite(n) && n > 0 ? n : 1024
}

/** `argv` run with the soft descriptor limit raised to `want` (when allowed; else as it is). */
export const withFdLimit = (want: number, argv: ReadonlyArray<string>): Array<string> => [
  "bash",
  "-c",
  `ulimit -n ${want} 2>/dev/null; exec "$@"`,
  "bash",
  ...argv
]

export interface Exit {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly timedOut: boolean
  readonly wall_s: number
}

export interface Proc {
  readonly pid: number
  /** Resolves once the process has exited (or was killed at the timeout). */
  readonly exited: Promise<Exit>
  stdout: string
  stderr: string
  onStdout: (() => void) | undefined
  kill(): void
}

/** Starts `argv` in `cwd`; SIGKILL after `timeoutS` seconds. */
export const start = (argv: ReadonlyArray<string>, timeoutS: number, cwd: string, env?: Record<string, string>): Proc => {
  const t0 = performance.now()
  const child = spawn(argv[0]!, argv.slice(1), { cwd, stdio: ["ignore", "pipe", "pipe"], ...(env === undefined ? {} : { env: { ...process.env, ...env } }) })
  let timedOut = false
  const proc: Proc = {
    pid: child.pid ?? -1,
    stdout: "",
    stderr: "",
    onStdout: undefined,
    exited: new Promise((resolve) => {
      child.on("close", (code, signal) => {
        clearTimeout(timer)
        resolve({ code, signal, timedOut, wall_s: (performance.now() - t0) / 1000 })
      })
    }),
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL")
    }
  }
  const timer = setTimeout(() => {
    timedOut = true
    proc.kill()
  }, timeoutS * 1000)
  child.on("error", (e) => {
    proc.stderr += String(e)
  })
  child.stdout.setEncoding("utf8").on("data", (d: string) => {
    proc.stdout += d
    proc.onStdout?.()
  })
  child.stderr.setEncoding("utf8").on("data", (d: string) => {
    proc.stderr += d
  })
  return proc
}

/** The port the server announced, or undefined when it exited or stayed silent for 10 s. */
export const waitPort = (server: Proc): Promise<number | undefined> =>
  new Promise((resolve) => {
    const check = () => {
      const m = /^PORT (\d+)$/m.exec(server.stdout)
      if (m !== null) done(Number(m[1]))
    }
    const timer = setTimeout(() => done(undefined), 10_000)
    const done = (port: number | undefined) => {
      clearTimeout(timer)
      server.onStdout = undefined
      resolve(port)
    }
    server.onStdout = check
    void server.exited.then(() => done(undefined))
    check()
  })

/** The JSON object lines of an output, in order. */
export const jsonLines = (out: string): Array<Json> =>
  out.split("\n").flatMap((line) => {
    if (!line.startsWith("{")) return []
    try {
      return [JSON.parse(line) as Json]
    } catch {
      return []
    }
  })

/** The last stdout line, if it is a JSON object. */
export const lastJson = (out: string): Json | null => {
  const lines = out.trim().split("\n")
  const last = lines[lines.length - 1] ?? ""
  if (!last.startsWith("{")) return null
  try {
    return JSON.parse(last) as Json
  } catch {
    return null
  }
}

/** The last lines of a process's stderr, indented, for a failure report. */
export const tail = (s: string, lines = 5): string =>
  s.trim().split("\n").slice(-lines).map((l) => `    ${l}`).join("\n")

/**
 * The checkout a run measured: the commit and the files changed in it (src/, bench/),
 * read without touching the index (`--no-optional-locks`). Undefined outside git.
 */
export const gitState = (dir: string): { commit: string; changed: Array<string> } | undefined => {
  const git = (...args: Array<string>) => spawnSync("git", ["--no-optional-locks", "-C", dir, ...args], { encoding: "utf8" })
  const head = git("rev-parse", "--short", "HEAD")
  if (head.status !== 0) return undefined
  const status = git("status", "--porcelain", "--untracked-files=no", "--", "src", "bench")
  return { commit: head.stdout.trim(), changed: status.stdout.split("\n").filter(Boolean).map((l) => l.slice(3)) }
}
