/**
 * Helpers shared by the benchmark programs (efx = the Effect core, raw = plain
 * Node `net`). The workloads and the program contract are those of the shared
 * socket benchmark (its README): `server <workload> <host> <n>` prints
 * "PORT <port>", serves one run and prints one JSON line; `client <workload>
 * <host> <port> <n>` prints one JSON line.
 */
import * as fs from "node:fs"
import { performance } from "node:perf_hooks"

/** W1: bytes per send. */
export const CHUNK = 65536

/** W4 datagram size. */
export const DGRAM = 512
/** W4: "END" markers the client sends after its datagrams (any one stops the server). */
export const END_MARKERS = 20
/** W4: the server also stops after this many seconds without a datagram (e.g. every END lost). */
export const UDP_IDLE_S = 2
/** W4: receive buffer asked of the kernel by the servers that can ask (raw, efx, promise). */
export const UDP_RCVBUF = 8 << 20

/** W4: is this datagram (or its first `len` bytes) an "END" marker? */
export const isEnd = (d: Uint8Array, len: number = d.length): boolean => len === 3 && d[0] === 69 && d[1] === 78 && d[2] === 68

/** "udp6" for an IPv6 host, else "udp4". */
export const udpType = (host: string): "udp4" | "udp6" => (host.includes(":") ? "udp6" : "udp4")

/**
 * W4 server bookkeeping: counts datagrams and times first -> last; `result()` gives the
 * keys the shared summary reads (`received`, `recv_s`).
 */
export class DatagramCounter {
  received = 0
  bytes = 0
  private tFirst = 0
  private tLast = 0
  got(len: number): void {
    const t = now()
    if (this.received === 0) this.tFirst = t
    this.tLast = t
    this.received++
    this.bytes += len
  }
  result(): { received: number; bytes: number; recv_s: number } {
    const dt = this.tLast - this.tFirst
    return { received: this.received, bytes: this.bytes, recv_s: dt > 0 ? this.received / dt : 0 }
  }
  /** Calls `onIdle` once no datagram arrived for UDP_IDLE_S seconds; returns the stop function. */
  watchdog(onIdle: () => void): () => void {
    let seen = -1
    const timer = setInterval(() => {
      if (this.received === seen) {
        clearInterval(timer)
        onIdle()
      }
      seen = this.received
    }, UDP_IDLE_S * 1000)
    timer.unref()
    return () => clearInterval(timer)
  }
}

/** W3: lines per server send. */
export const BATCH = 1000
/** W3: bytes per line, LF included. */
export const LINE_BYTES = 40

export type Workload = "w1" | "w2" | "w3" | "w4" | "w5"
export const workloads: ReadonlyArray<Workload> = ["w1", "w2", "w3", "w4", "w5"]

/** Seconds, high resolution. */
export const now = (): number => performance.now() / 1000

/** The 32-byte W2 request line, LF included. */
export const PING = "ping " + "x".repeat(26) + "\n"

/** W3: one batch of BATCH lines of 40 bytes ("line 00000001 yyy...y\n"). */
export const lineBatch = (): Buffer => {
  const lines: Array<string> = []
  for (let i = 1; i <= BATCH; i++) lines.push(`line ${String(i).padStart(8, "0")} ${"y".repeat(25)}\n`)
  return Buffer.from(lines.join(""), "latin1")
}

/** Latency percentile (`q` in 0..1) of a sorted array, in microseconds (nearest-rank, as the references). */
export const percentileUs = (sorted: Float64Array, q: number): number => sorted[Math.max(0, Math.ceil(sorted.length * q) - 1)]! * 1e6

const usage = () => {
  const u = process.resourceUsage()
  return { maxrss_kb: u.maxRSS, cpu_s: (u.userCPUTime + u.systemCPUTime) / 1e6 }
}

/** One JSON line on stdout: keys sorted, fractional numbers to 6 significant digits, plus peak RSS and CPU time. */
export const emit = (obj: Record<string, unknown>): void => {
  const all: Record<string, unknown> = { ...obj, ...usage() }
  const out: Record<string, unknown> = {}
  for (const k of Object.keys(all).sort()) {
    const v = all[k]
    out[k] = typeof v === "number" && !Number.isInteger(v) ? Number(v.toPrecision(6)) : v
  }
  process.stdout.write(JSON.stringify(out) + "\n")
}

export interface ServerArgs {
  readonly workload: Workload
  readonly host: string
  readonly n: number
}
export interface ClientArgs extends ServerArgs {
  readonly port: number
}

const usageError = (impl: string, side: string, message: string): never => {
  emit({ impl, side, error: message })
  process.exit(2)
}

const parseWorkload = (impl: string, side: string, w: string | undefined): Workload =>
  workloads.includes(w as Workload) ? (w as Workload) : usageError(impl, side, `unknown workload ${JSON.stringify(w)} (expected one of ${workloads.join(", ")})`)

const parseCount = (impl: string, side: string, what: string, s: string | undefined): number => {
  const n = Number(s)
  return Number.isSafeInteger(n) && n >= 0 ? n : usageError(impl, side, `bad ${what} ${JSON.stringify(s)}`)
}

/** `<workload> <host> <n>` */
export const serverArgs = (impl: string, argv: ReadonlyArray<string> = process.argv.slice(2)): ServerArgs => {
  if (argv.length !== 3) usageError(impl, "server", "usage: server <w1|w2|w3|w4|w5> <host> <n>")
  return { workload: parseWorkload(impl, "server", argv[0]), host: argv[1]!, n: parseCount(impl, "server", "n", argv[2]) }
}

/** `<workload> <host> <port> <n>` */
export const clientArgs = (impl: string, argv: ReadonlyArray<string> = process.argv.slice(2)): ClientArgs => {
  if (argv.length !== 4) usageError(impl, "client", "usage: client <w1|w2|w3|w4|w5> <host> <port> <n>")
  return {
    workload: parseWorkload(impl, "client", argv[0]),
    host: argv[1]!,
    port: parseCount(impl, "client", "port", argv[2]),
    n: parseCount(impl, "client", "n", argv[3])
  }
}

/** Announces the listening port (the driver waits for this line). */
export const announcePort = (port: number): void => {
  process.stdout.write(`PORT ${port}\n`)
}

/**
 * Prints the result line and lets the process end by itself, so that bytes a
 * server has queued (W3) still reach the peer; a guard exits if some handle
 * keeps the event loop alive.
 */
export const finish = (result: Record<string, unknown>): void => {
  emit(result)
  process.exitCode = 0
  setTimeout(() => process.exit(0), 5000).unref()
}

/** Prints an `error` result line and exits non-zero. */
export const fail = (base: Record<string, unknown>, error: unknown): never => {
  const tag = typeof error === "object" && error !== null && "_tag" in error ? String(error._tag) : undefined
  const message = error instanceof Error ? `${tag ?? error.name}: ${error.message}` : String(error)
  emit({ ...base, error: message })
  if (error instanceof Error && error.stack !== undefined) process.stderr.write(error.stack + "\n")
  else process.stderr.write(`${message}\n`)
  process.exit(1)
}

/**
 * Memory now, after a full GC when the process runs with `--expose-gc` (the scale
 * programs do): RSS, and JavaScript heap used + external memory (Buffers), in KiB.
 */
export const memorySnapshot = (): { rss_kb: number; heap_kb: number; gc: boolean } => {
  const gc = (globalThis as { gc?: () => void }).gc
  if (gc !== undefined) {
    gc()
    gc()
  }
  const m = process.memoryUsage()
  return { rss_kb: Math.round(m.rss / 1024), heap_kb: Math.round((m.heapUsed + m.external) / 1024), gc: gc !== undefined }
}

/** The soft limit on open descriptors of this process (Linux: /proc/self/limits), or undefined. */
export const openFilesLimit = (): number | undefined => {
  try {
    const m = /^Max open files\s+(\d+)/m.exec(fs.readFileSync("/proc/self/limits", "utf8"))
    return m === null ? undefined : Number(m[1])
  } catch {
    return undefined
  }
}

/** The servers' replies: "ok" (W1), "bye", and the W2 answer to a ping line. */
export const OK = Buffer.from("ok\n", "latin1")
export const BYE = Buffer.from("bye\n", "latin1")
const PONG = Buffer.from("pong", "latin1")

/** "pong" + line[4..] + "\n" (LuaSocket: "pong" .. line:sub(5) .. "\n"). */
export const pong = (line: Uint8Array): Uint8Array => {
  const tail = line.length > 4 ? line.length - 4 : 0
  const out = Buffer.allocUnsafe(5 + tail)
  PONG.copy(out, 0)
  if (tail > 0) out.set(line.subarray(4), 4)
  out[4 + tail] = 10
  return out
}
