/**
 * UDP sockets for plain TypeScript: `udp()`, `udp.bind()`, `udp.connect()` and the
 * `UdpSocket` they give. Every method delegates to the core's `Udp.UdpSocket`.
 *
 * @since 0.1.0
 */
import "./internal/dispose.js"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as NetError from "../core/NetError.js"
import * as Timeout from "../core/Timeout.js"
import * as Udp from "../core/Udp.js"
import { acquireOwned, orThrow, run, runSync } from "./internal/run.js"
import { guarded, policyOf, toBytes } from "./internal/args.js"
import type { TimeoutInput } from "./options.js"

/** @since 0.1.0 */
export interface UdpOptions {
  /** `inet` (udp4), `inet6` (udp6, ipv6-v6only on) or `unspec` (default: the first address decides). */
  readonly family?: Udp.Family | undefined
  /** Datagrams queued for `receive` before new ones are dropped (counted in `getStats().dropped`). Default 1024. */
  readonly maxQueued?: number | undefined
  /** Bytes queued for `receive` before new datagrams are dropped. Default 4 MiB. */
  readonly maxQueuedBytes?: number | undefined
  /** The socket's own timeout, used by receives without a `timeout` of their own. Default: none. */
  readonly socketTimeout?: TimeoutInput | undefined
}

/** @since 0.1.0 */
export interface UdpReceiveOptions {
  readonly signal?: AbortSignal | undefined
  readonly timeout?: TimeoutInput | undefined
}

/** @since 0.1.0 */
export interface UdpCallOptions {
  readonly signal?: AbortSignal | undefined
}

/** A received datagram: its bytes and the sender. @since 0.1.0 */
export type Datagram = Udp.Datagram

const openOptions = (options: UdpOptions): Udp.OpenOptions => {
  const policy = policyOf(options.socketTimeout)
  return {
    ...(options.family !== undefined ? { family: options.family } : {}),
    ...(options.maxQueued !== undefined ? { maxQueued: options.maxQueued } : {}),
    ...(options.maxQueuedBytes !== undefined ? { maxQueuedBytes: options.maxQueuedBytes } : {}),
    ...(policy !== undefined ? { timeout: policy } : {})
  }
}

/**
 * A UDP socket, unconnected (`sendTo` / `receiveFrom`) or connected (`send` / `receive`).
 *
 * @since 0.1.0
 */
export class UdpSocket {
  constructor(
    /** The core socket, for use with the Effect API. */
    readonly socket: Udp.UdpSocket
  ) {}

  /** `"unconnected"` or `"connected"`. */
  get kind(): Udp.Kind {
    return this.socket.kind
  }

  /** True once closed. */
  get closed(): boolean {
    return this.socket.isClosed
  }

  /** Binds to `host:port` (`"*"` = any address; port 0 = any free port). Once, before any send. */
  bind(host: string, port: number | string = 0, options?: UdpCallOptions): Promise<void> {
    return run(this.socket.setsockname(host, port), options?.signal)
  }

  /** Connects to `host:port` (names are resolved): only datagrams from there are received. */
  connect(host: string, port: number | string, options?: UdpCallOptions): Promise<void> {
    return run(this.socket.setpeername(host, port), options?.signal)
  }

  /** Back to unconnected. */
  disconnect(): void {
    runSync(this.socket.setpeername("*"))
  }

  /** Sends one datagram on a connected socket; resolves with its size. */
  send(data: Uint8Array | string, options?: UdpCallOptions): Promise<number> {
    return run(this.socket.send(toBytes(data)), options?.signal)
  }

  /** Sends one datagram to `ip:port` (a numeric address) on an unconnected socket. */
  sendTo(data: Uint8Array | string, ip: string, port: number, options?: UdpCallOptions): Promise<number> {
    return run(this.socket.sendto(toBytes(data), ip, port), options?.signal)
  }

  /** The next datagram's first `size` bytes (default 8192; the rest is discarded). */
  receive(size: number = Udp.datagramSize, options?: UdpReceiveOptions): Promise<Uint8Array> {
    return guarded(() => run(this.socket.receive(size, policyOf(options?.timeout)), options?.signal))
  }

  /** The next datagram and its sender, on an unconnected socket. */
  receiveFrom(size: number = Udp.datagramSize, options?: UdpReceiveOptions): Promise<Datagram> {
    return guarded(() => run(this.socket.receivefrom(size, policyOf(options?.timeout)), options?.signal))
  }

  /**
   * Every datagram, as it comes, with its sender (on a connected socket: the peer),
   * until the socket is closed (then the iteration ends).
   */
  async *datagrams(options: UdpReceiveOptions & { readonly size?: number | undefined } = {}): AsyncGenerator<Datagram, void, undefined> {
    const size = options.size ?? Udp.datagramSize
    const policy = policyOf(options.timeout)
    const next = Effect.suspend((): Effect.Effect<Datagram, NetError.NetError> => {
      if (this.socket.kind === "unconnected") return this.socket.receivefrom(size, policy)
      return Effect.map(this.socket.receive(size, policy), (data) => {
        const peer = Either.getOrUndefined(this.socket.getPeerName())
        return { data, address: peer?.address ?? "", port: peer?.port ?? 0 }
      })
    })
    for (;;) {
      let datagram: Datagram
      try {
        datagram = await run(next, options.signal)
      } catch (error) {
        if (this.socket.isClosed && error instanceof NetError.Closed) return
        throw error
      }
      yield datagram
    }
  }

  /** `for await (const { data, address, port } of socket)`: `datagrams()`. */
  [Symbol.asyncIterator](): AsyncGenerator<Datagram, void, undefined> {
    return this.datagrams()
  }

  /** Closes the socket (idempotent); pending receives reject with `Closed`. */
  close(): void {
    this.socket.closeNow()
  }

  [Symbol.dispose](): void {
    this.close()
  }

  [Symbol.asyncDispose](): Promise<void> {
    this.close()
    return Promise.resolve()
  }

  /** The bound address; throws `Unknown` (EBADF) before the socket exists. */
  getSockName(): Udp.SocketAddress {
    return orThrow(this.socket.getSockName())
  }

  /** The peer of a connected socket; throws `NotConnected` otherwise. */
  getPeerName(): Udp.SocketAddress {
    return orThrow(this.socket.getPeerName())
  }

  /** Sets an option by LuaSocket's name (see docs/core.md, "UDP options"). */
  setOption(name: Udp.OptionName, value: unknown): void {
    runSync(this.socket.setOption(name, value))
  }

  /** Reads an option by LuaSocket's name. */
  getOption(name: Udp.OptionName): Udp.OptionValue {
    return runSync(this.socket.getOption(name))
  }

  /** Sets the socket's own timeout (used by receives without a `timeout` option); `undefined` = none. */
  setTimeout(timeout: TimeoutInput | undefined): void {
    this.socket.setTimeoutPolicy(policyOf(timeout) ?? Timeout.infinite)
  }

  /** Bytes and datagrams received, sent, dropped and queued. */
  getStats(): Udp.Stats {
    return this.socket.getStats()
  }

  /** The descriptor, -1 before the socket exists or after close. */
  getFd(): number {
    return this.socket.getFd()
  }

  // Select.Selectable
  /** @internal */
  get isClosed(): boolean {
    return this.socket.isClosed
  }
  get dirty(): boolean {
    return this.socket.dirty
  }
  /** A datagram (or an error) is waiting. */
  get readable(): boolean {
    return this.socket.readable
  }
  get writable(): boolean {
    return this.socket.writable
  }
  /** @internal */
  onReady(listener: () => void): () => void {
    return this.socket.onReady(listener)
  }
}

/**
 * A new unconnected UDP socket. Node's socket (and its descriptor) is created by the
 * first `bind`, `connect` or `sendTo`.
 *
 * @since 0.1.0
 */
const open = (options: UdpOptions = {}): UdpSocket => new UdpSocket(runSync(acquireOwned(Udp.open(openOptions(options)))))

/**
 * A UDP socket bound to `host:port` (`"*"` = any address).
 *
 * @since 0.1.0
 */
const bind = (host: string, port: number | string = 0, options: UdpOptions & UdpCallOptions = {}): Promise<UdpSocket> =>
  guarded(() => run(Effect.map(acquireOwned(Udp.bind(host, port, openOptions(options))), (s) => new UdpSocket(s)), options.signal))

/**
 * A UDP socket connected to `host:port`.
 *
 * @since 0.1.0
 */
const connect = (host: string, port: number | string, options: UdpOptions & UdpCallOptions = {}): Promise<UdpSocket> =>
  guarded(() => run(Effect.map(acquireOwned(Udp.connect(host, port, openOptions(options))), (s) => new UdpSocket(s)), options.signal))

/**
 * `udp(options)` opens an unconnected socket; `udp.bind(host, port, options)` and
 * `udp.connect(host, port, options)` open one already bound or connected.
 *
 * @since 0.1.0
 */
export const udp: typeof open & { readonly bind: typeof bind; readonly connect: typeof connect } = Object.assign(open, { bind, connect })
