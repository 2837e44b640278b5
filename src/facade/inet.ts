/**
 * The spec of the lunatik `socket.inet` facade: lunatik's IPv4 TCP and UDP objects
 * (`inet.tcp()`, `inet.udp()`), the raw socket `accept` returns, the `socket.sock` /
 * `socket.ipproto` / `socket.msg` constants they use and the `net.aton` / `net.ntoa`
 * address conversions. Behaviour: spec/reference-semantics.md section 4, checked against
 * lunatik's `lib/socket/inet.lua`, `lib/net.lua` and `lib/luasocket.c`.
 *
 * Conventions (lunatik's, not LuaSocket's):
 * - **Failures raise.** The kernel's error is raised as its errno name (`"ECONNREFUSED"`,
 *   `"EAGAIN"`, ...), the string `lunatik_throw` raises: in TypeScript a thrown `LuaRaise`
 *   whose `message` (and `reason`) is the name. Core errors map to names by `errnoName`
 *   (`src/facade/common.ts`): the OS code when there is one, else the errno of the error's
 *   kind. A method called on a closed object raises `EBADF`.
 * - **Results are lunatik's:** `bind`, `connect`, `listen`, `close` give nothing; `send`
 *   the bytes sent; `receive` the data (`""` at end of stream); `getsockname` /
 *   `getpeername` `ip, port`.
 * - **Addresses** are dotted quads (checked as `net.aton` checks them: four decimal octets,
 *   no leading zero, else `invalid IPv4 address: x` is raised) or integers as `net.aton`
 *   gives them (lunatik's raw socket takes those); `"*"` binds to INADDR_ANY.
 * - **Flags** are numbers. `receive`: `msg.DONTWAIT` (raise `EAGAIN` instead of waiting),
 *   `msg.WAITALL` (wait for `len` bytes, fewer at end of stream), `msg.NOSIGNAL` (no
 *   effect). `accept`: `sock.NONBLOCK` (or `msg.DONTWAIT`) raises `EAGAIN` when no
 *   connection is pending; `sock.CLOEXEC` has no effect. `connect` takes 0 only (Node
 *   cannot start a connect without waiting for it). Other bits raise
 *   `bad argument #n to 'f' (unsupported flags ...)`.
 *
 * @since 0.1.0
 */
import * as Either from "effect/Either"
import * as Effect from "effect/Effect"
import type * as NetError from "../core/NetError.js"
import * as ReadBuffer from "../core/ReadBuffer.js"
import { TcpSocket } from "../core/Tcp.js"
import { type Datagram, UdpSocket } from "../core/Udp.js"
import { CoreObject, errnoName, immediate } from "./common.js"
import { ArgPositionError } from "./derive.js"
import { ArgError, D, type Decode, type Env, type FacadeSpec, type Fn, type ObjectType, op, type Param, PlainRaise, type Ret, type Results } from "./spec.js"

// ---- constants -----------------------------------------------------------------------------

/** `socket.sock`: socket types and the flags accept takes (Linux values). @since 0.1.0 */
export const SOCK = { STREAM: 1, DGRAM: 2, NONBLOCK: 0o4000, CLOEXEC: 0o2000000 } as const

/** `socket.ipproto` (Linux values). @since 0.1.0 */
export const IPPROTO = { IP: 0, TCP: 6, UDP: 17 } as const

/** `socket.msg`: the message flags of receive (Linux values). @since 0.1.0 */
export const MSG = { OOB: 0x1, PEEK: 0x2, TRUNC: 0x20, DONTWAIT: 0x40, WAITALL: 0x100, NOSIGNAL: 0x4000 } as const

/** `socket.af` (Linux values): lunatik's `socket.inet` is `AF_INET` only. @since 0.1.0 */
export const AF = { INET: 2 } as const

/** `listen`'s default backlog: the kernel's SOMAXCONN. */
const SOMAXCONN = 4096

/** The longest single TCP receive: more is never buffered at once (the core's read high-water mark). */
const MAX_RECEIVE = 256 * 1024

// ---- pure pieces ---------------------------------------------------------------------------

const quad = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/

/**
 * `net.aton`: a dotted quad to its integer (host order), or `undefined` when the string is
 * not an address the way `net.ntoa` spells it: four decimal octets 0..255, no leading zero
 * (lunatik's `net.aton` raises `invalid IPv4 address: x` for anything else).
 *
 * @since 0.1.0
 */
export const aton = (address: string): number | undefined => {
  const m = quad.exec(address)
  if (m === null) return undefined
  let ip = 0
  for (let i = 1; i <= 4; i++) {
    const octet = m[i]!
    const n = Number(octet)
    if (n > 255 || String(n) !== octet) return undefined
    ip = ip * 256 + n
  }
  return ip
}

/**
 * `net.ntoa`: an integer to its dotted quad. As lunatik's (`(ip & mask) >> shift` on Lua's
 * 64-bit integers), only the low 32 bits count: `ntoa(-1)` is `255.255.255.255`.
 *
 * @since 0.1.0
 */
export const ntoa = (ip: number): string => {
  const u = Number(BigInt.asUintN(32, BigInt(ip)))
  return `${u >>> 24}.${(u >>> 16) & 0xff}.${(u >>> 8) & 0xff}.${u & 0xff}`
}

/** The kernel's names of the flag bits, for messages. */
const flagNames: ReadonlyArray<readonly [number, string]> = [
  ...Object.entries(MSG).map(([k, v]) => [v, `msg.${k}`] as const),
  [SOCK.NONBLOCK, "sock.NONBLOCK"],
  [SOCK.CLOEXEC, "sock.CLOEXEC"]
]

const describeBits = (bits: number): string => {
  const names: Array<string> = []
  let rest = bits >>> 0
  for (const [bit, name] of flagNames) {
    if ((rest & bit) !== 0) {
      names.push(name)
      rest &= ~bit
    }
  }
  if (rest !== 0) names.push(`0x${(rest >>> 0).toString(16)}`)
  return names.join("|")
}

/**
 * Decodes a flags argument against the bits a function supports (`supported`: name -> bit):
 * the names of the bits set, or an `ArgError` naming the bits Node cannot honour. Flags are
 * a C `int`, as lunatik reads them (`luaL_optinteger`, cast to int).
 *
 * @since 0.1.0
 */
export const decodeFlags = (flags: number, supported: Readonly<Record<string, number>>, what: string): ReadonlySet<string> => {
  let rest = flags | 0
  const set = new Set<string>()
  for (const [name, bit] of Object.entries(supported)) {
    if ((rest & bit) !== 0) {
      set.add(name)
      rest &= ~bit
    }
  }
  if (rest !== 0) throw new ArgError(`unsupported flags ${describeBits(rest)} for ${what}: Node.js cannot honour them`)
  return set
}

// ---- objects -------------------------------------------------------------------------------

/** What every object of this facade is: one core socket under lunatik's names. */
abstract class InetObject<C extends TcpSocket | UdpSocket> extends CoreObject<C> {
  /** Lua class, method table (object type), and what `tostring` prints before the address. */
  protected abstract readonly names: readonly [className: string, typeName: string, luaType: string]
  get className(): string {
    return this.names[0]
  }
  get typeName(): string {
    return this.names[1]
  }
  tostring(): string {
    return `${this.names[2]}: 0x${this.address.toString(16)}`
  }
}

/** An `inet.tcp()` object (a Lua table in lunatik: `tostring` is `table: 0x...`). @since 0.1.0 */
export class InetTcp extends InetObject<TcpSocket> {
  protected readonly names = ["inet.tcp", "tcp", "table"] as const
  readonly type = SOCK.STREAM
  readonly proto = IPPROTO.TCP
}

/** An `inet.udp()` object. @since 0.1.0 */
export class InetUdp extends InetObject<UdpSocket> {
  protected readonly names = ["inet.udp", "udp", "table"] as const
  readonly type = SOCK.DGRAM
  readonly proto = IPPROTO.UDP
}

/** What `accept` returns: lunatik's raw `socket` object (addresses as integers). @since 0.1.0 */
export class InetSocket extends InetObject<TcpSocket> {
  protected readonly names = ["socket", "socket", "socket"] as const
}

type Stream = InetTcp | InetSocket
type Any = Stream | InetUdp

// ---- conventions ---------------------------------------------------------------------------

const NONE: Results = []

/** Raises the errno name of a core error; a would-block wait (timeout 0) is `EAGAIN`. */
const raise = (e: NetError.NetError, wouldBlock = false): never => {
  throw new PlainRaise(wouldBlock && e._tag === "Timeout" ? "EAGAIN" : errnoName(e), true)
}

/** Runs a core op: its value through `onOk`, its failure raised as an errno name. */
const run = <A>(effect: Effect.Effect<A, NetError.NetError>, onOk: (a: A) => Results, wouldBlock = false): Results | Promise<Results> =>
  op(effect, onOk, (e) => raise(e, wouldBlock))

/** lunatik checks the object is still open before every call. */
const live = <S extends Any>(s: S): S => {
  if (s.core.isClosed) throw new PlainRaise("EBADF", true)
  return s
}

/** How a type gives addresses back: inet objects as dotted quads, raw sockets as integers. */
type Style = "text" | "int"
const ipOut = (style: Style, address: string): string | number => (style === "text" ? address : aton(address) ?? 0)

// ---- decoders ------------------------------------------------------------------------------

/** An address argument: an integer (`net.aton`'s) or a string; checked by `ipOf` in `run`. */
const addressArg: Decode<number | string> = (v, p) => (typeof v === "number" || typeof v === "bigint" ? D.integer(v, p) : D.string(v, p))

/** The dotted quad of an address argument; raises as `net.aton` does. */
const ipOf = (a: number | string, anyAllowed: boolean): string => {
  if (typeof a === "number") return ntoa(a)
  if (anyAllowed && a === "*") return "0.0.0.0"
  if (aton(a) === undefined) throw new PlainRaise(`invalid IPv4 address: ${a}`)
  return a
}

/** `lunatik_checkinteger(L, ix, 0, U16_MAX)`. */
const portArg: Decode<number> = (v, p) => {
  const n = D.integer(v, p)
  if (n < 0 || n > 0xffff) throw new ArgError("out of bounds")
  return n
}

/** receive's length: `luaL_checkinteger`; a negative size is no buffer at all. */
const lengthArg: Decode<number> = (v, p) => {
  const n = D.integer(v, p)
  if (n < 0) throw new ArgError("out of bounds")
  return n
}

const flagsArg = (supported: Readonly<Record<string, number>>, what: string): Decode<ReadonlySet<string>> => (v, p) =>
  decodeFlags(D.opt(D.integer, 0)(v, p), supported, what)

const receiveFlags = { DONTWAIT: MSG.DONTWAIT, WAITALL: MSG.WAITALL, NOSIGNAL: MSG.NOSIGNAL }
const acceptFlags = { NONBLOCK: SOCK.NONBLOCK, DONTWAIT: MSG.DONTWAIT, CLOEXEC: SOCK.CLOEXEC }

const P = {
  addr: { name: "addr", type: "string|int", decode: addressArg } as Param,
  optAddr: { name: "addr", type: "string|int", optional: true, decode: D.opt(addressArg, undefined) } as Param,
  port: { name: "port", type: "int", decode: portArg } as Param,
  optPort: { name: "port", type: "int", optional: true, decode: D.opt(portArg, undefined) } as Param,
  msg: { name: "msg", type: "string", decode: D.bytes } as Param,
  len: { name: "len", type: "int", decode: lengthArg } as Param,
  receiveFlags: { name: "flags", type: "int", optional: true, decode: flagsArg(receiveFlags, "receive") } as Param,
  connectFlags: { name: "flags", type: "int", optional: true, decode: flagsArg({}, "connect") } as Param,
  from: { name: "from", type: "boolean", optional: true, decode: D.boolean } as Param
}

const R = {
  address: (style: Style): ReadonlyArray<Ret> => [{ name: "ip", type: style === "text" ? "string" : "int" }, { name: "port", type: "int" }],
  /** receive's: the data, and with `from` the sender's IP (an integer, lunatik's raw form) and port. */
  data: [{ name: "data", type: "string" }, { name: "ip", type: "int|nil" }, { name: "port", type: "int|nil" }] as ReadonlyArray<Ret>,
  sent: [{ name: "sent", type: "int" }] as ReadonlyArray<Ret>
}

// ---- methods of every object -------------------------------------------------------------------

/** An unbound socket's address, as the kernel reports it: 0.0.0.0 port 0. */
const UNBOUND = { address: "0.0.0.0", port: 0 }

/** close, getsockname and getpeername, for one class. */
const common = (self: string, style: Style): Array<Fn<Any>> => [
  {
    name: "close",
    self,
    params: [],
    returns: [],
    doc: "Closes the socket (safe to repeat).",
    run: (s) => {
      s.core.closeNow()
      return NONE
    }
  },
  {
    name: "getsockname",
    self,
    params: [],
    returns: R.address(style),
    doc: `The local address${style === "int" ? " (the IP as an integer, as `net.aton` gives it)" : ""}; \`0.0.0.0\`, 0 before bind.`,
    run: (s) => {
      const a = live(s).core.getSockName()
      const v = Either.isRight(a) ? a.right : UNBOUND
      return [ipOut(style, v.address), v.port]
    }
  },
  {
    name: "getpeername",
    self,
    params: [],
    returns: R.address(style),
    doc: "The peer's address. Raises `ENOTCONN` when not connected.",
    run: (s) => {
      const a = live(s).core.getPeerName()
      if (Either.isLeft(a)) throw new PlainRaise("ENOTCONN", true)
      return [ipOut(style, a.right.address), a.right.port]
    }
  }
]

/** The port send needs with an address (`lunatik_checkinteger(L, 4, ...)` raises without it). */
const destination = (addr: number | string | undefined, port: number | undefined): { readonly ip: string; readonly port: number } | undefined => {
  if (addr === undefined) return undefined
  if (port === undefined) throw new ArgPositionError(2, "number expected, got no value")
  return { ip: ipOf(addr, false), port }
}

// ---- TCP (inet.tcp objects and the raw sockets accept returns) ---------------------------------

const tcpMethods = (self: string, style: Style): Array<Fn<Stream>> => [
  ...(common(self, style) as Array<Fn<Stream>>),
  {
    name: "bind",
    self,
    params: [P.addr, P.port],
    returns: [],
    doc: '`"*"` = INADDR_ANY. Node binds a TCP socket when it listens or connects: a port in use raises `EADDRINUSE` from `listen`.',
    run: (s, [addr, port]) => run(live(s).core.bind(ipOf(addr, true), port), () => NONE)
  },
  {
    name: "connect",
    self,
    params: [P.addr, P.port, P.connectFlags],
    returns: [],
    waits: true,
    doc: "Connects (waiting for the handshake); raises e.g. `ECONNREFUSED`, `EISCONN`.",
    run: (s, [addr, port]) => run(live(s).core.connect(ipOf(addr, false), port), () => NONE)
  },
  {
    name: "listen",
    self,
    params: [{ name: "backlog", type: "int", optional: true, decode: D.opt(D.integer, SOMAXCONN) }],
    returns: [],
    waits: true,
    doc: "Listens (backlog: SOMAXCONN by default); binds to 0.0.0.0 and an ephemeral port when not bound. Listening again only changes nothing.",
    run: (s, [backlog]) => (live(s).core.kind === "server" ? NONE : run(s.core.listen(backlog < 0 ? SOMAXCONN : backlog), () => NONE))
  },
  {
    name: "accept",
    self,
    params: [{ name: "flags", type: "int", optional: true, decode: flagsArg(acceptFlags, "accept") }],
    returns: [{ name: "socket", type: "socket" }],
    waits: true,
    doc: "Waits for a connection and returns it as a raw `socket` (addresses as integers). With `sock.NONBLOCK` (or `msg.DONTWAIT`) raises `EAGAIN` when none is pending.",
    run: (s, [flags], env) => {
      const core = live(s).core
      const nonblocking = flags.has("NONBLOCK") || flags.has("DONTWAIT")
      return run(nonblocking ? core.takePending() : core.acceptOwned(), (c) => [new InetSocket(env, c)])
    }
  },
  {
    name: "send",
    self,
    params: [P.msg, P.optAddr, P.optPort],
    returns: R.sent,
    waits: true,
    doc: "Sends the bytes (an address is checked but, as by Linux for TCP, not used); returns the count. Raises `EPIPE` when not connected or the peer is gone.",
    run: (s, [msg, addr, port]) => {
      destination(addr, port)
      const core = live(s).core
      if (core.kind !== "client") throw new PlainRaise("EPIPE", true)
      return run(core.send(msg), (n) => [n])
    }
  },
  {
    name: "receive",
    self,
    params: [P.len, P.receiveFlags, P.from],
    returns: R.data,
    waits: true,
    doc: 'Up to `len` bytes, waiting while none are buffered; `""` at the end of the stream. `from`: also the peer\'s IP (integer) and port. `msg.WAITALL`: `len` bytes (fewer at the end); `msg.DONTWAIT`: raises `EAGAIN` instead of waiting.',
    run: (s, [len, flags, from], env) => {
      const core = live(s).core
      if (core.kind !== "client") throw new PlainRaise("ENOTCONN", true)
      const peer = (): Results => {
        if (!from) return NONE
        const p = core.getPeerName()
        return Either.isRight(p) ? [aton(p.right.address), p.right.port] : [0, 0]
      }
      const ok = (data: Uint8Array): Results => [env.codec.bytes(data), ...peer()]
      const atEnd = (e: NetError.NetError): Results => (e._tag === "Closed" && e.code === undefined ? ok(e.partial ?? EMPTY) : raise(e))
      if (len === 0) return ok(EMPTY)
      const pattern = flags.has("WAITALL") ? ReadBuffer.exactly(len) : ReadBuffer.available(Math.min(len, MAX_RECEIVE))
      if (flags.has("DONTWAIT")) {
        const now = core.receivePoll(pattern) ?? (flags.has("WAITALL") ? core.receivePoll(ReadBuffer.available(len)) : undefined)
        if (now === undefined) throw new PlainRaise("EAGAIN", true)
        return now instanceof Uint8Array ? ok(now) : atEnd(now)
      }
      return op(core.receive(pattern), ok, atEnd)
    }
  }
]

const EMPTY = new Uint8Array(0)

// ---- UDP -----------------------------------------------------------------------------------

/** One datagram: from a connected socket its peer is the sender. */
const datagram = (s: InetUdp, len: number, nonblocking: boolean): Effect.Effect<Datagram, NetError.NetError> | undefined => {
  const core = s.core
  const policy = nonblocking ? immediate : undefined
  if (core.kind === "unconnected") return core.receivefrom(len, policy)
  const peer = core.getPeerName()
  if (Either.isLeft(peer)) return undefined
  const from = peer.right
  return Effect.map(core.receive(len, policy), (data) => ({ data, address: from.address, port: from.port }))
}

const udpReceive = (s: InetUdp, len: number, flags: ReadonlySet<string>, onOk: (d: Datagram) => Results): Results | Promise<Results> => {
  const nonblocking = flags.has("DONTWAIT")
  const effect = datagram(live(s), len, nonblocking)
  if (effect === undefined) throw new PlainRaise("ENOTCONN", true)
  return run(effect, onOk, nonblocking)
}

const udpMethods: Array<Fn<InetUdp>> = [
  ...(common("inet.udp", "text") as Array<Fn<InetUdp>>),
  {
    name: "bind",
    self: "inet.udp",
    params: [P.addr, P.port],
    returns: [],
    doc: '`"*"` = INADDR_ANY; port 0 = ephemeral. Raises e.g. `EADDRINUSE`, `EINVAL` (bound already).',
    run: (s, [addr, port]) => run(live(s).core.setsockname(ipOf(addr, true), port), () => NONE)
  },
  {
    name: "connect",
    self: "inet.udp",
    params: [P.addr, P.port, P.connectFlags],
    returns: [],
    waits: true,
    doc: "Sets the peer: `send` without an address goes there, and only its datagrams are received.",
    run: (s, [addr, port]) => run(live(s).core.setpeername(ipOf(addr, false), port), () => NONE)
  },
  {
    name: "send",
    aliases: ["sendto"],
    self: "inet.udp",
    params: [P.msg, P.optAddr, P.optPort],
    returns: R.sent,
    waits: true,
    doc: "Sends one datagram to `addr`, `port` (or to the peer of a connected socket); returns the bytes sent. Raises `EDESTADDRREQ` without an address on an unconnected socket.",
    run: (s, [msg, addr, port]) => {
      const to = destination(addr, port)
      const core = live(s).core
      if (to === undefined) {
        if (core.kind !== "connected") throw new PlainRaise("EDESTADDRREQ", true)
        return run(core.send(msg), (n) => [n])
      }
      if (core.kind === "connected") throw new PlainRaise("EISCONN", true)
      return run(core.sendto(msg, to.ip, to.port), (n) => [n])
    }
  },
  {
    name: "receive",
    self: "inet.udp",
    params: [P.len, P.receiveFlags, P.from],
    returns: R.data,
    waits: true,
    doc: "One datagram, cut to `len` bytes (the rest is discarded). `from`: also the sender's IP (integer, lunatik's raw form) and port. `msg.DONTWAIT`: raises `EAGAIN` instead of waiting.",
    run: (s, [len, flags, from], env) =>
      udpReceive(s, len, flags, (d) => (from ? [env.codec.bytes(d.data), aton(d.address), d.port] : [env.codec.bytes(d.data)]))
  },
  {
    name: "receivefrom",
    self: "inet.udp",
    params: [P.len, P.receiveFlags],
    returns: [{ name: "data", type: "string" }, { name: "ip", type: "string" }, { name: "port", type: "int" }],
    waits: true,
    doc: "One datagram and its sender's dotted-quad IP and port (`receive(len, flags, true)` through `net.ntoa`).",
    run: (s, [len, flags], env) => udpReceive(s, len, flags, (d) => [env.codec.bytes(d.data), d.address, d.port])
  }
]

// ---- namespace -----------------------------------------------------------------------------

/** `socket.new(AF_INET, type, proto)`: the object for a type and protocol, or the kernel's errno. */
const open = (env: Env, type: number, proto: number): InetTcp | InetUdp => {
  if (type < 0 || type >= 11) throw new PlainRaise("EINVAL", true)
  if (type === SOCK.STREAM && (proto === IPPROTO.IP || proto === IPPROTO.TCP)) return new InetTcp(env, new TcpSocket({ family: "inet" }))
  if (type === SOCK.DGRAM && (proto === IPPROTO.IP || proto === IPPROTO.UDP)) return new InetUdp(env, new UdpSocket({ family: "inet" }))
  throw new PlainRaise(type === SOCK.STREAM || type === SOCK.DGRAM ? "EPROTONOSUPPORT" : "ESOCKTNOSUPPORT", true)
}

const created: ReadonlyArray<Ret> = [{ name: "socket", type: "inet.tcp|inet.udp" }]

const functions: Array<Fn<undefined>> = [
  {
    name: "tcp",
    params: [],
    returns: [{ name: "socket", type: "inet.tcp" }],
    doc: "A new TCP socket (`inet.tcp()`): fields `type` = `sock.STREAM`, `proto` = `ipproto.TCP`.",
    run: (_, __, env) => [open(env, SOCK.STREAM, IPPROTO.TCP)]
  },
  {
    name: "udp",
    params: [],
    returns: [{ name: "socket", type: "inet.udp" }],
    doc: "A new UDP socket (`inet.udp()`): fields `type` = `sock.DGRAM`, `proto` = `ipproto.UDP`.",
    run: (_, __, env) => [open(env, SOCK.DGRAM, IPPROTO.UDP)]
  },
  {
    name: "__call",
    params: [
      { name: "type", type: "int", decode: D.integer },
      { name: "proto", type: "int", optional: true, decode: D.opt(D.integer, IPPROTO.IP) }
    ],
    returns: created,
    doc: "Lua's `inet(type[, proto])` (the `__call` metamethod; in TypeScript the `inet` export is callable too): a socket of `sock.STREAM` or `sock.DGRAM`. Lunatik's base class has no type, so a bare `inet()` raises there as here (`number expected`). Raises `ESOCKTNOSUPPORT` / `EPROTONOSUPPORT` for other types and protocols.",
    run: (_, [type, proto], env) => [open(env, type, proto)]
  },
  {
    name: "new",
    params: [{ name: "o", type: "table", optional: true, decode: D.opt(D.table, {}) }],
    returns: created,
    doc: "Lua's `inet:new{type = ..., proto = ...}` followed by the call that opens it: lunatik's `new` makes an unopened prototype, which Node has no use for, so this opens the socket at once. Needs a numeric `type` field.",
    run: (_, [o], env) => {
      const t = o as { readonly type?: unknown; readonly proto?: unknown }
      if (typeof t.type !== "number") throw new ArgPositionError(0, `table with a numeric 'type' field expected (inet.sock.STREAM or inet.sock.DGRAM), got type ${t.type === undefined ? "nil" : typeof t.type}`)
      return [open(env, t.type, typeof t.proto === "number" ? t.proto : IPPROTO.IP)]
    }
  },
  {
    name: "net.aton",
    params: [{ name: "addr", type: "string", decode: D.string }],
    returns: [{ name: "ip", type: "int" }],
    doc: "Dotted quad to integer (`\"127.0.0.1\"` -> 2130706433). Raises `invalid IPv4 address: x` for anything `net.ntoa` would not print. Lua: `require \"net\"` is this table.",
    run: (_, [addr]) => {
      const ip = aton(addr)
      if (ip === undefined) throw new PlainRaise(`invalid IPv4 address: ${addr}`)
      return [ip]
    }
  },
  {
    name: "net.ntoa",
    params: [{ name: "ip", type: "int", decode: D.integer }],
    returns: [{ name: "addr", type: "string" }],
    doc: "Integer to dotted quad (only the low 32 bits count).",
    run: (_, [ip]) => [ntoa(ip)]
  }
]

const table = (prefix: string, values: Readonly<Record<string, number>>, doc: (name: string) => string) =>
  Object.entries(values).map(([name, value]) => ({ name: `${prefix}.${name}`, type: "int", value, doc: doc(name) }))

const msgDoc: Readonly<Record<string, string>> = {
  OOB: "Not supported (raises).",
  PEEK: "Not supported (raises): Node.js cannot peek.",
  TRUNC: "Not supported (raises).",
  DONTWAIT: "receive: raise `EAGAIN` instead of waiting (accept too).",
  WAITALL: "receive (TCP): wait for `len` bytes.",
  NOSIGNAL: "Accepted, no effect (Node.js never raises SIGPIPE)."
}

/** The object type of `inet.tcp()` / `inet.udp()` objects, with their `type` and `proto` fields. */
const inetType = (name: "tcp" | "udp", what: string, type: number, proto: number): ObjectType => ({
  name,
  classes: [`inet.${name}`],
  groups: {},
  fields: [
    { name: "type", type: "int", doc: `\`sock.${name === "tcp" ? "STREAM" : "DGRAM"}\` (${type}).` },
    { name: "proto", type: "int", doc: `\`ipproto.${what}\` (${proto}).` }
  ],
  doc: `${what} sockets made by \`inet.${name}()\`.`
})

/**
 * The lunatik `socket.inet` facade.
 *
 * @since 0.1.0
 */
export const spec: FacadeSpec = {
  name: "inet",
  module: "socket.inet",
  doc: "lunatik's `socket.inet` (IPv4 TCP and UDP sockets for Lua in the Linux kernel) on Node.js: failures raise errno names (`\"ECONNREFUSED\"`), addresses are dotted quads or `net.aton` integers, flags are numbers.",
  numbers: "int",
  constants: [
    { name: "localhost", type: "string", value: "127.0.0.1", doc: "The loopback address." },
    ...table("sock", SOCK, (n) => (n === "STREAM" || n === "DGRAM" ? `Socket type (lunatik's \`socket.sock.${n}\`).` : `accept flag (lunatik's \`socket.sock.${n}\`).`)),
    ...table("ipproto", IPPROTO, (n) => `Protocol (lunatik's \`socket.ipproto.${n}\`).`),
    ...table("msg", MSG, (n) => `Message flag (lunatik's \`socket.msg.${n}\`). ${msgDoc[n]}`),
    ...table("af", AF, () => "Address family (lunatik's `socket.af.INET`).")
  ],
  functions,
  types: [
    inetType("tcp", "TCP", SOCK.STREAM, IPPROTO.TCP),
    inetType("udp", "UDP", SOCK.DGRAM, IPPROTO.UDP),
    {
      name: "socket",
      classes: ["socket"],
      groups: {},
      doc: "Lunatik's raw socket: what `accept` returns (a connected TCP socket; addresses are integers, as `net.aton` gives them)."
    }
  ],
  methods: [...tcpMethods("inet.tcp", "text"), ...tcpMethods("socket", "int"), ...udpMethods],
  limits: [
    "Failures raise errno names. Where Node.js gives no OS code, the name is the errno of the error's kind (see `errnoName` in src/facade/common.ts): e.g. a timeout `ETIMEDOUT`, a send to a vanished peer `EPIPE`, a method on a closed object `EBADF` (lunatik raises `null pointer dereference` there).",
    "TCP `bind` is recorded and applied by `listen` / `connect` (Node.js has no unbound TCP sockets): `EADDRINUSE` comes from `listen`.",
    "`connect` takes no flags: Node.js cannot start a connect without waiting for it (lunatik passes `O_NONBLOCK` on to the kernel).",
    "`receive` flags `msg.PEEK`, `msg.OOB`, `msg.TRUNC` raise: Node.js cannot peek, read urgent data or report truncation.",
    "UDP `send` to an address on a connected socket raises `EISCONN` (Linux would send it).",
    "`inet:new(o)` opens the socket at once (lunatik returns an unopened prototype).",
    "Addresses: dotted quads are checked as the newest `net.aton` checks them; integers (as lunatik's raw socket takes) are accepted too. `receive(len, flags, true)` on TCP gives the peer's address (the kernel leaves it unset).",
    "The `socket.sock` / `socket.ipproto` / `socket.msg` / `socket.af` tables live in this namespace (`inet.sock.STREAM`): `require \"socket\"` is LuaSocket here."
  ]
}
