/**
 * The lsocket 1.4.1 facade's spec: `lsocket.bind` / `lsocket.connect` (address
 * auto-detection: IPv4, IPv6, unix paths, `@abstract` names), the methods of its one
 * `socket` object, `select` with second timeouts (millisecond resolution), `resolve`,
 * `getinterfaces` and the constants. Behaviour: spec/reference-semantics.md section 2,
 * checked against lsocket.c 1.4.1.
 *
 * Conventions (lsocket's): nothing waits for the network. `connect` returns a socket that
 * is still connecting (select it for writing, then `status()`); `recv` gives a string,
 * **false** when nothing is there yet, **nil** at the end of a stream; `accept` and `send`
 * give **false** when they would have to wait; failures are `nil, message` with the C
 * library's message (strerror, gai_strerror, or lsocket's own).
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Dns from "../core/Dns.js"
import * as NetError from "../core/NetError.js"
import * as Select from "../core/Select.js"
import { TcpSocket } from "../core/Tcp.js"
import { UdpSocket } from "../core/Udp.js"
import { CoreSocket, type CoreSocketOf, dualStack, type Family, immediate, isLuaString, isWouldBlock, rawArg, type RawArg, receiveNow, sendSome } from "./common.js"
import { ArgPositionError } from "./derive.js"
import { ArgError, D, type Env, type FacadeSpec, type Fn, luaTypeName, numberOf, op, type Param, PlainRaise, type Results, runOp, textOf } from "./spec.js"

// ---- the object ----------------------------------------------------------------------------

/** An lsocket socket (`tostring`: `socket: 0x...`). @since 0.1.0 */
export class LSocket extends CoreSocket {
  /** `close()` (not `setfd(-1)`) was called: `info().type` says `unknown`, as lsocket's close sets it. */
  closedByUser = false

  constructor(
    env: Env,
    core: CoreSocketOf,
    family: Family,
    readonly mcast: boolean,
    /** Made by `lsocket.bind` (lsocket calls every bound socket listening, UDP too). */
    readonly listening: boolean
  ) {
    super(env, core, family)
  }
  get typeName(): string {
    return "socket"
  }
  get className(): string {
    return "socket"
  }
  tostring(): string {
    return `socket: 0x${this.address.toString(16)}`
  }
}

// ---- pure pieces ---------------------------------------------------------------------------

/** Socket type names (`strcasecmp`). */
const socketTypes = { tcp: { type: "tcp", mcast: false }, udp: { type: "udp", mcast: false }, mcast: { type: "udp", mcast: true } } as const

/** The arguments of `bind` / `connect` after lsocket's shuffling. @since 0.1.0 */
export interface EndpointArgs {
  readonly type: "tcp" | "udp"
  readonly mcast: boolean
  readonly address: string | undefined
  /** undefined: not given (lsocket's -1). */
  readonly port: number | undefined
  /** Where the port is (0-based), for bind's "number expected" when it is missing. */
  readonly portAt: number
  /** bind: the backlog (default 5); connect: the multicast TTL (default 1). */
  readonly extra: number
}

/** `luaL_optnumber` at 0-based position `at`: undefined when nil or absent. */
const optNumberAt = (args: ReadonlyArray<RawArg>, at: number): number | undefined => {
  const a = args[at]
  if (a === undefined || a.value === undefined || a.value === null) return undefined
  const n = numberOf(a.value)
  if (n === undefined) throw new ArgPositionError(at, `number expected, got ${luaTypeName(a.value, a.present)}`)
  return n
}

/** `(int) luaL_optnumber(...)`. */
const optIntAt = (args: ReadonlyArray<RawArg>, at: number, fallback: number): number => Math.trunc(optNumberAt(args, at) ?? fallback)

/**
 * lsocket's argument shuffling for `bind([type], [address], [port], [backlog])` and
 * `connect([type], address, [port], [ttl])`: a leading string that names a type
 * (case-insensitive) is the type; for bind, a following string is the address; then the
 * port (lsocket's -1, "none", when absent or -1) and the backlog / TTL. Raises Lua's
 * argument errors.
 *
 * @since 0.1.0
 */
export const endpointArgs = (mode: "bind" | "connect", args: ReadonlyArray<RawArg>): EndpointArgs => {
  let at = 0
  let kind: { readonly type: "tcp" | "udp"; readonly mcast: boolean } = socketTypes.tcp
  const first = args[0]?.value
  if (isLuaString(first)) {
    const name = textOf(first)!.toLowerCase()
    if (Object.prototype.hasOwnProperty.call(socketTypes, name)) {
      kind = socketTypes[name as keyof typeof socketTypes]
      at = 1
    }
  }
  let address: string | undefined
  if (mode === "bind") {
    const v = args[at]?.value
    if (isLuaString(v)) {
      address = textOf(v)
      at++
    }
  } else {
    const a = args[at]
    try {
      address = D.string(a?.value, a?.present ?? false) // luaL_checkstring: numbers are strings too
    } catch (e) {
      throw e instanceof ArgError ? new ArgPositionError(at, e.reason) : e
    }
    at++
  }
  const port = optIntAt(args, at, -1)
  const extra = optIntAt(args, at + 1, mode === "bind" ? 5 : 1)
  return { ...kind, address, port: port === -1 ? undefined : port & 0xffff, portAt: at, extra }
}

/** An lsocket address: a unix socket when it contains `/` or starts with `@` (abstract), else an IP address or host name. @since 0.1.0 */
export const isUnixAddress = (address: string): boolean => address.includes("/") || address.startsWith("@")

/** `sun_path` is 108 bytes; lsocket refuses longer paths, Node one byte earlier (the NUL). */
const MAX_UNIX_PATH = 107

/** The arguments of `select` after lsocket's shuffling. @since 0.1.0 */
export interface SelectArgs {
  readonly read: ReadonlyArray<unknown> | undefined
  readonly write: ReadonlyArray<unknown> | undefined
  /** Seconds; -1 (absent) or negative = no limit. */
  readonly timeout: number
  /** lua_gettop: how many arguments were passed (explicit nils count). */
  readonly count: number
  /** The position the timeout was read from (0-based); arguments after it are "invalid options". */
  readonly timeoutAt: number
}

/** The items of a Lua table argument, `t[1], t[2], ...` up to the first nil. */
const sequence = (t: unknown): Array<unknown> => {
  const out: Array<unknown> = []
  const get = (i: number): unknown => (Array.isArray(t) ? t[i - 1] : (t as Record<string, unknown>)[String(i)])
  for (let i = 1; ; i++) {
    const v = get(i)
    if (v === undefined || v === null) return out
    out.push(v)
  }
}

/**
 * lsocket's `select([read [, write]], [timeout])`: a table first is the read set, a table
 * second the write set; the timeout is the argument after the last table.
 *
 * @since 0.1.0
 */
export const selectArgs = (args: ReadonlyArray<RawArg>, count: number): SelectArgs => {
  const isTable = (a: RawArg | undefined) => a !== undefined && luaTypeName(a.value) === "table"
  let at = 0
  let read: Array<unknown> | undefined
  let write: Array<unknown> | undefined
  if (isTable(args[0])) {
    read = sequence(args[0]!.value)
    at = 1
  }
  if (isTable(args[1])) {
    write = sequence(args[1]!.value)
    at = 2
  }
  return { read, write, timeout: optNumberAt(args, at) ?? -1, count, timeoutAt: at }
}

// ---- conventions ---------------------------------------------------------------------------

/** `nil, message`: lsocket's failure. */
const fail = (e: NetError.NetError | string): Results => [undefined, typeof e === "string" ? e : NetError.osError(e).message]

const BAD_FD: Results = fail(NetError.osErrorOfCode("EBADF").message)
const FALSE: Results = [false]

/** Fails as C's calls on a closed socket (fd -1) do. */
const closed = (s: LSocket): boolean => s.core.isClosed

/** While connecting: false (would block); after a failed connect: its error; else undefined (go on). */
const whileConnecting = (s: LSocket): Results | undefined => {
  const state = s.connectState()
  return state === undefined ? undefined : state === "pending" ? FALSE : fail(state)
}

const addressTable = (a: { readonly address: string; readonly port: number; readonly family: string }): Record<string, unknown> =>
  a.family === "unix" ? { family: "unix", addr: a.address } : { family: a.family, addr: a.address, port: a.port }

// ---- methods -------------------------------------------------------------------------------

const SELF = "socket"
const R = {
  nilMsg: [{ name: "nil", type: "nil" }, { name: "message", type: "string" }],
  count: [{ name: "bytes", type: "int" }]
}
const hostName: Param = { name: "name", type: "string", decode: D.string }
const sizeParam: Param = { name: "size", type: "int", optional: true, decode: D.opt(D.number, undefined) }

/** recv's size: Lua 5.4's LUAL_BUFFERSIZE by default; lsocket raises for sizes beyond a C unsigned. */
const recvSize = (size: number | undefined, fn: string): number => {
  if (size === undefined) return LUAL_BUFFERSIZE
  const n = Math.trunc(size)
  if (!(n >= 0 && n <= 0xffffffff)) throw new PlainRaise(`bad argument #1 to '${fn}' (invalid number)`)
  return n
}

/** Lua 5.4's LUAL_BUFFERSIZE on 64-bit builds (16 * sizeof(void*) * sizeof(lua_Number)): lsocket's default recv size. */
const LUAL_BUFFERSIZE = 1024

/**
 * recv's results for what `receiveNow` gave. lsocket returns nil whenever recv(2) read 0
 * bytes: at the end of a stream, for `recv(0)` and for an empty datagram.
 */
const received = (env: Env, r: Uint8Array | NetError.NetError | undefined, more: (data: Uint8Array) => Results = () => []): Results => {
  if (r === undefined) return FALSE
  if (r instanceof Uint8Array) return r.length === 0 ? [undefined] : [env.codec.bytes(r), ...more(r)]
  if (r._tag === "Closed" && r.code === undefined) return [undefined] // end of stream
  return isWouldBlock(r) ? FALSE : fail(r)
}

/** The sender of what recvfrom got on a socket that has a peer (TCP, connected UDP). */
const peerOf = (s: LSocket): Results => {
  const p = s.core.getPeerName()
  return Either.isRight(p) && p.right.family !== "unix" ? [p.right.address, p.right.port] : [undefined, undefined]
}

const methods: Array<Fn<LSocket>> = [
  {
    name: "info",
    self: SELF,
    params: [{ name: "what", type: '"peer"|"socket"|string', optional: true, decode: D.opt(D.string, undefined) }],
    returns: [{ name: "info", type: "table" }],
    failure: R.nilMsg,
    doc: "No argument: `{fd, family, type, listening, multicast}`. `\"peer\"` / `\"socket\"` (any case): `{family, addr, port}` of the peer / the local end (no port for unix sockets). Anything else: nil.",
    run: (s, [what]) => {
      if (what === undefined) {
        return [{
          fd: s.core.getFd(),
          family: s.family,
          type: s.closedByUser ? "unknown" : s.stream ? "tcp" : "udp",
          listening: s.listening && !s.closedByUser,
          multicast: s.mcast
        }]
      }
      const which = what.toLowerCase()
      if (which !== "peer" && which !== "socket") return [undefined]
      if (closed(s)) return BAD_FD
      const a = which === "peer" ? s.core.getPeerName() : s.core.getSockName()
      return Either.isRight(a) ? [addressTable(a.right)] : fail(a.left)
    }
  },
  {
    name: "status",
    self: SELF,
    params: [],
    returns: [{ name: "ok", type: "true" }],
    failure: R.nilMsg,
    doc: "true while the socket has no error (also while still connecting); the failed connect's `nil, message` once it failed.",
    run: (s) => {
      if (closed(s)) return BAD_FD
      const state = s.connectState()
      return state !== undefined && state !== "pending" ? fail(state) : [true]
    }
  },
  {
    name: "getfd",
    self: SELF,
    params: [],
    returns: [{ name: "fd", type: "int" }],
    doc: "The descriptor; -1 after close / setfd(-1), and until Node.js has created it (a connect under way).",
    run: (s) => [s.core.getFd()]
  },
  {
    name: "setfd",
    self: SELF,
    params: [{ name: "fd", type: "int", decode: D.integer }],
    returns: [{ name: "ok", type: "true" }],
    failure: R.nilMsg,
    doc: "Only -1: the object lets go of its descriptor (here: closes it, as libuv owns it and nobody else can take it over). Other values: `nil, \"bad argument #1 to 'setfd' (invalid fd)\"`.",
    run: (s, [fd]) => {
      if (fd !== -1) return fail("bad argument #1 to 'setfd' (invalid fd)")
      s.core.closeNow()
      return [true]
    }
  },
  {
    name: "accept",
    self: SELF,
    params: [],
    returns: [{ name: "socket", type: "socket" }, { name: "addr", type: "string" }, { name: "port", type: "int" }],
    failure: [{ name: "false|nil", type: "false|nil" }, { name: "message", type: "string" }],
    doc: "A pending connection: the new socket and the peer's address and port (nil, nil for unix sockets); false when none is pending.",
    run: (s, _, env) => {
      if (closed(s)) return BAD_FD
      const core = s.core
      if (!(core instanceof TcpSocket)) return fail(NetError.osErrorOfCode("EOPNOTSUPP").message)
      if (core.kind !== "server") return fail(NetError.osErrorOfCode("EINVAL").message)
      return op(core.takePending(), (c) => {
        const peer = c.getPeerName()
        const conn = new LSocket(env, c, s.family, s.mcast, false)
        return Either.isRight(peer) && peer.right.family !== "unix" ? [conn, peer.right.address, peer.right.port] : [conn, undefined, undefined]
      }, (e) => (isWouldBlock(e) ? FALSE : fail(e)))
    }
  },
  {
    name: "recv",
    self: SELF,
    params: [sizeParam],
    returns: [{ name: "data", type: "string" }],
    failure: [{ name: "false|nil", type: "false|nil" }, { name: "message", type: "string" }],
    doc: "At most `size` bytes (default 1024, Lua 5.4's LUAL_BUFFERSIZE) of what has arrived (UDP: one datagram, cut to `size`); false when nothing has; nil (alone) at the end of a TCP stream; `nil, message` on error.",
    run: (s, [size], env) => {
      const n = recvSize(size, "recv")
      if (closed(s)) return BAD_FD
      return whileConnecting(s) ?? (n === 0 ? [undefined] : received(env, receiveNow(s.core, n)))
    }
  },
  {
    name: "recvfrom",
    self: SELF,
    params: [sizeParam],
    returns: [{ name: "data", type: "string" }, { name: "addr", type: "string" }, { name: "port", type: "int" }],
    failure: [{ name: "false|nil", type: "false|nil" }, { name: "message", type: "string" }],
    doc: "recv and the sender's address and port (on TCP and connected UDP sockets: the peer's).",
    run: (s, [size], env) => {
      const n = recvSize(size, "recvfrom")
      if (closed(s)) return BAD_FD
      const core = s.core
      if (core instanceof UdpSocket && core.kind === "unconnected") {
        return op(core.receivefrom(n, immediate), (d) => received(env, d.data, () => [d.address, d.port]), (e) => received(env, e))
      }
      return whileConnecting(s) ?? received(env, receiveNow(core, n), () => peerOf(s))
    }
  },
  {
    name: "send",
    self: SELF,
    params: [{ name: "data", type: "string", decode: D.bytes }],
    returns: R.count,
    failure: [{ name: "false|nil", type: "false|nil" }, { name: "message", type: "string" }],
    waits: true,
    doc: "Sends what fits now (TCP) or one datagram (connected UDP): the bytes written, or false when nothing fitted (also while still connecting).",
    run: (s, [data]) => {
      if (closed(s)) return BAD_FD
      return whileConnecting(s) ?? op(sendSome(s.core, data, immediate), (n) => [n], (e) => (isWouldBlock(e) ? FALSE : fail(e)))
    }
  },
  {
    name: "sendto",
    self: SELF,
    params: [
      { name: "data", type: "string", decode: D.bytes },
      { name: "address", type: "string", decode: D.string },
      { name: "port", type: "int", decode: D.integer }
    ],
    returns: R.count,
    failure: [{ name: "false|nil", type: "false|nil" }, { name: "message", type: "string" }],
    waits: true,
    doc: "Sends a datagram to `address` (resolved like bind's: a host name may wait for the resolver), `port`: the bytes written. On TCP the address is ignored (as Linux does).",
    run: (s, [data, address, port]) => {
      if (closed(s)) return BAD_FD
      const core = s.core
      if (core instanceof TcpSocket) return whileConnecting(s) ?? op(sendSome(core, data, immediate), (n) => [n], (e) => (isWouldBlock(e) ? FALSE : fail(e)))
      if (core.kind === "connected") return fail(NetError.osErrorOfCode("EISCONN").message)
      return run(Effect.flatMap(target(address), (t) => (t._tag === "Unix" ? Effect.fail(noUnixDatagrams) : core.sendto(data, t.address, port & 0xffff))), (n) => [n])
    }
  },
  {
    name: "close",
    self: SELF,
    params: [],
    returns: [{ name: "ok", type: "true" }],
    doc: "Closes the socket (safe to repeat): true.",
    run: (s) => {
      s.core.closeNow()
      s.closedByUser = true
      return [true]
    }
  }
]

// ---- opening sockets -----------------------------------------------------------------------

type Target =
  | { readonly _tag: "Unix"; readonly path: string }
  | { readonly _tag: "Ip"; readonly family: "inet" | "inet6"; readonly address: string }

/** What a bind / connect / sendto address stands for: the first address getaddrinfo gives (lsocket tries no other). */
const target = (address: string): Effect.Effect<Target, NetError.NetError | string> => {
  if (isUnixAddress(address)) {
    return Buffer.byteLength(address) > MAX_UNIX_PATH ? Effect.fail("unix domain path too long") : Effect.succeed({ _tag: "Unix", path: address })
  }
  return Effect.map(Dns.getaddrinfo(address), (all) => ({ _tag: "Ip" as const, family: all[0]!.family, address: all[0]!.address }))
}

const noUnixDatagrams = new NetError.Unsupported({ operation: "socket", detail: "Node.js has no unix domain datagram sockets" })

/** Runs an lsocket open: the results on success, `nil, message` on failure. */
const run = <A>(effect: Effect.Effect<A, NetError.NetError | string>, onOk: (a: A) => Results): Results | Promise<Results> =>
  op(Effect.mapError(effect, (e) => (typeof e === "string" ? new NetError.InvalidArgument({ operation: "lsocket", detail: e }) : e)), onOk, (e) =>
    e._tag === "InvalidArgument" && e.operation === "lsocket" ? fail(e.detail!) : fail(e))

/** Applies `setup` to a new core socket; closes it when setup fails. */
const opened = <C extends CoreSocketOf>(core: C, setup: Effect.Effect<unknown, NetError.NetError | string>): Effect.Effect<C, NetError.NetError | string> =>
  Effect.as(Effect.tapError(setup, () => Effect.sync(() => core.closeNow())), core)

const familyOf = (t: Target): Family => (t._tag === "Unix" ? "unix" : t.family)
const hostOf = (t: Target): string => (t._tag === "Unix" ? t.path : t.address)

/** A new core socket of the target's family (dual-stack for inet6, as a plain C socket). */
const coreFor = (type: "tcp" | "udp", t: Target): Effect.Effect<CoreSocketOf, NetError.NetError> => {
  if (type === "udp" && t._tag === "Unix") return Effect.fail(noUnixDatagrams)
  const family = t._tag === "Unix" ? "unix" : t.family
  const core = type === "tcp" ? new TcpSocket({ family }) : new UdpSocket({ family: family === "unix" ? "unspec" : family })
  dualStack(core)
  return Effect.succeed(core)
}

/** mcast: IPv4 broadcast, or (bind) joining the IPv6 group bound to / (connect) the multicast hops. */
const multicast = (core: UdpSocket, t: Target, mode: "bind" | "connect", ttl: number): Effect.Effect<void, NetError.NetError> => {
  if (t._tag === "Unix") return Effect.void
  if (mode === "bind") return t.family === "inet" ? core.setOption("broadcast", true) : core.setOption("ipv6-add-membership", { multiaddr: t.address })
  return Effect.zipRight(core.setOption("broadcast", true), core.setOption(t.family === "inet" ? "ip-multicast-ttl" : "ipv6-multicast-hops", ttl))
}

const bindSocket = (a: EndpointArgs, env: Env): Results | Promise<Results> =>
  run(
    Effect.gen(function*() {
      const t: Target = a.address === undefined ? { _tag: "Ip", family: "inet", address: "0.0.0.0" } : yield* target(a.address)
      if (a.mcast && t._tag === "Unix") return yield* Effect.fail("multicast not available for unix domain sockets.")
      const core = yield* coreFor(a.type, t)
      const host = hostOf(t)
      const port = a.port ?? 0
      const setup: Effect.Effect<unknown, NetError.NetError> = core instanceof TcpSocket
        ? Effect.zipRight(core.setOption("reuseaddr", true), Effect.zipRight(core.bind(host, port), core.listen(Math.max(0, a.extra))))
        : Effect.zipRight(core.setOption("reuseaddr", true), Effect.zipRight(a.mcast ? multicast(core, t, "bind", 0) : Effect.void, core.setsockname(host, port)))
      return yield* Effect.map(opened(core, setup), (c) => new LSocket(env, c, familyOf(t), a.mcast, true))
    }),
    (s) => [s]
  )

const connectSocket = (a: EndpointArgs, env: Env): Results | Promise<Results> =>
  run(
    Effect.gen(function*() {
      const t = yield* target(a.address!)
      if (a.mcast && t._tag === "Unix") return yield* Effect.fail("multicast not available for unix domain sockets.")
      const core = yield* coreFor(a.type, t)
      const host = hostOf(t)
      if (core instanceof UdpSocket) {
        const setup = Effect.zipRight(a.mcast ? multicast(core, t, "connect", a.extra) : Effect.void, core.setpeername(host, a.port!))
        return yield* Effect.map(opened(core, setup), (c) => new LSocket(env, c, familyOf(t), a.mcast, false))
      }
      // A unix connect ends at once in C too (its failure is connect's own); TCP goes on in the background.
      if (t._tag === "Unix") return yield* Effect.map(opened(core, core.connect(host, 0)), (c) => new LSocket(env, c, "unix", false, false))
      const s = new LSocket(env, core, familyOf(t), false, false)
      s.connectInBackground(core.connect(host, a.port!))
      return s
    }),
    (s) => [s]
  )

/** The sockets of a select table: lsocket objects only (others raise); closed ones are left out. */
const watched = (items: ReadonlyArray<unknown> | undefined): Array<LSocket> =>
  (items ?? []).filter((x): x is LSocket => {
    if (!(x instanceof LSocket)) throw new PlainRaise("bad argument to 'select' (tables can only contain sockets)")
    return !x.isClosed
  })

/**
 * bind / connect's parameters as the docs name them. lsocket reads them by Lua type (a
 * leading type name is optional; bind's address too), so each position takes any of them.
 */
const endpointParams = (mode: "bind" | "connect"): Array<Param> =>
  ["type", "address", "port", mode === "bind" ? "backlog" : "ttl"].map((name) => ({ name, type: '"tcp"|"udp"|"mcast"|string|int', optional: true, decode: rawArg }))

/** Raises lsocket's "number expected" for a missing port (not needed by unix sockets). */
const needPort = (a: EndpointArgs, at: number): EndpointArgs => {
  if (a.port === undefined && (a.address === undefined || !isUnixAddress(a.address))) throw new ArgPositionError(at, "number expected, got no value")
  return a
}

const functions: Array<Fn<undefined>> = [
  {
    name: "bind",
    params: endpointParams("bind"),
    returns: [{ name: "socket", type: "socket" }],
    failure: R.nilMsg,
    waits: true,
    doc: "A socket bound to `address` (default `0.0.0.0`; a path with `/` or a leading `@` is a unix socket), with SO_REUSEADDR; TCP sockets listen at once (backlog 5). `mcast`: UDP with broadcast on (IPv4) or the IPv6 group `address` joined. Waits only for the resolver and Node.js's listen.",
    run: (_, args: Array<RawArg>, env) => {
      const a = endpointArgs("bind", args)
      return bindSocket(needPort(a, a.portAt), env)
    }
  },
  {
    name: "connect",
    params: endpointParams("connect"),
    returns: [{ name: "socket", type: "socket" }],
    failure: R.nilMsg,
    waits: true,
    doc: "A socket connecting to `address`, `port` (detected as bind's). TCP returns at once, still connecting: select it for writing, then `status()`. `mcast`: UDP with broadcast on and the multicast TTL / hops `ttl` (default 1). Waits only for the resolver.",
    // lsocket.c names argument #2 whatever the position.
    run: (_, args: Array<RawArg>, env) => connectSocket(needPort(endpointArgs("connect", args), 1), env)
  },
  {
    name: "select",
    params: [
      { name: "read", type: "table|number", optional: true, decode: rawArg },
      { name: "write", type: "table|number", optional: true, decode: rawArg },
      { name: "timeout", type: "number", optional: true, decode: rawArg }
    ],
    varargs: true,
    returns: [{ name: "read", type: "table" }, { name: "write", type: "table" }],
    failure: [{ name: "false|nil", type: "false|nil" }, { name: "message", type: "string" }],
    waits: true,
    doc: "Waits until a socket of `read` is readable or one of `write` writable, at most `timeout` seconds (millisecond resolution; none: no limit): as many tables of ready sockets as tables were given (an empty first one when only `write` was), false on timeout. `select(t)` sleeps. No descriptor limit.",
    run: (_, decoded: Array<unknown>) => {
      const raws = decoded.slice(0, 3) as Array<RawArg>
      const count = raws.filter((a) => a.present).length + decoded.length - 3
      const a = selectArgs(raws, count)
      const rs = watched(a.read)
      const ws = watched(a.write)
      if (rs.length + ws.length === 0 && a.timeout === -1) return fail("no open sockets to check and no timeout set")
      if (a.timeoutAt + 1 < a.count) throw new PlainRaise("bad argument to 'select' (invalid option)")
      return op(
        Select.select(rs, ws, a.timeout < 0 ? undefined : a.timeout),
        (ready) => (a.write === undefined ? [ready.readable] : [a.read === undefined ? [] : ready.readable, ready.writable]),
        (e) => (e._tag === "Timeout" ? FALSE : fail(e))
      )
    }
  },
  {
    name: "resolve",
    params: [hostName],
    returns: [{ name: "addresses", type: "table" }],
    failure: R.nilMsg,
    waits: true,
    doc: "`{{family = \"inet\"|\"inet6\", addr = ...}, ...}` for a host name, in the resolver's order.",
    run: (_, [name]) => run(Dns.resolve(name), (all) => [all.slice()])
  },
  {
    name: "getinterfaces",
    params: [],
    returns: [{ name: "interfaces", type: "table" }],
    doc: "`{{name, family, addr, mask}, ...}`: every IPv4 and IPv6 address of the interfaces that are up.",
    run: () => {
      const r = runOp(Dns.getinterfaces)
      const all = r instanceof Promise || Either.isLeft(r) ? [] : r.right
      return [all.map((i) => ({ name: i.name, family: i.family, addr: i.address, mask: i.netmask }))]
    }
  }
]

/**
 * The lsocket facade.
 *
 * @since 0.1.0
 */
export const spec: FacadeSpec = {
  name: "lsocket",
  module: "lsocket",
  doc: "lsocket 1.4.1 (`require \"lsocket\"`): almost-nonblocking TCP, UDP and unix sockets with address auto-detection; `false` means would-block, `nil` end of stream, `nil, message` an error.",
  numbers: "int",
  constants: [
    { name: "INADDR_ANY", type: "string", value: "0.0.0.0", doc: "IPv4 any address." },
    { name: "IN6ADDR_ANY", type: "string", value: "::0", doc: "IPv6 any address." },
    { name: "_VERSION", type: "string", value: "1.4.1", doc: "The lsocket version reproduced." }
  ],
  functions,
  types: [{ name: "socket", classes: ["socket"], groups: {}, doc: "Every lsocket socket (TCP, UDP, unix)." }],
  methods,
  limits: [
    "`bind`, `connect`, `resolve`, `send`, `sendto` and `select` return Promises in TypeScript (a blocking call in Lua): name resolution, Node.js's listen and datagram sends complete asynchronously. None waits for the network itself: a TCP `connect` returns while still connecting, `send` gives false when nothing fits.",
    "`select` returns the ready sockets in the order of the input tables (lsocket: descriptor order) and has no FD_SETSIZE limit.",
    "`setfd(-1)` closes the socket: libuv owns the descriptor, nobody can take it over.",
    "`getfd()` and `info().fd` are -1 until Node.js has created the descriptor (a TCP connect under way).",
    "`status()` reports a failed connect until the socket is closed (SO_ERROR would clear it after the first read).",
    "No unix domain datagram sockets (Node.js has none): `bind(\"udp\", \"/path\")` gives `nil, \"Operation not supported: ...\"`.",
    "`sendto` on a connected UDP socket gives `nil, \"Transport endpoint is already connected\"` (Node.js refuses it; Linux would send).",
    "`recvfrom` on TCP and connected UDP sockets gives the peer's address."
  ]
}
