/**
 * The LuaSocket facade's spec: the `socket` namespace of LuaSocket 3.1 and the methods of
 * its `tcp{master|client|server}` and `udp{unconnected|connected}` objects, with Lua's
 * return conventions (`nil, err[, partial]` on failure) and LuaSocket's raised errors.
 * Behaviour: spec/reference-semantics.md section 1 and section 6.
 *
 * @since 0.1.0
 */
import * as Either from "effect/Either"
import type * as Effect from "effect/Effect"
import * as Address from "../core/Address.js"
import * as Dns from "../core/Dns.js"
import * as NetError from "../core/NetError.js"
import * as ReadBuffer from "../core/ReadBuffer.js"
import * as Select from "../core/Select.js"
import { TcpSocket } from "../core/Tcp.js"
import * as Timeout from "../core/Timeout.js"
import { type Datagram, UdpSocket } from "../core/Udp.js"
import { receiveReady } from "../core/internal/receiveReady.js"
import { ArgPositionError } from "./derive.js"
import { extraConstants, extras } from "./luasocketExtras.js"
import {
  ArgError,
  D,
  type Decode,
  type Env,
  FacadeObject,
  type FacadeSpec,
  type Fn,
  luaTypeName,
  numberOf,
  op as runAndEncode,
  type Param,
  PlainRaise,
  type Results,
  runOp,
  mapResult,
  registerCancel
} from "./spec.js"

// ---- objects -------------------------------------------------------------------------------

/**
 * The core's class names by kind (`TcpSocket.className`, `UdpSocket.className`), prebuilt:
 * every method call checks its `self`'s class, which should not build a string each time.
 */
const tcpClassNames: Readonly<Record<string, string>> = { master: "tcp{master}", client: "tcp{client}", server: "tcp{server}" }
const udpClassNames: Readonly<Record<string, string>> = { unconnected: "udp{unconnected}", connected: "udp{connected}" }

/** What LuaSocket's TCP and UDP objects share: the core socket, the class, tostring, raw timeouts. @since 0.1.0 */
export abstract class LuaObject<C extends TcpSocket | UdpSocket> extends FacadeObject {
  /** block, total as given to settimeout (LuaSocket's gettimeout returns them raw). */
  timeouts: ReadonlyArray<number> = [-1, -1]
  constructor(env: Env, readonly core: C) {
    super(env)
  }
  get className(): string {
    return this.core.className
  }
  tostring(): string {
    return `${this.className}: 0x${this.address.toString(16)}`
  }
  dispose(): void {
    this.core.closeNow()
  }
}

/** A LuaSocket TCP object over the core's `TcpSocket`. @since 0.1.0 */
export class LuaTcp extends LuaObject<TcpSocket> {
  /**
   * What LuaSocket's own 8 KiB buffer would have fetched from the kernel so far. Node reads
   * eagerly, so the core buffers everything that arrived; LuaSocket fetches (up to 8192
   * bytes, when its buffer is empty) only as a receive needs. This model gives `dirty()` and
   * select's dirty-first order as LuaSocket's.
   */
  fetched = 0
  receivedOffset = 0
  /** Bytes the receives consumed so far (LuaSocket's getstats counts these as received). */
  get consumed(): number {
    const a = this.core.arrival
    return a.arrived - a.buffered
  }
  /** After a receive: fetch as LuaSocket would have to cover what was consumed. */
  account(): void {
    const a = this.core.arrival
    const consumed = a.arrived - a.buffered
    const arrived = a.arrived
    while (this.fetched < consumed) this.fetched += Math.max(1, Math.min(8192, arrived - this.fetched))
  }
  /** LuaSocket's dirty(): its buffer holds unread bytes. */
  get luaDirty(): boolean {
    return this.fetched > this.consumed && this.core.dirty
  }
  /** What select watches: the core socket, with LuaSocket's notion of dirty. */
  readonly selectable: Select.Selectable
  constructor(env: Env, core: TcpSocket) {
    super(env, core)
    const me = this
    this.selectable = {
      get isClosed() {
        return me.core.isClosed
      },
      get dirty() {
        return me.luaDirty
      },
      get readable() {
        return me.core.readable
      },
      get writable() {
        return me.core.writable
      },
      onReady: (listener) => me.core.onReady(listener)
    }
  }
  override get className(): string {
    return tcpClassNames[this.core.kind] ?? this.core.className
  }
  get typeName(): string {
    return "tcp"
  }
}

/** A LuaSocket UDP object over the core's `UdpSocket`. @since 0.1.0 */
export class LuaUdp extends LuaObject<UdpSocket> {
  override get className(): string {
    return udpClassNames[this.core.kind] ?? this.core.className
  }
  get typeName(): string {
    return "udp"
  }
}

type LuaSock = LuaTcp | LuaUdp

// ---- conventions ---------------------------------------------------------------------------

/** `nil, err` plus extras: LuaSocket's failure tuple. */
const fail = (e: NetError.NetError, ...extra: Array<unknown>): Results => [undefined, NetError.luaMessage(e), ...extra]

/** Runs a core op: success -> `onOk(value)`, failure -> `onFail(e)` (default `nil, err`). */
const op = <A>(effect: Effect.Effect<A, NetError.NetError>, onOk: (a: A) => Results, onFail: (e: NetError.NetError) => Results = (e) => fail(e)): Results | Promise<Results> =>
  runAndEncode(effect, onOk, onFail)

const ONE: Results = [1]

/**
 * LuaSocket hands the port to getaddrinfo as a service: a number, a numeric string or a
 * service name (`"http"`); an unknown name fails `service not supported for socket type`.
 */
const withPort = (host: string, port: string, operation: string, then: (port: number | string) => Results | Promise<Results>): Results | Promise<Results> =>
  host.includes("/") || host.startsWith("@")
    ? then(port)
    : mapResult(runOp(Dns.portOfService(port, operation)), (r) => (Either.isRight(r) ? then(r.right) : fail(r.left)))

const fromEither = <A>(r: Either.Either<A, NetError.NetError>, onOk: (a: A) => Results): Results => (Either.isRight(r) ? onOk(r.right) : fail(r.left))

// ---- decoders ------------------------------------------------------------------------------

/** receive's pattern: `*l` / `*a` (first two chars), a number >= 0, or a numeric string. @since 0.1.0 */
export const decodePattern: Decode<ReadBuffer.Pattern> = (v, present) => {
  if (v === undefined || v === null || v === "*l") return ReadBuffer.line
  // "*l..." / "*a...": the usual patterns, never numbers (a text starting with `*` is not one)
  if (typeof v === "string" && v.charCodeAt(0) === 42) {
    if (v.startsWith("*l")) return ReadBuffer.line
    if (v.startsWith("*a")) return ReadBuffer.all
    throw new ArgError("invalid receive pattern")
  }
  // the same for a binary string (the Lua runtime's): the bytes, not a text decoded per call
  if (v instanceof Uint8Array && v[0] === 42) {
    if (v[1] === 108) return ReadBuffer.line // "*l..."
    if (v[1] === 97) return ReadBuffer.all // "*a..."
    throw new ArgError("invalid receive pattern")
  }
  const n = typeof v === "string" || v instanceof Uint8Array || typeof v === "number" || typeof v === "bigint" ? numberOf(v) : undefined
  if (n !== undefined && !(typeof v !== "number" && typeof v !== "bigint" && Number.isNaN(n))) {
    if (!(n >= 0)) throw new ArgError("invalid receive pattern")
    return ReadBuffer.exactly(Math.floor(n))
  }
  const s = D.string(v, present)
  if (s.startsWith("*l")) return ReadBuffer.line
  if (s.startsWith("*a")) return ReadBuffer.all
  throw new ArgError("invalid receive pattern")
}

const timeoutMode: Decode<string> = (v, p) => (v === undefined || v === null ? "b" : D.string(v, p))

const optNumber = D.opt(D.number, undefined)
const optBytes = D.opt(D.bytes, undefined)

const P = {
  host: { name: "address", type: "string", decode: D.string } as Param,
  port: { name: "port", type: "string|number", decode: D.string } as Param,
  data: { name: "data", type: "string", decode: D.bytes } as Param,
  i: { name: "i", type: "number", optional: true, decode: D.opt(D.number, 1) } as Param,
  j: { name: "j", type: "number", optional: true, decode: D.opt(D.number, -1) } as Param,
  option: { name: "option", type: "string", decode: D.string } as Param,
  size: { name: "size", type: "number", optional: true, decode: D.opt(D.number, 8192) } as Param
}

const R = {
  one: [{ name: "1", type: "number" }],
  nilErr: [{ name: "nil", type: "nil" }, { name: "err", type: "string" }]
}

// ---- method helpers ------------------------------------------------------------------------

const settimeout: Fn<LuaSock> = {
  name: "settimeout",
  self: "",
  params: [
    { name: "value", type: "number", optional: true, decode: optNumber },
    { name: "mode", type: "string", optional: true, decode: timeoutMode }
  ],
  returns: R.one,
  doc: "Sets the block (`b`) or total (`t` / `r`) timeout in seconds; nil or negative = no limit. Raises `invalid timeout mode`.",
  run: (s, [value, mode]) => {
    const r = runOp(s.core.setTimeout(value === undefined || value < 0 ? undefined : value, mode))
    if (r instanceof Promise || Either.isLeft(r)) throw new ArgPositionError(1, "invalid timeout mode")
    // gettimeout gives back the values as given (LuaSocket stores them raw: -2 stays -2)
    const raw = value ?? -1
    if (mode.startsWith("b")) s.timeouts = [raw, s.timeouts[1]]
    else s.timeouts = [s.timeouts[0], raw]
    return ONE
  }
}

/** The methods every TCP and UDP object shares, for the group `any`. */
const common = (group: string): Array<Fn<LuaSock>> => [
  {
    name: "close",
    self: group,
    params: [],
    returns: R.one,
    doc: "Closes the object (safe to repeat). Buffered received data stays readable.",
    run: (s) => {
      s.core.closeNow()
      return ONE
    }
  },
  {
    name: "dirty",
    self: group,
    params: [],
    returns: [{ name: "dirty", type: "boolean" }],
    doc: "True while LuaSocket's 8 KiB receive buffer would hold unread bytes (always false for UDP).",
    run: (s) => [s instanceof LuaTcp ? s.luaDirty : s.core.dirty]
  },
  { name: "getfamily", self: group, params: [], returns: [{ name: "family", type: "string" }], doc: '`"inet4"` or `"inet6"` (`"unix"` for unix sockets).', run: (s) => [s.core.getFamily()] },
  { name: "getfd", self: group, params: [], returns: [{ name: "fd", type: "number" }], doc: "The descriptor, -1 when closed or before bind/connect.", run: (s) => [s.core.getFd()] },
  {
    name: "setfd",
    self: group,
    params: [{ name: "fd", type: "number", decode: D.number }],
    returns: [],
    doc: "Unsupported on Node.js (libuv owns descriptors): raises.",
    run: () => {
      throw new PlainRaise("setfd is not supported on Node.js: libuv owns socket descriptors")
    }
  },
  {
    name: "getoption",
    self: group,
    intFields: ["timeout"],
    params: [P.option],
    returns: [{ name: "value", type: "any" }],
    failure: R.nilErr,
    doc: "Reads an option (see the options table). Raises ``unsupported option `x'`` for an unknown name.",
    run: (s, [name]) =>
      op(s.core.getOption(name) as Effect.Effect<unknown, NetError.NetError>, (v) => [v], (e) => optionFailure(e, name))
  },
  {
    name: "setoption",
    self: group,
    params: [P.option, { name: "value", type: "any", optional: true, decode: D.any }],
    returns: R.one,
    failure: R.nilErr,
    doc: "Sets an option. Raises ``unsupported option `x'`` for an unknown name.",
    run: (s, [name, value]) => {
      checkOptionValue(name, value)
      return op(s.core.setOption(name, value), () => ONE, (e) => optionFailure(e, name))
    }
  },
  {
    name: "getsockname",
    self: group,
    params: [],
    returns: [{ name: "ip", type: "string" }, { name: "port", type: "int" }, { name: "family", type: "string" }],
    failure: R.nilErr,
    ints: [1],
    doc: 'Local address: `ip, port, family` (`"inet"` / `"inet6"`).',
    run: (s) => fromEither(s.core.getSockName(), addressResults)
  },
  { ...settimeout, self: group },
  {
    name: "gettimeout",
    self: group,
    params: [],
    returns: [{ name: "block", type: "number" }, { name: "total", type: "number" }],
    doc: "The block and total timeouts in seconds (-1 = none).",
    run: (s) => s.timeouts
  }
]

/** The value type each option takes; a wrong type raises as LuaSocket's `luaL_check*` does. */
const optionValueTypes: Readonly<Record<string, "boolean" | "number" | "table" | "string">> = {
  keepalive: "boolean", reuseaddr: "boolean", reuseport: "boolean", "tcp-nodelay": "boolean", "ipv6-v6only": "boolean",
  dontroute: "boolean", broadcast: "boolean", "ip-multicast-loop": "boolean", "ipv6-multicast-loop": "boolean",
  "tcp-defer-accept": "boolean", "tcp-fastopen-connect": "boolean",
  "tcp-keepidle": "number", "tcp-keepcnt": "number", "tcp-keepintvl": "number", "tcp-fastopen": "number",
  "ip-multicast-ttl": "number", "ipv6-unicast-hops": "number", "ipv6-multicast-hops": "number",
  "recv-buffer-size": "number", "send-buffer-size": "number",
  linger: "table", "ip-add-membership": "table", "ip-drop-membership": "table", "ipv6-add-membership": "table", "ipv6-drop-membership": "table",
  "ip-multicast-if": "string", bindtodevice: "string"
}

const checkOptionValue = (name: string, value: unknown): void => {
  const want = optionValueTypes[name]
  if (want === undefined) return
  const got = luaTypeName(value)
  const ok = want === "number" ? numberOf(value) !== undefined : want === "string" ? got === "string" || got === "number" : got === want
  if (!ok) throw new ArgPositionError(1, `${want} expected, got ${got}`)
}

const addressResults = (a: { readonly address: string; readonly port: number; readonly family: string }): Results => [a.address, a.port, a.family]

const optionFailure = (e: NetError.NetError, name: string): Results => {
  if (e._tag === "InvalidArgument" && e.detail?.startsWith("unknown option") === true) throw new ArgPositionError(0, `unsupported option \`${name}'`)
  return fail(e)
}

/** tcp send's results: `last` or `nil, err, last`, at LuaSocket's arity. */
const sendResults = (r: Either.Either<number, NetError.NetError>): Results =>
  Either.isRight(r) ? [r.right, undefined, undefined] : [undefined, NetError.luaMessage(r.left), r.left.lastIndex ?? 0]

const receiveResults = (env: Env) => (data: Uint8Array): Results => [env.codec.bytes(data)]
const receiveFailure = (env: Env, e: NetError.NetError): Results => [undefined, NetError.luaMessage(e), env.codec.bytes(e.partial ?? EMPTY)]
const EMPTY = new Uint8Array(0)

/**
 * tcp receive: no Effect when buffered, readiness when no timeout is set, else the core's receive.
 * The buffered case (every line but the first of a read) is one `receivePoll` and the results
 * array, already of LuaSocket's arity 3: no closure, no Promise.
 */
const receiveRun = (s: LuaTcp, pat: ReadBuffer.Pattern, prefix: Uint8Array | undefined, env: Env): Results | Promise<Results> => {
  const core = s.core
  const now = core.receivePoll(pat, prefix)
  if (now instanceof Uint8Array) {
    s.account()
    return [env.codec.bytes(now), undefined, undefined]
  }
  if (now !== undefined) {
    s.account()
    return receiveFailure(env, now)
  }
  return receiveWait(s, pat, prefix, env)
}

/** The waiting part of `receiveRun` (nothing buffered satisfies the pattern). */
const receiveWait = (s: LuaTcp, pat: ReadBuffer.Pattern, prefix: Uint8Array | undefined, env: Env): Results | Promise<Results> => {
  const ok = (data: Uint8Array): Results => (s.account(), [env.codec.bytes(data), undefined, undefined])
  const failed = (e: NetError.NetError) => (s.account(), receiveFailure(env, e))
  // no timeout: woken by the socket's readiness; else the core's receive
  const r = receiveReady(s.core, pat, prefix, undefined, () =>
    Promise.resolve(runOp(s.core.receive(pat, prefix))).then((x) => (Either.isRight(x) ? x.right : Promise.reject(x.left))))
  if (r instanceof Uint8Array) return ok(r)
  if (!("promise" in r)) return failed(r)
  if (!r.viaFallback) registerCancel(r.cancel)
  return r.promise.then(ok, (e) => {
    if (NetError.isNetError(e)) return failed(e)
    throw e
  })
}

// ---- TCP methods ---------------------------------------------------------------------------

const tcpMethods: Array<Fn<LuaTcp>> = [
  ...(common("tcp{any}") as Array<Fn<LuaTcp>>),
  {
    name: "accept",
    self: "tcp{server}",
    params: [],
    returns: [{ name: "client", type: "tcp{client}" }],
    failure: R.nilErr,
    waits: true,
    doc: "Waits (within the timeout) for a connection; the client gets no timeout (-1/-1).",
    run: (s, _, env) => {
      if (Timeout.isImmediate(s.core.timeout)) {
        // settimeout(0): the answer at once, no fiber ("timeout" when none is pending)
        const now = s.core.acceptPollOrTimeout()
        return now instanceof TcpSocket ? [new LuaTcp(env, now)] : fail(now)
      }
      return op(s.core.acceptOwned(), (c) => [new LuaTcp(env, c)])
    }
  },
  {
    name: "bind",
    aliases: ["setsockname"],
    self: "tcp{master}",
    params: [P.host, P.port],
    returns: R.one,
    failure: R.nilErr,
    waits: true,
    doc: 'Binds a master to a local address (`"*"` = any) and port (0 = ephemeral).',
    run: (s, [host, port]) => withPort(host, port, "bind", (p) => op(s.core.bind(host, p), () => ONE))
  },
  {
    name: "connect",
    aliases: ["setpeername"],
    self: "tcp{any}",
    params: [P.host, P.port],
    returns: R.one,
    failure: R.nilErr,
    waits: true,
    doc: "Connects (within the timeout), trying every resolved address; the object becomes a client even when it fails.",
    run: (s, [host, port]) => withPort(host, port, "connect", (p) => op(s.core.connect(host, p), () => ONE))
  },
  {
    name: "getpeername",
    self: "tcp{any}",
    params: [],
    returns: [{ name: "ip", type: "string" }, { name: "port", type: "int" }, { name: "family", type: "string" }],
    failure: R.nilErr,
    ints: [1],
    doc: "The peer's address: `ip, port, family`.",
    run: (s) => fromEither(s.core.getPeerName(), addressResults)
  },
  {
    name: "getstats",
    self: "tcp{client}",
    params: [],
    returns: [{ name: "received", type: "number" }, { name: "sent", type: "number" }, { name: "age", type: "number" }],
    doc: "Bytes received, bytes sent, seconds since creation.",
    run: (s) => {
      const st = s.core.getStats()
      return [s.consumed + s.receivedOffset, st.sent, st.age]
    }
  },
  {
    name: "setstats",
    self: "tcp{client}",
    params: [
      { name: "received", type: "number", optional: true, decode: optNumber },
      { name: "sent", type: "number", optional: true, decode: optNumber },
      { name: "age", type: "number", optional: true, decode: optNumber }
    ],
    returns: R.one,
    doc: "Resets the counters (an omitted one keeps its value).",
    run: (s, [r, se, a]) => {
      const now = s.core.getStats()
      if (r !== undefined) s.receivedOffset = r - s.consumed
      s.core.setStats(now.received, se ?? now.sent, a ?? now.age)
      return ONE
    }
  },
  {
    name: "listen",
    self: "tcp{master}",
    params: [{ name: "backlog", type: "number", optional: true, decode: D.opt(D.integer, 32) }],
    returns: R.one,
    failure: R.nilErr,
    waits: true,
    doc: "Listens (backlog 32 by default): the master becomes a server.",
    // LuaSocket's socket.tcp() has no descriptor until bind: listen before bind fails (EBADF)
    run: (s, [backlog]) =>
      s.core.hasAddress || s.core.isClosed
        ? op(s.core.listen(Math.max(0, backlog)), () => ONE)
        : fail(new NetError.Unknown({ operation: "listen", code: "EBADF", detail: "listen before bind: the socket has no descriptor yet" }))
  },
  {
    name: "receive",
    self: "tcp{client}",
    params: [
      { name: "pattern", type: '"*l"|"*a"|number', optional: true, decode: decodePattern },
      { name: "prefix", type: "string", optional: true, decode: optBytes }
    ],
    returns: [{ name: "data", type: "string" }],
    failure: [{ name: "nil", type: "nil" }, { name: "err", type: "string" }, { name: "partial", type: "string" }],
    arity: 3,
    waits: true,
    doc: "Receives a line (`*l`, CRs dropped), everything until close (`*a`) or n bytes, within the timeout.",
    run: (s, [pat, prefix], env) => receiveRun(s, pat, prefix, env)
  },
  {
    name: "send",
    self: "tcp{client}",
    params: [P.data, P.i, P.j],
    returns: [{ name: "last", type: "number" }],
    failure: [{ name: "nil", type: "nil" }, { name: "err", type: "string" }, { name: "last", type: "number" }],
    arity: 3,
    waits: true,
    doc: "Sends `data:sub(i, j)`; returns the index of the last byte sent.",
    // started at once (`sendStarted`): a send that does not wait runs no fiber
    run: (s, [data, i, j]) => {
      const r = runOp(s.core.sendStarted(data, Math.trunc(i), Math.trunc(j)))
      return r instanceof Promise ? r.then(sendResults) : sendResults(r)
    }
  },
  {
    name: "shutdown",
    self: "tcp{client}",
    params: [{ name: "how", type: '"both"|"send"|"receive"', optional: true, decode: D.opt(oneOf(["receive", "send", "both"]), "both") }],
    returns: R.one,
    doc: "Shuts down one or both directions.",
    run: (s, [how]) => op(s.core.shutdown(how), () => ONE)
  },
  {
    name: "receivelines",
    hidden: true,
    self: "tcp{client}",
    params: [
      { name: "pattern", type: '"*l"|"*a"|number', optional: true, decode: decodePattern },
      { name: "prefix", type: "string", optional: true, decode: optBytes }
    ],
    returns: [{ name: "data", type: "string" }, { name: "nil", type: "nil" }, { name: "nil", type: "nil" }, { name: "lines", type: "string" }],
    failure: [{ name: "nil", type: "nil" }, { name: "err", type: "string" }, { name: "partial", type: "string" }],
    arity: 3,
    waits: true,
    doc: "Runtime helper: `receive`, and after a line also the complete lines already buffered (one raw block: LFs and CRs kept), which the Lua module serves to later `*l` receives and gives back with `unreceive` before any other call.",
    run: (s, [pat, prefix], env) =>
      mapResult(receiveRun(s, pat, prefix, env), (r) => {
        if (r[0] === undefined || pat._tag !== "Line") return r
        const lines = s.core.takeLines(256 * 1024)
        if (lines.length === 0) return r
        s.account()
        return [r[0], undefined, undefined, env.codec.bytes(lines)]
      })
  },
  {
    name: "unreceive",
    hidden: true,
    self: "tcp{client}",
    params: [P.data],
    returns: [],
    doc: "Runtime helper: puts bytes back in front of the receive buffer (the lines `receivelines` handed out and the script did not use).",
    run: (s, [data]) => {
      s.core.unshift(data)
      return []
    }
  }
]

function oneOf<const T extends string>(names: ReadonlyArray<T>): Decode<T> {
  return (v, p) => {
    const s = D.string(v, p)
    if (!(names as ReadonlyArray<string>).includes(s)) throw new ArgError(`invalid option '${s}'`)
    return s as T
  }
}

// ---- UDP methods ---------------------------------------------------------------------------

const udpMethods: Array<Fn<LuaUdp>> = [
  ...(common("udp{any}") as Array<Fn<LuaUdp>>),
  {
    name: "getpeername",
    self: "udp{connected}",
    params: [],
    returns: [{ name: "ip", type: "string" }, { name: "port", type: "int" }, { name: "family", type: "string" }],
    failure: R.nilErr,
    ints: [1],
    doc: "The peer's address.",
    run: (s) => fromEither(s.core.getPeerName(), addressResults)
  },
  {
    name: "receive",
    self: "udp{any}",
    params: [P.size],
    returns: [{ name: "datagram", type: "string" }],
    failure: R.nilErr,
    waits: true,
    doc: "Receives one datagram (excess bytes beyond `size` are discarded).",
    // LuaSocket's receive on a closed UDP object reads nothing from descriptor -1 and returns ""
    run: (s, [size], env) => {
      if (s.core.isClosed) return [env.codec.bytes(EMPTY)]
      const n = Math.max(0, Math.floor(size))
      // settimeout(0): the answer at once, no fiber ("timeout" when nothing is queued)
      if (Timeout.isImmediate(s.core.timeout)) {
        const now = s.core.receivePollOrTimeout(n)
        return now instanceof Uint8Array ? receiveResults(env)(now) : fail(now)
      }
      return op(s.core.receive(n), receiveResults(env))
    }
  },
  {
    name: "receivefrom",
    self: "udp{unconnected}",
    params: [P.size],
    returns: [{ name: "datagram", type: "string" }, { name: "ip", type: "string" }, { name: "port", type: "int" }],
    failure: R.nilErr,
    ints: [2],
    waits: true,
    doc: "Receives one datagram and its sender.",
    run: (s, [size], env) => {
      const n = Math.max(0, Math.floor(size))
      const results = (d: Datagram): Results => [env.codec.bytes(d.data), d.address, d.port]
      if (Timeout.isImmediate(s.core.timeout)) {
        const now = s.core.receivefromPollOrTimeout(n)
        return NetError.isNetError(now) ? fail(now) : results(now)
      }
      return op(s.core.receivefrom(n), results)
    }
  },
  {
    name: "send",
    self: "udp{connected}",
    params: [P.data],
    returns: [{ name: "sent", type: "number" }],
    failure: R.nilErr,
    waits: true,
    doc: "Sends a datagram to the peer; returns the bytes sent.",
    run: (s, [data]) => op(s.core.send(data), (n) => [n])
  },
  {
    name: "sendto",
    self: "udp{unconnected}",
    params: [P.data, { name: "ip", type: "string", decode: D.string }, P.port],
    returns: [{ name: "sent", type: "number" }],
    failure: R.nilErr,
    waits: true,
    doc: "Sends a datagram to a numeric address; returns the bytes sent.",
    run: (s, [data, ip, port]) => op(s.core.sendto(data, ip, port), (n) => [n])
  },
  {
    name: "setpeername",
    self: "udp{any}",
    params: [P.host, { ...P.port, optional: true, decode: D.opt(D.string, "0") }],
    returns: R.one,
    failure: R.nilErr,
    waits: true,
    doc: '"Connects" to a peer; `"*"` disconnects.',
    run: (s, [host, port]) => op(s.core.setpeername(host, port), () => ONE)
  },
  {
    name: "setsockname",
    self: "udp{unconnected}",
    params: [P.host, P.port],
    returns: R.one,
    failure: R.nilErr,
    waits: true,
    doc: 'Binds to a local address (`"*"` = any) and port.',
    run: (s, [host, port]) => op(s.core.setsockname(host, port), () => ONE)
  }
]

// ---- namespace -----------------------------------------------------------------------------

const familyOf = (f: string | undefined): Address.Family => (f === "inet" || f === "inet4" ? "inet" : f === "inet6" ? "inet6" : "unspec")

const constructor = (name: string, kind: "tcp" | "udp", family: Address.Family): Fn<undefined> => ({
  name,
  params: [],
  returns: [{ name: "object", type: kind === "tcp" ? "tcp{master}" : "udp{unconnected}" }],
  failure: R.nilErr,
  doc: `A new ${kind === "tcp" ? "TCP master" : "unconnected UDP"} object${family === "unspec" ? " (family chosen by bind/connect)" : family === "inet" ? " (IPv4)" : " (IPv6, ipv6-v6only set)"}.`,
  run: (_, __, env) => [kind === "tcp" ? new LuaTcp(env, new TcpSocket({ family })) : new LuaUdp(env, new UdpSocket({ family: family === "unix" ? "unspec" : family }))]
})

/** `socket.connect`: optional local bind, then connect (trying every resolved address). */
const connectFn = (name: string, fixed?: Address.Family): Fn<undefined> => ({
  name,
  params: [
    P.host,
    P.port,
    { name: "locaddr", type: "string", optional: true, decode: D.opt(D.string, undefined) },
    { name: "locport", type: "string|number", optional: true, decode: D.opt(D.string, undefined) },
    ...(fixed === undefined ? [{ name: "family", type: '"inet"|"inet6"', optional: true, decode: D.opt(D.string, undefined) }] : [])
  ],
  returns: [{ name: "client", type: "tcp{client}" }],
  failure: R.nilErr,
  waits: true,
  doc: `Connects a new TCP client${fixed === "inet" ? " over IPv4" : fixed === "inet6" ? " over IPv6" : ""}; binds it first when a local address is given.`,
  run: (_, [host, port, locaddr, locport, family], env) => {
    const core = new TcpSocket({ family: fixed ?? (locaddr !== undefined ? familyOf(family) : "unspec") })
    const obj = new LuaTcp(env, core)
    const connect = () => op(core.connect(host, port), () => [obj], (e) => (core.closeNow(), fail(e)))
    if (locaddr === undefined) return connect()
    return mapResult(op(core.bind(locaddr, locport ?? "0"), () => ONE, (e) => (core.closeNow(), fail(e))), (r) => (r[0] === undefined ? r : connect()))
  }
})

/** The values of a Lua table argument, in order (arrays; plain objects by their values). */
const itemsOf = (t: unknown): Array<unknown> => (Array.isArray(t) ? t : t !== undefined && t !== null && typeof t === "object" ? Object.values(t) : [])

const selectTable: Decode<Array<unknown>> = (v, p) => (v === undefined || v === null ? [] : itemsOf(D.table(v, p)))

const selectable = (items: Array<unknown>): Array<LuaSock> =>
  items.filter((x): x is LuaSock => (x instanceof LuaTcp || x instanceof LuaUdp) && !x.core.isClosed)

const functions: Array<Fn<undefined>> = [
  constructor("tcp", "tcp", "unspec"),
  constructor("tcp4", "tcp", "inet"),
  constructor("tcp6", "tcp", "inet6"),
  constructor("udp", "udp", "unspec"),
  constructor("udp4", "udp", "inet"),
  constructor("udp6", "udp", "inet6"),
  {
    name: "bind",
    params: [P.host, P.port, { name: "backlog", type: "number", optional: true, decode: D.opt(D.integer, 32) }],
    returns: [{ name: "server", type: "tcp{server}" }],
    failure: R.nilErr,
    waits: true,
    doc: 'A TCP server: `"*"` = 0.0.0.0, reuseaddr, tries each resolved address, listens (backlog 32).',
    run: (_, [host, port, backlog], env) => {
      const core = new TcpSocket()
      const obj = new LuaTcp(env, core)
      const h = host === "*" ? "0.0.0.0" : host
      return mapResult(
        op(core.setOption("reuseaddr", true), () => ONE),
        () =>
          mapResult(op(core.bind(h, port), () => ONE), (r) =>
            r[0] === undefined ? (core.closeNow(), r) : op(core.listen(Math.max(0, backlog)), () => [obj], (e) => (core.closeNow(), fail(e))))
      )
    }
  },
  connectFn("connect"),
  connectFn("connect4", "inet"),
  connectFn("connect6", "inet6"),
  {
    name: "select",
    params: [
      { name: "recvt", type: "table", optional: true, decode: selectTable },
      { name: "sendt", type: "table", optional: true, decode: selectTable },
      { name: "timeout", type: "number", optional: true, decode: D.opt(D.number, undefined) }
    ],
    returns: [{ name: "readable", type: "table" }, { name: "writable", type: "table" }],
    failure: [{ name: "readable", type: "table" }, { name: "writable", type: "table" }, { name: "err", type: '"timeout"' }],
    waits: true,
    doc: "Waits until a socket is readable / writable (no descriptor limit). TypeScript gets arrays; the Lua runtime also keys them by socket.",
    run: (_, [recvt, sendt, timeout]) => {
      const rs = selectable(recvt)
      const ws = selectable(sendt)
      const watched = (s: LuaSock): Select.Selectable => (s instanceof LuaTcp ? s.selectable : s.core)
      const byCore = new Map<unknown, LuaSock>([...rs, ...ws].map((s) => [watched(s), s]))
      const t = timeout === undefined || timeout < 0 || Number.isNaN(timeout) ? undefined : timeout
      return op(
        Select.select(rs.map(watched), ws.map(watched), t),
        (ready) => [ready.readable.map((c) => byCore.get(c)), ready.writable.map((c) => byCore.get(c))],
        (e) => (e._tag === "Timeout" ? [[], [], "timeout"] : (() => { throw new PlainRaise("select failed") })())
      )
    }
  },
  {
    name: "dns.toip",
    params: [{ name: "address", type: "string", decode: D.string }],
    returns: [{ name: "ip", type: "string" }, { name: "info", type: "table" }],
    failure: R.nilErr,
    waits: true,
    doc: "The first IPv4 address of a name, and `{name, alias, ip}`.",
    run: (_, [a]) => op(Dns.toip(a), hostResults)
  },
  {
    name: "dns.tohostname",
    params: [{ name: "address", type: "string", decode: D.string }],
    returns: [{ name: "name", type: "string" }, { name: "info", type: "table" }],
    failure: R.nilErr,
    waits: true,
    doc: "The canonical name of an address or name, and `{name, alias, ip}`.",
    run: (_, [a]) => op(Dns.tohostname(a), hostResults)
  },
  {
    name: "dns.getaddrinfo",
    params: [{ name: "host", type: "string", decode: D.string }],
    returns: [{ name: "addresses", type: "table" }],
    failure: R.nilErr,
    waits: true,
    doc: '`{{family = "inet"|"inet6", addr = ...}, ...}` in resolver order.',
    run: (_, [h]) => op(Dns.getaddrinfo(h), (xs) => [xs.map((x) => ({ family: x.family, addr: x.address }))])
  },
  {
    name: "dns.getnameinfo",
    params: [
      { name: "host", type: "string", optional: true, decode: D.opt(D.string, undefined) },
      { name: "service", type: "string|number", optional: true, decode: D.opt(D.string, undefined) }
    ],
    returns: [{ name: "names", type: "table" }, { name: "service", type: "string" }],
    failure: R.nilErr,
    waits: true,
    doc: "Names of a host and the name of a service.",
    run: (_, [h, s]) => op(Dns.getnameinfo(h, s), (n) => [n.names.slice(), n.service])
  },
  {
    name: "dns.gethostname",
    params: [],
    returns: [{ name: "name", type: "string" }],
    doc: "This machine's host name.",
    run: () => op(Dns.gethostname, (n) => [n])
  },
  {
    name: "gettime",
    params: [],
    returns: [{ name: "seconds", type: "number" }],
    doc: "Seconds since the epoch (microsecond resolution).",
    run: () => op(Dns.gettime, (t) => [t])
  },
  {
    name: "sleep",
    params: [{ name: "seconds", type: "number", decode: D.number }],
    returns: [],
    waits: true,
    doc: "Sleeps (0 or negative: returns at once).",
    run: (_, [s]) => op(Dns.sleep(s), () => [])
  },
  {
    name: "skip",
    params: [{ name: "d", type: "number", decode: D.integer }],
    varargs: true,
    returns: [{ name: "...", type: "any" }],
    doc: "Its arguments after the first `d`.",
    run: (_, [d, ...rest]) => rest.slice(Math.max(0, d))
  }
]

const hostResults = (h: Dns.HostLookup): Results => [h.first, { name: h.info.name, alias: h.info.alias.slice(), ip: h.info.ip.slice() }]


/**
 * The LuaSocket facade.
 *
 * @since 0.1.0
 */
export const spec: FacadeSpec = {
  name: "luasocket",
  module: "socket",
  doc: "LuaSocket 3.1's `socket` namespace (`require \"socket\"`) with Lua's return conventions.",
  numbers: "float",
  constants: [
    { name: "_VERSION", type: "string", value: "LuaSocket 3.1.0", doc: "The LuaSocket version reproduced." },
    { name: "_SETSIZE", type: "number", value: 1024, doc: "FD_SETSIZE on Linux; select here has no such limit." },
    { name: "_DATAGRAMSIZE", type: "number", value: 8192, doc: "Default UDP receive size." },
    { name: "_SOCKETINVALID", type: "number", value: -1, doc: "The invalid descriptor." },
    { name: "_DEBUG", type: "nil", value: undefined, doc: "Not a debug build: send/receive return no elapsed time." },
    { name: "BLOCKSIZE", type: "number", value: 2048, doc: "Chunk size of socket sources." },
    ...extraConstants
  ],
  functions: [...functions, ...extras],
  types: [
    { name: "tcp", classes: ["tcp{master}", "tcp{client}", "tcp{server}"], groups: { "tcp{any}": ["tcp{master}", "tcp{client}", "tcp{server}"] }, doc: "TCP (and unix stream) objects." },
    {
      name: "udp",
      classes: ["udp{unconnected}", "udp{connected}"],
      // select{able}: a flag LuaSocket's UDP metatables carry (no method checks it)
      groups: { "udp{any}": ["udp{unconnected}", "udp{connected}"], "select{able}": ["udp{unconnected}", "udp{connected}"] },
      doc: "UDP objects."
    }
  ],
  methods: [...tcpMethods, ...udpMethods],
  limits: [
    "`setfd` raises: libuv owns descriptors on Node.js.",
    "`select` has no FD_SETSIZE limit (`_SETSIZE` is informative).",
    "`getsockname` returns the port as an integer (Debian's 3.1.0 build returns a string)."
  ]
}

