/**
 * TCP (and unix stream) sockets with LuaSocket's state machine and semantics
 * (spec/reference-semantics.md section 1, "TCP objects", "send", "receive", "Options").
 *
 * A `TcpSocket` starts as a master; `connect` makes it a client (even when the
 * connect fails, as in LuaSocket), `listen` makes it a server. Node has no unbound
 * or unconnected TCP sockets, so a master records its bind address and options and
 * applies them when it connects or listens. Every socket is a `Scope`d resource.
 *
 * @since 0.1.0
 */
import * as fs from "node:fs"
import * as net from "node:net"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Schedule from "effect/Schedule"
import type * as Scope from "effect/Scope"
import * as Address from "./Address.js"
import * as NetError from "./NetError.js"
import * as ReadBufferModule from "./ReadBuffer.js"
import { ReadBuffer, type Pattern } from "./ReadBuffer.js"
import { describe } from "./internal/describe.js"
import { SocketBase } from "./internal/SocketBase.js"
import * as Wait from "./internal/Wait.js"
import { WaiterList } from "./internal/Waiters.js"
import * as Timeout from "./Timeout.js"

/** Which of LuaSocket's classes a socket is. @since 0.1.0 */
export type Kind = "master" | "client" | "server"

/** `getsockname` / `getpeername` result. @since 0.1.0 */
export interface SocketAddress {
  /** IP address, or the unix path (`@name` for abstract names). */
  readonly address: string
  /** Port; 0 for unix sockets. */
  readonly port: number
  /** `"inet"`, `"inet6"` or `"unix"` (LuaSocket's getsockname spelling). */
  readonly family: "inet" | "inet6" | "unix"
}

/** `getstats` result. @since 0.1.0 */
export interface Stats {
  readonly received: number
  readonly sent: number
  /** Seconds since the socket was created (or since `setStats` set its age). */
  readonly age: number
}

/** LuaSocket's `linger` option value. @since 0.1.0 */
export interface Linger {
  readonly on: boolean
  readonly timeout: number
}

/** Options this core implements for TCP, with their value types. @since 0.1.0 */
export interface TcpOptionValues {
  readonly keepalive: boolean
  readonly "tcp-nodelay": boolean
  readonly reuseaddr: boolean
  readonly "ipv6-v6only": boolean
  readonly linger: Linger
}

/** @since 0.1.0 */
export type TcpOptionName = keyof TcpOptionValues

/**
 * LuaSocket TCP option names that Node.js does not expose (no raw setsockopt):
 * each one fails with a typed `Unsupported` error naming it.
 *
 * @since 0.1.0
 */
export const unsupportedOptions: ReadonlyArray<string> = [
  "bindtodevice",
  "reuseport",
  "tcp-keepidle",
  "tcp-keepcnt",
  "tcp-keepintvl",
  "tcp-defer-accept",
  "tcp-fastopen",
  "tcp-fastopen-connect",
  "recv-buffer-size",
  "send-buffer-size"
]

/** Readable options (LuaSocket also reads `error`). @since 0.1.0 */
const readableOptions: ReadonlySet<string> = new Set(["keepalive", "tcp-nodelay", "reuseaddr", "linger", "error"])

/** How `shutdown` closes the connection. @since 0.1.0 */
export type ShutdownMode = "both" | "send" | "receive"

/** Options for creating a master. @since 0.1.0 */
export interface MasterOptions {
  /** `inet` = tcp4, `inet6` = tcp6 (sets ipv6-v6only), `unix`, or `unspec` (decided by bind/connect). */
  readonly family?: Address.Family
  /** Bytes buffered before reading from the peer pauses (backpressure). Default 256 KiB. */
  readonly readHighWaterMark?: number
  /** Bytes Node may queue for sending before `send` waits. Default 1 MiB. */
  readonly writeHighWaterMark?: number
}

/** Options for connect. @since 0.1.0 */
export interface ConnectOptions {
  readonly localAddress?: string
  readonly localPort?: number
  /** Retry failed attempts (refused, timeout, unreachable, host not found) by this schedule. */
  readonly retry?: Schedule.Schedule<unknown, NetError.NetError>
}

/** Options for `connect` / `listen` shortcuts. @since 0.1.0 */
export interface ClientOptions extends MasterOptions, ConnectOptions {
  readonly timeout?: Timeout.TimeoutPolicy
}

/** @since 0.1.0 */
export interface ServerOptions extends MasterOptions {
  readonly backlog?: number
  /** Connections accepted by Node but not yet by `accept`; above this they are reset and counted. Default 4096. */
  readonly maxPending?: number
  readonly timeout?: Timeout.TimeoutPolicy
}

// UNDOCUMENTED Node internals behind `onread` for accepted sockets (net.js kBuffer /
// kBufferCb / kBufferGen): Node 20 offers `onread` only to sockets it connects. Feature-
// detected once; without them accepted sockets read through 'data' events. See CEILINGS.md
// in the shared bench.
let onreadSymbols: { buffer: symbol; callback: symbol; generator: symbol } | null | undefined
const findOnreadSymbols = (): { buffer: symbol; callback: symbol; generator: symbol } | null => {
  if (onreadSymbols !== undefined) return onreadSymbols
  let buffer: symbol | undefined
  let callback: symbol | undefined
  let generator: symbol | undefined
  try {
    for (const s of Object.getOwnPropertySymbols(new net.Socket())) {
      if (s.description === "kBuffer") buffer = s
      else if (s.description === "kBufferCb") callback = s
      else if (s.description === "kBufferGen") generator = s
    }
  } catch {
    // fall through: no fast path
  }
  onreadSymbols = buffer !== undefined && callback !== undefined && generator !== undefined ? { buffer, callback, generator } : null
  return onreadSymbols
}

/**
 * Switches for the fast paths that rest on undocumented Node internals, so that
 * both paths can be tested (and turned off by environment variable if a Node
 * version breaks them):
 * - `acceptedOnread`: accepted sockets read through the shared `onread` buffer
 *   (else through 'data' events). `EFFECT_LUASOCKET_NO_ONREAD=1` turns it off.
 * - `directWrite`: when nothing is queued, `send` first tries one synchronous
 *   write(2) on the descriptor (else always through the stream).
 *   `EFFECT_LUASOCKET_NO_DIRECT_WRITE=1` turns it off.
 * - `batchWrites`: a send of 4 KiB or more that follows another on the same socket in
 *   the same tick corks the stream until the end of the tick, so that back-to-back bulk
 *   sends leave in one writev (public API: cork/uncork). `EFFECT_LUASOCKET_NO_BATCH_WRITES=1`
 *   turns it off.
 * - `reuseSockets`: the Node sockets of closed TCP clients are kept (a few) and connected
 *   again for later clients (`socket.connect` after 'close', Node's documented reuse)
 *   instead of building a new `net.Socket` per connection. `EFFECT_LUASOCKET_NO_SOCKET_REUSE=1`
 *   turns it off.
 *
 * @since 0.1.0
 */
export const fastPaths = {
  acceptedOnread: process.env.EFFECT_LUASOCKET_NO_ONREAD === undefined,
  directWrite: process.env.EFFECT_LUASOCKET_NO_DIRECT_WRITE === undefined,
  batchWrites: process.env.EFFECT_LUASOCKET_NO_BATCH_WRITES === undefined,
  reuseSockets: process.env.EFFECT_LUASOCKET_NO_SOCKET_REUSE === undefined
}

/**
 * A Node socket made by `connect` that can be connected again once closed. Its listeners
 * ('end', 'error', 'close', 'drain', and the `onread` buffer and callback) are installed
 * once and go to the current `owner` and `rb`, so a reuse adds no listener.
 */
interface Reusable {
  sock: net.Socket
  /** The receive buffer reads go to (of the current connection). */
  rb: ReadBuffer
  /** The connected socket (undefined while connecting and while pooled). */
  owner: TcpSocket | undefined
  /** `writableHighWaterMark` it was made with (only reused for the same). */
  readonly writeHighWaterMark: number
  /** Its owner was closed: back to the pool at its 'close' event. */
  release: boolean
  /** 'close' was emitted for the current connection. */
  closeEmitted: boolean
  /** The connect in progress: its outcome goes here (no listener added and removed per connect). */
  connecting: { onConnect(): void; onError(err: Error): void } | undefined
}

/** Closed client sockets waiting to be connected again (`fastPaths.reuseSockets`). */
const reusables: Array<Reusable> = []
const MAX_REUSABLES = 16

/** What a pooled socket's `rb` points to: nothing is read while it has no connection. */
let idleBuffer: ReadBuffer | undefined

const pool = (slot: Reusable): void => {
  slot.rb = idleBuffer ??= new ReadBuffer({ pause: () => {}, resume: () => {} })
  slot.owner = undefined
  slot.release = false
  slot.closeEmitted = false
  slot.connecting = undefined
  // Only a socket that ended cleanly, in the state a new one starts in: a reconnect resets
  // the stream's destroyed/ended/errored flags, not its backpressure, cork or pause state.
  const sock = slot.sock
  const clean = sock.errored === null && !sock.writableNeedDrain && sock.writableLength === 0 && sock.writableCorked === 0 && !sock.isPaused()
  if (clean && reusables.length < MAX_REUSABLES) reusables.push(slot)
}

/**
 * The current tick of the event loop, as a counter advanced by one `process.nextTick`
 * per tick in which a large send happened (shared by every socket): two sends on one
 * socket with the same `tick` were made in the same tick.
 */
let tick = 0
let tickScheduled = false
const advanceTick = () => {
  tick++
  tickScheduled = false
}
const currentTick = (): number => {
  if (!tickScheduled) {
    tickScheduled = true
    process.nextTick(advanceTick)
  }
  return tick
}
/** Sends at least this large are batched (see `fastPaths.batchWrites`). */
const BATCH_FROM = 4096
const uncork = (sock: net.Socket) => {
  if (sock.writableCorked > 0) sock.uncork()
}

interface Handle {
  fd?: number
  useUserBuffer?: (buf: Uint8Array) => void
}
const handleOf = (s: net.Socket | net.Server): Handle | null => ((s as unknown as { _handle: Handle | null })._handle ?? null)

const isRetryable = (e: NetError.NetError): boolean =>
  e._tag === "ConnectionRefused" || e._tag === "Timeout" || e._tag === "Unreachable" || e._tag === "HostNotFound" ||
  (e._tag === "Unknown" && e.code === "ENOENT") // ENOENT: no unix socket file yet

const familyOfNode = (f: string | number | undefined): "inet" | "inet6" => (f === "IPv6" || f === 6 ? "inet6" : "inet")

const EMPTY = new Uint8Array(0)

/** `e` as a failure of send with `lastIndex` (the index of the last byte sent). */
const sendError = (e: NetError.NetError, lastIndex: number): NetError.NetError => NetError.make(e._tag, { ...e, operation: "send", lastIndex })

/**
 * `string.sub`-style range of `send(data, i, j)`: negative indices count from the
 * end, then i is clamped to >= 1 and j to <= length. Returns 1-based inclusive
 * bounds; nothing is sent when `i > j` (LuaSocket's send, buffer.c).
 *
 * @since 0.1.0
 */
export const sendRange = (length: number, i = 1, j = -1): { readonly i: number; readonly j: number } => {
  // what is not a number is taken as its default (no arithmetic on a bigint or a symbol)
  if (typeof length !== "number") length = 0
  let start = typeof i === "number" ? Math.trunc(i) : 1
  let end = typeof j === "number" ? Math.trunc(j) : -1
  if (start < 0) start = length + start + 1
  if (end < 0) end = length + end + 1
  if (start < 1) start = 1
  if (end > length) end = length
  return { i: start, j: end }
}

/**
 * One TCP or unix stream socket in any of LuaSocket's states.
 *
 * @since 0.1.0
 */
export class TcpSocket extends SocketBase {
  /** LuaSocket class: master, client or server. */
  kind: Kind = "master"
  family: Address.Family
  private bound: { readonly host: Address.Host; readonly port: number } | undefined
  private socket: net.Socket | undefined
  private server: net.Server | undefined
  private readBuffer: ReadBuffer | undefined
  private pending: Array<net.Socket> = []
  private readonly acceptWaiters = new WaiterList()
  private readonly writeWaiters = new WaiterList()
  private serverError: NetError.NetError | undefined
  private writeError: NetError.NetError | undefined
  private lastError: NetError.NetError | undefined
  private connectAttempted = false
  /** The address this server registered in `listeningHere`. */
  private listening: { readonly address: string; readonly port: number } | undefined
  /**
   * A connect that timed out and goes on in the background (LuaSocket's non-blocking
   * connect: `settimeout(0)`, `connect` -> "timeout", select for writability, `connect`
   * again -> 1, then "already connected").
   */
  private inflight: { sock: net.Socket; rb: ReadBuffer; display: string; state: "pending" | "connected" | "failed"; error?: NetError.NetError } | undefined
  private readonly inflightWaiters = new WaiterList()
  private sentBytes = 0
  private receivedOffset = 0
  private birth = performance.now()
  private options = { keepalive: false, "tcp-nodelay": false, reuseaddr: false, "ipv6-v6only": false, linger: { on: false, timeout: 0 } as Linger }
  private readonly readHighWaterMark: number
  private readonly writeHighWaterMark: number
  private maxPending = 4096
  /** Connections reset because more than `maxPending` waited for accept. */
  droppedConnections = 0

  constructor(options: MasterOptions = {}) {
    super()
    this.family = options.family ?? "unspec"
    if (this.family === "inet6") this.options["ipv6-v6only"] = true
    this.readHighWaterMark = options.readHighWaterMark ?? 256 * 1024
    this.writeHighWaterMark = options.writeHighWaterMark ?? 1024 * 1024
  }

  /** A receive buffer whose flow control drives `flow.sock` (which may not be set yet). */
  private makeReadBuffer(flow: SocketFlow): ReadBuffer {
    const rb = new ReadBuffer(flow, this.readHighWaterMark)
    rb.readiness = this.readiness
    return rb
  }

  /** @internal Wraps a connected Node socket (accepted, or connected by us) reading into `rb`. */
  private attach(sock: net.Socket, rb: ReadBuffer, slot?: Reusable): void {
    this.socket = sock
    this.kind = "client"
    this.readBuffer = rb
    if (slot !== undefined) {
      // a reusable socket: its listeners are installed for good and come here now
      slot.owner = this
      this.slot = slot
    } else {
      sock.on("end", () => rb.pushEnd())
      sock.on("error", (err) => this.onNodeError(err))
      sock.on("close", () => this.onNodeClose())
      sock.on("drain", () => this.wakeWriters())
    }
    if (this.options["tcp-nodelay"]) sock.setNoDelay(true)
    if (this.options.keepalive) sock.setKeepAlive(true)
    this.readiness.notify() // connected: now writable
  }

  /** The reusable Node socket this client is connected through, if any. */
  private slot: Reusable | undefined = undefined

  private onNodeError(err: Error): void {
    const e = NetError.fromCause(err, { operation: "receive", address: this.describePeer() })
    this.lastError = e
    this.writeError ??= e
    this.readBuffer?.pushError(e)
    this.wakeWriters()
  }

  private onNodeClose(): void {
    this.readBuffer?.pushEnd()
    this.wakeWriters()
  }

  /** Makes a reusable client socket, its listeners installed once (see `Reusable`). */
  private static reusable(rb: ReadBuffer, writeHighWaterMark: number, connectOptions: Record<string, unknown>): Reusable {
    const slot: Reusable = { sock: undefined as unknown as net.Socket, rb, owner: undefined, writeHighWaterMark, release: false, closeEmitted: false, connecting: undefined }
    connectOptions.onread = {
      buffer: () => slot.rb.region(),
      callback: (n: number, buf: Uint8Array): boolean => {
        slot.rb.commit(n, buf)
        return true
      }
    }
    const sock = net.connect(connectOptions as unknown as net.NetConnectOpts)
    slot.sock = sock
    sock.on("end", () => slot.owner?.readBuffer?.pushEnd())
    sock.on("error", (err) => {
      const connecting = slot.connecting
      if (connecting !== undefined) connecting.onError(err)
      else slot.owner?.onNodeError(err)
    })
    sock.on("connect", () => slot.connecting?.onConnect())
    sock.on("close", () => {
      slot.closeEmitted = true
      slot.owner?.onNodeClose()
      if (slot.release) pool(slot)
    })
    sock.on("drain", () => slot.owner?.wakeWriters())
    return slot
  }

  private wakeWriters(): void {
    this.readiness.notify()
    this.writeWaiters.wakeAll()
  }

  private describePeer(): string | undefined {
    const s = this.socket
    if (s === undefined) return undefined
    if (s.remoteAddress !== undefined) return Address.format(s.remoteAddress, s.remotePort)
    return undefined
  }

  // ---- common --------------------------------------------------------------------

  /** LuaSocket's `tostring` class name, e.g. `tcp{client}`. */
  get className(): string {
    return `tcp{${this.kind}}`
  }

  /** `getfamily()`: LuaSocket says `inet4` / `inet6` (and `unix` here for unix sockets). */
  getFamily(): "inet4" | "inet6" | "unix" {
    return this.family === "inet6" ? "inet6" : this.family === "unix" ? "unix" : "inet4"
  }

  /** `getfd()`: the OS descriptor, -1 when closed or when none exists yet. */
  getFd(): number {
    if (this.closed) return -1
    const h = this.socket !== undefined ? handleOf(this.socket) : this.server !== undefined ? handleOf(this.server) : null
    return typeof h?.fd === "number" && h.fd >= 0 ? h.fd : -1
  }

  /** Bytes that arrived from the peer so far, and how many of them are still buffered (not yet received). */
  get arrival(): { readonly arrived: number; readonly buffered: number } {
    return { arrived: this.readBuffer?.received ?? 0, buffered: this.readBuffer?.length ?? 0 }
  }

  /**
   * The complete lines buffered now, as one raw block (LF and CRs kept), taken without waiting: for a
   * reader that serves later `*l` receives itself (the Lua runtime batches line reads).
   * What it does not use goes back with `unshift`.
   */
  takeLines(maxBytes: number): Uint8Array {
    return this.readBuffer?.takeLines(maxBytes) ?? new Uint8Array(0)
  }

  /** Puts bytes back in front of the receive buffer (see `takeLines`). */
  unshift(data: Uint8Array): void {
    const bad = ReadBufferModule.checkBytes(data, "data", "unshift")
    if (bad !== undefined) throw bad
    this.readBuffer?.unshift(data)
  }

  /** `bind` has recorded a local address (a master) or the socket is open. */
  get hasAddress(): boolean {
    return this.bound !== undefined || this.socket !== undefined || this.server !== undefined
  }

  /** `dirty()`: unread bytes are buffered. */
  get dirty(): boolean {
    return this.readBuffer?.dirty ?? false
  }

  /** For select: a receive would not wait (data, EOF, error, or a pending connection). */
  get readable(): boolean {
    if (this.closed) return false
    if (this.kind === "server") return this.pending.length > 0 || this.serverError !== undefined
    return this.readBuffer?.readable ?? false
  }

  /** For select: a send would not wait. */
  get writable(): boolean {
    if (this.inflight !== undefined) return !this.closed && this.inflight.state !== "pending"
    const s = this.socket
    return !this.closed && s !== undefined && !s.connecting && !s.destroyed && !s.writableNeedDrain
  }

  getStats(): Stats {
    return {
      received: (this.readBuffer?.received ?? 0) + this.receivedOffset,
      sent: this.sentBytes,
      age: (performance.now() - this.birth) / 1000
    }
  }

  /** `setstats(received, sent, age)`. */
  setStats(received: number, sent: number, age: number): void {
    // a value that is not a number leaves its counter as it is
    if (typeof received === "number") this.receivedOffset = received - (this.readBuffer?.received ?? 0)
    if (typeof sent === "number") this.sentBytes = sent
    if (typeof age === "number") this.birth = performance.now() - age * 1000
  }

  private badFd(operation: string): NetError.NetError {
    return new NetError.Unknown({ operation, code: "EBADF", detail: "the socket has no descriptor yet (bind or connect first) or is closed" })
  }

  getSockName(): Either.Either<SocketAddress, NetError.NetError> {
    if (this.closed) return Either.left(this.badFd("getsockname"))
    if (this.server !== undefined) {
      const a = this.server.address()
      if (a === null) return Either.left(this.badFd("getsockname"))
      if (typeof a === "string") return Either.right({ address: displayUnix(a), port: 0, family: "unix" })
      return Either.right({ address: a.address, port: a.port, family: familyOfNode(a.family) })
    }
    if (this.socket !== undefined) {
      if (this.family === "unix") return Either.right({ address: "", port: 0, family: "unix" })
      const s = this.socket
      if (s.localAddress === undefined) return Either.left(this.badFd("getsockname"))
      return Either.right({ address: s.localAddress, port: s.localPort ?? 0, family: familyOfNode(s.localFamily) })
    }
    if (this.bound !== undefined) {
      const h = this.bound.host
      if (h._tag === "Unix") return Either.right({ address: h.path, port: 0, family: "unix" })
      if (h._tag === "Ip") return Either.right({ address: h.address, port: this.bound.port, family: h.family })
      if (h._tag === "Any") return Either.right({ address: Address.anyAddress(this.family), port: this.bound.port, family: this.family === "inet6" ? "inet6" : "inet" })
    }
    return Either.left(this.badFd("getsockname"))
  }

  getPeerName(): Either.Either<SocketAddress, NetError.NetError> {
    const s = this.socket
    if (this.closed) return Either.left(this.badFd("getpeername"))
    // A fresh master has no descriptor yet (lua: getpeername -> nil, "Bad file descriptor").
    if (s === undefined && this.kind === "master" && this.bound === undefined) return Either.left(this.badFd("getpeername"))
    if (s === undefined || s.connecting || s.destroyed) return Either.left(new NetError.NotConnected({ operation: "getpeername", code: "ENOTCONN" }))
    if (this.family === "unix") return Either.right({ address: this.unixPeer ?? "", port: 0, family: "unix" })
    if (s.remoteAddress === undefined) return Either.left(new NetError.NotConnected({ operation: "getpeername", code: "ENOTCONN" }))
    return Either.right({ address: s.remoteAddress, port: s.remotePort ?? 0, family: familyOfNode(s.remoteFamily) })
  }

  private unixPeer: string | undefined

  // ---- options -------------------------------------------------------------------

  /** `setoption(name, value)`. */
  setOption(name: string, value: unknown): Effect.Effect<void, NetError.NetError> {
    return Effect.suspend((): Effect.Effect<void, NetError.NetError> => {
      const fail = badSetOption
      if (this.closed) return Effect.fail(new NetError.Closed({ operation: "setoption", detail: `option ${optionName(name)}` }))
      // (the names below are not in unsupportedOptions: the switch comes first, the list is searched only for the rest)
      switch (name) {
        case "keepalive":
        case "tcp-nodelay":
        case "reuseaddr":
        case "ipv6-v6only": {
          if (typeof value !== "boolean") return fail(`option ${name} needs a boolean, got ${typeof value}`)
          if (name === "reuseaddr" && value === false && this.kind === "server") {
            return Effect.fail(new NetError.Unsupported({ operation: "setoption", detail: "reuseaddr cannot be turned off: Node.js always sets SO_REUSEADDR on listening sockets" }))
          }
          if (name === "ipv6-v6only" && this.kind !== "master") {
            return Effect.fail(new NetError.Unsupported({ operation: "setoption", detail: "ipv6-v6only can only be set before bind/listen/connect on Node.js" }))
          }
          this.options[name] = value
          const s = this.socket
          if (s !== undefined && name === "keepalive") s.setKeepAlive(value)
          if (s !== undefined && name === "tcp-nodelay") s.setNoDelay(value)
          return Effect.void
        }
        case "linger": {
          if (typeof value !== "object" || value === null || typeof (value as Linger).on !== "boolean" || typeof (value as Linger).timeout !== "number") {
            return fail("option linger needs { on: boolean, timeout: number }")
          }
          const l = value as Linger
          if (!Number.isFinite(l.timeout) || l.timeout < 0) return fail(`linger timeout must be a number >= 0, got ${l.timeout}`)
          if (l.on && l.timeout > 0) {
            return Effect.fail(new NetError.Unsupported({ operation: "setoption", detail: "linger with a timeout > 0 (a blocking close) is not possible on Node.js; use { on: true, timeout: 0 } (reset on close) or { on: false }" }))
          }
          this.options.linger = { on: l.on, timeout: Math.trunc(l.timeout) }
          return Effect.void
        }
        default:
          if (unsupportedOptions.includes(name)) return Effect.fail(unsupported(name))
          return fail(`unknown option ${describe(name)}`)
      }
    })
  }

  /** `getoption(name)`: `error` gives the last error's message or undefined. */
  getOption(name: string): Effect.Effect<boolean | Linger | string | undefined, NetError.NetError> {
    return Effect.suspend((): Effect.Effect<boolean | Linger | string | undefined, NetError.NetError> => {
      if (this.closed) return Effect.fail(new NetError.Closed({ operation: "getoption", detail: `option ${optionName(name)}` }))
      if (name === "ipv6-v6only") return Effect.fail(new NetError.Unsupported({ operation: "getoption", detail: "ipv6-v6only can be set but not read (as in LuaSocket)" }))
      if (unsupportedOptions.includes(name)) return Effect.fail(unsupported(name))
      if (!readableOptions.has(name)) return Effect.fail(new NetError.InvalidArgument({ operation: "getoption", detail: `unknown option ${describe(name)}` }))
      if (name === "error") {
        // SO_ERROR: reading it clears it
        const e = this.lastError
        this.lastError = undefined
        return Effect.succeed(e === undefined ? undefined : NetError.luaMessage(e))
      }
      if (name === "reuseaddr") return Effect.succeed(this.options.reuseaddr || this.kind === "server")
      return Effect.succeed(this.options[name as "keepalive" | "tcp-nodelay" | "linger"])
    })
  }

  // ---- master ----------------------------------------------------------------------

  private requireKind(operation: string, ...kinds: ReadonlyArray<Kind>): NetError.NetError | undefined {
    if (this.closed) return new NetError.Closed({ operation })
    if (!kinds.includes(this.kind)) {
      return new NetError.InvalidArgument({ operation, detail: `${operation} needs a ${kinds.map((k) => `tcp{${k}}`).join(" or ")} but this socket is ${this.className}` })
    }
    return undefined
  }

  /** `bind(host, port)` on a master: validated and recorded; applied by listen/connect. */
  bind(host: string, port: number | string): Effect.Effect<void, NetError.NetError> {
    return Effect.suspend(() => {
      const wrong = this.requireKind("bind", "master")
      if (wrong) return Effect.fail(wrong)
      if (this.bound !== undefined) return Effect.fail(new NetError.InvalidArgument({ operation: "bind", code: "EINVAL", detail: "socket is already bound" }))
      const h = Address.parseHost(host, "bind")
      if (Either.isLeft(h)) return Effect.fail(h.left)
      const isUnix = h.right._tag === "Unix"
      const p = isUnix ? Either.right(0) : Address.parsePort(port, "bind")
      if (Either.isLeft(p)) return Effect.fail(p.left)
      if (h.right._tag === "Unix") this.family = "unix"
      else if (h.right._tag === "Ip" && this.family === "unspec") this.family = h.right.family
      else if (h.right._tag === "Ip" && this.family !== h.right.family) {
        return Effect.fail(new NetError.InvalidArgument({ operation: "bind", address: host, detail: `an ${h.right.family} address on an ${this.family} socket` }))
      }
      // LuaSocket binds at once, so a port that is taken fails here. Node binds only when it
      // listens or connects: check at least the servers of this process now.
      if (h.right._tag === "Ip" && p.right !== 0 && portTaken(h.right.address, p.right)) {
        return Effect.fail(new NetError.AddressInUse({ operation: "bind", code: "EADDRINUSE", address: Address.format(h.right.address, p.right), detail: "a server of this process listens on that port" }))
      }
      this.bound = { host: h.right, port: p.right }
      return Effect.void
    })
  }

  /** `listen(backlog = 32)`: the master becomes a server. */
  listen(backlog = 32, options: { readonly maxPending?: number } = {}): Effect.Effect<void, NetError.NetError> {
    return Effect.suspend(() => {
      const wrong = this.requireKind("listen", "master")
      if (wrong) return Effect.fail(wrong)
      if (!Number.isInteger(backlog) || backlog < 0) {
        return Effect.fail(new NetError.InvalidArgument({ operation: "listen", detail: `bad backlog ${describe(backlog)}: expected an integer >= 0` }))
      }
      const bad = badOptions("listen", options)
      if (bad !== undefined) return Effect.fail(bad)
      if (options.maxPending !== undefined) this.maxPending = options.maxPending
      const bound = this.bound ?? { host: { _tag: "Any" } as const, port: 0 }
      const host = bound.host
      if (host._tag === "Unix") {
        const attempt = this.listenOn({ path: Address.unixPath(host), backlog }, host.path)
        if (host.abstract) return attempt
        // Any file at the path makes bind fail EADDRINUSE, a socket file left by a process that
        // died too. Never removed here: telling a stale socket from a live one takes a connect,
        // which a live server would see (docs/core.md). The error says what is in the way.
        return Effect.mapError(attempt, (e) => (e._tag === "AddressInUse" && e.detail === undefined ? NetError.make(e._tag, { ...e, cause: e.cause, detail: unixPathInUse(host.path) }) : e))
      }
      return Effect.flatMap(Address.resolve(host, this.family, "listen"), (addresses) => {
        // First success in resolver order, else the last error.
        return Address.firstSuccess("listen", addresses, (a) =>
          this.listenOn({ host: a.address, port: bound.port, backlog, ipv6Only: a.family === "inet6" && this.options["ipv6-v6only"] }, Address.format(a.address, bound.port), a.family)
        )
      })
    })
  }

  private listenOn(options: net.ListenOptions, display: string, family?: "inet" | "inet6"): Effect.Effect<void, NetError.NetError> {
    return Effect.async<void, NetError.NetError>((resume) => {
      const server = net.createServer({ pauseOnConnect: true, allowHalfOpen: true })
      const onError = (err: Error) => {
        server.close()
        resume(Effect.fail(NetError.fromCause(err, { operation: "listen", address: display })))
      }
      server.once("error", onError)
      server.listen(options, () => {
        server.off("error", onError)
        if (this.closed) {
          server.close()
          resume(Effect.fail(new NetError.Closed({ operation: "listen", address: display })))
          return
        }
        this.server = server
        this.kind = "server"
        this.listening = listeningHere(server, true)
        if (family !== undefined) this.family = family
        server.on("connection", (sock: net.Socket) => this.onConnection(sock))
        server.on("error", (err) => {
          this.serverError = NetError.fromCause(err, { operation: "accept", address: display })
          this.lastError = this.serverError
          this.wakeAcceptors()
        })
        resume(Effect.void)
      })
      return Effect.sync(() => {
        if (this.server !== server) server.close()
      })
    })
  }

  private onConnection(sock: net.Socket): void {
    if (this.closed || this.pending.length >= this.maxPending) {
      this.droppedConnections++
      // Node cannot reset a unix socket (resetAndDestroy throws ERR_INVALID_HANDLE_TYPE).
      if (this.family === "unix") sock.destroy()
      else sock.resetAndDestroy()
      return
    }
    // Errors of a pending connection (reset before accept) must not crash the process.
    sock.on("error", ignore)
    this.pending.push(sock)
    this.wakeAcceptors()
  }

  private wakeAcceptors(): void {
    this.readiness.notify()
    this.acceptWaiters.wakeAll()
  }

  /** `connect(host, port)`: the master becomes a client, even when the connect fails. */
  connect(host: string, port: number | string, options: ConnectOptions = NO_CONNECT_OPTIONS): Effect.Effect<void, NetError.NetError> {
    const bad = options === NO_CONNECT_OPTIONS ? undefined : badOptions("connect", options)
    if (bad !== undefined) return Effect.fail(bad)
    const once = Effect.suspend(() => this.connectOnce(host, port, options))
    if (options.retry === undefined) return once
    return Effect.retry(once, { schedule: options.retry, while: isRetryable })
  }

  /** @internal `connect(host, port)` without options, when the effect is already running (no suspend step). */
  connectRunning(host: string, port: number | string): Effect.Effect<void, NetError.NetError> {
    return this.connectOnce(host, port, NO_CONNECT_OPTIONS)
  }

  private connectOnce(hostInput: string, portInput: number | string, options: ConnectOptions): Effect.Effect<void, NetError.NetError> {
    if (this.closed) return Effect.fail(new NetError.Closed({ operation: "connect" }))
    if (this.kind === "server") return Effect.fail(this.requireKind("connect", "master", "client")!)
    if (this.inflight !== undefined) return this.finishInflight()
    if (this.kind === "client" && this.socket !== undefined && !this.socket.destroyed) {
      return Effect.fail(new NetError.AlreadyConnected({ operation: "connect", code: "EISCONN", address: this.describePeer() }))
    }
    const h = Address.parseHost(hostInput, "connect")
    if (Either.isLeft(h)) return Effect.fail(h.left)
    const host = h.right
    this.kind = "client"
    this.connectAttempted = true
    const policy = this.timeoutPolicy
    if (host._tag === "Unix") {
      this.family = "unix"
      this.unixPeer = host.path
      const target = { path: Address.unixPath(host) }
      if (Timeout.isInfinite(policy)) return this.connectTo(target, host.path, false)
      return Effect.clockWith((clock) => this.connectWithin(target, host.path, Timeout.budget(policy, Duration.zero), Wait.isLiveClock(clock)))
    }
    const p = Address.parsePort(portInput, "connect")
    if (Either.isLeft(p)) return Effect.fail(p.left)
    const port = p.right
    if (host._tag === "Any") return Effect.fail(new NetError.InvalidArgument({ operation: "connect", detail: "cannot connect to \"*\"; give an address" }))
    const local = this.localBinding(options)
    if (Either.isLeft(local)) return Effect.fail(local.left)
    const target = (a: { readonly family: "inet" | "inet6"; readonly address: string }): ConnectTarget => {
      const t: ConnectTarget = { host: a.address, port, family: a.family === "inet6" ? 6 : 4 }
      if (local.right.localAddress !== undefined) t.localAddress = local.right.localAddress
      if (local.right.localPort !== undefined) t.localPort = local.right.localPort
      return t
    }
    if (Timeout.isInfinite(policy)) {
      // A numeric address needs no resolver (and no Effect around it).
      if (host._tag === "Ip" && (this.family === "unspec" || this.family === host.family)) {
        return this.connectTo(target(host), Address.format(host.address, port), false, undefined, host.family)
      }
      return Effect.flatMap(Address.resolve(host, this.family, "connect"), (addresses) =>
        Address.firstSuccess("connect", addresses, (a) => this.connectTo(target(a), Address.format(a.address, port), false, undefined, a.family)))
    }
    // Each attempt gets what the policy leaves of the call (LuaSocket's block/total budget).
    return Effect.clockWith((clock) => {
      const startedAt = clock.unsafeCurrentTimeMillis()
      const live = Wait.isLiveClock(clock)
      return Effect.flatMap(Address.resolve(host, this.family, "connect"), (addresses) =>
        Address.firstSuccess("connect", addresses, (a) =>
          Effect.suspend(() => {
            const limit = Timeout.budget(policy, Duration.millis(Math.max(0, clock.unsafeCurrentTimeMillis() - startedAt)))
            return this.connectWithin(target(a), Address.format(a.address, port), limit, live, a.family)
          })))
    })
  }

  private localBinding(options: ConnectOptions): Either.Either<{ localAddress?: string; localPort?: number }, NetError.NetError> {
    const out: { localAddress?: string; localPort?: number } = {}
    if (options.localAddress !== undefined) {
      const h = Address.parseHost(options.localAddress, "connect")
      if (Either.isLeft(h)) return Either.left(h.left)
      if (h.right._tag === "Ip") out.localAddress = h.right.address
      else if (h.right._tag !== "Any") return Either.left(new NetError.InvalidArgument({ operation: "connect", detail: `local address must be numeric, got ${describe(options.localAddress)}` }))
    } else if (this.bound !== undefined && this.bound.host._tag === "Ip") {
      out.localAddress = this.bound.host.address
    }
    if (options.localPort !== undefined) {
      const p = Address.parsePort(options.localPort, "connect")
      if (Either.isLeft(p)) return Either.left(p.left)
      if (p.right !== 0) out.localPort = p.right
    } else if (this.bound !== undefined && this.bound.port !== 0) {
      out.localPort = this.bound.port
    }
    return Either.right(out)
  }

  /**
   * One connect attempt within `limit`. On timeout the attempt is not aborted: it goes on
   * in the background (`inflight`) and a later `connect` finishes it, as LuaSocket's
   * non-blocking connect; interruption for any other reason aborts it. Under the live
   * clock the attempt's own timer parks it; under another clock (TestClock) the attempt
   * races the clock's sleep and the race's interruption parks it.
   */
  private connectWithin(options: ConnectTarget, display: string, limit: Duration.Duration, liveClock: boolean, family?: "inet" | "inet6"): Effect.Effect<void, NetError.NetError> {
    if (Duration.isZero(limit)) return this.connectTo(options, display, true)
    if (!Duration.isFinite(limit)) return this.connectTo(options, display, false, undefined, family)
    if (liveClock) return this.connectTo(options, display, false, Wait.timerMillis(limit), family)
    return Timeout.within(this.connectTo(options, display, false, undefined, family), limit, () => {
      this.parkOnInterrupt = true
      return new NetError.Timeout({ operation: "connect", address: display })
    }).pipe(Effect.ensuring(Effect.sync(() => {
      this.parkOnInterrupt = false
    })))
  }

  private parkOnInterrupt = false

  /** Keeps a connect attempt going in the background; its outcome wakes select and `finishInflight`. */
  private park(sock: net.Socket, rb: ReadBuffer, display: string): void {
    const inflight: NonNullable<TcpSocket["inflight"]> = { sock, rb, display, state: "pending" }
    this.inflight = inflight
    const settle = () => {
      this.readiness.notify()
      this.inflightWaiters.wakeAll()
    }
    sock.once("connect", () => {
      inflight.state = "connected"
      settle()
    })
    sock.once("error", (err) => {
      inflight.state = "failed"
      inflight.error = NetError.fromCause(err, { operation: "connect", address: display })
      this.lastError = inflight.error
      sock.destroy()
      settle()
    })
  }

  /** `connect` while a timed-out attempt goes on: waits for it (within the timeout) and reports its outcome once. */
  private finishInflight(): Effect.Effect<void, NetError.NetError> {
    const inflight = this.inflight!
    const done = (): Effect.Effect<void, NetError.NetError> => {
      this.inflight = undefined
      if (inflight.state === "failed") {
        // the pending error is reported here, as connect(2) reports (and clears) SO_ERROR
        if (this.lastError === inflight.error) this.lastError = undefined
        return Effect.fail(inflight.error!)
      }
      if (this.closed) {
        inflight.sock.destroy()
        return Effect.fail(new NetError.Closed({ operation: "connect", address: inflight.display }))
      }
      this.attach(inflight.sock, inflight.rb)
      return Effect.void
    }
    if (inflight.state !== "pending") return Effect.suspend(done)
    return Wait.loop<void, NetError.NetError>(this.timeoutPolicy, {
      signal: this.inflightWaiters,
      ready: () => inflight.state !== "pending" || this.closed,
      step: () => {
        if (inflight.state !== "pending") return done()
        // closed meanwhile (close destroyed the attempt)
        return this.closed ? Effect.fail(new NetError.Closed({ operation: "connect", address: inflight.display })) : undefined
      },
      onTimeout: () => new NetError.Timeout({ operation: "connect", address: inflight.display })
    })
  }

  /**
   * Starts one connect and waits for its outcome. `parkAtOnce` (timeout 0): the connect goes
   * on in the background and this call fails Timeout now. `millis`: after that long the
   * attempt is parked likewise (its timer). `family`: what a socket of family `unspec`
   * becomes when connected. Interruption aborts the attempt (or parks it, for a race's timeout).
   */
  private connectTo(options: ConnectTarget, display: string, parkAtOnce: boolean, millis?: number, family?: "inet" | "inet6"): Effect.Effect<void, NetError.NetError> {
    return Wait.async<void, NetError.NetError>((resume) => {
      // Node reads straight into the receive buffer: `buffer` gives the region for each read.
      const flow = new SocketFlow()
      const rb = this.makeReadBuffer(flow)
      let sock: net.Socket
      let slot: Reusable | undefined
      const reuse = fastPaths.reuseSockets && options.path === undefined
      const pooled = reuse ? reusables[reusables.length - 1] : undefined
      if (pooled !== undefined && pooled.writeHighWaterMark === this.writeHighWaterMark) {
        // a closed client socket, connected again (its flags set before: applied at connect)
        reusables.pop()
        slot = pooled
        slot.rb = rb
        sock = slot.sock
        sock.setNoDelay(this.options["tcp-nodelay"])
        sock.setKeepAlive(this.options.keepalive)
        sock.connect(options as net.NetConnectOpts)
      } else {
        // `options` is this attempt's own object: completed in place (no spread per connect).
        const connectOptions = options as ConnectTarget & Record<string, unknown>
        connectOptions.allowHalfOpen = true
        connectOptions.writableHighWaterMark = this.writeHighWaterMark
        connectOptions.noDelay = this.options["tcp-nodelay"]
        connectOptions.keepAlive = this.options.keepalive
        if (reuse) {
          slot = TcpSocket.reusable(rb, this.writeHighWaterMark, connectOptions)
          sock = slot.sock
        } else {
          connectOptions.onread = {
            buffer: () => rb.region(),
            callback: (n: number, buf: Uint8Array): boolean => {
              rb.commit(n, buf)
              return true
            }
          }
          sock = net.connect(connectOptions as unknown as net.NetConnectOpts)
        }
      }
      flow.sock = sock
      let settled = false
      let timer: ReturnType<typeof setTimeout> | undefined
      const onError = (err: Error) => {
        settled = true
        if (timer !== undefined) clearTimeout(timer)
        if (slot !== undefined) slot.connecting = undefined
        sock.destroy()
        const e = NetError.fromCause(err, { operation: "connect", address: display })
        this.lastError = e
        resume(Effect.fail(e))
      }
      const onConnect = () => {
        settled = true
        if (timer !== undefined) clearTimeout(timer)
        if (slot !== undefined) slot.connecting = undefined
        else sock.off("error", onError)
        if (this.closed) {
          sock.destroy()
          resume(Effect.fail(new NetError.Closed({ operation: "connect", address: display })))
          return
        }
        if (family !== undefined && this.family === "unspec") this.family = family
        this.attach(sock, rb, slot)
        resume(Effect.void)
      }
      if (slot !== undefined) {
        // a reusable socket's own 'connect' and 'error' listeners call these while it connects
        slot.connecting = { onConnect, onError }
      } else {
        sock.once("error", onError)
        sock.once("connect", onConnect)
      }
      /** Stops waiting for the outcome; the attempt goes on in the background unless it must be aborted. */
      const giveUp = (park: boolean) => {
        settled = true
        if (slot !== undefined) {
          slot.connecting = undefined
        } else {
          sock.off("error", onError)
          sock.off("connect", onConnect)
        }
        if (park) {
          this.park(sock, rb, display)
        } else {
          sock.on("error", ignore)
          sock.destroy()
        }
      }
      if (parkAtOnce) {
        // timeout 0: the connect is started and goes on; this call reports "timeout" now
        giveUp(true)
        resume(Effect.fail(new NetError.Timeout({ operation: "connect", address: display })))
        return undefined
      }
      if (millis !== undefined) {
        timer = setTimeout(() => {
          timer = undefined
          if (settled) return
          giveUp(!this.closed)
          resume(Effect.fail(new NetError.Timeout({ operation: "connect", address: display })))
        }, millis)
      }
      return () => {
        if (timer !== undefined) clearTimeout(timer)
        if (settled) return
        const park = this.parkOnInterrupt && !this.closed
        if (park) this.parkOnInterrupt = false
        giveUp(park)
      }
    })
  }

  // ---- server ------------------------------------------------------------------------

  /**
   * Waits for a pending connection and takes it as a new client socket, released
   * with the scope. The wait is interruptible; taking it is not, so no connection leaks.
   */
  accept(): Effect.Effect<TcpSocket, NetError.NetError, Scope.Scope> {
    return Effect.flatMap(this.waitPending(), () =>
      Effect.acquireRelease(Effect.suspend(() => this.takePending()), (c) => c.close)
    ).pipe(Effect.catchTag("Unknown", (e) => (e.code === "EAGAIN" ? this.accept() : Effect.fail(e))))
  }

  /**
   * Accepts one connection, runs `use` with it and closes it afterwards, however
   * `use` ends. Same guarantees as `accept`, without a `Scope`: cheaper per
   * connection (an `Effect.scoped` costs tens of microseconds), for accept loops.
   */
  acceptWith<A, E, R>(use: (client: TcpSocket) => Effect.Effect<A, E, R>): Effect.Effect<A, E | NetError.NetError, R> {
    // One mask for the whole call: the wait inside it is interruptible (through `restore`),
    // taking the connection and handing it to `use` are not.
    return Effect.uninterruptibleMask((restore) => {
      const wrong = this.requireKind("accept", "server")
      if (wrong) return Effect.fail(wrong)
      if (this.acceptReady()) return this.takeAndUse(restore, use)
      return Effect.flatMap(Wait.loopWithin(restore, this.timeoutPolicy, this.acceptWaitOptions()), () => this.takeAndUse(restore, use))
    })
  }

  /** `acceptWith`'s second half, run uninterruptibly once a connection may be pending. */
  private takeAndUse<A, E, R>(
    restore: <X, Y, Z>(effect: Effect.Effect<X, Y, Z>) => Effect.Effect<X, Y, Z>,
    use: (client: TcpSocket) => Effect.Effect<A, E, R>
  ): Effect.Effect<A, E | NetError.NetError, R> {
    const taken = this.takeNow()
    if (taken instanceof TcpSocket) return useAndClose(restore, taken, use)
    // another acceptor took the connection first: wait again
    if (taken._tag === "Unknown" && taken.code === "EAGAIN") return restore(this.acceptWith(use))
    return Effect.fail(taken)
  }

  /**
   * Waits for a pending connection and takes it as a new client socket that the caller
   * owns and must close (no Scope: for facades whose objects live until `close` or the
   * end of a script). Same guarantees as `accept`: the wait is interruptible, taking is not.
   */
  acceptOwned(): Effect.Effect<TcpSocket, NetError.NetError> {
    return Effect.flatMap(this.waitPending(), () => this.takePending()).pipe(
      Effect.catchIf(
        (e): e is NetError.Unknown => e._tag === "Unknown" && e.code === "EAGAIN" && e.operation === "accept",
        () => this.acceptOwned()
      )
    )
  }

  /**
   * `acceptOwned` under a policy that never waits (LuaSocket's `settimeout(0)`), outside
   * Effect: the pending connection (the caller owns it), the server's error, or `Timeout` at
   * once when none is pending, whatever the socket's own policy. For facades and polling loops.
   */
  acceptPollOrTimeout(): TcpSocket | NetError.NetError {
    const wrong = this.requireKind("accept", "server")
    if (wrong) return wrong
    return this.acceptReady() ? this.takeNow() : new NetError.Timeout({ operation: "accept" })
  }

  /** Takes a pending connection now, or fails (EAGAIN when none is pending). Caller owns the socket. */
  takePending(): Effect.Effect<TcpSocket, NetError.NetError> {
    const taken = this.takeNow()
    return taken instanceof TcpSocket ? Effect.succeed(taken) : Effect.fail(taken)
  }

  /** `takePending` outside Effect: the new client socket (the caller owns it) or the error. */
  private takeNow(): TcpSocket | NetError.NetError {
    const wrong = this.requireKind("accept", "server")
    if (wrong) return wrong
    const sock = this.pending.shift()
    if (sock === undefined) {
      if (this.serverError !== undefined) return this.serverError
      return new NetError.Unknown({ operation: "accept", code: "EAGAIN", detail: "no connection is pending" })
    }
    const client = new TcpSocket({ family: this.family, readHighWaterMark: this.readHighWaterMark, writeHighWaterMark: this.writeHighWaterMark })
    sock.off("error", ignore)
    client.options.keepalive = false
    client.attachAccepted(sock)
    return client
  }

  private attachAccepted(sock: net.Socket): void {
    const flow = new SocketFlow()
    flow.sock = sock
    const rb = this.makeReadBuffer(flow)
    this.attach(sock, rb)
    // Node's writable side of an accepted socket has the default 16 KiB high-water mark;
    // follow ours so that send batches the same way on both sides.
    const ws = (sock as unknown as { _writableState?: { highWaterMark: number } })._writableState
    if (ws !== undefined) ws.highWaterMark = this.writeHighWaterMark
    const symbols = fastPaths.acceptedOnread ? findOnreadSymbols() : null
    const handle = handleOf(sock)
    if (symbols !== null && handle !== null && typeof handle.useUserBuffer === "function") {
      // What net.connect({ onread: { buffer: () => region, callback } }) sets up for clients.
      const s = sock as unknown as Record<symbol, unknown>
      const first = rb.region()
      s[symbols.buffer] = first
      s[symbols.generator] = () => rb.region()
      s[symbols.callback] = (n: number, buf: Uint8Array) => rb.commit(n, buf)
      handle.useUserBuffer(first)
    } else {
      sock.on("data", (chunk: Buffer) => rb.push(chunk))
    }
    sock.resume()
  }

  private waitPending(): Effect.Effect<void, NetError.NetError> {
    return Effect.suspend(() => {
      const wrong = this.requireKind("accept", "server")
      if (wrong) return Effect.fail(wrong)
      if (this.acceptReady()) return Effect.void
      return Wait.loop<void, NetError.NetError>(this.timeoutPolicy, this.acceptWaitOptions())
    })
  }

  /** What an accept's wait asks (made once per server: nothing in it is per call). */
  private acceptWaitOptions(): Wait.LoopOptions<void, NetError.NetError> {
    return this.acceptWait ??= {
      signal: this.acceptWaiters,
      ready: () => this.acceptReady(),
      step: () => (this.acceptReady() ? Effect.void : undefined),
      onTimeout: () => new NetError.Timeout({ operation: "accept" })
    }
  }

  private acceptWait: Wait.LoopOptions<void, NetError.NetError> | undefined = undefined

  /** A connection is pending, listening failed, or the server is closed: accept would not wait. */
  private acceptReady(): boolean {
    return this.pending.length > 0 || this.serverError !== undefined || this.closed
  }

  // ---- client ------------------------------------------------------------------------

  /**
   * `receive(pattern, prefix)` within the socket's timeout policy (or `policy`).
   * Fails with `partial` (prefix included) on every error.
   */
  receive(pattern: Pattern, prefix?: Uint8Array, policy?: Timeout.TimeoutPolicy): Effect.Effect<Uint8Array, NetError.NetError> {
    if (prefix === undefined && policy === undefined) {
      // The commonest calls reuse one effect each (no allocation per call).
      if (pattern === ReadBufferModule.line) return this.receiveLine ??= Effect.suspend(() => this.receiveNow(ReadBufferModule.line, EMPTY, this.timeoutPolicy))
      if (pattern === ReadBufferModule.all) return this.receiveAll ??= Effect.suspend(() => this.receiveNow(ReadBufferModule.all, EMPTY, this.timeoutPolicy))
    }
    if (policy !== undefined) {
      const bad = Timeout.checkPolicy(policy, "receive")
      if (bad !== undefined) return Effect.fail(bad)
    }
    // (only a missing prefix is none: null is a bad argument, refused by the buffer's check)
    return Effect.suspend(() => this.receiveNow(pattern, prefix === undefined ? EMPTY : prefix, policy ?? this.timeoutPolicy))
  }

  /**
   * `receive` that never waits, outside Effect: the bytes when what is buffered
   * satisfies the pattern, the typed error when the connection has ended or failed
   * (with `partial`, as `receive`), `undefined` when it would have to wait (nothing
   * consumed). Same patterns and results as `receive`; for polling loops
   * (LuaSocket's `settimeout(0)` style) and for facades, at no Effect cost per call.
   */
  receivePoll(pattern: Pattern, prefix?: Uint8Array): Uint8Array | NetError.NetError | undefined {
    const rb = this.readBuffer
    return rb === undefined ? this.unreadable(pattern, prefix) : rb.poll(pattern, prefix)
  }

  /** A receive on a socket with no receive buffer (not connected, or closed): the bad argument, or the state's error. */
  private unreadable(pattern: Pattern, prefix: Uint8Array | undefined): NetError.NetError {
    const bad = ReadBufferModule.checkReceive(pattern, prefix)
    if (bad !== undefined) return bad
    return this.closed ? new NetError.Closed({ operation: "receive", partial: prefix ?? EMPTY }) : this.notConnected("receive", prefix)
  }

  /**
   * `receive` under a policy that never waits (`block` or `total` zero: LuaSocket's
   * `settimeout(0)`), outside Effect: the same result or typed failure at once (`Timeout`
   * with the bytes the pattern had taken as `partial`, consumed), whatever the socket's own
   * policy. For facades and polling loops: no fiber for the answer "not yet".
   */
  receivePollOrTimeout(pattern: Pattern, prefix?: Uint8Array): Uint8Array | NetError.NetError {
    const rb = this.readBuffer
    return rb === undefined ? this.unreadable(pattern, prefix) : rb.pollOrTimeout(pattern, prefix)
  }

  /**
   * Every complete line buffered now, appended to `into` (at most `max`; with `maxLength`,
   * stopping before a longer line), each as `receive(ReadBuffer.line)` returns it; returns
   * how many, without waiting. The end of the stream, a failure and a line too long are
   * not reported here: `receivePoll` / `receive` report them (with their `partial`) once
   * the complete lines are taken. One call per batch of lines, for line streams and
   * loops over many short lines. A bad argument is returned as an `InvalidArgument` naming it.
   */
  receiveLinesPoll(into: Array<Uint8Array>, max?: number, maxLength?: number): number | NetError.NetError {
    const bad = ReadBufferModule.checkPollLines(into, max, maxLength)
    if (bad !== undefined) return bad
    const rb = this.readBuffer
    return rb === undefined ? 0 : rb.pollLines(into, max, maxLength)
  }

  private receiveNow(pattern: Pattern, prefix: Uint8Array, policy: Timeout.TimeoutPolicy): Effect.Effect<Uint8Array, NetError.NetError> {
    const rb = this.readBuffer
    if (rb === undefined) return Effect.fail(this.unreadable(pattern, prefix))
    // After close the buffer ends like EOF; what it holds stays receivable (LuaSocket's buffer outlives the fd).
    return rb.receiveNow(pattern, prefix, policy)
  }

  // made on first use (a connection that never receives a line allocates neither)
  private receiveLine: Effect.Effect<Uint8Array, NetError.NetError> | undefined = undefined
  private receiveAll: Effect.Effect<Uint8Array, NetError.NetError> | undefined = undefined

  /**
   * Receives into a buffer the caller owns and reuses: waits (within the socket's
   * timeout policy, or `policy`) until something is buffered, copies at most
   * `target.length` bytes into `target` and succeeds with the count. Fails Closed at
   * the end of the stream (nothing is lost: every byte was copied by an earlier call),
   * Timeout when the budget runs out. No allocation per call: for bulk transfers, where a
   * fresh result per chunk costs more in page faults than the copy itself.
   */
  receiveInto(target: Uint8Array, policy?: Timeout.TimeoutPolicy): Effect.Effect<number, NetError.NetError> {
    return Effect.suspend(() => {
      const bad = ReadBufferModule.checkBytes(target, "target", "receive") ?? Timeout.checkPolicy(policy, "receive")
      if (bad !== undefined) return Effect.fail(bad)
      const rb = this.readBuffer
      if (rb === undefined) return Effect.fail(this.closed ? new NetError.Closed({ operation: "receive" }) : this.notConnected("receive"))
      return rb.receiveInto(target, policy ?? this.timeoutPolicy)
    })
  }

  private notConnected(operation: string, prefix?: Uint8Array): NetError.NetError {
    if (this.kind === "client" && this.connectAttempted) return new NetError.Closed({ operation, partial: prefix ?? EMPTY })
    return new NetError.InvalidArgument({ operation, detail: `${operation} needs a tcp{client} but this socket is ${this.className}` })
  }

  /**
   * `send(data, i, j)`: sends `data[i..j]` (1-based, inclusive, `string.sub` rules).
   * Succeeds with the index of the last byte sent; fails with `lastIndex`. Bytes
   * count as sent once Node has taken them (at most the write high-water mark
   * is queued in the process; beyond that, send waits for the kernel within the timeout).
   */
  send(data: Uint8Array, i = 1, j = -1, policy?: Timeout.TimeoutPolicy): Effect.Effect<number, NetError.NetError> {
    return Effect.suspend(() => {
      const bad = Timeout.checkPolicy(policy, "send")
      return bad !== undefined ? Effect.fail(bad) : this.sendNow(data, i, j, policy)
    })
  }

  /**
   * `send` started at once, outside Effect: runs what `send` does synchronously now (checks,
   * the direct write, handing bytes to Node's queue) and returns an `Exit` (`Exit.isExit`) when
   * that completed or failed the send, else the effect that finishes it, which the caller must
   * run at once (it waits for Node's queue within the timeout). Same results and errors as
   * `send`; for the Promise API and the facades: a send that does not wait needs no fiber.
   */
  sendStarted(data: Uint8Array, i = 1, j = -1, policy?: Timeout.TimeoutPolicy): Effect.Effect<number, NetError.NetError> {
    const bad = Timeout.checkPolicy(policy, "send")
    return bad !== undefined ? Effect.fail(bad) : this.sendNow(data, i, j, policy)
  }

  /** The body of `send`, run when the effect runs: a send that one write completes allocates nothing but its result. */
  private sendNow(data: Uint8Array, i: number, j: number, policy: Timeout.TimeoutPolicy | undefined): Effect.Effect<number, NetError.NetError> {
    if (!(data instanceof Uint8Array)) return Effect.fail(ReadBufferModule.checkBytes(data, "data", "send")!)
    if (!Number.isFinite(i) || !Number.isFinite(j)) {
      return Effect.fail(new NetError.InvalidArgument({ operation: "send", detail: `bad index range (${describe(i)}, ${describe(j)}): expected finite numbers` }))
    }
    // sendRange, inline (no object per send)
    const length = data.length
    let first = Math.trunc(i)
    let last = Math.trunc(j)
    if (first < 0) first = length + first + 1
    if (last < 0) last = length + last + 1
    if (first < 1) first = 1
    if (last > length) last = length
    const sock = this.socket
    if (this.closed) return Effect.fail(sendError(new NetError.Closed({ operation: "send" }), first - 1))
    if (sock === undefined) return Effect.fail(sendError(this.notConnected("send"), first - 1))
    if (this.writeError !== undefined) return Effect.fail(sendError(this.writeError, first - 1))
    if (sock.destroyed || !sock.writable) return Effect.fail(sendError(new NetError.Closed({ operation: "send", code: "EPIPE" }), first - 1))
    const total = last - first + 1
    if (total <= 0) return Effect.succeed(first - 1)
    // Another send is still handing over its bytes: wait for it to finish, so that the
    // bytes of concurrent sends never interleave (each send's bytes stay contiguous).
    if (this.sendBusy) return this.afterCurrentSend(policy ?? this.timeoutPolicy, first, () => this.sendNow(data, i, j, policy))
    // The second large send of this tick on this socket: cork until the end of the tick,
    // so that what the following sends hand over leaves in one writev. (Small sends, a
    // request or a reply, keep their single direct write and pay nothing for this.)
    if (total >= BATCH_FROM && fastPaths.batchWrites) {
      const now = currentTick()
      if (this.lastSendTick !== now) this.lastSendTick = now
      else if (!sock.writableCorked) {
        sock.cork()
        process.nextTick(uncork, sock)
      }
    }
    // The commonest case: nothing queued and the kernel takes it all in one write(2).
    if (fastPaths.directWrite && sock.writableLength === 0 && !sock.connecting && !sock.writableCorked) {
      const written = this.writeDirect(sock, data, first - 1, total)
      this.sentBytes += written
      if (written === total) return Effect.succeed(last)
      return this.sendRest(sock, data, first, total, written, true, policy)
    }
    return this.sendRest(sock, data, first, total, 0, false, policy)
  }

  /**
   * A send whose bytes from `sentBefore` on are still to be handed over: the rest of a
   * direct write that did not take everything (then straight to Node's queue), or a send
   * that found Node's queue in use.
   */
  private sendRest(sock: net.Socket, data: Uint8Array, first: number, total: number, sentBefore: number, triedDirect: boolean, policy: Timeout.TimeoutPolicy | undefined): Effect.Effect<number, NetError.NetError> {
    let sent = sentBefore
    // right after a direct write that did not take everything the kernel's buffer is full: no second write(2) now
    let tryDirect = !triedDirect
    const fail = (e: NetError.NetError) => Effect.fail(sendError(e, first - 1 + sent))
    const step = (): boolean => {
      if (this.writeError !== undefined) return false
      const direct = tryDirect
      tryDirect = true
      if (direct && fastPaths.directWrite && sock.writableLength === 0 && !sock.connecting && !sock.writableCorked) {
        const written = this.writeDirect(sock, data, first - 1 + sent, total - sent)
        sent += written
        this.sentBytes += written
        if (sent === total) return true
        if (this.writeError !== undefined) return false
      }
      // Hand Node pieces while its queue is below the high-water mark.
      while (sent < total && !sock.writableNeedDrain) {
        const piece = Math.min(total - sent, this.writeHighWaterMark)
        const from = first - 1 + sent
        sock.write(from === 0 && piece === data.length ? data : data.subarray(from, from + piece))
        sent += piece
        this.sentBytes += piece
      }
      return sent === total
    }
    if (step()) return Effect.succeed(first - 1 + sent)
    if (this.writeError !== undefined) return fail(this.writeError)
    const rest = Wait.loop<number, NetError.NetError>(policy ?? this.timeoutPolicy, {
      signal: this.writeWaiters,
      ready: () => !sock.writableNeedDrain || sock.destroyed || this.closed || this.writeError !== undefined,
      step: () => {
        if (this.closed) return fail(new NetError.Closed({ operation: "send" }))
        if (this.writeError !== undefined) return fail(this.writeError)
        if (sock.destroyed) return fail(new NetError.Closed({ operation: "send", code: "EPIPE" }))
        if (step()) return Effect.succeed(first - 1 + sent)
        return this.writeError !== undefined ? fail(this.writeError) : undefined
      },
      onTimeout: () => sendError(new NetError.Timeout({ operation: "send" }), first - 1 + sent)
    })
    // This send owns the stream until its last byte is handed over (or it fails or is
    // interrupted); the flag and its release are set up in one uninterruptible step.
    return Effect.uninterruptibleMask((restore) => {
      this.sendBusy = true
      return Effect.ensuring(restore(rest), this.releaseSend ??= Effect.sync(() => {
        this.sendBusy = false
        this.writeWaiters.wakeAll()
      }))
    })
  }

  /** A send is partly handed over and waits to hand over the rest. */
  private sendBusy = false
  /** The `tick` of the last send (see `fastPaths.batchWrites`). */
  private lastSendTick = -1

  /** Ends a send's ownership of the stream (made on the first send that has to wait). */
  private releaseSend: Effect.Effect<void> | undefined = undefined

  /** Waits (within `policy`) until no send owns the stream, then runs `retry`. */
  private afterCurrentSend(policy: Timeout.TimeoutPolicy, first: number, retry: () => Effect.Effect<number, NetError.NetError>): Effect.Effect<number, NetError.NetError> {
    const idle = () => !this.sendBusy || this.closed
    return Effect.flatMap(
      Wait.loop<void, NetError.NetError>(policy, {
        signal: this.writeWaiters,
        ready: idle,
        step: () => (idle() ? Effect.void : undefined),
        onTimeout: () => new NetError.Timeout({ operation: "send", lastIndex: first - 1 })
      }),
      retry
    )
  }

  /**
   * One synchronous write(2) of `data[from, from + length)` on the descriptor,
   * skipping the stream machinery when nothing is queued (the fd is non-blocking:
   * EAGAIN writes nothing). Returns the bytes written; other errors are recorded
   * as the socket's write error (the caller then fails with it).
   */
  private writeDirect(sock: net.Socket, data: Uint8Array, from: number, length: number): number {
    const fd = handleOf(sock)?.fd
    if (typeof fd !== "number" || fd < 0) return 0
    try {
      return fs.writeSync(fd, data, from, length)
    } catch (err) {
      const code = (err as { code?: string }).code
      if (code !== "EAGAIN" && code !== "EWOULDBLOCK") {
        this.writeError ??= NetError.fromCause(err, { operation: "send", address: this.describePeer() })
        this.lastError = this.writeError
      }
      return 0
    }
  }

  /**
   * `shutdown(how)`: `send` half-closes; `receive` stops reading (what is already
   * buffered stays receivable, then Closed, as in LuaSocket); `both` does both. Any
   * other mode fails `InvalidArgument` naming it.
   */
  shutdown(how: ShutdownMode = "both"): Effect.Effect<void, NetError.NetError> {
    return Effect.suspend(() => {
      if (how !== "both" && how !== "send" && how !== "receive") {
        return Effect.fail(new NetError.InvalidArgument({ operation: "shutdown", detail: `bad shutdown mode ${describe(how)}: expected "both", "send" or "receive"` }))
      }
      const wrong = this.requireKind("shutdown", "client")
      if (wrong) return Effect.fail(wrong)
      const sock = this.socket
      if (sock === undefined) return Effect.fail(new NetError.NotConnected({ operation: "shutdown", code: "ENOTCONN" }))
      if (how === "send" || how === "both") sock.end()
      if (how === "receive" || how === "both") {
        sock.pause()
        this.readBuffer?.close()
      }
      return Effect.void
    })
  }

  /** `close()`: idempotent. Queued outgoing bytes are still delivered (unless linger is on with timeout 0: reset). */
  readonly close: Effect.Effect<void> = Effect.sync(() => this.closeNow())

  /** Synchronous close, for finalizers and facades. */
  closeNow(): void {
    if (this.closed) return
    this.closed = true
    if (this.inflight !== undefined) {
      this.inflight.sock.on("error", ignore)
      this.inflight.sock.destroy()
      this.inflight = undefined
      this.inflightWaiters.wakeAll()
    }
    this.readBuffer?.close()
    const sock = this.socket
    if (sock !== undefined) {
      // (errors after the close go to attach's listener: nothing is thrown)
      // No reset for unix sockets (resetAndDestroy throws there; SO_LINGER means nothing): close normally.
      if (this.options.linger.on && this.options.linger.timeout === 0 && !sock.destroyed && this.family !== "unix") {
        sock.resetAndDestroy()
      } else if (sock.writableLength > 0 && !sock.destroyed) {
        // Let Node flush what send() already accepted, then release the descriptor; bounded
        // (closeGrace): a peer that stops reading cannot hold the descriptor.
        flushThenDestroy(sock)
      } else {
        sock.destroy()
        // Reusable once Node has emitted 'close' (at once if it has already).
        const slot = this.slot
        if (slot !== undefined) {
          this.slot = undefined
          this.socket = undefined
          if (slot.closeEmitted) pool(slot)
          else slot.release = true
        }
      }
    }
    const server = this.server
    if (server !== undefined) {
      if (this.listening !== undefined) listeningHere(this.listening, false)
      server.close()
      for (const p of this.pending) p.destroy()
      this.pending = []
    }
    this.wakeAcceptors()
    this.wakeWriters()
  }
}

const ignore = () => {}

/** A receive buffer's flow control: pauses and resumes the Node socket it reads from (once known). */
class SocketFlow implements ReadBufferModule.FlowControl {
  sock: net.Socket | undefined = undefined
  pause(): void {
    this.sock?.pause()
  }
  resume(): void {
    this.sock?.resume()
  }
}

/** `connect`'s default options (nothing to check). */
const NO_CONNECT_OPTIONS: ConnectOptions = Object.freeze({})

/**
 * How long `close` keeps a socket's descriptor for the bytes still queued in Node (what `send`
 * accepted beyond the kernel's buffer: up to about twice the write high-water mark). The bytes
 * the kernel took are its own affair after the close, as after LuaSocket's close with SO_LINGER
 * unset (it sends them, then the FIN); the bytes queued in the process need the descriptor, so
 * a close with some queued keeps it while they move:
 *
 * - the descriptor is released as soon as the queue is flushed to the kernel;
 * - it is released anyway, and what Node still holds discarded, as soon as no byte of the queue
 *   has moved for `stallMillis` (a peer that does not read, a dead link), or once `limitMillis`
 *   have passed since the close (a peer too slow to ever finish). The kernel still sends what it
 *   holds, then the FIN: the peer reads a stream cut short, and is not told (a reset would not
 *   tell a Node peer either: libuv reports a reset that arrives behind unread bytes as the end;
 *   and it would discard what the kernel holds).
 *
 * The process stays alive for at most that long for a socket it closed (the timer itself does
 * not hold the event loop). `linger { on: true, timeout: 0 }` still resets at once.
 *
 * @since 0.1.0
 */
export const closeGrace: { readonly stallMillis: number; readonly limitMillis: number } = { stallMillis: 2000, limitMillis: 60_000 }

/** Bytes of a socket still queued in the process: its stream's queue, and libuv's for the write in flight. */
const queued = (sock: net.Socket): readonly [number, number] => {
  const inFlight = (handleOf(sock) as { writeQueueSize?: unknown } | null)?.writeQueueSize
  return [sock.writableLength, typeof inFlight === "number" ? inFlight : 0]
}

/** Ends `sock` and destroys it once what Node has queued is flushed, or when `closeGrace` runs out. */
const flushThenDestroy = (sock: net.Socket): void => {
  const started = Date.now()
  let timer: ReturnType<typeof setTimeout> | undefined
  let [lastQueued, lastInFlight] = queued(sock)
  const stop = () => {
    if (timer !== undefined) clearTimeout(timer)
    timer = undefined
  }
  const check = () => {
    timer = undefined
    if (sock.destroyed) return
    const [nowQueued, nowInFlight] = queued(sock)
    // progress: a write completed, or the one in flight went on (a new one may start larger)
    const moved = nowQueued < lastQueued || (nowQueued === lastQueued && nowInFlight < lastInFlight)
    lastQueued = nowQueued
    lastInFlight = nowInFlight
    if (moved && Date.now() - started < closeGrace.limitMillis) arm()
    else sock.destroy()
  }
  const arm = () => {
    timer = setTimeout(check, Math.max(0, Math.min(closeGrace.stallMillis, started + closeGrace.limitMillis - Date.now())))
    timer.unref()
  }
  sock.once("finish", () => {
    stop()
    sock.destroy()
  })
  sock.once("close", stop)
  sock.end()
  // (keeps reading, so that a peer's reset or close is noticed; what arrives is dropped)
  sock.resume()
  arm()
}

/**
 * Runs `use(socket)` (as interruptible as the caller, through `restore`) and closes the
 * socket however it ends. Called uninterruptibly, right after the socket was made or taken,
 * so that nothing can come between and leak it. `acquireUseRelease` with fewer steps.
 */
const useAndClose = <A, E, R>(
  restore: <X, Y, Z>(effect: Effect.Effect<X, Y, Z>) => Effect.Effect<X, Y, Z>,
  socket: TcpSocket,
  use: (socket: TcpSocket) => Effect.Effect<A, E, R>
): Effect.Effect<A, E, R> => {
  // `use` only builds the effect (no Effect.suspend step for it); one that throws is a defect,
  // and the socket is closed then too
  let body: Effect.Effect<A, E, R>
  try {
    body = use(socket)
  } catch (e) {
    socket.closeNow()
    return Effect.die(e)
  }
  return Effect.matchCauseEffect(restore(body), {
    onFailure: (cause) => {
      socket.closeNow()
      return Effect.failCause(cause)
    },
    onSuccess: (a) => {
      socket.closeNow()
      return Effect.succeed(a)
    }
  })
}

/** Ports (and addresses on them) that servers of this process listen on. */
const listeningPorts = new Map<number, Set<string>>()

/** Registers (or removes) a listening server's address; returns what was registered. */
function listeningHere(server: net.Server | { readonly address: string; readonly port: number }, add: boolean): { readonly address: string; readonly port: number } | undefined {
  const a = server instanceof net.Server ? server.address() : server
  if (a === null || typeof a === "string") return undefined
  const set = listeningPorts.get(a.port) ?? new Set<string>()
  if (add) {
    set.add(a.address)
    listeningPorts.set(a.port, set)
  } else {
    set.delete(a.address)
    if (set.size === 0) listeningPorts.delete(a.port)
  }
  return { address: a.address, port: a.port }
}

const portTaken = (address: string, port: number): boolean => {
  const set = listeningPorts.get(port)
  if (set === undefined) return false
  const wildcard = (x: string) => x === "0.0.0.0" || x === "::"
  for (const x of set) if (x === address || wildcard(x) || wildcard(address)) return true
  return false
}

type ConnectTarget = { host?: string; port?: number; path?: string; family?: number; localAddress?: string; localPort?: number }

/** What occupies a unix socket path that bind found in use, as a sentence with what to do. */
const unixPathInUse = (path: string): string => {
  let isSocket: boolean
  try {
    isSocket = fs.lstatSync(path).isSocket()
  } catch {
    return "the path is in use"
  }
  return isSocket
    ? `a socket file exists at ${path}: a server listens there, or a process that died left it (remove it if nothing listens there)`
    : `a file that is not a socket exists at ${path}: remove it or choose another path`
}

/** An option's name as messages show it: as written when it is a string. */
const optionName = (name: unknown): string => (typeof name === "string" ? name : describe(name))

const badSetOption = (detail: string) => Effect.fail(new NetError.InvalidArgument({ operation: "setoption", detail }))

const unsupported = (name: string) =>
  new NetError.Unsupported({ operation: "setoption", detail: `option ${name} is not available through Node.js's socket API` })

const displayUnix = (path: string): string => (path.startsWith("\0") ? "@" + path.slice(1) : path)

// ---- constructors (scoped) -------------------------------------------------------------

const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)
const isCountFrom = (u: unknown, min: number): boolean => typeof u === "number" && Number.isSafeInteger(u) && u >= min

/**
 * What is wrong with an options object (of `master`, `connect`, `listen`, `TcpSocket.connect` or
 * `TcpSocket.listen`): the `InvalidArgument` naming the bad field, or undefined.
 */
const badOptions = (operation: string, options: unknown): NetError.NetError | undefined => {
  const invalid = (detail: string) => new NetError.InvalidArgument({ operation, detail })
  if (!isRecord(options)) return invalid(`bad options ${describe(options)}: expected an object`)
  const { family, readHighWaterMark, writeHighWaterMark, retry, localAddress, maxPending, backlog } = options
  if (family !== undefined && family !== "inet" && family !== "inet6" && family !== "unix" && family !== "unspec") {
    return invalid(`bad family ${describe(family)}: expected "inet", "inet6", "unix" or "unspec"`)
  }
  if (readHighWaterMark !== undefined && !isCountFrom(readHighWaterMark, 0)) return invalid(`bad readHighWaterMark ${describe(readHighWaterMark)}: expected an integer >= 0`)
  if (writeHighWaterMark !== undefined && !isCountFrom(writeHighWaterMark, 1)) return invalid(`bad writeHighWaterMark ${describe(writeHighWaterMark)}: expected an integer >= 1`)
  if (retry !== undefined && !Schedule.isSchedule(retry)) return invalid(`bad retry ${describe(retry)}: expected a Schedule`)
  if (localAddress !== undefined && typeof localAddress !== "string") return invalid(`bad localAddress ${describe(localAddress)}: expected a string`)
  if (maxPending !== undefined && !isCountFrom(maxPending, 1)) return invalid(`bad maxPending ${describe(maxPending)}: expected an integer >= 1`)
  if (backlog !== undefined && !isCountFrom(backlog, 0)) return invalid(`bad backlog ${describe(backlog)}: expected an integer >= 0`)
  return undefined
}

/**
 * A new master socket (`socket.tcp()`), closed when the scope closes.
 *
 * @since 0.1.0
 */
export const master = (options: MasterOptions = {}): Effect.Effect<TcpSocket, NetError.NetError, Scope.Scope> =>
  Effect.suspend(() => {
    const bad = badOptions("tcp", options)
    return bad !== undefined ? Effect.fail(bad) : Effect.acquireRelease(Effect.sync(() => new TcpSocket(options)), (s) => s.close)
  })

/**
 * Connects to `host:port` (or a unix path), trying each resolved address in
 * order (`socket.connect`); the client is closed when the scope closes.
 *
 * @since 0.1.0
 */
export const connect = (host: string, port: number | string = 0, options: ClientOptions = {}): Effect.Effect<TcpSocket, NetError.NetError, Scope.Scope> =>
  Effect.flatMap(master(options), (s) => Effect.as(connectMaster(s, host, port, options), s))

const connectMaster = (s: TcpSocket, host: string, port: number | string, options: ClientOptions): Effect.Effect<void, NetError.NetError> => {
  const badPolicy = Timeout.checkPolicy(options.timeout, "connect", "timeout option")
  if (badPolicy !== undefined) return Effect.fail(badPolicy)
  if (options.timeout !== undefined) s.setTimeoutPolicy(options.timeout)
  const bind = options.localAddress !== undefined || options.localPort !== undefined
  if (!bind && options.retry === undefined) return s.connectRunning(host, port)
  return s.connect(host, port, {
    ...(bind ? { localAddress: options.localAddress ?? "*", localPort: options.localPort ?? 0 } : {}),
    ...(options.retry !== undefined ? { retry: options.retry } : {})
  })
}

/**
 * Connects like `connect`, runs `use` with the client and closes it afterwards,
 * however `use` ends (also when interrupted). Without a `Scope`: cheaper per
 * connection than `Effect.scoped(connect(...))`, for connection loops.
 *
 * @since 0.1.0
 */
export const withConnection = <A, E, R>(
  host: string,
  port: number | string,
  use: (client: TcpSocket) => Effect.Effect<A, E, R>,
  options: ClientOptions = {}
): Effect.Effect<A, E | NetError.NetError, R> =>
  Effect.suspend(() => {
    const bad = badOptions("connect", options)
    if (bad !== undefined) return Effect.fail(bad)
    return Effect.uninterruptibleMask((restore) =>
      useAndClose(restore, new TcpSocket(options), (s) => Effect.flatMap(connectMaster(s, host, port, options), () => use(s)))
    )
  })

/**
 * Binds and listens on `host:port` (or a unix path) with reuseaddr on
 * (`socket.bind`); `"*"` = any address. Closed when the scope closes.
 *
 * @since 0.1.0
 */
export const listen = (host: string, port: number | string = 0, options: ServerOptions = {}): Effect.Effect<TcpSocket, NetError.NetError, Scope.Scope> =>
  Effect.flatMap(master(options), (s) => {
    const badPolicy = Timeout.checkPolicy(options.timeout, "listen", "timeout option")
    if (badPolicy !== undefined) return Effect.fail(badPolicy)
    if (options.timeout !== undefined) s.setTimeoutPolicy(options.timeout)
    return s.setOption("reuseaddr", true).pipe(
      Effect.zipRight(s.bind(host, port)),
      Effect.zipRight(s.listen(options.backlog ?? 32, options.maxPending !== undefined ? { maxPending: options.maxPending } : {})),
      Effect.as(s)
    )
  })
