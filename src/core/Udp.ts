/**
 * UDP sockets with LuaSocket's state machine and semantics on `node:dgram`
 * (spec/reference-semantics.md section 1, "UDP", "Options", "Error strings"; section 6).
 *
 * A `UdpSocket` is `udp{unconnected}` until `setpeername` connects it (`udp{connected}`);
 * `setpeername("*")` disconnects it again. Node binds a datagram socket on its first send,
 * so the Node socket (and its descriptor) is created here at the first `setsockname`,
 * `setpeername` or `sendto`, and always explicitly bound: before that, `getfd()` is -1 and
 * `getsockname` fails with EBADF, exactly as for LuaSocket's lazy `socket.udp()`. Options set
 * before then are recorded and applied when the socket is created.
 *
 * Node reads datagrams as they arrive; they wait in a bounded queue (`maxQueued` datagrams,
 * `maxQueuedBytes` bytes) until `receive` takes them; what does not fit is dropped and
 * counted (`getStats().dropped`), as the kernel drops what overflows its receive buffer.
 *
 * @since 0.1.0
 */
import * as dgram from "node:dgram"
import * as fs from "node:fs"
import { isIP } from "node:net"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import type * as Scope from "effect/Scope"
import * as Address from "./Address.js"
import * as NetError from "./NetError.js"
import { describe } from "./internal/describe.js"
import { SocketBase } from "./internal/SocketBase.js"
import * as Wait from "./internal/Wait.js"
import { WaiterList } from "./internal/Waiters.js"
import * as Timeout from "./Timeout.js"

/** Which of LuaSocket's classes a UDP socket is. @since 0.1.0 */
export type Kind = "unconnected" | "connected"

/** Address family of a UDP socket; `unspec` until the first address decides it (`socket.udp()`). @since 0.1.0 */
export type Family = "inet" | "inet6" | "unspec"

/** `getsockname` / `getpeername` result. @since 0.1.0 */
export interface SocketAddress {
  readonly address: string
  readonly port: number
  /** LuaSocket's getsockname spelling: `"inet"` or `"inet6"`. */
  readonly family: "inet" | "inet6"
}

/** One received datagram (`receivefrom`): the data (truncated to the size asked) and its sender. @since 0.1.0 */
export interface Datagram {
  readonly data: Uint8Array
  readonly address: string
  readonly port: number
}

/** `getStats()` result (LuaSocket's UDP objects have no getstats; this one is the core's own). @since 0.1.0 */
export interface Stats {
  /** Bytes handed out by receive/receivefrom (after truncation). */
  readonly received: number
  /** Bytes sent. */
  readonly sent: number
  /** Datagrams taken by receive/receivefrom. */
  readonly datagramsReceived: number
  /** Datagrams sent. */
  readonly datagramsSent: number
  /** Datagrams that arrived while the queue was full, and were dropped. */
  readonly dropped: number
  /** Datagrams waiting in the queue now. */
  readonly queued: number
  /** Seconds since the socket was opened. */
  readonly age: number
}

/** `ip-add-membership` / `ip-drop-membership` value: an IPv4 group and the local interface address (or `"*"`). @since 0.1.0 */
export interface Membership {
  readonly multiaddr: string
  readonly interface: string
}

/** `ipv6-add-membership` / `ipv6-drop-membership` value: an IPv6 group and an interface index (0 or absent = any). @since 0.1.0 */
export interface Membership6 {
  readonly multiaddr: string
  readonly interface?: number | undefined
}

/** What `getoption` can return. @since 0.1.0 */
export type OptionValue = boolean | number | string | undefined

/** Options for `open` (and the `bind` / `connect` shortcuts). @since 0.1.0 */
export interface OpenOptions {
  /** `inet` = `socket.udp4()`, `inet6` = `socket.udp6()` (ipv6-v6only on), `unspec` = `socket.udp()` (the default). */
  readonly family?: Family
  /** Datagrams that may wait for `receive`; more are dropped and counted. Default 1024. */
  readonly maxQueued?: number
  /** Bytes that may wait for `receive`; more are dropped and counted. Default 4 MiB. */
  readonly maxQueuedBytes?: number
  readonly timeout?: Timeout.TimeoutPolicy
}

/** `socket._DATAGRAMSIZE`: the default size of `receive` / `receivefrom`. @since 0.1.0 */
export const datagramSize = 8192

const transport = "udp" as const
const EMPTY = new Uint8Array(0)

// ---- pure pieces --------------------------------------------------------------------------

/**
 * The part of a datagram that `receive(size)` returns: the first `size` bytes; the rest
 * of the datagram is discarded (spec section 1, "UDP").
 *
 * @since 0.1.0
 */
export const truncate = (datagram: Uint8Array, size: number): Uint8Array =>
  datagram.length <= size ? datagram : datagram.subarray(0, size)

/**
 * A receive size: a finite number >= 0, fractions dropped (as Lua's integer conversion does).
 *
 * @since 0.1.0
 */
export const parseSize = (size: unknown, operation: string): Either.Either<number, NetError.InvalidArgument> => {
  const n = validSize(size)
  return n < 0 ? Either.left(badSize(size, operation)) : Either.right(n)
}

/** `parseSize` without the Either: the size, or -1 when it is not a valid receive size. */
const validSize = (size: unknown): number => (typeof size === "number" && Number.isFinite(size) && size >= 0 ? Math.floor(size) : -1)

const badSize = (size: unknown, operation: string): NetError.InvalidArgument =>
  new NetError.InvalidArgument({ operation, transport, detail: `bad size ${describe(size)}: expected a number >= 0 (default ${datagramSize})` })

/**
 * A FIFO of datagrams bounded both in count and in bytes. `offer` refuses (and counts
 * in `dropped`) what does not fit; nothing is ever dropped silently.
 *
 * @since 0.1.0
 */
export class DatagramQueue {
  private items: Array<Datagram | undefined> = []
  private head = 0
  /** Bytes of the datagrams in the queue. */
  bytes = 0
  /** Datagrams refused because the queue was full. */
  dropped = 0

  constructor(readonly maxCount: number, readonly maxBytes: number) {}

  get length(): number {
    return this.items.length - this.head
  }

  /** Appends `d` if it fits; otherwise counts it as dropped and returns false. */
  offer(d: Datagram): boolean {
    if (this.length >= this.maxCount || this.bytes + d.data.length > this.maxBytes) {
      this.dropped++
      return false
    }
    this.items.push(d)
    this.bytes += d.data.length
    return true
  }

  /** Removes and returns the oldest datagram. */
  take(): Datagram | undefined {
    if (this.head >= this.items.length) return undefined
    const d = this.items[this.head]!
    this.items[this.head++] = undefined
    this.bytes -= d.data.length
    if (this.head === this.items.length) {
      this.items = []
      this.head = 0
    } else if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head)
      this.head = 0
    }
    return d
  }

  clear(): void {
    this.items = []
    this.head = 0
    this.bytes = 0
  }
}

/** Every option name LuaSocket's UDP objects know (spec section 1, "Options"). @since 0.1.0 */
export type OptionName =
  | "dontroute"
  | "broadcast"
  | "reuseaddr"
  | "reuseport"
  | "ip-multicast-if"
  | "ip-multicast-ttl"
  | "ip-multicast-loop"
  | "ip-add-membership"
  | "ip-drop-membership"
  | "ipv6-unicast-hops"
  | "ipv6-multicast-hops"
  | "ipv6-multicast-loop"
  | "ipv6-add-membership"
  | "ipv6-drop-membership"
  | "ipv6-v6only"
  | "recv-buffer-size"
  | "send-buffer-size"
  | "error"

type ValueKind = "boolean" | "ttl" | "unicastHops" | "bufferSize" | "ipv4OrAny" | "membership" | "membership6" | "none"

interface OptionSpec {
  readonly value: ValueKind
  /** Which socket family the option belongs to (`any`: both). */
  readonly family: "any" | "inet" | "inet6"
  /** LuaSocket has a getter for it. */
  readonly get: boolean
  /** Why Node cannot set it, when it cannot at all. */
  readonly unsupported?: string
  /** Node takes it only when it creates the socket (before setsockname/setpeername/sendto). */
  readonly atCreation?: boolean
}

// Node 22.12 / 23.1 added dgram's reusePort; Node 20 has none.
const reusePortSupported = ((): boolean => {
  const [major = 0, minor = 0] = process.versions.node.split(".").map(Number)
  return major > 23 || (major === 23 && minor >= 1) || (major === 22 && minor >= 12)
})()

/**
 * The option table: value type, family, getter, and what Node can do with each.
 * The docs' UDP options table is this table.
 *
 * @since 0.1.0
 */
export const options: { readonly [K in OptionName]: OptionSpec } = {
  dontroute: { value: "boolean", family: "any", get: true, unsupported: "Node.js's dgram has no SO_DONTROUTE" },
  broadcast: { value: "boolean", family: "any", get: true },
  reuseaddr: { value: "boolean", family: "any", get: true, atCreation: true },
  reuseport: {
    value: "boolean",
    family: "any",
    get: true,
    atCreation: true,
    ...(reusePortSupported ? {} : { unsupported: `Node.js ${process.versions.node} has no SO_REUSEPORT for dgram (Node 22.12 and later do)` })
  },
  "ip-multicast-if": { value: "ipv4OrAny", family: "inet", get: true },
  "ip-multicast-ttl": { value: "ttl", family: "inet", get: false },
  "ip-multicast-loop": { value: "boolean", family: "inet", get: true },
  "ip-add-membership": { value: "membership", family: "inet", get: false },
  "ip-drop-membership": { value: "membership", family: "inet", get: false },
  "ipv6-unicast-hops": { value: "unicastHops", family: "inet6", get: true },
  "ipv6-multicast-hops": { value: "ttl", family: "inet6", get: true },
  "ipv6-multicast-loop": { value: "boolean", family: "inet6", get: true },
  "ipv6-add-membership": { value: "membership6", family: "inet6", get: false },
  "ipv6-drop-membership": { value: "membership6", family: "inet6", get: false },
  "ipv6-v6only": { value: "boolean", family: "inet6", get: true, atCreation: true },
  "recv-buffer-size": { value: "bufferSize", family: "any", get: true },
  "send-buffer-size": { value: "bufferSize", family: "any", get: true },
  error: { value: "none", family: "any", get: true }
}

const isOptionName = (name: unknown): name is OptionName => typeof name === "string" && Object.prototype.hasOwnProperty.call(options, name)

/** A decoded `setoption` call: what to apply to the socket. @since 0.1.0 */
export type OptionSetting =
  | { readonly _tag: "Flag"; readonly name: "dontroute" | "broadcast" | "reuseaddr" | "reuseport" | "ip-multicast-loop" | "ipv6-multicast-loop" | "ipv6-v6only"; readonly value: boolean }
  | { readonly _tag: "Int"; readonly name: "ip-multicast-ttl" | "ipv6-unicast-hops" | "ipv6-multicast-hops" | "recv-buffer-size" | "send-buffer-size"; readonly value: number }
  | { readonly _tag: "MulticastInterface"; readonly address: string }
  | { readonly _tag: "Membership"; readonly name: "ip-add-membership" | "ip-drop-membership"; readonly multiaddr: string; readonly interface: string | undefined }
  | { readonly _tag: "Membership6"; readonly name: "ipv6-add-membership" | "ipv6-drop-membership"; readonly multiaddr: string; readonly interfaceIndex: number }

/** An option's name as messages show it: as written when it is a string. */
const optionName = (name: unknown): string => (typeof name === "string" ? name : describe(name))

const isIPv4Multicast = (a: string): boolean => isIP(a) === 4 && Number(a.split(".")[0]) >= 224 && Number(a.split(".")[0]) <= 239
const isIPv6Multicast = (a: string): boolean => isIP(a) === 6 && /^ff/i.test(a)

/**
 * Decodes `setoption(name, value)` for a socket of `family` without touching any
 * socket: the name must be a UDP option, the value of its type (booleans are
 * booleans, integers are numbers, addresses numeric), the option of the socket's
 * family (an `unspec` socket takes only family-neutral options before its first
 * address decides the family), and settable through Node. Every refusal names the option.
 *
 * @since 0.1.0
 */
export const decodeOption = (name: string, value: unknown, family: Family): Either.Either<OptionSetting, NetError.NetError> => {
  const invalid = (detail: string) => Either.left(new NetError.InvalidArgument({ operation: "setoption", transport, detail }))
  const unsupported = (detail: string) => Either.left(new NetError.Unsupported({ operation: "setoption", transport, detail }))
  if (!isOptionName(name)) return invalid(`unknown option ${describe(name)} (UDP options: ${Object.keys(options).join(", ")})`)
  const spec = options[name]
  if (spec.value === "none") return invalid(`option ${name} can be read but not set`)
  if (spec.unsupported !== undefined) return unsupported(`option ${name}: ${spec.unsupported}`)
  if (spec.family !== "any") {
    if (family === "unspec" && name !== "ipv6-v6only") {
      return invalid(`option ${name} needs the socket's family: open it with family "${spec.family}" or call setsockname/setpeername first`)
    }
    if (spec.family === "inet6" && family === "inet") return invalid(`option ${name} needs an inet6 socket; this one is inet`)
    if (spec.family === "inet" && family === "inet6") {
      return unsupported(`option ${name} on an inet6 socket: Node.js applies multicast settings of an IPv6 socket to IPv6 (use the ipv6-* option)`)
    }
  }
  const int = (min: number, max: number): Either.Either<number, NetError.NetError> =>
    typeof value === "number" && Number.isInteger(value) && value >= min && value <= max
      ? Either.right(value)
      : invalid(`option ${name} needs an integer ${min}..${max}, got ${describe(value)}`)
  switch (spec.value) {
    case "boolean":
      return typeof value === "boolean"
        ? Either.right({ _tag: "Flag", name: name as Extract<OptionSetting, { _tag: "Flag" }>["name"], value })
        : invalid(`option ${name} needs a boolean, got ${describe(value)}`)
    case "ttl":
      // -1 = the kernel's default, which for both multicast TTLs is 1 (ip_setsockopt, ipv6_setsockopt).
      return Either.map(int(-1, 255), (n) => ({ _tag: "Int" as const, name: name as "ip-multicast-ttl", value: n === -1 ? 1 : n }))
    case "unicastHops":
      return Either.flatMap(int(-1, 255), (n) =>
        n < 1
          ? unsupported(`option ${name} = ${n}: Node.js's setTTL takes 1..255 (no reset to the route's default)`)
          : Either.right({ _tag: "Int" as const, name: "ipv6-unicast-hops" as const, value: n }))
    case "bufferSize":
      return Either.map(int(1, 2 ** 31 - 1), (n) => ({ _tag: "Int" as const, name: name as "recv-buffer-size", value: n }))
    case "ipv4OrAny":
      if (value === "*") return Either.right({ _tag: "MulticastInterface", address: "0.0.0.0" })
      return typeof value === "string" && isIP(value) === 4
        ? Either.right({ _tag: "MulticastInterface", address: value })
        : invalid(`option ${name} needs an IPv4 address or "*", got ${describe(value)}`)
    case "membership": {
      const m = value as Partial<Membership> | null
      if (typeof m !== "object" || m === null || Array.isArray(m)) return invalid(`option ${name} needs { multiaddr, interface }, got ${describe(value)}`)
      if (typeof m.multiaddr !== "string" || !isIPv4Multicast(m.multiaddr)) {
        return invalid(`option ${name}: multiaddr must be an IPv4 multicast address (224.0.0.0 to 239.255.255.255), got ${describe(m.multiaddr)}`)
      }
      if (m.interface !== "*" && (typeof m.interface !== "string" || isIP(m.interface) !== 4)) {
        return invalid(`option ${name}: interface must be an IPv4 address of this host or "*", got ${describe(m.interface)}`)
      }
      return Either.right({ _tag: "Membership", name: name as "ip-add-membership", multiaddr: m.multiaddr, interface: m.interface === "*" ? undefined : m.interface })
    }
    case "membership6": {
      const m = value as Partial<Membership6> | null
      if (typeof m !== "object" || m === null || Array.isArray(m)) return invalid(`option ${name} needs { multiaddr, interface? }, got ${describe(value)}`)
      if (typeof m.multiaddr !== "string" || !isIPv6Multicast(m.multiaddr)) {
        return invalid(`option ${name}: multiaddr must be an IPv6 multicast address (ff00::/8), got ${describe(m.multiaddr)}`)
      }
      if (m.interface !== undefined && (typeof m.interface !== "number" || !Number.isInteger(m.interface) || m.interface < 0)) {
        return invalid(`option ${name}: interface must be an interface index (an integer >= 0, 0 = any), got ${describe(m.interface)}`)
      }
      return Either.right({ _tag: "Membership6", name: name as "ipv6-add-membership", multiaddr: m.multiaddr, interfaceIndex: m.interface ?? 0 })
    }
  }
}

// ---- Node handle access ---------------------------------------------------------------------

// The descriptor sits on dgram's internal handle (state symbol -> handle.fd); `_handle` is
// deprecated (DEP0112). Feature-detected once; without it getfd() is -1.
let stateSymbol: symbol | null | undefined
const fdOf = (s: dgram.Socket): number => {
  if (stateSymbol === undefined) stateSymbol = Object.getOwnPropertySymbols(s).find((x) => x.description === "state symbol") ?? null
  if (stateSymbol === null) return -1
  const state = (s as unknown as Record<symbol, { handle?: { fd?: unknown } | null } | undefined>)[stateSymbol]
  const fd = state?.handle?.fd
  return typeof fd === "number" && fd >= 0 ? fd : -1
}

/**
 * Shortcuts past `node:dgram`, each on by default and switchable (tests run both ways;
 * they need the descriptor, found through dgram's internal handle, and fall back to the
 * dgram path without it):
 * - `drainReceive`: a `receive` that finds the queue empty reads the next datagram from the
 *   descriptor itself (`fs.readSync` into a reused buffer, then a copy of what the size asks
 *   for): what LuaSocket's `receive` does (recv(2), no sender address). Only `receive`
 *   does this, never `receivefrom` (read(2) gives no address), and only when the queue is
 *   empty (everything Node has read is older than what is still in the kernel), so the
 *   order and the addresses of `receivefrom` are kept. After each wake-up from Node's
 *   'message' event, a receive loop thus drains the kernel without one event per datagram.
 *   `EFFECT_LUASOCKET_NO_UDP_DRAIN=1` turns it off.
 * - `directSend`: `send` on a connected socket writes the datagram with one `fs.writeSync`
 *   (write(2) on a connected socket goes to the peer) and completes without waiting for
 *   Node's callback; EAGAIN, an empty datagram, or sends of Node's still in flight (their
 *   order is kept) go through `dgram`. `EFFECT_LUASOCKET_NO_UDP_DIRECT_SEND=1` turns it off.
 *
 * @since 0.1.0
 */
export const fastPaths = {
  drainReceive: process.env.EFFECT_LUASOCKET_NO_UDP_DRAIN === undefined,
  directSend: process.env.EFFECT_LUASOCKET_NO_UDP_DIRECT_SEND === undefined
}

/** The largest read a receive needs: no UDP datagram is larger (65,507 bytes over IPv4, 65,527 over IPv6). */
const MAX_DATAGRAM = 65536

/** The reused buffer of `drainReceive` (shared by every socket: reads are synchronous); grown to the largest size asked. */
let scratch: Buffer | undefined

const scratchOf = (want: number): Buffer => {
  if (scratch === undefined || scratch.length < want) scratch = Buffer.allocUnsafe(Math.max(want, datagramSize))
  return scratch
}

/** A view of the first bytes of the scratch buffer, kept while datagrams have its length. */
let scratchView: Uint8Array = EMPTY

/** The first `n` bytes of `buf` (the scratch buffer) as a new Buffer (from Node's pool when small). */
const copyOut = (buf: Buffer, n: number): Buffer => {
  if (scratchView.length !== n || scratchView.buffer !== buf.buffer) scratchView = new Uint8Array(buf.buffer, buf.byteOffset, n)
  const out = Buffer.allocUnsafe(n)
  out.set(scratchView)
  return out
}

/**
 * A drain that found fewer than 2 datagrams before the kernel's EAGAIN was not worth it:
 * an empty read costs an exception (~6 us), more than a datagram through Node's 'message'
 * event. The next kernel read is then tried only after 4 datagrams came through 'message'
 * (the queue), then 8, 16, ... up to `MAX_RETRY_AFTER`; a drain that finds 2 or more makes
 * the next empty queue try the kernel at once again. So a socket that gets one datagram at
 * a time (request / response) pays the exception about once per 64 datagrams, and a flood
 * is drained after at most 64 datagrams through 'message'.
 */
const MIN_RETRY_AFTER = 4
const MAX_RETRY_AFTER = 64

/**
 * Consecutive kernel reads before a receive goes back to the event loop once (the wait
 * ends at Node's next 'message'): a flood that never empties the kernel's buffer must
 * not starve timers and other sockets.
 */
const MAX_DRAIN_RUN = 256

const isWouldBlock = (code: unknown): boolean => code === "EAGAIN" || code === "EWOULDBLOCK" || code === "EINTR"

/** Error.stackTraceLimit set to 0 around a sync call whose errors are expected (EAGAIN): its exception is cheaper. */
const stackLimitWritable = ((): boolean => {
  const d = Object.getOwnPropertyDescriptor(Error, "stackTraceLimit")
  return d !== undefined && d.writable === true
})()

/** Addresses given to Node are always numeric: no lookup, so bind and connect finish synchronously. */
const numericLookup = (address: string, family: number, callback: (err: Error | null, address: string, family: number) => void): void =>
  callback(null, address, family)

/** Linux interface index -> name (libuv takes IPv6 interfaces as `::%name`). */
const interfaceName = (index: number): string | undefined => {
  try {
    for (const name of fs.readdirSync("/sys/class/net")) {
      if (Number(fs.readFileSync(`/sys/class/net/${name}/ifindex`, "utf8").trim()) === index) return name
    }
  } catch {
    // not Linux: no way to map an index from Node
  }
  return undefined
}

const familyOfNode = (f: string | number | undefined): "inet" | "inet6" => (f === "IPv6" || f === 6 ? "inet6" : "inet")

const ignore = () => {}

const safeClose = (s: dgram.Socket): void => {
  s.on("error", ignore)
  try {
    s.close()
  } catch {
    // already closed
  }
}

/** Values of the options this core tracks, with LuaSocket's (Linux's) defaults. */
interface Tracked {
  dontroute: boolean
  broadcast: boolean
  reuseaddr: boolean
  reuseport: boolean
  "ip-multicast-if": string
  "ip-multicast-ttl": number
  "ip-multicast-loop": boolean
  "ipv6-unicast-hops": number
  "ipv6-multicast-hops": number
  "ipv6-multicast-loop": boolean
  "ipv6-v6only": boolean
  "recv-buffer-size": number | undefined
  "send-buffer-size": number | undefined
}

/**
 * One UDP socket in either of LuaSocket's states.
 *
 * @since 0.1.0
 */
export class UdpSocket extends SocketBase {
  /** LuaSocket class: unconnected or connected. */
  kind: Kind = "unconnected"
  family: Family
  private socket: dgram.Socket | undefined
  private creating = false
  private readonly queue: DatagramQueue
  private pendingError: NetError.NetError | undefined
  private readonly receiveWaiters = new WaiterList()
  private readonly tracked: Tracked = {
    dontroute: false,
    broadcast: false,
    reuseaddr: false,
    reuseport: false,
    "ip-multicast-if": "0.0.0.0",
    "ip-multicast-ttl": 1,
    "ip-multicast-loop": true,
    "ipv6-unicast-hops": 64,
    "ipv6-multicast-hops": 1,
    "ipv6-multicast-loop": true,
    "ipv6-v6only": true,
    "recv-buffer-size": undefined,
    "send-buffer-size": undefined
  }
  /** Settings made before the Node socket exists, applied in order when it is created. */
  private deferred: Array<OptionSetting> = []
  private stats = { received: 0, sent: 0, datagramsReceived: 0, datagramsSent: 0 }
  private readonly birth = performance.now()
  /** The descriptor while the Node socket is open (-1 before it exists and from `close` on): never read or written after close. */
  private fd = -1
  /** Sends handed to `dgram` whose callback has not come yet (`directSend` waits for them, to keep the order). */
  private nodeSends = 0
  /** Datagrams through 'message' before the next kernel read (0: at once; see `MIN_RETRY_AFTER`). */
  private retryAfter = 0
  /** Datagrams through 'message' since the last kernel read. */
  private messagesSinceRead = 0
  /** Kernel reads since the last wait (see `MAX_DRAIN_RUN`). */
  private drainRun = 0

  constructor(options: OpenOptions = {}) {
    super()
    this.family = options.family ?? "unspec"
    this.timeoutPolicy = options.timeout ?? Timeout.infinite
    this.queue = new DatagramQueue(options.maxQueued ?? 1024, options.maxQueuedBytes ?? 4 * 1024 * 1024)
  }

  // ---- state -------------------------------------------------------------------------------

  /** LuaSocket's `tostring` class name: `udp{unconnected}` or `udp{connected}`. */
  get className(): string {
    return `udp{${this.kind}}`
  }

  /** `getfamily()`: `inet4` or `inet6` (an undecided `socket.udp()` says `inet4`, as LuaSocket). */
  getFamily(): "inet4" | "inet6" {
    return this.family === "inet6" ? "inet6" : "inet4"
  }

  /** `getfd()`: the descriptor, -1 when closed or before the socket exists. */
  getFd(): number {
    return this.closed || this.socket === undefined ? -1 : fdOf(this.socket)
  }

  /** `dirty()`: always false for UDP (no user-space read buffer in LuaSocket). */
  get dirty(): boolean {
    return false
  }

  /** For select: a receive would not wait (a datagram is queued, or an error is pending). */
  get readable(): boolean {
    return !this.closed && (this.queue.length > 0 || this.pendingError !== undefined)
  }

  /** Receives waiting for a datagram now (0 once they finished or were interrupted). */
  get waitingReceives(): number {
    return this.receiveWaiters.length
  }

  /** For select: a send would not wait (Node never makes a datagram send wait). */
  get writable(): boolean {
    return !this.closed
  }

  getStats(): Stats {
    return { ...this.stats, dropped: this.queue.dropped, queued: this.queue.length, age: (performance.now() - this.birth) / 1000 }
  }

  private badFd(operation: string): NetError.NetError {
    return new NetError.Unknown({ operation, transport, code: "EBADF", detail: "the socket has no descriptor yet (setsockname, setpeername or sendto first) or is closed" })
  }

  private wrongClass(operation: string, needed: Kind): NetError.NetError {
    return new NetError.InvalidArgument({ operation, transport, detail: `${operation} needs a udp{${needed}} but this socket is ${this.className}` })
  }

  /** `getsockname()`: the bound address; EBADF before the socket exists or after close. */
  getSockName(): Either.Either<SocketAddress, NetError.NetError> {
    const s = this.socket
    if (this.closed || s === undefined) return Either.left(this.badFd("getsockname"))
    try {
      const a = s.address()
      return Either.right({ address: a.address, port: a.port, family: familyOfNode(a.family) })
    } catch (err) {
      return Either.left(NetError.fromCause(err, { operation: "getsockname", transport }))
    }
  }

  /** `getpeername()`: the peer of a connected socket; NotConnected on an unconnected one. */
  getPeerName(): Either.Either<SocketAddress, NetError.NetError> {
    const s = this.socket
    if (this.closed) return Either.left(this.badFd("getpeername"))
    if (this.kind !== "connected" || s === undefined) return Either.left(new NetError.NotConnected({ operation: "getpeername", transport, code: "ENOTCONN" }))
    try {
      const a = s.remoteAddress()
      return Either.right({ address: a.address, port: a.port, family: familyOfNode(a.family) })
    } catch (err) {
      return Either.left(NetError.fromCause(err, { operation: "getpeername", transport }))
    }
  }

  // ---- creating the Node socket --------------------------------------------------------------

  /** Host and port as `setsockname` / `setpeername` take them: the endpoints to try, in order. */
  private endpoints(
    operation: string,
    hostInput: string,
    portInput: number | string
  ): Effect.Effect<{ readonly addresses: ReadonlyArray<{ readonly family: "inet" | "inet6"; readonly address: string }>; readonly port: number }, NetError.NetError> {
    const h = Address.parseHost(hostInput, operation)
    if (Either.isLeft(h)) return Effect.fail(NetError.make("InvalidArgument", { ...h.left, transport }))
    const host = h.right
    if (host._tag === "Unix") return Effect.fail(new NetError.InvalidArgument({ operation, transport, address: hostInput, detail: "a UDP socket takes an IP address or a host name, not a unix path" }))
    const p = Address.parsePort(portInput, operation)
    if (Either.isLeft(p)) return Effect.fail(NetError.make("InvalidArgument", { ...p.left, transport }))
    const port = p.right
    if (host._tag === "Ip") {
      if (this.family !== "unspec" && this.family !== host.family) return Effect.fail(this.familyMismatch(operation, host.address))
      return Effect.succeed({ addresses: [{ family: host.family, address: host.address }], port })
    }
    return Effect.map(Address.resolve(host, this.family, operation), (addresses) => ({ addresses, port }))
  }

  /** An address of the other family: getaddrinfo's EAI_ADDRFAMILY, as LuaSocket reports it. */
  private familyMismatch(operation: string, address: string): NetError.NetError {
    return new NetError.InvalidArgument({
      operation,
      transport,
      address,
      code: "EAI_ADDRFAMILY",
      detail: `an ${isIP(address) === 6 ? "IPv6" : "IPv4"} address on an ${this.family} socket (open the socket with the family of the address)`
    })
  }

  /**
   * Creates the Node socket of `family`, binds it to `address:port` and applies the
   * recorded options. Synchronous: addresses are numeric, so Node's bind completes (or
   * emits its error) inside the call.
   */
  private create(operation: string, family: "inet" | "inet6", address: string, port: number): NetError.NetError | undefined {
    if (this.closed) return new NetError.Closed({ operation, transport })
    if (this.socket !== undefined || this.creating) return new NetError.InvalidArgument({ operation, transport, code: "EINVAL" })
    const display = Address.format(address, port)
    this.creating = true
    let sock: dgram.Socket | undefined
    try {
      sock = dgram.createSocket({
        type: family === "inet6" ? "udp6" : "udp4",
        reuseAddr: this.tracked.reuseaddr,
        ...(family === "inet6" ? { ipv6Only: this.tracked["ipv6-v6only"] } : {}),
        ...(reusePortSupported && this.tracked.reuseport ? { reusePort: true } : {}),
        lookup: numericLookup
      } as unknown as dgram.SocketOptions)
      let failure: unknown
      let listening = false
      const onError = (err: unknown) => {
        failure ??= err
      }
      sock.on("error", onError)
      sock.once("listening", () => {
        listening = true
      })
      try {
        sock.bind({ port, address, exclusive: true })
      } catch (err) {
        failure ??= err
      }
      sock.off("error", onError)
      if (failure !== undefined || !listening) {
        safeClose(sock)
        return failure !== undefined
          ? NetError.fromCause(failure, { operation, address: display, transport })
          : new NetError.Unknown({ operation, address: display, transport, detail: "Node.js did not bind the socket synchronously" })
      }
      const prevFamily = this.family
      this.socket = sock
      this.family = family
      this.fd = fdOf(sock)
      sock.on("message", (msg: Buffer, rinfo: dgram.RemoteInfo) => this.onMessage(msg, rinfo))
      sock.on("error", (err: Error) => this.onError(err))
      const applyFailure = this.applyRecorded(sock)
      if (applyFailure !== undefined) {
        this.socket = undefined
        this.fd = -1
        this.family = prevFamily
        safeClose(sock)
        return applyFailure
      }
      return undefined
    } catch (err) {
      if (sock !== undefined && this.socket !== sock) safeClose(sock)
      return NetError.fromCause(err, { operation, address: display, transport })
    } finally {
      this.creating = false
    }
  }

  /**
   * Applies what was set before the socket existed (in the order it was set). When
   * one fails, the half-built socket is closed and that setting (only) is dropped from
   * the record, its error reported: the next attempt (another address, another call)
   * applies the rest again, so no recorded option is silently lost.
   */
  private applyRecorded(sock: dgram.Socket): NetError.NetError | undefined {
    for (let i = 0; i < this.deferred.length; i++) {
      const e = this.apply(sock, this.deferred[i]!)
      if (e !== undefined) {
        this.deferred.splice(i, 1)
        return e
      }
    }
    this.deferred = []
    return undefined
  }

  /** The any address of the socket's family, port 0: where sendto / setpeername bind an unbound socket. */
  private ensureSocket(operation: string, family: "inet" | "inet6"): NetError.NetError | undefined {
    if (this.socket !== undefined) return undefined
    return this.create(operation, family, Address.anyAddress(family), 0)
  }

  private onMessage(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    if (this.closed) return
    this.messagesSinceRead++
    if (this.queue.offer({ data: msg, address: rinfo.address, port: rinfo.port })) this.wakeReceivers()
  }

  private onError(err: Error): void {
    if (this.closed) return
    // e.g. ECONNREFUSED from recvmsg on a connected socket: reported by the next receive (SO_ERROR).
    this.pendingError = NetError.fromCause(err, { operation: "receive", transport, address: this.describePeer() })
    this.wakeReceivers()
  }

  private describePeer(): string | undefined {
    const p = this.getPeerName()
    return Either.isRight(p) ? Address.format(p.right.address, p.right.port) : undefined
  }

  private wakeReceivers(): void {
    this.readiness.notify()
    this.receiveWaiters.wakeAll()
  }

  // ---- naming ----------------------------------------------------------------------------------

  /**
   * `setsockname(host, port)`: binds an unconnected socket that has no address yet;
   * `"*"` = any address of the family. Names are resolved and tried in order.
   */
  setsockname(host: string, port: number | string = 0): Effect.Effect<void, NetError.NetError> {
    return Effect.suspend(() => {
      if (this.closed) return Effect.fail(new NetError.Closed({ operation: "setsockname", transport }))
      if (this.kind !== "unconnected") return Effect.fail(this.wrongClass("setsockname", "unconnected"))
      // Already bound (explicitly, or by sendto): the kernel's EINVAL (lua: nil, "Invalid argument").
      if (this.socket !== undefined) return Effect.fail(new NetError.InvalidArgument({ operation: "setsockname", transport, code: "EINVAL" }))
      if (host === "*") {
        const p = Address.parsePort(port, "setsockname")
        if (Either.isLeft(p)) return Effect.fail(NetError.make("InvalidArgument", { ...p.left, transport }))
        const family = this.family === "inet6" ? "inet6" : "inet"
        const e = this.create("setsockname", family, Address.anyAddress(family), p.right)
        return e === undefined ? Effect.void : Effect.fail(e)
      }
      return Effect.flatMap(this.endpoints("setsockname", host, port), ({ addresses, port }) =>
        Address.firstSuccess("setsockname", addresses, (a) =>
          Effect.suspend(() => {
            const e = this.create("setsockname", a.family, a.address, port)
            return e === undefined ? Effect.void : Effect.fail(e)
          })))
    })
  }

  /**
   * `setpeername(host, port)`: connects (the socket becomes `udp{connected}`; a
   * connected one is reconnected); `setpeername("*")` disconnects back to unconnected.
   * An unbound socket is first bound to the any address of the peer's family.
   */
  setpeername(host: string, port: number | string = 0): Effect.Effect<void, NetError.NetError> {
    return Effect.suspend(() => {
      if (this.closed) return Effect.fail(new NetError.Closed({ operation: "setpeername", transport }))
      if (host === "*") {
        this.disconnect()
        return Effect.void
      }
      return Effect.flatMap(this.endpoints("setpeername", host, port), ({ addresses, port }) => {
        if (port === 0) {
          return Effect.fail(new NetError.Unsupported({ operation: "setpeername", transport, address: host, detail: "Node.js's dgram cannot connect to port 0" }))
        }
        return Address.firstSuccess("setpeername", addresses, (a) => this.connectTo(a.family, a.address, port))
      })
    })
  }

  private disconnect(): void {
    if (this.kind !== "connected") return
    this.kind = "unconnected"
    try {
      this.socket?.disconnect()
    } catch {
      // not connected at Node's level: nothing to undo
    }
  }

  private connectTo(family: "inet" | "inet6", address: string, port: number): Effect.Effect<void, NetError.NetError> {
    const display = Address.format(address, port)
    return Effect.suspend(() => {
      const e = this.ensureSocket("setpeername", family)
      if (e !== undefined) return Effect.fail(e)
      const sock = this.socket!
      if (this.family !== family) return Effect.fail(this.familyMismatch("setpeername", address))
      this.disconnect()
      // Node connects synchronously (numeric lookup) and calls back on the next tick;
      // uninterruptible so that `kind` always says what the kernel did.
      return Effect.uninterruptible(
        Effect.async<void, NetError.NetError>((resume) => {
          try {
            sock.connect(port, address, (err?: Error) => {
              if (err) {
                resume(Effect.fail(NetError.fromCause(err, { operation: "setpeername", address: display, transport })))
              } else if (this.closed || this.socket !== sock) {
                resume(Effect.fail(new NetError.Closed({ operation: "setpeername", address: display, transport })))
              } else {
                this.kind = "connected"
                resume(Effect.void)
              }
            })
          } catch (err) {
            resume(Effect.fail(NetError.fromCause(err, { operation: "setpeername", address: display, transport })))
          }
        })
      )
    })
  }

  // ---- sending ---------------------------------------------------------------------------------

  /**
   * `send(data)` on a connected socket: succeeds with the number of bytes sent
   * (LuaSocket returns the count, not 1). A closed socket fails with `Closed`, whose
   * Lua string is `refused` (spec section 6).
   */
  send(data: Uint8Array): Effect.Effect<number, NetError.NetError> {
    return Effect.suspend(() => {
      if (this.closed) return Effect.fail(new NetError.Closed({ operation: "send", transport }))
      if (this.kind !== "connected" || this.socket === undefined) return Effect.fail(this.wrongClass("send", "connected"))
      if (fastPaths.directSend && this.fd >= 0 && this.nodeSends === 0 && data instanceof Uint8Array && data.length > 0) {
        const direct = this.writeDirect(data)
        if (direct !== undefined) return direct
      }
      return this.sendVia(this.socket, "send", data, undefined, undefined)
    })
  }

  /**
   * `directSend`: one write(2) of the datagram on the connected descriptor. Undefined when the
   * kernel's buffer is full (EAGAIN): then `dgram` queues it. Other errors (ECONNREFUSED
   * reported by an earlier ICMP, EMSGSIZE, ...) are this send's, as from `dgram`'s send.
   */
  private writeDirect(data: Uint8Array): Effect.Effect<number, NetError.NetError> | undefined {
    let n: number
    try {
      n = fs.writeSync(this.fd, data, 0, data.length, null)
    } catch (err) {
      if (isWouldBlock((err as { code?: unknown } | null)?.code)) return undefined
      return Effect.fail(NetError.fromCause(err, { operation: "send", address: this.describePeer(), transport }))
    }
    this.stats.sent += n
    this.stats.datagramsSent++
    // a loop of sends of one size makes one result
    if (this.lastSentCount !== n) {
      this.lastSentCount = n
      this.lastSent = Effect.succeed(n)
    }
    return this.lastSent
  }

  /** The result of the last direct send and its count. */
  private lastSent: Effect.Effect<number> = Effect.succeed(0)
  private lastSentCount = 0

  /**
   * `sendto(data, ip, port)` on an unconnected socket: `ip` must be numeric (a host name
   * fails with `InvalidArgument` code EAI_NONAME, Lua string "Name or service not known");
   * `"*"` is the any address. An unbound socket is first bound to the any address, port 0.
   */
  sendto(data: Uint8Array, ip: string, port: number | string): Effect.Effect<number, NetError.NetError> {
    return Effect.suspend(() => {
      if (this.closed) return Effect.fail(new NetError.Closed({ operation: "sendto", transport }))
      if (this.kind !== "unconnected") return Effect.fail(this.wrongClass("sendto", "unconnected"))
      const v = ip === "*" ? (this.family === "inet6" ? 6 : 4) : typeof ip === "string" ? isIP(ip) : 0
      if (v === 0) {
        return Effect.fail(
          new NetError.InvalidArgument({
            operation: "sendto",
            transport,
            address: typeof ip === "string" ? ip : describe(ip),
            code: "EAI_NONAME",
            detail: `sendto needs a numeric IP address, got ${describe(ip)} (resolve names first, e.g. with Address.resolve, or use setpeername)`
          })
        )
      }
      const address = ip === "*" ? Address.anyAddress(v === 6 ? "inet6" : "inet") : ip
      const p = Address.parsePort(port, "sendto")
      if (Either.isLeft(p)) return Effect.fail(NetError.make("InvalidArgument", { ...p.left, transport, address, code: "EAI_SERVICE" }))
      // The kernel refuses port 0 as a destination (lua: nil, "Invalid argument").
      if (p.right === 0) return Effect.fail(new NetError.InvalidArgument({ operation: "sendto", transport, address: Address.format(address, 0), code: "EINVAL" }))
      const family = v === 6 ? "inet6" : "inet"
      if (this.family !== "unspec" && this.family !== family) return Effect.fail(this.familyMismatch("sendto", address))
      const e = this.ensureSocket("sendto", family)
      if (e !== undefined) return Effect.fail(e)
      return this.sendVia(this.socket!, "sendto", data, p.right, address)
    })
  }

  private sendVia(sock: dgram.Socket, operation: string, data: Uint8Array, port: number | undefined, address: string | undefined): Effect.Effect<number, NetError.NetError> {
    if (!(data instanceof Uint8Array)) return Effect.fail(new NetError.InvalidArgument({ operation, transport, detail: `bad data ${describe(data)}: expected a Uint8Array` }))
    const display = address !== undefined && port !== undefined ? Address.format(address, port) : undefined
    // Node hands the datagram to the kernel at once (or queues it in libuv when the kernel's
    // buffer is full) and calls back on the next tick; a datagram send never waits for a timeout.
    return Effect.async<number, NetError.NetError>((resume) => {
      const done = (err: Error | null, bytes?: number) => {
        this.nodeSends--
        if (err) {
          resume(Effect.fail(NetError.fromCause(err, { operation, address: display ?? this.describePeer(), transport })))
          return
        }
        const n = bytes ?? data.length
        this.stats.sent += n
        this.stats.datagramsSent++
        resume(Effect.succeed(n))
      }
      this.nodeSends++
      try {
        if (port === undefined) sock.send(data, done)
        else sock.send(data, port, address, done)
      } catch (err) {
        this.nodeSends--
        resume(Effect.fail(NetError.fromCause(err, { operation, address: display, transport })))
      }
    })
  }

  // ---- receiving -------------------------------------------------------------------------------

  /**
   * `receive(size = 8192)`: the next datagram's first `size` bytes (the rest of it is
   * discarded); a zero-length datagram gives empty bytes. Waits within the timeout policy
   * (or `policy`); timeout 0 = do not wait.
   */
  receive(size: number = datagramSize, policy?: Timeout.TimeoutPolicy): Effect.Effect<Uint8Array, NetError.NetError> {
    return Effect.suspend(() => {
      const n = validSize(size)
      if (n < 0) return Effect.fail(badSize(size, "receive"))
      if (policy !== undefined) {
        const badPolicy = Timeout.checkPolicy(policy, "receive")
        if (badPolicy !== undefined) return Effect.fail(badPolicy)
      }
      // The synchronous path: a queued datagram, a pending error, or one read from the kernel.
      const now = this.takeData(n)
      if (now !== undefined) return now instanceof Uint8Array ? Effect.succeed(now) : Effect.fail(now)
      this.drainRun = 0
      return Wait.loop<Uint8Array, NetError.NetError>(policy ?? this.timeoutPolicy, {
        signal: this.receiveWaiters,
        ready: this.receiveReady,
        step: () => {
          const r = this.takeData(n)
          if (r === undefined) {
            this.drainRun = 0
            return undefined
          }
          return r instanceof Uint8Array ? Effect.succeed(r) : Effect.fail(r)
        },
        onTimeout: () => new NetError.Timeout({ operation: "receive", transport })
      })
    })
  }

  /**
   * `receive(size)` under a policy that never waits (`block` or `total` zero: LuaSocket's
   * `settimeout(0)`), outside Effect: the same datagram or typed failure at once, `Timeout`
   * when none is there, whatever the socket's own policy. For facades and polling loops
   * (a game loop's `udp:receive()` per frame): no fiber for the answer "not yet".
   */
  receivePollOrTimeout(size: number = datagramSize): Uint8Array | NetError.NetError {
    const n = validSize(size)
    if (n < 0) return badSize(size, "receive")
    const now = this.takeData(n)
    if (now !== undefined) return now
    this.drainRun = 0
    return new NetError.Timeout({ operation: "receive", transport })
  }

  /** `receivefrom(size)` under a policy that never waits, outside Effect (as `receivePollOrTimeout`). */
  receivefromPollOrTimeout(size: number = datagramSize): Datagram | NetError.NetError {
    if (this.kind !== "unconnected" && !this.closed) return this.wrongClass("receivefrom", "unconnected")
    const parsed = parseSize(size, "receivefrom")
    if (Either.isLeft(parsed)) return parsed.left
    return this.takeNow("receivefrom", parsed.right) ?? new NetError.Timeout({ operation: "receivefrom", transport })
  }

  /** A receive (or receivefrom) would end now: closed, an error pending, a datagram queued. */
  private readonly receiveReady = (): boolean => this.closed || this.pendingError !== undefined || this.queue.length > 0

  /**
   * `receive`'s synchronous step: the next queued datagram's first `size` bytes, the pending
   * error, a datagram read from the kernel (`drainReceive`), or undefined (wait).
   */
  private takeData(size: number): Uint8Array | NetError.NetError | undefined {
    if (this.closed) return new NetError.Closed({ operation: "receive", transport })
    const err = this.pendingError
    if (err !== undefined) {
      this.pendingError = undefined
      return NetError.make(err._tag, { ...err, cause: err.cause, operation: "receive" })
    }
    const d = this.queue.take()
    if (d !== undefined) {
      const data = size === 0 ? EMPTY : truncate(d.data, size)
      this.stats.received += data.length
      this.stats.datagramsReceived++
      return data
    }
    return this.fd >= 0 && fastPaths.drainReceive ? this.readKernel(size) : undefined
  }

  /**
   * `drainReceive`: one datagram read from the descriptor (the queue is empty: nothing Node
   * has read is waiting, so this is the oldest datagram), its first `size` bytes copied out
   * of the reused buffer; the kernel discards the rest of a longer datagram, as recv(2) does
   * for LuaSocket. Undefined when the kernel has none (EAGAIN), when it probably has none
   * (see `MIN_RETRY_AFTER`) or after `MAX_DRAIN_RUN` reads in a row. Any other error
   * becomes the pending error, as Node's 'error' event does, and is this receive's.
   */
  private readKernel(size: number): Uint8Array | NetError.NetError | undefined {
    if (this.drainRun === 0) {
      // the first read after a wait
      if (this.messagesSinceRead < this.retryAfter) return undefined
    } else if (this.drainRun >= MAX_DRAIN_RUN) {
      this.retryAfter = 0
      return undefined
    }
    this.messagesSinceRead = 0
    // read(2) with length 0 is not a receive (Node does not even call it): 1 byte consumes the datagram.
    const want = size === 0 ? 1 : size < MAX_DATAGRAM ? size : MAX_DATAGRAM
    const buf = scratchOf(want)
    let got: number
    const limit = Error.stackTraceLimit
    try {
      if (stackLimitWritable) Error.stackTraceLimit = 0
      got = fs.readSync(this.fd, buf, 0, want, null)
    } catch (err) {
      if (isWouldBlock((err as { code?: unknown } | null)?.code)) {
        this.retryAfter = this.drainRun >= 2 ? 0 : Math.min(MAX_RETRY_AFTER, Math.max(MIN_RETRY_AFTER, this.retryAfter * 2))
        this.drainRun = 0
        return undefined
      }
      this.drainRun = 0
      this.onError(err as Error)
      return this.takeData(size)
    } finally {
      if (stackLimitWritable) Error.stackTraceLimit = limit
    }
    this.drainRun++
    const data = size === 0 || got === 0 ? EMPTY : copyOut(buf, got)
    this.stats.received += data.length
    this.stats.datagramsReceived++
    return data
  }

  /** `receivefrom(size = 8192)` on an unconnected socket: data, sender address and port. */
  receivefrom(size: number = datagramSize, policy?: Timeout.TimeoutPolicy): Effect.Effect<Datagram, NetError.NetError> {
    return Effect.suspend(() => (this.kind !== "unconnected" && !this.closed ? Effect.fail(this.wrongClass("receivefrom", "unconnected")) : this.receiveDatagram("receivefrom", size, policy)))
  }

  /** The next datagram or pending error, if there is one now; undefined when a receive must wait. */
  private takeNow(operation: string, size: number): Datagram | NetError.NetError | undefined {
    if (this.closed) return new NetError.Closed({ operation, transport })
    const err = this.pendingError
    if (err !== undefined) {
      this.pendingError = undefined
      return NetError.make(err._tag, { ...err, cause: err.cause, operation })
    }
    const d = this.queue.take()
    if (d === undefined) return undefined
    const data = size === 0 ? EMPTY : truncate(d.data, size)
    this.stats.received += data.length
    this.stats.datagramsReceived++
    return data === d.data ? d : { data, address: d.address, port: d.port }
  }

  private receiveDatagram(operation: string, sizeInput: number, policyArg: Timeout.TimeoutPolicy | undefined): Effect.Effect<Datagram, NetError.NetError> {
    return Effect.suspend(() => {
      const size = parseSize(sizeInput, operation)
      if (Either.isLeft(size)) return Effect.fail(size.left)
      const badPolicy = Timeout.checkPolicy(policyArg, operation)
      if (badPolicy !== undefined) return Effect.fail(badPolicy)
      const now = this.takeNow(operation, size.right)
      if (now !== undefined) return NetError.isNetError(now) ? Effect.fail(now) : Effect.succeed(now)
      return Wait.loop<Datagram, NetError.NetError>(policyArg ?? this.timeoutPolicy, {
        signal: this.receiveWaiters,
        ready: this.receiveReady,
        step: () => {
          const r = this.takeNow(operation, size.right)
          if (r === undefined) return undefined
          return NetError.isNetError(r) ? Effect.fail(r) : Effect.succeed(r)
        },
        onTimeout: () => new NetError.Timeout({ operation, transport })
      })
    })
  }

  // ---- options ---------------------------------------------------------------------------------

  /** `setoption(name, value)` with LuaSocket's UDP option names (see `options`). */
  setOption(name: string, value: unknown): Effect.Effect<void, NetError.NetError> {
    return Effect.suspend(() => {
      if (this.closed) return Effect.fail(new NetError.Closed({ operation: "setoption", transport, detail: `option ${optionName(name)}` }))
      const decoded = decodeOption(name, value, this.family)
      if (Either.isLeft(decoded)) return Effect.fail(decoded.left)
      const setting = decoded.right
      const sock = this.socket
      if (sock === undefined) {
        // Recorded; applied when the socket is created.
        this.record(setting)
        if (!isCreationOption(setting)) this.deferred.push(setting)
        return Effect.void
      }
      if (isCreationOption(setting)) {
        return Effect.fail(new NetError.Unsupported({
          operation: "setoption",
          transport,
          detail: `option ${name} can only be set before setsockname/setpeername/sendto: Node.js takes it when it creates the socket`
        }))
      }
      const e = this.apply(sock, setting)
      return e === undefined ? Effect.void : Effect.fail(e)
    })
  }

  private record(setting: OptionSetting): void {
    switch (setting._tag) {
      case "Flag":
        this.tracked[setting.name] = setting.value
        return
      case "Int":
        this.tracked[setting.name] = setting.value
        return
      case "MulticastInterface":
        this.tracked["ip-multicast-if"] = setting.address
        return
      default:
        return
    }
  }

  /** Applies one setting to the live Node socket; records it when that worked. */
  private apply(sock: dgram.Socket, setting: OptionSetting): NetError.NetError | undefined {
    const name = setting._tag === "MulticastInterface" ? "ip-multicast-if" : setting.name
    try {
      switch (setting._tag) {
        case "Flag":
          switch (setting.name) {
            case "broadcast":
              sock.setBroadcast(setting.value)
              break
            case "ip-multicast-loop":
            case "ipv6-multicast-loop":
              sock.setMulticastLoopback(setting.value)
              break
            default:
              break // creation options: taken by createSocket
          }
          break
        case "Int":
          switch (setting.name) {
            case "ip-multicast-ttl":
            case "ipv6-multicast-hops":
              sock.setMulticastTTL(setting.value)
              break
            case "ipv6-unicast-hops":
              sock.setTTL(setting.value)
              break
            case "recv-buffer-size":
              sock.setRecvBufferSize(setting.value)
              break
            case "send-buffer-size":
              sock.setSendBufferSize(setting.value)
              break
          }
          break
        case "MulticastInterface":
          sock.setMulticastInterface(setting.address)
          break
        case "Membership":
          if (setting.name === "ip-add-membership") sock.addMembership(setting.multiaddr, setting.interface)
          else sock.dropMembership(setting.multiaddr, setting.interface)
          break
        case "Membership6": {
          let iface: string | undefined
          if (setting.interfaceIndex !== 0) {
            const ifname = interfaceName(setting.interfaceIndex)
            if (ifname === undefined) {
              return new NetError.InvalidArgument({ operation: "setoption", transport, code: "ENODEV", detail: `option ${name}: no network interface has index ${setting.interfaceIndex}` })
            }
            iface = `::%${ifname}`
          }
          if (setting.name === "ipv6-add-membership") sock.addMembership(setting.multiaddr, iface)
          else sock.dropMembership(setting.multiaddr, iface)
          break
        }
      }
    } catch (err) {
      return NetError.fromCause(err, { operation: "setoption", transport, detail: `option ${name} was refused` })
    }
    this.record(setting)
    return undefined
  }

  /**
   * `getoption(name)`: the tracked value of a flag or address option, the kernel's
   * value of a buffer size (needs the socket), or for `error` the pending error's Lua
   * string (reading clears it, as SO_ERROR) or undefined. TTL and membership options have no
   * getter (as in LuaSocket): Unsupported.
   */
  getOption(name: string): Effect.Effect<OptionValue, NetError.NetError> {
    return Effect.suspend((): Effect.Effect<OptionValue, NetError.NetError> => {
      if (this.closed) return Effect.fail(new NetError.Closed({ operation: "getoption", transport, detail: `option ${optionName(name)}` }))
      if (!isOptionName(name)) return Effect.fail(new NetError.InvalidArgument({ operation: "getoption", transport, detail: `unknown option ${describe(name)}` }))
      const spec = options[name]
      if (!spec.get) return Effect.fail(new NetError.Unsupported({ operation: "getoption", transport, detail: `option ${name} can be set but not read (as in LuaSocket)` }))
      if (name === "error") {
        const e = this.takeError()
        return Effect.succeed(e === undefined ? undefined : NetError.luaMessage(e))
      }
      if (spec.family !== "any" && name !== "ipv6-v6only") {
        if (this.family === "unspec") return Effect.fail(new NetError.InvalidArgument({ operation: "getoption", transport, detail: `option ${name} needs the socket's family, which is not decided yet` }))
        if (spec.family === "inet6" && this.family === "inet") return Effect.fail(new NetError.InvalidArgument({ operation: "getoption", transport, detail: `option ${name} needs an inet6 socket; this one is inet` }))
        if (spec.family === "inet" && this.family === "inet6") return Effect.fail(new NetError.Unsupported({ operation: "getoption", transport, detail: `option ${name} on an inet6 socket: use the ipv6-* option` }))
      }
      if (name === "ipv6-v6only" && this.family === "inet") return Effect.fail(new NetError.InvalidArgument({ operation: "getoption", transport, detail: "option ipv6-v6only needs an inet6 socket; this one is inet" }))
      if (name === "recv-buffer-size" || name === "send-buffer-size") {
        const s = this.socket
        if (s === undefined) return Effect.fail(this.badFd("getoption"))
        try {
          return Effect.succeed(name === "recv-buffer-size" ? s.getRecvBufferSize() : s.getSendBufferSize())
        } catch (err) {
          return Effect.fail(NetError.fromCause(err, { operation: "getoption", transport, detail: `option ${optionName(name)}` }))
        }
      }
      return Effect.succeed(this.tracked[name as Exclude<keyof Tracked, "recv-buffer-size" | "send-buffer-size">])
    })
  }

  /**
   * The pending asynchronous error (e.g. ECONNREFUSED reported to a connected socket), taken:
   * reading clears it, as `getsockopt(SO_ERROR)` does. Undefined when there is none.
   */
  takeError(): NetError.NetError | undefined {
    const e = this.pendingError
    this.pendingError = undefined
    return e
  }

  // ---- closing ---------------------------------------------------------------------------------

  /** `close()`: idempotent; pending receives fail with `Closed`. */
  readonly close: Effect.Effect<void> = Effect.sync(() => this.closeNow())

  /** Synchronous close, for finalizers and facades. */
  closeNow(): void {
    if (this.closed) return
    this.closed = true
    this.fd = -1
    const s = this.socket
    if (s !== undefined) safeClose(s)
    this.queue.clear()
    this.pendingError = undefined
    this.deferred = []
    this.wakeReceivers()
  }
}

const isCreationOption = (s: OptionSetting): boolean => s._tag === "Flag" && options[s.name].atCreation === true

// ---- constructors (scoped) -------------------------------------------------------------------

const validateOpen = (options: OpenOptions): NetError.NetError | undefined => {
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    return new NetError.InvalidArgument({ operation: "udp", transport, detail: `bad options ${describe(options)}: expected an object` })
  }
  const badPolicy = Timeout.checkPolicy(options.timeout, "udp", "timeout option")
  if (badPolicy !== undefined) return badPolicy
  const positive = (n: number | undefined) => n === undefined || (Number.isInteger(n) && n >= 1)
  if (!positive(options.maxQueued)) return new NetError.InvalidArgument({ operation: "udp", transport, detail: `maxQueued must be an integer >= 1, got ${describe(options.maxQueued)}` })
  if (!positive(options.maxQueuedBytes)) return new NetError.InvalidArgument({ operation: "udp", transport, detail: `maxQueuedBytes must be an integer >= 1, got ${describe(options.maxQueuedBytes)}` })
  if (options.family !== undefined && options.family !== "inet" && options.family !== "inet6" && options.family !== "unspec") {
    return new NetError.InvalidArgument({ operation: "udp", transport, detail: `family must be "inet", "inet6" or "unspec", got ${describe(options.family)}` })
  }
  return undefined
}

/**
 * A new `udp{unconnected}` socket (`socket.udp()`, `udp4()` with `family: "inet"`,
 * `udp6()` with `family: "inet6"`), closed when the scope closes.
 *
 * @since 0.1.0
 */
export const open = (options: OpenOptions = {}): Effect.Effect<UdpSocket, NetError.NetError, Scope.Scope> =>
  Effect.suspend(() => {
    const bad = validateOpen(options)
    return bad !== undefined ? Effect.fail(bad) : Effect.acquireRelease(Effect.sync(() => new UdpSocket(options)), (s) => s.close)
  })

/**
 * A socket bound to `host:port` (`"*"` = any address), closed when the scope closes.
 *
 * @since 0.1.0
 */
export const bind = (host: string, port: number | string = 0, options: OpenOptions = {}): Effect.Effect<UdpSocket, NetError.NetError, Scope.Scope> =>
  Effect.flatMap(open(options), (s) => Effect.as(s.setsockname(host, port), s))

/**
 * A `udp{connected}` socket whose peer is `host:port`, closed when the scope closes.
 *
 * @since 0.1.0
 */
export const connect = (host: string, port: number | string, options: OpenOptions = {}): Effect.Effect<UdpSocket, NetError.NetError, Scope.Scope> =>
  Effect.flatMap(open(options), (s) => Effect.as(s.setpeername(host, port), s))
