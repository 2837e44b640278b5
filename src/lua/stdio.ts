/**
 * A script's standard streams inside its worker, as bytes (no Lua here): stdout buffering like
 * C stdio, unbuffered stderr, capture for the caller, stdin reading, and the errno texts Lua's
 * C library would print.
 *
 * stdout is buffered as C stdio does it for lua5.4: fully (64 KiB) when it is not a terminal,
 * by line on a terminal, not at all after `setvbuf("no")`. Besides C's flush points (full
 * buffer, newline in line mode, `flush`, exit), it is also flushed before every host call,
 * every stderr write and every stdin read, so output is never held back while the script waits
 * and stdout / stderr keep the order of the calls (lua5.4 piped would write stderr first).
 *
 * @since 0.1.0
 */
import * as fs from "node:fs"
import * as tty from "node:tty"

const sleepCell = new Int32Array(new SharedArrayBuffer(4))
/** Blocks this thread for `ms` (workers only). */
export const sleep = (ms: number): void => void Atomics.wait(sleepCell, 0, 0, ms)

export const concat = (parts: ReadonlyArray<Uint8Array>, total: number): Uint8Array => {
  if (parts.length === 1) return parts[0]!.slice()
  const out = new Uint8Array(total)
  let o = 0
  for (const p of parts) {
    out.set(p, o)
    o += p.length
  }
  return out
}

const codeOf = (e: unknown): string | undefined => (e as { code?: string } | undefined)?.code

/** errno names -> strerror text, for the messages Lua's C library would give. */
export const strerror = (e: unknown): string => {
  switch (codeOf(e)) {
    case "ENOENT":
      return "No such file or directory"
    case "EACCES":
      return "Permission denied"
    case "EISDIR":
      return "Is a directory"
    case "ENOTDIR":
      return "Not a directory"
    case "ELOOP":
      return "Too many levels of symbolic links"
    case "ENAMETOOLONG":
      return "File name too long"
    case "EMFILE":
      return "Too many open files"
    case "EPIPE":
      return "Broken pipe"
    case "EBADF":
      return "Bad file descriptor"
    default:
      return e instanceof Error ? e.message : String(e)
  }
}

export const isBrokenPipe = (e: unknown): boolean => codeOf(e) === "EPIPE"

/** Writes all of `bytes` to fd (retrying EAGAIN on a non-blocking pipe); an error, if any. */
const writeFd = (fd: number, bytes: Uint8Array): unknown => {
  let off = 0
  while (off < bytes.length) {
    try {
      off += fs.writeSync(fd, bytes, off, bytes.length - off)
    } catch (e) {
      if (codeOf(e) === "EAGAIN") sleep(1)
      else return e
    }
  }
  return undefined
}

export interface StdioOptions {
  readonly output: "inherit" | "capture"
  readonly stdin: "inherit" | "none" | Uint8Array
  /** Hands captured output to the main thread. */
  readonly post: (fd: 1 | 2, bytes: Uint8Array) => void
  /** A write hit a closed pipe (lua5.4 would die of SIGPIPE). */
  readonly onBrokenPipe: () => void
}

export class Stdio {
  stdoutMode: "no" | "line" | "full"
  /** Set once the script is ending: a broken pipe no longer calls onBrokenPipe. */
  closing = false
  private readonly stdoutParts: Array<Uint8Array> = []
  private stdoutBytes = 0
  private readonly captured: Array<{ fd: 1 | 2; bytes: Uint8Array }> = []
  private capturedBytes = 0
  private inBuf: Uint8Array = new Uint8Array(0)
  private inPos = 0
  private inEof: boolean

  constructor(private readonly options: StdioOptions) {
    this.stdoutMode = options.output === "capture" || !tty.isatty(1) ? "full" : "line"
    this.inEof = options.stdin !== "inherit"
    if (options.stdin instanceof Uint8Array) this.inBuf = options.stdin
  }

  // ---- output ----

  /** Script output; `bytes` is owned (callers pass fresh arrays). An error of the write, if any. */
  emit(fd: 1 | 2, bytes: Uint8Array): unknown {
    if (fd === 2) {
      this.flushStdout()
      return this.deliver(2, bytes)
    }
    if (this.stdoutMode === "no") return this.deliver(1, bytes)
    this.stdoutParts.push(bytes)
    this.stdoutBytes += bytes.length
    if (this.stdoutBytes >= 1 << 16 || (this.stdoutMode === "line" && bytes.includes(10))) return this.flushStdout()
    return undefined
  }

  /** Hands buffered stdout on; an error of the write, if any. */
  flushStdout(): unknown {
    if (this.stdoutBytes === 0) return undefined
    const bytes = concat(this.stdoutParts, this.stdoutBytes)
    this.stdoutParts.length = 0
    this.stdoutBytes = 0
    return this.deliver(1, bytes)
  }

  /** Everything held back, before the script waits (host call, stdin) or ends. */
  flushOutput(): void {
    this.flushStdout()
    this.flushCapture()
  }

  /** Posts captured output, consecutive chunks of one stream merged. */
  flushCapture(): void {
    const c = this.captured
    let i = 0
    while (i < c.length) {
      const fd = c[i]!.fd
      let j = i
      let n = 0
      while (j < c.length && c[j]!.fd === fd) n += c[j++]!.bytes.length
      this.options.post(fd, concat(c.slice(i, j).map((x) => x.bytes), n))
      i = j
    }
    c.length = 0
    this.capturedBytes = 0
  }

  private deliver(fd: 1 | 2, bytes: Uint8Array): unknown {
    if (this.options.output === "capture") {
      this.captured.push({ fd, bytes })
      this.capturedBytes += bytes.length
      if (this.capturedBytes >= 1 << 16) this.flushCapture()
      return undefined
    }
    const e = writeFd(fd, bytes)
    if (isBrokenPipe(e) && !this.closing) this.options.onBrokenPipe()
    return e
  }

  // ---- stdin ----

  /** Makes at least one more byte available if there is any; false at end of input. */
  fill(): boolean {
    if (this.inPos < this.inBuf.length) return true
    if (this.inEof) return false
    this.flushOutput()
    const chunk = new Uint8Array(1 << 16)
    for (;;) {
      try {
        const n = fs.readSync(0, chunk, 0, chunk.length, null)
        if (n === 0) {
          this.inEof = true
          return false
        }
        this.inBuf = chunk.subarray(0, n)
        this.inPos = 0
        return true
      } catch (e) {
        const code = codeOf(e)
        if (code === "EAGAIN") sleep(1)
        else if (code === "EOF") {
          this.inEof = true
          return false
        } else throw e
      }
    }
  }

  /** The next byte without consuming it, -1 at end. */
  peek(): number {
    return this.fill() ? this.inBuf[this.inPos]! : -1
  }

  /** Consumes the byte `peek` returned. */
  skip(): void {
    this.inPos++
  }

  /** Reads until `stop` (included when `keep`; -1: none), or `max` bytes, or the end; null at the end. */
  take(max: number, stop: number, keep: boolean): Uint8Array | null {
    const parts: Array<Uint8Array> = []
    let total = 0
    let sawAny = false
    while (total < max && this.fill()) {
      sawAny = true
      const buf = this.inBuf
      const start = this.inPos
      const end = Math.min(buf.length, start + (max - total))
      let i = start
      if (stop >= 0) while (i < end && buf[i] !== stop) i++
      else i = end
      if (i < end) {
        // found the stop byte
        parts.push(buf.subarray(start, keep ? i + 1 : i))
        total += i - start + (keep ? 1 : 0)
        this.inPos = i + 1
        return concat(parts, total)
      }
      parts.push(buf.subarray(start, end))
      total += end - start
      this.inPos = end
    }
    return sawAny ? concat(parts, total) : null
  }
}
