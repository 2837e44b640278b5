/**
 * Drives the built `luasock` CLI as a subprocess (real loopback sockets): spawn with pipes,
 * wait for a line on stderr, collect stdout, wait for the exit within a bound. Every child is
 * killed in `afterEach` (see `killAll`), so a failing test leaves no process behind.
 */
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process"
import * as net from "node:net"
import { cli } from "../lua/support.js"

export { cli, ensureBuilt } from "../lua/support.js"

export interface Child {
  readonly proc: ChildProcessWithoutNullStreams
  /** stdout so far. */
  readonly out: () => Buffer
  /** stderr so far, as text. */
  readonly err: () => string
  /** Resolves with the exit status (signal name if killed); rejects after `ms`. */
  readonly exited: (ms?: number) => Promise<number | string>
  /** Resolves once stderr matches `pattern` (with the match); rejects after `ms` or at exit. */
  readonly stderrMatch: (pattern: RegExp, ms?: number) => Promise<RegExpMatchArray>
  /** Resolves once stdout holds at least `bytes` bytes (or contains `text`); rejects after `ms` or at exit. */
  readonly stdoutHas: (what: number | string, ms?: number) => Promise<void>
}

const children = new Set<ChildProcessWithoutNullStreams>()

/** Kills every child still running (SIGKILL) and waits for them. */
export const killAll = async (): Promise<void> => {
  const running = [...children].filter((p) => p.exitCode === null && p.signalCode === null)
  await Promise.all(running.map((p) => new Promise<void>((resolve) => {
    p.once("exit", () => resolve())
    p.kill("SIGKILL")
  })))
  children.clear()
}

/** Starts `luasock args...` with stdin, stdout and stderr as pipes. */
export const luasock = (args: ReadonlyArray<string>, options: { readonly cwd?: string; readonly stdoutPaused?: boolean } = {}): Child => {
  const proc = spawn(process.execPath, [cli, ...args], { stdio: "pipe", ...(options.cwd !== undefined ? { cwd: options.cwd } : {}) })
  children.add(proc)
  const outChunks: Array<Buffer> = []
  let outLength = 0
  let err = ""
  const listeners = new Set<() => void>()
  const notify = () => {
    for (const l of [...listeners]) l()
  }
  let status: number | string | undefined
  proc.stdout.on("data", (b: Buffer) => {
    outChunks.push(b)
    outLength += b.length
    notify()
  })
  if (options.stdoutPaused === true) proc.stdout.pause()
  proc.stderr.on("data", (b: Buffer) => {
    err += b.toString("utf8")
    notify()
  })
  // ends of the pipes may fail once the child is gone (EPIPE): the tests look at the status
  proc.stdin.on("error", () => {})
  proc.on("close", (code, signal) => {
    status = code ?? signal ?? "unknown"
    children.delete(proc)
    notify()
  })
  const waitFor = <A>(check: () => A | undefined, what: () => string, ms: number): Promise<A> =>
    new Promise((resolve, reject) => {
      const done = (f: () => void) => {
        clearTimeout(timer)
        listeners.delete(l)
        f()
      }
      const l = () => {
        const a = check()
        if (a !== undefined) done(() => resolve(a))
        else if (status !== undefined) done(() => reject(new Error(`luasock ${args.join(" ")} exited (${status}) before ${what()}; stderr: ${err}`)))
      }
      const timer = setTimeout(() => done(() => reject(new Error(`luasock ${args.join(" ")}: no ${what()} within ${ms} ms; stderr: ${err}`))), ms)
      listeners.add(l)
      l()
    })
  const out = () => Buffer.concat(outChunks)
  return {
    proc,
    out,
    err: () => err,
    exited: (ms = 20_000) =>
      new Promise((resolve, reject) => {
        if (status !== undefined) return resolve(status)
        const timer = setTimeout(() => reject(new Error(`luasock ${args.join(" ")} still running after ${ms} ms; stderr: ${err}`)), ms)
        proc.once("close", () => {
          clearTimeout(timer)
          resolve(status!)
        })
      }),
    stderrMatch: (pattern, ms = 20_000) => waitFor(() => err.match(pattern) ?? undefined, () => `stderr matching ${pattern}`, ms),
    stdoutHas: (what, ms = 20_000) =>
      waitFor(
        () => (typeof what === "number" ? outLength >= what : out().includes(what)) || undefined,
        () => (typeof what === "number" ? `${what} bytes on stdout (got ${outLength})` : `${JSON.stringify(what)} on stdout`),
        ms
      ).then(() => undefined)
  }
}

/** The port in a `listening on 127.0.0.1:<port>` line on stderr. */
export const listeningPort = async (child: Child): Promise<number> => Number((await child.stderrMatch(/listening on 127\.0\.0\.1:(\d+)/))[1])

/** A loopback port that nothing listens on (bound, then closed). */
export const closedPort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const s = net.createServer()
    s.once("error", reject)
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port
      s.close(() => resolve(port))
    })
  })

/** Writes `data` to `stream` in 64 KiB pieces, waiting for drain; resolves with the count written so far at each step via `onProgress`. */
export const writeAll = async (stream: NodeJS.WritableStream, data: Uint8Array, onProgress?: (written: number) => void): Promise<void> => {
  for (let i = 0; i < data.length; i += 65536) {
    const ok = stream.write(data.subarray(i, i + 65536))
    onProgress?.(Math.min(i + 65536, data.length))
    if (!ok) await new Promise<void>((resolve) => stream.once("drain", resolve))
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))
