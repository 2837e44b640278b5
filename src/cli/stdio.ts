/**
 * stdin and stdout for the netcat-style commands, as Effects with backpressure:
 * `StreamReader.read` takes one chunk when asked (nothing is read ahead beyond the stream's
 * own buffer), `StreamWriter.write` waits for `drain` when the stream's buffer is full.
 *
 * @since 0.1.0
 */
import type { Readable, Writable } from "node:stream"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"

/** stdin or stdout failed (e.g. EPIPE: the reader of stdout went away). @since 0.1.0 */
export class StdioError extends Data.TaggedError("StdioError")<{ readonly stream: "stdin" | "stdout"; readonly code?: string | undefined; readonly cause?: unknown }> {}

/**
 * Pull-based reads from a `Readable` (paused mode): `read` succeeds with the next chunk, or
 * `undefined` at the end; the stream reads ahead at most its high-water mark.
 *
 * @since 0.1.0
 */
export class StreamReader {
  private ended = false
  private error: StdioError | undefined
  private waiter: (() => void) | undefined
  private listening = false

  constructor(private readonly stream: Readable, private readonly name: "stdin" | "stdout" = "stdin") {}

  private listen(): void {
    if (this.listening) return
    this.listening = true
    const wake = () => this.waiter?.()
    this.stream.on("readable", wake)
    this.stream.on("end", () => {
      this.ended = true
      wake()
    })
    this.stream.on("error", (cause: NodeJS.ErrnoException) => {
      this.error = new StdioError({ stream: this.name, code: cause.code, cause })
      wake()
    })
  }

  /** The next chunk, or `undefined` at the end of the stream. */
  readonly read: Effect.Effect<Uint8Array | undefined, StdioError> = Effect.async<Uint8Array | undefined, StdioError>((resume) => {
    this.listen()
    const attempt = (): boolean => {
      if (this.error !== undefined) {
        resume(Effect.fail(this.error))
        return true
      }
      const chunk = this.stream.read() as Buffer | string | null
      if (chunk !== null) {
        resume(Effect.succeed(typeof chunk === "string" ? Buffer.from(chunk) : chunk))
        return true
      }
      if (this.ended || this.stream.readableEnded) {
        resume(Effect.succeed(undefined))
        return true
      }
      return false
    }
    if (attempt()) return
    this.waiter = () => {
      if (attempt()) this.waiter = undefined
    }
    return Effect.sync(() => {
      this.waiter = undefined
    })
  })
}

/**
 * Writes to a `Writable` with backpressure: `write` hands the chunk over and, when the
 * stream's buffer is above its high-water mark, waits for `drain` before succeeding.
 *
 * @since 0.1.0
 */
export class StreamWriter {
  private error: StdioError | undefined
  private waiters = new Set<() => void>()

  constructor(private readonly stream: Writable, private readonly name: "stdin" | "stdout" = "stdout") {
    const wake = () => {
      for (const w of [...this.waiters]) w()
    }
    stream.on("drain", wake)
    stream.on("close", wake)
    stream.on("error", (cause: NodeJS.ErrnoException) => {
      this.error ??= new StdioError({ stream: this.name, code: cause.code, cause })
      wake()
    })
  }

  private waitFor(ready: () => boolean): Effect.Effect<void, StdioError> {
    return Effect.async<void, StdioError>((resume) => {
      const check = () => {
        if (this.error !== undefined) {
          this.waiters.delete(check)
          resume(Effect.fail(this.error))
        } else if (ready()) {
          this.waiters.delete(check)
          resume(Effect.void)
        }
      }
      this.waiters.add(check)
      check()
      return Effect.sync(() => {
        this.waiters.delete(check)
      })
    })
  }

  /** Writes `chunk` (which must not change afterwards); waits while the stream is full. */
  write(chunk: Uint8Array): Effect.Effect<void, StdioError> {
    return Effect.suspend(() => {
      if (this.error !== undefined) return Effect.fail(this.error)
      if (this.stream.writableNeedDrain) return Effect.zipRight(this.waitFor(() => !this.stream.writableNeedDrain || this.stream.destroyed), this.write(chunk))
      if (this.stream.write(chunk)) return Effect.void
      return this.waitFor(() => !this.stream.writableNeedDrain || this.stream.destroyed)
    })
  }

  /** Waits until everything written so far has been handed to the OS. */
  readonly flush: Effect.Effect<void, StdioError> = Effect.suspend(() => this.waitFor(() => this.stream.writableLength === 0 || this.stream.destroyed))
}

/** LF -> CRLF for `--crlf`, across chunk boundaries: an LF already preceded by CR is left alone. @since 0.1.0 */
export const crlfEncoder = (): ((chunk: Uint8Array) => Uint8Array) => {
  let lastWasCr = false
  return (chunk) => {
    let lf = 0
    for (let i = 0; i < chunk.length; i++) if (chunk[i] === 10 && (i > 0 ? chunk[i - 1] !== 13 : !lastWasCr)) lf++
    const out = lf === 0 ? chunk : new Uint8Array(chunk.length + lf)
    if (lf > 0) {
      let o = 0
      for (let i = 0; i < chunk.length; i++) {
        const b = chunk[i]!
        if (b === 10 && (i > 0 ? chunk[i - 1] !== 13 : !lastWasCr)) out[o++] = 13
        out[o++] = b
      }
    }
    if (chunk.length > 0) lastWasCr = chunk[chunk.length - 1] === 13
    return out
  }
}

/**
 * Splits a byte stream into lines for `--udp` (each line, its LF included, one datagram;
 * a line longer than `max` bytes goes in `max`-byte pieces). `push` returns the complete
 * lines; `end` returns what is left (an unterminated last line).
 *
 * @since 0.1.0
 */
export class LineSplitter {
  private rest: Uint8Array = new Uint8Array(0)
  constructor(private readonly max: number) {}

  push(chunk: Uint8Array): Array<Uint8Array> {
    const data = this.rest.length === 0 ? chunk : Buffer.concat([this.rest, chunk])
    const out: Array<Uint8Array> = []
    let start = 0
    for (;;) {
      const nl = data.indexOf(10, start)
      const end = nl === -1 ? -1 : nl + 1
      if (end !== -1 && end - start <= this.max) {
        out.push(data.subarray(start, end))
        start = end
      } else if ((end === -1 ? data.length : end) - start > this.max) {
        out.push(data.subarray(start, start + this.max))
        start += this.max
      } else {
        break
      }
    }
    this.rest = Uint8Array.from(data.subarray(start))
    return out
  }

  end(): Array<Uint8Array> {
    const r = this.rest
    this.rest = new Uint8Array(0)
    return r.length > 0 ? [r] : []
  }
}
