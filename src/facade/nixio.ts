/**
 * The nixio facade's spec: `nixio.socket`, `nixio.bind`, `nixio.connect` and the methods of
 * nixio's `Socket` object, with nixio's conventions. Behaviour: spec/reference-semantics.md
 * section 3, checked against nixio's socket.c, bind.c, io.c, sockopt.c and address.c.
 *
 * Conventions (nixio's):
 * - Failures are `nil, errno, message` (Linux's errno numbers, strerror texts; resolver
 *   failures glibc's negative `EAI_*` and gai_strerror), and **false** in place of nil when
 *   the errno is EAGAIN: a non-blocking socket that would have to wait, or a receive
 *   timeout (`rcvtimeo`) that ran out.
 * - Sockets block by default: `recv`, `accept`, `connect`, ... wait (a Promise in
 *   TypeScript, a blocking call in Lua); `setblocking(false)` makes them answer at once.
 * - `recv` gives at most 8192 bytes and `""` at the end of a stream; `send` sends
 *   `buffer` from the 0-based `offset`, at most `length` bytes, and returns the count.
 * - A method on a closed socket raises `invalid socket object`.
 *
 * @since 0.1.0
 */
import { isIP } from "node:net"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Address from "../core/Address.js"
import * as Dns from "../core/Dns.js"
import * as NetError from "../core/NetError.js"
import { TcpSocket } from "../core/Tcp.js"
import * as Timeout from "../core/Timeout.js"
import { UdpSocket } from "../core/Udp.js"
import { CoreSocket, type CoreSocketOf, dualStack, type Family, immediate, isWouldBlock, rawArg, type RawArg, receiveNow, receiveSome, sendSome } from "./common.js"
import { ArgPositionError } from "./derive.js"
import { ArgError, D, type Decode, type Env, type FacadeSpec, type Fn, op, type Param, type Results, textOf } from "./spec.js"

// ---- the object ----------------------------------------------------------------------------

/** A nixio socket (`tostring`: `nixio socket <fd>`). @since 0.1.0 */
export class NixioSocket extends CoreSocket {
  /** `setblocking`: blocking sockets wait, others answer EAGAIN. */
  blocking = true
  /** SO_RCVTIMEO / SO_SNDTIMEO in microseconds, 0 = none. */
  receiveTimeout = 0
  sendTimeout = 0

  get typeName(): string {
    return "socket"
  }
  get className(): string {
    return "nixio.socket"
  }
  tostring(): string {
    return `nixio socket ${this.core.getFd()}`
  }
}

// ---- pure pieces ---------------------------------------------------------------------------

/** nixio's receive limit (`nixio.const.buffersize`). @since 0.1.0 */
export const BUFFER_SIZE = 8192

/** C's `(int)` conversion of a Lua integer. */
const toInt = (n: number): number => Number(BigInt.asIntN(32, BigInt(Math.trunc(n))))
/** C's `(unsigned int)` conversion. */
const toUnsigned = (n: number): number => Number(BigInt.asUintN(32, BigInt(Math.trunc(n))))

/**
 * How much `recv(length)` reads: `length` as a C `uint`, capped at 8192 (so a negative
 * length reads 8192 too).
 *
 * @since 0.1.0
 */
export const receiveLength = (length: number): number => Math.min(toUnsigned(length), BUFFER_SIZE)

/**
 * The bytes `send(buffer, offset, length)` sends, as `[start, end)` of the buffer: from the
 * 0-based `offset` (nothing when it is at or past the end, or negative: C compares it as
 * unsigned), at most `length` (a C unsigned: negative means no limit).
 *
 * @since 0.1.0
 */
export const sendWindow = (size: number, offset: number | undefined, length: number | undefined): { readonly start: number; readonly end: number } => {
  let start = 0
  let len = size
  const off = offset === undefined ? 0 : toInt(offset)
  if (off !== 0) {
    if (off > 0 && off < size) {
      start = off
      len = size - off
    } else {
      len = 0
    }
  }
  const limit = length === undefined ? len : toUnsigned(length)
  if (limit < len) len = limit
  return { start, end: start + len }
}

/** shutdown's names. @since 0.1.0 */
export const shutdownModes: Readonly<Record<string, "both" | "receive" | "send">> = {
  rdwr: "both",
  both: "both",
  rd: "receive",
  read: "receive",
  wr: "send",
  write: "send"
}

/** How a socket option talks to the core (or why it cannot). @since 0.1.0 */
export type OptionHandler =
  /** An integer 0/1 to a boolean core option. */
  | { readonly _tag: "Flag"; readonly core: string }
  /** An integer core option. */
  | { readonly _tag: "Int"; readonly core: string; readonly get: boolean }
  /** SO_LINGER: seconds, 0 = off. */
  | { readonly _tag: "Linger" }
  /** SO_RCVTIMEO / SO_SNDTIMEO: seconds and microseconds. */
  | { readonly _tag: "Timeout"; readonly which: "receiveTimeout" | "sendTimeout" }
  /** SO_ERROR: the pending error's errno, 0 when none. */
  | { readonly _tag: "Error" }
  /** IP_MULTICAST_IF: an interface address. */
  | { readonly _tag: "Interface"; readonly core: string }
  /** Multicast group membership (`v6`: the interface is an index, else an address). */
  | { readonly _tag: "Membership"; readonly core: string; readonly v6: boolean }
  /** The level does not apply to this socket (Linux: ENOPROTOOPT). */
  | { readonly _tag: "NoProtocol" }
  /** Node.js cannot do it. */
  | { readonly _tag: "Unsupported"; readonly why: string }

/** How each option of each level takes its value (nixio's `nixio__gso_*` helpers). */
type ValueKind = "int" | "linger" | "timeval" | "string" | "mreq4" | "mreq6"

const levels: Readonly<Record<string, { readonly options: Readonly<Record<string, ValueKind>>; readonly unknown: string }>> = {
  socket: {
    options: {
      keepalive: "int", reuseaddr: "int", rcvbuf: "int", sndbuf: "int", priority: "int", broadcast: "int", dontroute: "int",
      error: "int", oobinline: "int", linger: "linger", sndtimeo: "timeval", rcvtimeo: "timeval", bindtodevice: "string"
    },
    unknown: "supported values: keepalive, reuseaddr, sndbuf, rcvbuf, priority, broadcast, linger, sndtimeo, rcvtimeo, dontroute, bindtodevice, error, oobinline"
  },
  tcp: { options: { cork: "int", nodelay: "int" }, unknown: "supported values: cork, nodelay" },
  ip: {
    options: { mtu: "int", hdrincl: "int", multicast_loop: "int", multicast_ttl: "int", multicast_if: "mreq4", add_membership: "mreq4", drop_membership: "mreq4" },
    unknown: "supported values: hdrincl, mtu, multicast_loop, multicast_ttl, multicast_if, add_membership, drop_membership"
  },
  ipv6: {
    options: { mtu: "int", v6only: "int", multicast_loop: "int", multicast_hops: "int", multicast_if: "mreq6", add_membership: "mreq6", drop_membership: "mreq6" },
    unknown: "supported values: v6only, mtu, multicast_loop, multicast_hops, multicast_if, add_membership, drop_membership"
  }
}

const nodeLacks = (what: string): OptionHandler => ({ _tag: "Unsupported", why: `${what} is not available through Node.js's socket API` })

/** TCP sockets: the options the core implements. */
const streamOptions: Readonly<Record<string, OptionHandler>> = {
  "socket.keepalive": { _tag: "Flag", core: "keepalive" },
  "socket.reuseaddr": { _tag: "Flag", core: "reuseaddr" },
  "socket.linger": { _tag: "Linger" },
  "tcp.nodelay": { _tag: "Flag", core: "tcp-nodelay" },
  "ipv6.v6only": { _tag: "Flag", core: "ipv6-v6only" }
}

/** UDP sockets: the options the core implements. */
const datagramOptions: Readonly<Record<string, OptionHandler>> = {
  "socket.reuseaddr": { _tag: "Flag", core: "reuseaddr" },
  "socket.broadcast": { _tag: "Flag", core: "broadcast" },
  "socket.dontroute": { _tag: "Flag", core: "dontroute" },
  "socket.rcvbuf": { _tag: "Int", core: "recv-buffer-size", get: true },
  "socket.sndbuf": { _tag: "Int", core: "send-buffer-size", get: true },
  "ip.multicast_loop": { _tag: "Flag", core: "ip-multicast-loop" },
  "ip.multicast_ttl": { _tag: "Int", core: "ip-multicast-ttl", get: false },
  "ip.multicast_if": { _tag: "Interface", core: "ip-multicast-if" },
  "ip.add_membership": { _tag: "Membership", core: "ip-add-membership", v6: false },
  "ip.drop_membership": { _tag: "Membership", core: "ip-drop-membership", v6: false },
  "ipv6.v6only": { _tag: "Flag", core: "ipv6-v6only" },
  "ipv6.multicast_loop": { _tag: "Flag", core: "ipv6-multicast-loop" },
  "ipv6.multicast_hops": { _tag: "Int", core: "ipv6-multicast-hops", get: true },
  "ipv6.add_membership": { _tag: "Membership", core: "ipv6-add-membership", v6: true },
  "ipv6.drop_membership": { _tag: "Membership", core: "ipv6-drop-membership", v6: true }
}

/**
 * Decodes `getopt` / `setopt`'s level and option (raising nixio's `supported values: ...`
 * for unknown ones, at the argument's position) and says how this socket handles it.
 *
 * @since 0.1.0
 */
export const optionOf = (level: string, option: string, socket: { readonly stream: boolean; readonly family: Family }): { readonly kind: ValueKind; readonly handler: OptionHandler } => {
  const l = Object.prototype.hasOwnProperty.call(levels, level) ? levels[level]! : undefined
  if (l === undefined) throw new ArgPositionError(0, "supported values: socket, tcp, ip, ipv6")
  const kind = Object.prototype.hasOwnProperty.call(l.options, option) ? l.options[option]! : undefined
  if (kind === undefined) throw new ArgPositionError(1, l.unknown)
  const key = `${level}.${option}`
  if (key === "socket.error") return { kind, handler: { _tag: "Error" } }
  if (key === "socket.rcvtimeo" || key === "socket.sndtimeo") return { kind, handler: { _tag: "Timeout", which: option === "rcvtimeo" ? "receiveTimeout" : "sendTimeout" } }
  if (socket.stream) {
    if (level !== "socket" && (socket.family === "unix" || (level === "ip" && socket.family === "inet6") || (level === "ipv6" && socket.family !== "inet6"))) {
      return { kind, handler: { _tag: "NoProtocol" } }
    }
    return { kind, handler: streamOptions[key] ?? nodeLacks(`option ${key} on a stream socket`) }
  }
  if (level === "tcp") return { kind, handler: { _tag: "NoProtocol" } }
  return { kind, handler: datagramOptions[key] ?? nodeLacks(`option ${key} on a datagram socket`) }
}

// ---- conventions ---------------------------------------------------------------------------

/** `nil, errno, message`, with false in place of nil for EAGAIN (nixio__perror). */
const failWith = (o: NetError.OsError): Results => [o.code === "EAGAIN" ? false : undefined, o.errno, o.message]
const fail = (e: NetError.NetError): Results => failWith(isWouldBlock(e) ? NetError.osErrorOfCode("EAGAIN") : NetError.osError(e))
const failCode = (code: string): Results => failWith(NetError.osErrorOfCode(code))

const TRUE: Results = [true]

/** Runs a core op: its results, or nixio's failure triple. */
const run = <A>(effect: Effect.Effect<A, NetError.NetError>, onOk: (a: A) => Results): Results | Promise<Results> => op(effect, onOk, fail)

/** nixio__checksock: a closed socket raises. */
const live = (s: NixioSocket, reason = "invalid socket object"): NixioSocket => {
  if (s.core.isClosed) throw new ArgPositionError(-1, reason)
  return s
}

const policyOf = (s: NixioSocket, micros: number): Timeout.TimeoutPolicy =>
  !s.blocking ? immediate : micros > 0 ? Timeout.make({ block: `${micros} micros` }) : Timeout.infinite

/**
 * Runs `effect` once a background connect has ended: at once when there is none; when it
 * failed, its failure; while it runs, a blocking socket waits for it, a non-blocking one
 * gets EAGAIN.
 */
const afterConnect = <A>(s: NixioSocket, effect: Effect.Effect<A, NetError.NetError>): Effect.Effect<A, NetError.NetError> => {
  const c = s.connecting
  if (c === undefined) return effect
  if (!c.pending) return c.error === undefined ? effect : Effect.fail(c.error)
  if (!s.blocking) return Effect.fail(new NetError.Unknown({ operation: "connect", code: "EAGAIN" }))
  return Effect.flatMap(c.settled, (e) => (e === undefined ? effect : Effect.fail(e)))
}

/** getsockname / getpeername results: host, port (nixio has no unix addresses: EAFNOSUPPORT). */
const hostPort = (a: { readonly address: string; readonly port: number; readonly family: string }): Results =>
  a.family === "unix" ? failCode("EAFNOSUPPORT") : [a.address, a.port]

// ---- addresses -----------------------------------------------------------------------------

type IpFamily = "inet" | "inet6"
type FamilyHint = IpFamily | "any"

/** A unix path as nixio passes it to the kernel: a leading NUL is the abstract namespace (`@` for the core); a leading `@` is a file name. */
const unixHost = (path: string): string => (path.startsWith("\0") ? "@" + path.slice(1) : path.startsWith("@") ? "./" + path : path)

/**
 * getaddrinfo for nixio: the addresses of `host` (none: the any addresses when
 * `passive`, for bind; the loopback addresses otherwise, IPv6 first as glibc orders them)
 * of the family, and the port of a number or service name.
 */
const addresses = (host: string | undefined, service: string, family: FamilyHint, passive: boolean): Effect.Effect<{ readonly list: ReadonlyArray<{ readonly family: IpFamily; readonly address: string }>; readonly port: number }, NetError.NetError> =>
  Effect.flatMap(Dns.portOfService(service, passive ? "bind" : "connect"), (port) => {
    const wanted = (f: IpFamily) => family === "any" || family === f
    if (host === undefined) {
      const defaults = passive
        ? [{ family: "inet" as const, address: "0.0.0.0" }, { family: "inet6" as const, address: "::" }]
        : [{ family: "inet6" as const, address: "::1" }, { family: "inet" as const, address: "127.0.0.1" }]
      return Effect.succeed({ list: defaults.filter((d) => wanted(d.family)), port })
    }
    return Effect.map(Dns.getaddrinfo(host, family === "any" ? "unspec" : family), (list) => ({ list, port }))
  })

/** A new core socket (dual-stack inet6, as a plain C socket). */
const coreSocket = (family: Family, type: "stream" | "dgram"): CoreSocketOf => {
  const core = type === "stream" ? new TcpSocket({ family }) : new UdpSocket({ family: family === "unix" ? "unspec" : family })
  dualStack(core)
  return core
}

/** bind on a core socket: TCP records the address (Node binds when it listens or connects), UDP binds. */
const bindCore = (core: CoreSocketOf, host: string, port: number): Effect.Effect<void, NetError.NetError> =>
  core instanceof TcpSocket ? core.bind(host, port) : core.setsockname(host, port)

/** connect on a core socket: TCP connects, UDP sets the peer. */
const connectCore = (core: CoreSocketOf, host: string, port: number): Effect.Effect<void, NetError.NetError> =>
  core instanceof TcpSocket ? core.connect(host, port) : core.setpeername(host, port)

// ---- decoders ------------------------------------------------------------------------------

/** A name among `names` (`luaL_optlstring` then `strcmp`), else nixio's `supported values: ...`. */
const choice = <T extends string>(names: ReadonlyArray<T>, fallback: string, message: string): Decode<T> => (v, p) => {
  const s = D.opt(D.string, fallback)(v, p)
  if (!(names as ReadonlyArray<string>).includes(s)) throw new ArgError(message)
  return s as T
}

/** `luaL_checkany` then `lua_toboolean`. */
const anyValue: Decode<boolean> = (v, p) => {
  if (!p) throw new ArgError("value expected")
  return D.boolean(v, p)
}

const optHost: Decode<string | undefined> = D.opt(D.string, undefined)
const P = {
  host: { name: "host", type: "string", optional: true, decode: optHost } as Param,
  port: { name: "port", type: "string|int", decode: D.string } as Param,
  length: { name: "length", type: "int", decode: D.integer } as Param,
  buffer: { name: "buffer", type: "string", decode: D.bytes } as Param,
  offset: { name: "offset", type: "int", optional: true, decode: D.opt(D.integer, undefined) } as Param,
  count: { name: "length", type: "int", optional: true, decode: D.opt(D.integer, undefined) } as Param,
  level: { name: "level", type: '"socket"|"tcp"|"ip"|"ipv6"', decode: D.opt(D.string, "") } as Param,
  option: { name: "option", type: "string", decode: D.opt(D.string, "") } as Param
}

const R = {
  ok: [{ name: "ok", type: "true" }],
  failure: [{ name: "nil|false", type: "nil|false" }, { name: "errno", type: "int" }, { name: "message", type: "string" }],
  hostPort: [{ name: "host", type: "string" }, { name: "port", type: "int" }]
}

// ---- receiving and sending -----------------------------------------------------------------

/** recv's results: the data, `""` at the end of a stream, or the failure triple. */
const received = (env: Env, more: (data: Uint8Array) => Results = () => []) => ({
  ok: (data: Uint8Array): Results => [env.codec.bytes(data), ...more(data)],
  fail: (e: NetError.NetError): Results => (e._tag === "Closed" && e.code === undefined ? [env.codec.bytes(EMPTY)] : fail(e))
})

const EMPTY = new Uint8Array(0)

/** recv / read / recvfrom's data: waits on a blocking socket (within rcvtimeo), answers EAGAIN on a non-blocking one. */
const receive = (s: NixioSocket, length: number, env: Env, more?: (data: Uint8Array) => Results): Results | Promise<Results> => {
  const n = receiveLength(length)
  const r = received(env, more)
  if (n === 0) return r.ok(EMPTY) // recv(0) returns 0 at once
  if (!s.blocking && s.connecting === undefined) {
    const now = receiveNow(s.core, n)
    return now === undefined ? failCode("EAGAIN") : now instanceof Uint8Array ? r.ok(now) : r.fail(now)
  }
  return op(afterConnect(s, receiveSome(s.core, n, policyOf(s, s.receiveTimeout))), r.ok, r.fail)
}

/** send / write / sendto's data: the window of the buffer, what fits (blocking: within sndtimeo). */
const send = (s: NixioSocket, buffer: Uint8Array, offset: number | undefined, length: number | undefined, to?: { readonly host: string; readonly port: number }): Results | Promise<Results> => {
  const w = sendWindow(buffer.length, offset, length)
  const data = buffer.subarray(w.start, w.end)
  const core = s.core
  if (to === undefined || core instanceof TcpSocket) {
    return run(afterConnect(s, sendSome(core, data, policyOf(s, s.sendTimeout))), (n) => [n])
  }
  if (core.kind === "connected") return failCode("EISCONN")
  // nixio__addr_write: inet_pton with the socket's family.
  if (isIP(to.host) !== (s.family === "inet6" ? 6 : 4)) return failCode("EINVAL")
  return run(core.sendto(data, to.host, to.port & 0xffff), (n) => [n])
}

// ---- socket options ------------------------------------------------------------------------

/** The arguments after the option, read as nixio's helper for its kind reads them (0-based positions from 2). */
const optionValue = (kind: ValueKind, raws: ReadonlyArray<RawArg>): Array<unknown> => {
  const arg = (i: number) => raws[i] ?? { value: undefined, present: false }
  const at = (i: number, decode: Decode<unknown>) => {
    try {
      return decode(arg(i).value, arg(i).present)
    } catch (e) {
      if (e instanceof ArgError) throw new ArgPositionError(2 + i, e.reason)
      throw e
    }
  }
  switch (kind) {
    case "int":
    case "linger":
      return [at(0, D.integer)]
    case "timeval":
      return [at(0, D.integer), at(1, D.opt(D.integer, 0))]
    case "string": {
      const name = at(0, D.bytes) as Uint8Array
      if (name.length > 16) throw new ArgPositionError(2, "invalid interface name")
      return [name]
    }
    case "mreq4":
      return [at(0, D.string), at(1, D.opt(D.string, "0.0.0.0"))]
    case "mreq6":
      return [at(0, D.string), at(1, D.opt(D.integer, 0))]
  }
}

const flagOf = (v: unknown): number => (v === true ? 1 : 0)

const getOption = (s: NixioSocket, handler: OptionHandler): Results | Promise<Results> => {
  const core = s.core
  switch (handler._tag) {
    case "Flag":
      return run(core.getOption(handler.core) as Effect.Effect<unknown, NetError.NetError>, (v) => [flagOf(v)])
    case "Int":
      if (!handler.get) return fail(new NetError.Unsupported({ operation: "getopt", detail: `option ${handler.core} can be set but not read through Node.js` }))
      return run(core.getOption(handler.core) as Effect.Effect<unknown, NetError.NetError>, (v) => [v])
    case "Interface":
      return run(core.getOption(handler.core) as Effect.Effect<unknown, NetError.NetError>, (v) => [v])
    case "Linger":
      return run(core.getOption("linger") as Effect.Effect<{ readonly on: boolean; readonly timeout: number }, NetError.NetError>, (l) => [l.on ? l.timeout : 0])
    case "Timeout": {
      const micros = s[handler.which]
      return [Math.floor(micros / 1e6), micros % 1e6]
    }
    case "Error": {
      const e = s.connecting?.error ?? (core instanceof UdpSocket ? core.takeError() : undefined)
      return [e === undefined ? 0 : NetError.osError(e).errno]
    }
    case "Membership":
    case "NoProtocol":
      return failCode("ENOPROTOOPT")
    case "Unsupported":
      return fail(new NetError.Unsupported({ operation: "getopt", detail: handler.why }))
  }
}

const setOption = (s: NixioSocket, handler: OptionHandler, values: ReadonlyArray<unknown>): Results | Promise<Results> => {
  const core = s.core
  const set = (name: string, value: unknown) => run(core.setOption(name, value), () => TRUE)
  const [first, second] = values
  switch (handler._tag) {
    case "Flag":
      return set(handler.core, first !== 0)
    case "Int":
      return set(handler.core, first)
    case "Interface":
      return isIP(first as string) === 4 ? set(handler.core, first) : failCode("EINVAL")
    case "Linger":
      return set("linger", { on: first !== 0, timeout: Math.max(0, first as number) })
    case "Timeout": {
      const [sec, usec] = values as [number, number]
      if (usec < 0 || usec >= 1e6) return failCode("EDOM")
      s[handler.which] = sec < 0 ? 0 : sec * 1e6 + usec
      return TRUE
    }
    case "Membership":
      if (handler.v6) return set(handler.core, { multiaddr: first, interface: second })
      if (isIP(first as string) !== 4 || isIP(second as string) !== 4) return failCode("EINVAL")
      return set(handler.core, { multiaddr: first, interface: second === "0.0.0.0" ? "*" : second })
    case "Error":
    case "NoProtocol":
      return failCode("ENOPROTOOPT")
    case "Unsupported":
      return fail(new NetError.Unsupported({ operation: "setopt", detail: handler.why }))
  }
}

// ---- methods -------------------------------------------------------------------------------

const SELF = "nixio.socket"

/** nixio's bind / connect on an object: inet sockets resolve `host`, `port`; unix sockets take `host` as the path. */
const bindOrConnect = (mode: "bind" | "connect") => (s: NixioSocket, args: Array<any>): Results | Promise<Results> => {
  const [host, port] = args as [string | undefined, RawArg]
  const core = live(s).core
  if (s.family === "unix") {
    if (host === undefined) throw new ArgPositionError(0, "string expected, got nil") // luaL_checklstring(L, 2)
    if (Buffer.byteLength(host, "latin1") > 108) throw new ArgPositionError(0, "out of range")
    const path = unixHost(host)
    return run(mode === "bind" ? bindCore(core, path, 0) : connectUnix(s, path), () => TRUE)
  }
  const service = D.string(port.value, port.present) // luaL_checklstring(L, 3)
  const family = s.family as IpFamily
  const attempt = (f: (host: string, port: number) => Effect.Effect<void, NetError.NetError>) =>
    Effect.flatMap(addresses(host, service, family, mode === "bind"), ({ list, port }) => Address.firstSuccess(mode, list, (a) => f(a.address, port)))
  if (mode === "bind") return run(attempt((h, p) => bindCore(core, h, p)), () => TRUE)
  if (s.connecting?.pending === true) return failCode("EALREADY")
  if (!s.blocking && core instanceof TcpSocket) {
    s.connectInBackground(attempt((h, p) => core.connect(h, p)))
    return s.connecting!.pending ? failCode("EINPROGRESS") : s.connecting!.error === undefined ? TRUE : fail(s.connecting!.error)
  }
  return run(attempt((h, p) => connectCore(core, h, p)), () => TRUE)
}

const connectUnix = (s: NixioSocket, path: string): Effect.Effect<void, NetError.NetError> => s.core instanceof TcpSocket ? s.core.connect(path, 0) : Effect.fail(noUnixDatagrams)

const noUnixDatagrams = new NetError.Unsupported({ operation: "socket", detail: "Node.js has no unix domain datagram sockets" })

const methods: Array<Fn<NixioSocket>> = [
  {
    name: "accept",
    self: SELF,
    params: [],
    returns: [{ name: "socket", type: "nixio.socket" }, { name: "host", type: "string" }, { name: "port", type: "int" }],
    failure: R.failure,
    waits: true,
    doc: "A connection: the new (blocking) socket and the peer's host and port (unix sockets: the socket alone). Waits on a blocking socket (within rcvtimeo); `false, 11, ...` when none is pending on a non-blocking one.",
    run: (s, _, env) => {
      const core = live(s).core
      if (!(core instanceof TcpSocket)) return failCode("EOPNOTSUPP")
      if (core.kind !== "server") return failCode("EINVAL")
      core.setTimeoutPolicy(policyOf(s, s.receiveTimeout))
      return run(s.blocking ? core.acceptOwned() : core.takePending(), (c) => {
        const conn = new NixioSocket(env, c, s.family)
        const peer = c.getPeerName()
        return Either.isRight(peer) && peer.right.family !== "unix" ? [conn, peer.right.address, peer.right.port] : [conn]
      })
    }
  },
  {
    name: "bind",
    self: SELF,
    params: [P.host, { ...P.port, optional: true, decode: rawArg }],
    returns: R.ok,
    failure: R.failure,
    waits: true,
    doc: "Binds to `host` (nil: any address) and `port` (a number or service name); unix sockets take `host` as the path (a leading NUL: abstract). Does not listen. A stream socket's address is recorded and taken by listen / connect (Node.js binds then).",
    run: bindOrConnect("bind")
  },
  {
    name: "close",
    self: SELF,
    params: [],
    returns: R.ok,
    doc: "Closes the socket: true. Any later call raises `invalid socket object`.",
    run: (s) => {
      live(s).core.closeNow()
      return TRUE
    }
  },
  {
    name: "connect",
    self: SELF,
    params: [P.host, { ...P.port, optional: true, decode: rawArg }],
    returns: R.ok,
    failure: R.failure,
    waits: true,
    doc: "Connects to `host` (nil: localhost, IPv6 first) and `port`, trying each address in turn; unix sockets take `host` as the path. A non-blocking stream socket answers `nil, 115, \"Operation now in progress\"` and connects in the background.",
    run: bindOrConnect("connect")
  },
  {
    name: "fileno",
    self: SELF,
    params: [],
    returns: [{ name: "fd", type: "int" }],
    doc: "The descriptor (-1 until Node.js has created it: a stream socket before listen / connect).",
    run: (s) => [live(s, "invalid file descriptor").core.getFd()]
  },
  {
    name: "getopt",
    aliases: ["getsockopt"],
    self: SELF,
    params: [P.level, P.option],
    returns: [{ name: "value", type: "int|string" }, { name: "usec", type: "int|nil" }],
    failure: R.failure,
    doc: "An option's value (flags as 0 / 1; `sndtimeo` / `rcvtimeo` as seconds, microseconds). Levels and options as nixio's; those Node.js cannot read answer `nil, 95, \"Operation not supported: ...\"`.",
    run: (s, [level, option]) => getOption(live(s), optionOf(level, option, s).handler)
  },
  {
    name: "getpeername",
    self: SELF,
    params: [],
    returns: R.hostPort,
    failure: R.failure,
    doc: "The peer's host and port.",
    run: (s) => {
      const p = live(s).core.getPeerName()
      // A socket that never connected: the core has no descriptor yet (EBADF), the kernel says ENOTCONN.
      return Either.isRight(p) ? hostPort(p.right) : p.left.code === "EBADF" ? failCode("ENOTCONN") : fail(p.left)
    }
  },
  {
    name: "getsockname",
    self: SELF,
    params: [],
    returns: R.hostPort,
    failure: R.failure,
    doc: "The local host and port (the any address and 0 before bind).",
    run: (s) => {
      const core = live(s).core
      const a = core.getSockName()
      if (Either.isRight(a)) return hostPort(a.right)
      return s.family === "unix" ? failCode("EAFNOSUPPORT") : [Address.anyAddress(s.family), 0]
    }
  },
  {
    name: "listen",
    self: SELF,
    params: [{ name: "backlog", type: "int", decode: D.integer }],
    returns: R.ok,
    failure: R.failure,
    waits: true,
    doc: "Listens for connections (binding to the any address and an ephemeral port when not bound); `backlog` is required.",
    run: (s, [backlog]) => {
      const core = live(s).core
      if (!(core instanceof TcpSocket)) return failCode("EOPNOTSUPP")
      if (core.kind === "server") return TRUE
      if (core.kind !== "master") return failCode("EINVAL")
      return run(core.listen(Math.max(0, toInt(backlog))), () => TRUE)
    }
  },
  {
    name: "recv",
    aliases: ["read"],
    self: SELF,
    params: [P.length],
    returns: [{ name: "data", type: "string" }],
    failure: R.failure,
    waits: true,
    doc: "At most `length` bytes (capped at 8192; UDP: one datagram, cut to that), `\"\"` at the end of a stream.",
    run: (s, [length], env) => receive(live(s), length, env)
  },
  {
    name: "recvfrom",
    self: SELF,
    params: [P.length],
    returns: [{ name: "data", type: "string" }, { name: "host", type: "string" }, { name: "port", type: "int" }],
    failure: R.failure,
    waits: true,
    doc: "recv and, for datagram sockets, the sender's host and port (stream sockets: the data alone, as the kernel gives no address).",
    run: (s, [length], env) => {
      const core = live(s).core
      if (!(core instanceof UdpSocket)) return receive(s, length, env)
      const n = receiveLength(length)
      const r = received(env)
      if (core.kind === "unconnected") {
        return op(core.receivefrom(n, policyOf(s, s.receiveTimeout)), (d) => [env.codec.bytes(d.data), d.address, d.port], r.fail)
      }
      return receive(s, length, env, () => {
        const p = core.getPeerName()
        return Either.isRight(p) ? [p.right.address, p.right.port] : []
      })
    }
  },
  {
    name: "send",
    aliases: ["write"],
    self: SELF,
    params: [P.buffer, P.offset, P.count],
    returns: [{ name: "sent", type: "int" }],
    failure: R.failure,
    waits: true,
    doc: "Sends `buffer` from the 0-based `offset`, at most `length` bytes: the bytes written (maybe fewer; `false, 11, ...` when none fit a non-blocking socket).",
    run: (s, [buffer, offset, length]) => send(live(s), buffer, offset, length)
  },
  {
    name: "sendto",
    self: SELF,
    params: [P.buffer, { name: "host", type: "string", decode: D.string }, { name: "port", type: "int", optional: true, decode: rawArg }, P.offset, P.count],
    returns: [{ name: "sent", type: "int" }],
    failure: R.failure,
    waits: true,
    doc: "send to a numeric `host` and `port` (datagram sockets; stream sockets ignore the address, as Linux does).",
    run: (s, [buffer, host, port, offset, length]) => {
      live(s)
      if (s.family === "unix") return send(s, buffer, offset, length, { host: unixHost(host), port: 0 })
      const p = port as RawArg
      return send(s, buffer, offset, length, { host, port: D.integer(p.value, p.present) })
    }
  },
  {
    name: "setblocking",
    self: SELF,
    params: [{ name: "blocking", type: "boolean", decode: anyValue }],
    returns: R.ok,
    doc: "true: calls wait (the default); false: they answer `false, 11, \"Resource temporarily unavailable\"` when they would have to.",
    run: (s, [blocking]) => {
      live(s, "invalid file descriptor").blocking = blocking
      return TRUE
    }
  },
  {
    name: "setopt",
    aliases: ["setsockopt"],
    self: SELF,
    params: [P.level, P.option, { name: "value", type: "int|string", decode: rawArg }, { name: "value2", type: "int|string", optional: true, decode: rawArg }],
    returns: R.ok,
    failure: R.failure,
    doc: "Sets an option (flags as integers; `linger` seconds, 0 = off; `sndtimeo` / `rcvtimeo` seconds[, microseconds]; memberships group[, interface]). Those Node.js cannot set answer `nil, 95, \"Operation not supported: ...\"`.",
    run: (s, [level, option, value, value2]) => {
      const o = optionOf(level, option, live(s))
      return setOption(s, o.handler, optionValue(o.kind, [value, value2]))
    }
  },
  {
    name: "shutdown",
    self: SELF,
    params: [{ name: "how", type: '"rdwr"|"both"|"rd"|"read"|"wr"|"write"', optional: true, decode: choice(Object.keys(shutdownModes), "rdwr", "supported values: both, read, write") }],
    returns: R.ok,
    failure: R.failure,
    doc: "Shuts down both directions (`rdwr` / `both`, the default), receiving (`rd` / `read`) or sending (`wr` / `write`).",
    run: (s, [how]) => {
      const core = live(s).core
      if (core instanceof UdpSocket) {
        return core.kind === "connected" ? fail(new NetError.Unsupported({ operation: "shutdown", detail: "Node.js cannot shut down a datagram socket" })) : failCode("ENOTCONN")
      }
      if (core.kind !== "client" || s.connecting?.pending === true) return failCode("ENOTCONN")
      return run(core.shutdown(shutdownModes[how]!), () => TRUE)
    }
  }
]

// ---- namespace -----------------------------------------------------------------------------

const domains = ["inet", "inet6", "unix"] as const
const socketTypes = ["stream", "dgram", "raw"] as const

/** A new socket, or the failure of a kind Node.js cannot make. */
const openSocket = (env: Env, family: Family, type: "stream" | "dgram" | "raw", proto: string | undefined): Results => {
  if (type === "raw" || proto !== undefined) return fail(new NetError.Unsupported({ operation: "socket", detail: "Node.js has no raw or ICMP sockets" }))
  if (family === "unix" && type === "dgram") return fail(noUnixDatagrams)
  return [new NixioSocket(env, coreSocket(family, type), family)]
}

/** nixio.bind / nixio.connect: the first address of `host` that binds (connects), on a new socket each. */
const open = (mode: "bind" | "connect") => (_: undefined, args: Array<any>, env: Env): Results | Promise<Results> => {
  const [host, service, family, type] = args as [string | undefined, string, FamilyHint, "any" | "stream" | "dgram"]
  const kind = type === "dgram" ? "dgram" : "stream"
  const attempt = Effect.flatMap(addresses(host, service, family, mode === "bind"), ({ list, port }) =>
    Address.firstSuccess(mode, list, (a) => {
      const core = coreSocket(a.family, kind)
      const setup = mode === "bind"
        ? Effect.zipRight(core.setOption("reuseaddr", true), bindCore(core, a.address, port))
        : connectCore(core, a.address, port)
      return Effect.as(Effect.tapError(setup, () => Effect.sync(() => core.closeNow())), { core, family: a.family })
    }))
  return run(attempt, (c) => [new NixioSocket(env, c.core, c.family)])
}

const endpointParams: Array<Param> = [
  P.host,
  P.port,
  { name: "family", type: '"any"|"inet"|"inet6"', optional: true, decode: choice(["any", "inet", "inet6"], "any", "supported values: any, inet, inet6") },
  { name: "type", type: '"stream"|"dgram"|"any"', optional: true, decode: choice(["any", "stream", "dgram"], "stream", "supported values: any, stream, dgram") }
]

const functions: Array<Fn<undefined>> = [
  {
    name: "socket",
    params: [
      { name: "domain", type: '"inet"|"inet6"|"unix"', decode: choice(domains, "", "supported values: inet, inet6, unix, packet") },
      { name: "type", type: '"stream"|"dgram"|"raw"', decode: choice(socketTypes, "", "supported values: stream, dgram, raw") },
      {
        name: "proto",
        type: "string",
        optional: true,
        decode: (v) => {
          const p = textOf(v)
          if (p !== undefined && p !== "icmp" && p !== "icmpv6") throw new ArgError("supported values: [empty], icmp, icmpv6")
          return p
        }
      }
    ],
    returns: [{ name: "socket", type: "nixio.socket" }],
    failure: R.failure,
    doc: "A new, unbound socket (blocking). Raw and ICMP sockets and unix datagram sockets answer `nil, 95, \"Operation not supported: ...\"` (Node.js has none).",
    run: (_, [domain, type, proto], env) => openSocket(env, domain, type, proto)
  },
  {
    name: "bind",
    params: endpointParams,
    returns: [{ name: "socket", type: "nixio.socket" }],
    failure: R.failure,
    waits: true,
    doc: "A new socket with SO_REUSEADDR bound to `host` (nil: any address) and `port`, trying each address in turn. Does not listen.",
    run: open("bind")
  },
  {
    name: "connect",
    params: endpointParams,
    returns: [{ name: "socket", type: "nixio.socket" }],
    failure: R.failure,
    waits: true,
    doc: "A new socket connected to `host` (nil: localhost) and `port`, trying each address in turn.",
    run: open("connect")
  }
]

/**
 * The nixio facade.
 *
 * @since 0.1.0
 */
export const spec: FacadeSpec = {
  name: "nixio",
  module: "nixio",
  doc: "nixio's sockets (`require \"nixio\"`): `nixio.socket` / `bind` / `connect` and the `Socket` object, blocking by default; failures are `nil, errno, message` (false for EAGAIN).",
  numbers: "int",
  constants: [{ name: "const.buffersize", type: "int", value: BUFFER_SIZE, doc: "The most a recv returns." }],
  functions,
  types: [{ name: "socket", classes: [SELF], groups: {}, doc: "A nixio socket (IPv4, IPv6, unix)." }],
  methods,
  limits: [
    "A stream socket's `bind` is recorded and taken by `listen` / `connect` (Node.js has no bound, unconnected TCP sockets): EADDRINUSE comes from `listen` (or at once from `bind` when a server of this process holds the port), `getsockname` gives the recorded address (port 0 until listen), `fileno` is -1 until then.",
    "Socket options: implemented where Node.js has them (stream: keepalive, reuseaddr, linger 0, nodelay, v6only before listen / connect; datagram: reuseaddr, broadcast, rcvbuf, sndbuf, the multicast options, v6only before bind); `sndtimeo` / `rcvtimeo` are the facade's own and apply to send and to recv / accept. The others answer `nil, 95, \"Operation not supported: <what Node.js lacks>\"`; options of a level that does not apply to the socket `nil, 92, \"Protocol not available\"`.",
    "`getopt(\"socket\", \"error\")` reports a failed background connect until the socket is closed (SO_ERROR would clear it).",
    "No raw, ICMP or unix datagram sockets: `nil, 95, \"Operation not supported: ...\"`.",
    "`sendto` on a connected datagram socket gives `nil, 106, ...` (Node.js refuses it; Linux would send).",
    "`getsockname` / `getpeername` on unix sockets give `nil, 97, ...` (nixio cannot format unix addresses either).",
    "`tostring` of a closed socket is `nixio socket -1` (nixio raises)."
  ]
}
