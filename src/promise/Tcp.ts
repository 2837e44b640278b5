/**
 * TCP and unix stream sockets for plain TypeScript: `connect`, `listen`, and the
 * `TcpClient` / `TcpServer` they give. Every method delegates to the core's
 * `Tcp.TcpSocket`; errors are the core's `NetError` classes, thrown as they are.
 *
 * @since 0.1.0
 */
import "./internal/dispose.js"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type * as Schedule from "effect/Schedule"
import type * as Address from "../core/Address.js"
import * as NetError from "../core/NetError.js"
import * as ReadBuffer from "../core/ReadBuffer.js"
import * as Tcp from "../core/Tcp.js"
import * as Timeout from "../core/Timeout.js"
import { ReceiveIterator } from "./internal/iterate.js"
import { receive as receiveNow } from "./internal/receive.js"
import { abortReason, acquireOwned, orThrow, promiseOf, run, runSync, start } from "./internal/run.js"
import { guarded, policyOf, toBytes } from "./internal/args.js"
import { decodePattern, type PatternInput, type TimeoutInput } from "./options.js"

/** Options every waiting call takes. @since 0.1.0 */
export interface CallOptions {
  /** Aborting interrupts the call (nothing leaks, no received byte is lost); it rejects with `signal.reason`. */
  readonly signal?: AbortSignal | undefined
  /** Limit of this call (see `TimeoutInput`); a `NetError.Timeout` carries what was received (`partial`). */
  readonly timeout?: TimeoutInput | undefined
}

/** @since 0.1.0 */
export interface ReceiveOptions extends CallOptions {
  /** Bytes (or a UTF-8 string) placed before what is received, as LuaSocket's `prefix`. */
  readonly prefix?: Uint8Array | string | undefined
}

/** @since 0.1.0 */
export interface LinesOptions extends CallOptions {
  /** A longer line fails the iteration with `NetError.LineTooLong`. */
  readonly maxLength?: number | undefined
  /** `"utf8"` (default) yields strings, `"bytes"` yields `Uint8Array`s. */
  readonly encoding?: "utf8" | "bytes" | undefined
}

/** @since 0.1.0 */
export interface ChunksOptions extends CallOptions {
  /** Largest chunk, in bytes; default: whatever is buffered. */
  readonly size?: number | undefined
}

/** Options of a socket being created. @since 0.1.0 */
export interface SocketOptions {
  /** `inet` (IPv4 only), `inet6` (IPv6 only, ipv6-v6only on), `unix`, or `unspec` (decided by the address). */
  readonly family?: Address.Family | undefined
  /** Bytes buffered before reading from the peer pauses. Default 256 KiB. */
  readonly readHighWaterMark?: number | undefined
  /** Bytes Node may queue for sending before `send` waits. Default 1 MiB. */
  readonly writeHighWaterMark?: number | undefined
  /** The socket's own timeout, used by every call that has no `timeout` of its own. Default: none. */
  readonly socketTimeout?: TimeoutInput | undefined
}

/** @since 0.1.0 */
export interface ConnectOptions extends SocketOptions, CallOptions {
  /** Local address to bind (numeric, or `"*"`). */
  readonly localAddress?: string | undefined
  /** Local port to bind. */
  readonly localPort?: number | undefined
  /** Set `tcp-nodelay` (disable Nagle) before connecting. */
  readonly noDelay?: boolean | undefined
  /** Set `keepalive` before connecting. */
  readonly keepAlive?: boolean | undefined
  /** Retry refused, timed-out, unreachable and unresolved attempts by this Effect `Schedule`. */
  readonly retry?: Schedule.Schedule<unknown, NetError.NetError> | undefined
}

/** @since 0.1.0 */
export interface ListenOptions extends SocketOptions {
  /** The kernel's listen backlog. Default 32 (LuaSocket's). */
  readonly backlog?: number | undefined
  /** Connections Node accepted but `accept` has not taken; beyond, they are reset. Default 4096. */
  readonly maxPending?: number | undefined
  readonly signal?: AbortSignal | undefined
}

const textDecoder = new TextDecoder()
const noop = () => {}

const masterOptions = (options: SocketOptions): Tcp.MasterOptions => ({
  ...(options.family !== undefined ? { family: options.family } : {}),
  ...(options.readHighWaterMark !== undefined ? { readHighWaterMark: options.readHighWaterMark } : {}),
  ...(options.writeHighWaterMark !== undefined ? { writeHighWaterMark: options.writeHighWaterMark } : {})
})

/** Options, names and timeouts every socket wrapper shares. */
abstract class Wrapper<S extends Tcp.TcpSocket> {
  constructor(
    /** The core socket, for use with the Effect API (`effect-luasocket`). */
    readonly socket: S
  ) {}

  /** True once closed. */
  get closed(): boolean {
    return this.socket.isClosed
  }

  /** Closes the socket (idempotent); bytes already taken by `send` are still delivered. */
  close(): void {
    this.socket.closeNow()
  }

  /** `using` closes the socket. */
  [Symbol.dispose](): void {
    this.close()
  }

  /** `await using` closes the socket. */
  [Symbol.asyncDispose](): Promise<void> {
    this.close()
    return Promise.resolve()
  }

  /** The local address. Throws the core's error when there is none (closed, not yet bound). */
  getSockName(): Tcp.SocketAddress {
    return orThrow(this.socket.getSockName())
  }

  /** The descriptor, -1 when closed. */
  getFd(): number {
    return this.socket.getFd()
  }

  /** Sets an option (see docs/core.md, "Options"); throws `InvalidArgument` / `Unsupported`. */
  setOption<K extends Tcp.TcpOptionName>(name: K, value: Tcp.TcpOptionValues[K]): void {
    runSync(this.socket.setOption(name, value))
  }

  /** Reads an option; `"error"` gives the last error's LuaSocket message. */
  getOption<K extends Exclude<Tcp.TcpOptionName, "ipv6-v6only"> | "error">(name: K): K extends Tcp.TcpOptionName ? Tcp.TcpOptionValues[K] : string | undefined {
    return runSync(this.socket.getOption(name)) as K extends Tcp.TcpOptionName ? Tcp.TcpOptionValues[K] : string | undefined
  }

  /** Sets the socket's own timeout (used by calls without a `timeout` option); `undefined` = none. */
  setTimeout(timeout: TimeoutInput | undefined): void {
    this.socket.setTimeoutPolicy(policyOf(timeout) ?? Timeout.infinite)
  }

  /** The socket's own timeout policy. */
  getTimeout(): Timeout.TimeoutPolicy {
    return this.socket.timeout
  }

  // Select.Selectable, so that `select` takes the wrappers themselves.
  /** @internal */
  get isClosed(): boolean {
    return this.socket.isClosed
  }
  /** Unread bytes are buffered. */
  get dirty(): boolean {
    return this.socket.dirty
  }
  /** A receive (or accept) would not wait. */
  get readable(): boolean {
    return this.socket.readable
  }
  /** A send would not wait. */
  get writable(): boolean {
    return this.socket.writable
  }
  /** @internal */
  onReady(listener: () => void): () => void {
    return this.socket.onReady(listener)
  }
}

/**
 * A connected TCP or unix stream socket.
 *
 * @since 0.1.0
 */
export class TcpClient extends Wrapper<Tcp.TcpSocket> {
  /** Settles after the last send in flight: later sends queue behind it, so concurrent sends never interleave. */
  private tail: Promise<void> | undefined

  /**
   * Sends all of `data` (a string as UTF-8); resolves with the number of bytes sent
   * once Node has taken them. Waits only while Node's queue is above the write
   * high-water mark. A failure's `lastIndex` says how many bytes went out. Sends made
   * while one waits go out after it, in call order.
   */
  send(data: Uint8Array | string, options?: CallOptions): Promise<number> {
    try {
      const bytes = toBytes(data)
      const policy = policyOf(options?.timeout)
      const signal = options?.signal
      if (this.tail !== undefined) return this.track(this.tail.then(() => run(this.socket.send(bytes, 1, -1, policy), signal)))
      if (signal !== undefined && signal.aborted) return Promise.reject(abortReason(signal))
      // started at once (`sendStarted`): done at once (the common case: a direct write, no
      // fiber) or waiting for the peer
      const started = start(this.socket.sendStarted(bytes, 1, -1, policy))
      return Exit.isExit(started) ? promiseOf(started, signal) : this.track(promiseOf(started, signal))
    } catch (error) {
      // a bad argument (as `guarded`)
      return Promise.reject(error)
    }
  }

  private track<A>(sending: Promise<A>): Promise<A> {
    const tail: Promise<void> = sending.then(noop, noop).then(() => {
      if (this.tail === tail) this.tail = undefined
    })
    this.tail = tail
    return sending
  }

  /**
   * Receives by `pattern` (default `"line"`): see `PatternInput`. Resolves at once,
   * without running any Effect, when the buffered bytes already satisfy the pattern
   * (and without a fiber when the next read completes it, if no timeout applies).
   * Rejects with the core's error, whose `partial` holds the bytes received (and
   * consumed) before it, `prefix` included.
   */
  receive(pattern: PatternInput = "line", options?: ReceiveOptions): Promise<Uint8Array> {
    if (options === undefined && (pattern === "line" || pattern === "*l")) {
      // The commonest call, a line with no options, already buffered: one poll, no Effect,
      // no closure (a poll that found nothing consumed nothing; one that failed is the answer).
      const now = this.socket.receivePoll(ReadBuffer.line)
      if (now instanceof Uint8Array) return Promise.resolve(now)
      if (now !== undefined) return Promise.reject(now)
      return guarded(() => receiveNow(this.socket, ReadBuffer.line, undefined, undefined, undefined))
    }
    return guarded(() => {
      const prefix = options?.prefix === undefined ? undefined : toBytes(options.prefix)
      return receiveNow(this.socket, orThrow(decodePattern(pattern)), prefix, policyOf(options?.timeout), options?.signal)
    })
  }

  /** `receive`, decoded as UTF-8. */
  receiveText(pattern: PatternInput = "line", options?: ReceiveOptions): Promise<string> {
    return this.receive(pattern, options).then((bytes) => textDecoder.decode(bytes))
  }

  /**
   * The lines this socket receives (LuaSocket's `*l`: LF ends a line; the LF and every
   * CR are dropped), however they are split across reads. At the peer's close an
   * unterminated last line is the last element (unless empty) and the iteration ends;
   * a reset, a timeout (`timeout` applies to each wait) or an abort rejects. Each line
   * is one `receive` (synchronous when buffered); breaking out of the loop consumes
   * nothing more, so the socket can go on being read.
   */
  lines(options?: LinesOptions & { readonly encoding?: "utf8" | undefined }): AsyncIterableIterator<string>
  lines(options: LinesOptions & { readonly encoding: "bytes" }): AsyncIterableIterator<Uint8Array>
  lines(options: LinesOptions = {}): AsyncIterableIterator<string | Uint8Array> {
    const pattern = orThrow(decodePattern(options.maxLength === undefined ? ReadBuffer.line : ReadBuffer.lineMax(options.maxLength)))
    const map = options.encoding === "bytes" ? (b: Uint8Array) => b : (b: Uint8Array) => textDecoder.decode(b)
    return new ReceiveIterator<string | Uint8Array>(this.socket, pattern, policyOf(options.timeout), map, options.signal)
  }

  /** The bytes this socket receives, as they arrive (each at most `size` bytes), until the peer closes. */
  chunks(options: ChunksOptions = {}): AsyncIterableIterator<Uint8Array> {
    const pattern = orThrow(decodePattern(ReadBuffer.available(options.size)))
    return new ReceiveIterator<Uint8Array>(this.socket, pattern, policyOf(options.timeout), (b) => b, options.signal)
  }

  /** `for await (const chunk of client)`: `chunks()`. */
  [Symbol.asyncIterator](): AsyncIterableIterator<Uint8Array> {
    return this.chunks()
  }

  /** `"send"` half-closes (the peer sees the end); `"receive"` stops reading; `"both"` (default) does both. */
  shutdown(how: Tcp.ShutdownMode = "both"): void {
    runSync(this.socket.shutdown(how))
  }

  /** The peer's address. */
  getPeerName(): Tcp.SocketAddress {
    return orThrow(this.socket.getPeerName())
  }

  /** Bytes received and sent, and the socket's age in seconds. */
  getStats(): Tcp.Stats {
    return this.socket.getStats()
  }
}

/**
 * A listening TCP or unix stream socket: `accept()`, or `for await (const client of server)`.
 *
 * @since 0.1.0
 */
export class TcpServer extends Wrapper<Tcp.TcpSocket> {
  /**
   * The next connection; waits within `timeout` (else the server's own) for one. The
   * caller owns the client and closes it (`await using` does).
   */
  accept(options?: CallOptions): Promise<TcpClient> {
    return guarded(() => {
      const policy = policyOf(options?.timeout)
      const accept = acquireOwned(this.socket.accept())
      const limited = policy === undefined
        ? accept
        : Timeout.within(accept, Timeout.budget(policy, Duration.zero), () => new NetError.Timeout({ operation: "accept" }))
      return run(Effect.map(limited, (client) => new TcpClient(client)), options?.signal)
    })
  }

  /**
   * Every connection, as it comes, until the server is closed (then the iteration
   * ends). Each client is the caller's to close. An abort rejects the pending `next()`.
   */
  async *connections(options: { readonly signal?: AbortSignal | undefined } = {}): AsyncGenerator<TcpClient, void, undefined> {
    for (;;) {
      let client: TcpClient
      try {
        client = await this.accept(options)
      } catch (error) {
        if (this.socket.isClosed && error instanceof NetError.Closed) return
        throw error
      }
      yield client
    }
  }

  /** `for await (const client of server)`: `connections()`. */
  [Symbol.asyncIterator](): AsyncGenerator<TcpClient, void, undefined> {
    return this.connections()
  }

  /** Connections reset because more than `maxPending` waited for `accept`. */
  get droppedConnections(): number {
    return this.socket.droppedConnections
  }
}

/**
 * Connects to `host:port` (a name, an IPv4 or IPv6 address; or a unix socket path or
 * `@abstract` name, port ignored), trying each resolved address in order. `timeout`
 * limits the connect; `socketTimeout` is the socket's own timeout afterwards.
 *
 * @since 0.1.0
 */
export const connect = (host: string, port: number | string = 0, options: ConnectOptions = {}): Promise<TcpClient> =>
  guarded(() => {
    const connectPolicy = policyOf(options.timeout)
    const socketPolicy = policyOf(options.socketTimeout)
    const socket = new Tcp.TcpSocket(masterOptions(options))
    try {
      if (options.noDelay !== undefined) runSync(socket.setOption("tcp-nodelay", options.noDelay))
      if (options.keepAlive !== undefined) runSync(socket.setOption("keepalive", options.keepAlive))
    } catch (error) {
      socket.closeNow()
      throw error
    }
    socket.setTimeoutPolicy(connectPolicy ?? socketPolicy ?? Timeout.infinite)
    const connecting = socket.connect(host, port, {
      ...(options.localAddress !== undefined ? { localAddress: options.localAddress } : {}),
      ...(options.localPort !== undefined ? { localPort: options.localPort } : {}),
      ...(options.retry !== undefined ? { retry: options.retry } : {})
    })
    return run(connecting, options.signal).then(
      () => {
        socket.setTimeoutPolicy(socketPolicy ?? Timeout.infinite)
        return new TcpClient(socket)
      },
      (error: unknown) => {
        socket.closeNow()
        throw error
      }
    )
  })

/**
 * Listens on `host:port` (`"*"` = every address; port 0 = any free port; or a unix
 * socket path / `@abstract` name) with reuseaddr on, as LuaSocket's `socket.bind`.
 *
 * @since 0.1.0
 */
export const listen = (host: string, port: number | string = 0, options: ListenOptions = {}): Promise<TcpServer> =>
  guarded(() => {
    const socketPolicy = policyOf(options.socketTimeout)
    const serverOptions: Tcp.ServerOptions = {
      ...masterOptions(options),
      ...(options.backlog !== undefined ? { backlog: options.backlog } : {}),
      ...(options.maxPending !== undefined ? { maxPending: options.maxPending } : {}),
      ...(socketPolicy !== undefined ? { timeout: socketPolicy } : {})
    }
    return run(Effect.map(acquireOwned(Tcp.listen(host, port, serverOptions)), (s) => new TcpServer(s)), options.signal)
  })
