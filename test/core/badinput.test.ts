/**
 * Bad input over the Effect API (issue 6): a property test feeds arbitrary values
 * (`fc.anything()`, huge / negative / non-finite numbers, -0, odd strings with NUL and lone
 * surrogates, wrong objects, arrays, functions, symbols, bigints, null-prototype objects) into
 * every argument of every public function and method of the core that takes user input, on
 * sockets in every state (fresh, connected with data buffered, at EOF, listening, closed; UDP
 * unconnected / bound / connected / closed). Each call must end in a success or a typed
 * failure (a `NetError`, or `Try`'s `TryFailure`):
 *
 * - no exception thrown by the call itself, no defect (`Cause.isDie`), no untyped failure, no
 *   Node validation error (`TypeError` / `RangeError`) dressed as a `NetError`;
 * - every failure's `message` is a sentence (reading it does not throw); an argument outside its
 *   documented contract never succeeds, and when the failure is about it (`InvalidArgument`,
 *   `Unsupported`, `Unknown`, not a state error such as `Closed` or "needs a tcp{client}") the
 *   message names it;
 * - a call that cannot wait by its contract settles within a bound (each call is bounded; those
 *   that may wait for the peer, such as a receive of more than is buffered, may stay pending);
 * - successes have the documented shape (a receive gives bytes, a port is an integer 0..65535);
 * - at the end the process holds no more descriptors than before, and nothing was thrown or
 *   rejected outside of Effect.
 *
 * Arguments that name a peer or a name to resolve are kept on the machine: hosts map to
 * loopback, ports to this file's own servers, names to `localhost`, unix paths into a temporary
 * directory, abstract names under this file's prefix (no name resolution, datagram or SYN leaves
 * the machine, and no other process's server is reached). Callbacks (`use`, `onReady`, filters)
 * are code, not input, and pure formatting helpers of already-parsed values (`Address.format`,
 * `unixPath`, `anyAddress`, `resolve` of a parsed `Host`) are not fed: they are left out.
 *
 * Bugs found are listed in `knownBugs`: a violation that matches one of them is counted under
 * its id instead of failing the property, and each has an `it.fails` reproduction below (one that
 * would abort the process runs in a child process). When one is fixed its `it.fails` starts to
 * pass: make it a plain `it` (or delete it) and remove the entry.
 */
import * as dgram from "node:dgram"
import * as fs from "node:fs"
import * as net from "node:net"
import * as os from "node:os"
import * as path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Cause, Duration, Effect, Either, Exit, FastCheck as fc, Option, Schedule, Scope, Sink, Stream } from "effect"
import { Address, Dns, NetError, ReadBuffer, Select, Streams, Tcp, Timeout, Try, Udp } from "../../src/index.js"
import { runTs } from "../programs.js"
import { settledFdCount } from "../support.js"

// ---- fixtures ------------------------------------------------------------------------------------

const GREETING = "hello\r\nworld\n"
const greetingBytes = new TextEncoder().encode(GREETING)
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "effect-luasocket-badinput-"))
const unixPath = path.join(tmp, "s.sock")
const abstractName = "@effect-luasocket-badinput"

interface Fixtures {
  /** Writes GREETING to every connection and keeps it open. */
  readonly talker: number
  /** Writes GREETING to every connection, then ends it. */
  readonly closer: number
  /** A UDP socket of this file that ignores what it receives. */
  readonly udpSink: number
}

let fx: Fixtures
const peers = new Set<net.Socket>()
const servers: Array<net.Server> = []
let udpSink: dgram.Socket

const serve = (endAfter: boolean): Promise<number> =>
  new Promise((resolve) => {
    const server = net.createServer((s) => {
      peers.add(s)
      s.on("error", () => {})
      s.on("close", () => peers.delete(s))
      s.resume() // what clients send is read and dropped: a peer that never reads would never see their FIN
      s.write(greetingBytes)
      if (endAfter) s.end()
    })
    servers.push(server)
    server.listen(0, "127.0.0.1", () => resolve((server.address() as net.AddressInfo).port))
  })

let unhandled = 0
const onUnhandled = () => void unhandled++

beforeAll(async () => {
  process.on("unhandledRejection", onUnhandled)
  process.on("uncaughtException", onUnhandled)
  udpSink = dgram.createSocket("udp4")
  await new Promise<void>((resolve) => udpSink.bind(0, "127.0.0.1", resolve))
  fx = { talker: await serve(false), closer: await serve(true), udpSink: udpSink.address().port }
})

afterAll(async () => {
  process.off("unhandledRejection", onUnhandled)
  process.off("uncaughtException", onUnhandled)
  for (const p of peers) p.destroy()
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))))
  udpSink.close()
  fs.rmSync(tmp, { recursive: true, force: true })
})

// ---- values ----------------------------------------------------------------------------------------

/** `String(u)` that never throws (symbols, null-prototype objects, hostile toString). */
const show = (u: unknown): string => {
  if (u === SELF) return "<the socket>"
  if (typeof u === "string") return JSON.stringify(u.length > 40 ? u.slice(0, 40) + "..." : u)
  if (typeof u === "bigint") return `${u}n`
  if (typeof u === "symbol") return u.toString()
  if (typeof u === "function") return "<function>"
  if (u instanceof Uint8Array) return `Uint8Array(${u.length})`
  if (Array.isArray(u)) return `[${u.slice(0, 4).map(show).join(", ")}${u.length > 4 ? ", ..." : ""}]`
  if (typeof u === "object" && u !== null) {
    try {
      if (Duration.isDuration(u)) return `Duration(${Duration.format(u)})`
      return `{${Object.keys(u).slice(0, 4).map((k) => `${k}: ${show((u as Record<string, unknown>)[k])}`).join(", ")}}`
    } catch {
      return "<object>"
    }
  }
  return Object.is(u, -0) ? "-0" : String(u)
}

/** A lone UTF-16 code unit per character: lone surrogates included. */
const utf16 = fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 10 })

const nastyNumbers = [NaN, Infinity, -Infinity, -0, 0, -1, 0.5, 1.5, -1.5, 3, 2 ** 31, 2 ** 32, 2 ** 53, 2 ** 53 + 2, -(2 ** 53), Number.MAX_VALUE, Number.MIN_VALUE, 1e300, 65535, 65536]
const nastyStrings = ["", " ", "\0", "a\0b", "\uD800", "\uDFFF", "x".repeat(300), "*", "-1", "1e3", "0x10", "NaN", " 5 ", "__proto__", "toString", "\n", "%s", "😀", "b", "t", "r", "both", "send", "receive", "keepalive", "linger", "error", "broadcast"]
const wrongObjects: ReadonlyArray<unknown> = [
  null, undefined, true, false, {}, [], [1, 2], { length: 3 }, Object.create(null), { toString: 5 }, new Uint8Array(0), new Uint8Array(3), Buffer.from("x"),
  new ArrayBuffer(4), new DataView(new ArrayBuffer(2)), new Date(0), /x/, new Map(), new Set([1]), new Error("e"), () => 1, Symbol("s"), Symbol.iterator,
  5n, -5n, 2n ** 64n, new Number(5), new String("b"), { _tag: "Line" }, { _tag: "Exactly", count: 2 }, { _tag: "Exactly" }, { _tag: "Nope" },
  { _tag: "Available", max: -1 }, { _tag: "Line", maxLength: "3" }, Duration.millis(5), Duration.infinity, Timeout.infinite, { block: 1, total: 2 },
  { block: Duration.zero }, { on: true, timeout: 0 }, { on: "yes", timeout: 0 }, { multiaddr: "239.1.2.3", interface: "*" }
]

/** Anything at all, with the nasty cases over-represented. */
const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.anything({ maxDepth: 2, withBigInt: true, withBoxedValues: true, withNullPrototype: true, withTypedArray: true, withSparseArray: true, withMap: true, withSet: true, withDate: true }) },
  { weight: 2, arbitrary: fc.constantFrom(...nastyNumbers) },
  { weight: 2, arbitrary: fc.constantFrom(...nastyStrings) },
  { weight: 1, arbitrary: utf16 },
  { weight: 3, arbitrary: fc.constantFrom(...wrongObjects) },
  { weight: 1, arbitrary: fc.func(fc.anything()) },
  { weight: 1, arbitrary: fc.bigInt() },
  { weight: 1, arbitrary: fc.double() },
  { weight: 1, arbitrary: fc.integer() }
)

/** Mostly `base`, sometimes anything. */
const orAny = (base: fc.Arbitrary<unknown>, weight = 2): fc.Arbitrary<unknown> => fc.oneof({ weight, arbitrary: base }, { weight: 1, arbitrary: anyValue })

const isCount = (n: unknown): boolean => typeof n === "number" && Number.isSafeInteger(n) && n >= 0
const isBytes = (u: unknown): boolean => u instanceof Uint8Array
const isPolicy = (u: unknown): boolean =>
  typeof u === "object" && u !== null && Duration.isDuration((u as Timeout.TimeoutPolicy).block) && Duration.isDuration((u as Timeout.TimeoutPolicy).total)
const optional = (p: (u: unknown) => boolean) => (u: unknown): boolean => u === undefined || p(u)
const isPort = (u: unknown): boolean =>
  (typeof u === "number" && Number.isInteger(u) && u >= 0 && u <= 65535) || (typeof u === "string" && /^\s*\d+\s*$/.test(u) && Number(u) <= 65535)
/** What Timeout.make takes: { block?, total? } of Duration inputs. */
const isLimits = (u: unknown): boolean =>
  typeof u === "object" && u !== null && !Array.isArray(u) && !Duration.isDuration(u) &&
  [(u as Record<string, unknown>).block, (u as Record<string, unknown>).total].every((x) => x === undefined || Option.isSome(Duration.decodeUnknown(x)))
const isMode = (u: unknown): boolean => u === undefined || (typeof u === "string" && /^[btr]/.test(u))
const isValidPattern = (p: unknown): boolean => {
  if (typeof p !== "object" || p === null) return false
  const q = p as Record<string, unknown>
  switch (q._tag) {
    case "All":
      return true
    case "Line":
      return q.maxLength === undefined || isCount(q.maxLength)
    case "Exactly":
      return isCount(q.count)
    case "Available":
      return q.max === undefined || isCount(q.max)
    default:
      return false
  }
}

// ---- keeping arguments on this machine -------------------------------------------------------------

const isLoopback = (h: Extract<Address.Host, { _tag: "Ip" }>): boolean =>
  h.family === "inet" ? h.address.startsWith("127.") || h.address === "0.0.0.0" : ["::1", "::", "::ffff:127.0.0.1"].includes(h.address.toLowerCase())

/** A host to connect to: loopback only; names other than localhost become localhost; paths go to the temp dir. */
const hostOut = (u: unknown): unknown => {
  if (typeof u !== "string") return u
  const h = Address.parseHost(u)
  if (Either.isLeft(h)) return u
  switch (h.right._tag) {
    case "Ip":
      return isLoopback(h.right) ? u : "127.0.0.1"
    case "Name":
      return u === "localhost" ? u : "localhost"
    case "Unix":
      return h.right.abstract ? abstractName : unixPath
    case "Any":
      return u
  }
}
/** A host to bind to: any address is local, but paths go to the temp dir and abstract names under our prefix. */
const hostLocal = (u: unknown): unknown => {
  if (typeof u !== "string") return u
  const h = Address.parseHost(u)
  if (Either.isRight(h) && h.right._tag === "Unix") return h.right.abstract ? abstractName : unixPath
  if (Either.isRight(h) && h.right._tag === "Name" && u !== "localhost") return "localhost"
  return u
}
const hostPool = ["127.0.0.1", "::1", "[::1]", "*", "localhost", "0.0.0.0", "::", "::ffff:127.0.0.1", unixPath, abstractName, "", "1.2.3", "[127.0.0.1]", "a b", "@", "/".repeat(200), "127.0.0.1\0x", "\uD800"]
const hostArb = (map: (u: unknown) => unknown) => fc.oneof(fc.constantFrom(...hostPool), anyValue).map(map)

/** A port to connect or send to: a valid non-zero port becomes one of ours. */
const portTo = (ours: () => number) => (u: unknown): unknown => (isPort(u) && Number(u) !== 0 ? ours() : u)
/** A port to bind: a valid port becomes 0, or the talker's (taken: AddressInUse). */
const portLocal = (u: unknown): unknown => (isPort(u) && Number(u) !== 0 ? (Number(u) % 2 === 0 ? 0 : fx.talker) : u)
const portArb = (map: (u: unknown) => unknown) => fc.oneof(fc.constantFrom<unknown>(0, "0", 1, "80", " 9 ", -0), anyValue).map(map)

/** Names to resolve: only what never leaves the machine (the resolver answers from /etc/hosts, or fails before asking). */
const dnsName = (u: unknown): unknown => {
  if (typeof u !== "string" || u === "" || u.includes("\0")) return u
  const v = net.isIP(u)
  if (v === 4) return u.startsWith("127.") ? u : "127.0.0.1"
  if (v === 6) return u === "::1" ? u : "::1"
  return "localhost"
}
/** An address for toip / tohostname: an IPv4 literal is looked up in reverse, so only 127.0.0.1. */
const dnsAddress = (u: unknown): unknown => {
  if (typeof u !== "string" || u === "" || u.includes("\0") || net.isIP(u) === 6) return u
  return net.isIP(u) === 4 ? "127.0.0.1" : "localhost"
}
const dnsArb = (map: (u: unknown) => unknown) => fc.oneof(fc.constantFrom<unknown>("localhost", "127.0.0.1", "::1", "", "a\0b", "fe80::1"), anyValue).map(map)

// ---- argument arbitraries ----------------------------------------------------------------------------

const countArb = fc.oneof(fc.integer({ min: 0, max: 20 }), anyValue)
const patternArb: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(ReadBuffer.line),
  fc.constant(ReadBuffer.all),
  countArb.map((n) => ReadBuffer.exactly(n as number)),
  countArb.map((n) => ReadBuffer.lineMax(n as number)),
  fc.oneof(fc.constant(undefined), countArb).map((n) => ReadBuffer.available(n as number | undefined)),
  anyValue
)
const policyArb = orAny(
  fc.constantFrom<unknown>(undefined, Timeout.infinite, Timeout.make({ block: 0 }), Timeout.make({ total: "10 millis" }), Timeout.make({ block: "20 millis", total: "40 millis" }))
)
const bytesArb = orAny(fc.oneof(fc.uint8Array({ maxLength: 20 }), fc.constant(greetingBytes), fc.constant(Buffer.from("buf"))))
const secondsArb = orAny(fc.oneof(fc.constantFrom<unknown>(undefined, -1, 0, 0.01, 0.02), fc.double({ min: -5, max: 0.05, noNaN: true })))
const modeArb = orAny(fc.constantFrom<unknown>(undefined, "b", "t", "r", "block", "total", "", "x", "B"))
const tcpOptionNames = ["keepalive", "tcp-nodelay", "reuseaddr", "ipv6-v6only", "linger", "error", ...Tcp.unsupportedOptions]
const udpOptionNames = Object.keys(Udp.options)
const optionValueArb = orAny(
  fc.constantFrom<unknown>(true, false, 0, 1, 64, 255, -1, 256, 4096, "*", "127.0.0.1", "::1", { on: false, timeout: 0 }, { on: true, timeout: 0 }, { on: true, timeout: 5 }, { multiaddr: "239.255.1.2", interface: "*" }, { multiaddr: "ff02::1", interface: 0 }, { multiaddr: "ff02::1" })
)
const familyArb = orAny(fc.constantFrom<unknown>(undefined, "inet", "inet6", "unix", "unspec", "bogus"))
const numberOptionArb = orAny(fc.constantFrom<unknown>(undefined, 1, 16, 1024, 65536))
/** A socket-or-not argument: `SELF` stands for the case's socket. */
const SELF: unique symbol = Symbol("self")
const selfOr = fc.oneof({ weight: 4, arbitrary: fc.constant<unknown>(SELF) }, { weight: 1, arbitrary: anyValue })
/** The socket a stream or sink reads or writes: anything but the case's socket must fail, naming it. */
const socketParam = () => p("socket", selfOr, { valid: (u) => u === SELF, names: /socket/i })
const bind = (u: unknown, self: unknown): any => (u === SELF ? self : u)

const tcpClientOptions = () =>
  orAny(
    fc.record(
      {
        timeout: policyArb,
        family: familyArb,
        localAddress: orAny(fc.constantFrom<unknown>("127.0.0.1", "*", "::1", "localhost")).map(hostLocal),
        localPort: orAny(fc.constantFrom<unknown>(0, "0", -1, 70000)).map(portLocal),
        retry: orAny(fc.constantFrom<unknown>(Schedule.recurs(1), Schedule.spaced("1 millis").pipe(Schedule.compose(Schedule.recurs(2))))),
        readHighWaterMark: numberOptionArb,
        writeHighWaterMark: numberOptionArb
      },
      { requiredKeys: [] }
    ),
    3
  )
const tcpServerOptions = () =>
  orAny(
    fc.record(
      { backlog: orAny(fc.constantFrom<unknown>(0, 1, 32, 511)), maxPending: orAny(fc.constantFrom<unknown>(1, 16, 4096)), timeout: policyArb, family: familyArb, readHighWaterMark: numberOptionArb, writeHighWaterMark: numberOptionArb },
      { requiredKeys: [] }
    ),
    3
  )
const udpOpenOptions = () =>
  orAny(fc.record({ family: familyArb, maxQueued: orAny(fc.constantFrom<unknown>(1, 8, 1024)), maxQueuedBytes: orAny(fc.constantFrom<unknown>(1, 8192)), timeout: policyArb }, { requiredKeys: [] }), 3)

// ---- sockets in every state ------------------------------------------------------------------------

type StateName =
  | "tcpMaster"
  | "tcpClient"
  | "tcpClientEof"
  | "tcpServer"
  | "tcpClosed"
  | "udpFresh"
  | "udpInet"
  | "udpInet6"
  | "udpBound"
  | "udpConnected"
  | "udpClosed"
  | "buffer"
  | "selectKit"

const tcpStates: ReadonlyArray<StateName> = ["tcpMaster", "tcpClient", "tcpClientEof", "tcpServer", "tcpClosed"]
const udpStates: ReadonlyArray<StateName> = ["udpFresh", "udpInet", "udpInet6", "udpBound", "udpConnected", "udpClosed"]

/** Polls `pred` (1 ms apart) for at most `ms`. */
const until = (pred: () => boolean, ms = 2000): Effect.Effect<void> =>
  Effect.suspend(() => {
    const deadline = Date.now() + ms
    const loop: Effect.Effect<void> = Effect.suspend(() => (pred() || Date.now() > deadline ? Effect.void : Effect.zipRight(Effect.sleep("1 millis"), loop)))
    return loop
  })

const tcpClient = (port: number) =>
  Effect.tap(Tcp.connect("127.0.0.1", port), (s) => until(() => s.arrival.buffered >= greetingBytes.length))

const makeState = (state: StateName): Effect.Effect<unknown, NetError.NetError, import("effect/Scope").Scope> => {
  switch (state) {
    case "tcpMaster":
      return Tcp.master()
    case "tcpClient":
      return tcpClient(fx.talker)
    case "tcpClientEof":
      return Effect.tap(tcpClient(fx.closer), () => Effect.sleep("2 millis"))
    case "tcpServer":
      return Tcp.listen("127.0.0.1", 0)
    case "tcpClosed":
      return Effect.tap(Tcp.master(), (s) => s.close)
    case "udpFresh":
      return Udp.open()
    case "udpInet":
      return Udp.open({ family: "inet" })
    case "udpInet6":
      return Udp.open({ family: "inet6" })
    case "udpBound":
      return Effect.tap(Udp.bind("127.0.0.1", 0), (s) =>
        Effect.zipRight(s.sendto(greetingBytes, "127.0.0.1", Either.getOrThrow(s.getSockName()).port), until(() => s.readable)))
    case "udpConnected":
      return Udp.connect("127.0.0.1", fx.udpSink)
    case "udpClosed":
      return Effect.tap(Udp.open(), (s) => s.close)
    case "buffer":
      return Effect.sync(() => {
        const rb = new ReadBuffer.ReadBuffer({ pause: () => {}, resume: () => {} }, 64)
        rb.push(greetingBytes)
        rb.pushEnd()
        return rb
      })
    case "selectKit":
      return Effect.all({ client: tcpClient(fx.talker), server: Tcp.listen("127.0.0.1", 0), udp: Udp.open() })
  }
}

// ---- targets ----------------------------------------------------------------------------------------------

interface Param {
  readonly name: string
  readonly arb: fc.Arbitrary<unknown>
  /** The values the contract accepts; any other must end in a typed failure. Absent: any value may succeed. */
  readonly valid?: (u: unknown) => boolean
  /** How a message naming this argument reads. */
  readonly names?: RegExp
}

interface Target {
  readonly name: string
  /** The state(s) of `self`; none for module functions. */
  readonly states?: ReadonlyArray<StateName>
  readonly params: ReadonlyArray<Param>
  readonly call: (self: any, args: ReadonlyArray<any>) => unknown
  /** The call may wait for the peer (or forever, by its contract): pending at the bound is a fine outcome. */
  readonly mayWait?: boolean
  /** Checks a success value; returns what is wrong with it. */
  readonly result?: (value: unknown, args: ReadonlyArray<unknown>) => string | undefined
  /** Relative number of cases. */
  readonly weight?: number
}

const bytesResult = (v: unknown) => (v instanceof Uint8Array ? undefined : `succeeded with ${show(v)}, not bytes`)
/** What Streams.concat takes: an iterable object (not a typed array) of Uint8Arrays. */
const isChunks = (u: unknown): boolean =>
  typeof u === "object" && u !== null && !ArrayBuffer.isView(u) && Symbol.iterator in u && Array.from(u as Iterable<unknown>).every(isBytes)
/**
 * Calls a function without an error channel, whose bad arguments are a documented programmer
 * error that throws an InvalidArgument: that error is the call's typed failure (any other throw
 * is still a violation).
 */
const typedThrow = (f: () => unknown): unknown => {
  try {
    return f()
  } catch (e) {
    if (NetError.isNetError(e)) return e
    throw e
  }
}
const p = (name: string, arb: fc.Arbitrary<unknown>, extra: Omit<Param, "name" | "arb"> = {}): Param => ({ name, arb, ...(name === "options" ? { names: optionNames } : {}), ...extra })
/** What a message about an options field says. */
const optionNames = /options|maxQueued|family|HighWaterMark|maxPending|backlog|timeout|retry|local|chunkSize|maxLength|blockSize|size|port|address/i

const hostParam = (map: (u: unknown) => unknown) => p("host", hostArb(map), { valid: (u) => typeof u === "string", names: /host|address|path|unix|name|"\*"/i })
const portParam = (map: (u: unknown) => unknown) => p("port", portArb(map), { names: /port/i })
/** Not `valid`-checked: a call may succeed without reading its policy (an absent policy is the socket's). */
const policyParam = p("policy", policyArb, { names: /policy|timeout/i })
const patternParam = p("pattern", patternArb, { valid: isValidPattern, names: /pattern|count|exactly|lineMax|length|max/i })
const prefixParam = p("prefix", orAny(fc.constantFrom<unknown>(undefined, new Uint8Array(0), new TextEncoder().encode("PRE")), 3), { valid: optional(isBytes), names: /prefix/i })

const targets = (): ReadonlyArray<Target> => [
  // Address
  {
    name: "Address.parseHost",
    params: [p("input", fc.oneof(fc.constantFrom(...hostPool), anyValue), { valid: (u) => typeof u === "string", names: /host/i })],
    call: (_, [input]) => Address.parseHost(input),
    weight: 3
  },
  {
    name: "Address.parsePort",
    params: [p("input", fc.oneof(fc.constantFrom<unknown>(0, -0, "0", "65535", "65536", " 7 ", "-1", "1e3", "0x10"), anyValue), { valid: isPort, names: /port/i })],
    call: (_, [input]) => Address.parsePort(input),
    result: (v) => (typeof v === "number" && Number.isInteger(v) && v >= 0 && v <= 65535 && !Object.is(v, -0) ? undefined : `port ${show(v)}`),
    weight: 3
  },
  // Timeout
  {
    name: "Timeout.make",
    params: [
      p("limits", orAny(fc.record({ block: orAny(fc.constantFrom<unknown>(0, 5, "1 second", Duration.infinity)), total: orAny(fc.constantFrom<unknown>(0, 5, "1 second")) }, { requiredKeys: [] }), 3), {
        valid: isLimits,
        names: /limits|block|total/i
      })
    ],
    // No error channel by contract: bad limits are a programmer error and throw an InvalidArgument,
    // checked here as the call's typed failure (any other throw is still a violation).
    call: (_, [limits]) => {
      try {
        return Timeout.make(limits)
      } catch (e) {
        if (NetError.isNetError(e)) return e
        throw e
      }
    },
    result: (v) => (isPolicy(v) ? undefined : `not a policy: ${show(v)}`)
  },
  { name: "Timeout.parseMode", params: [p("mode", modeArb)], call: (_, [mode]) => Timeout.parseMode(mode) },
  { name: "Timeout.fromSeconds", params: [p("seconds", secondsArb)], call: (_, [s]) => Timeout.fromSeconds(s), result: (v) => (Duration.isDuration(v) ? undefined : `not a Duration: ${show(v)}`) },
  {
    name: "Timeout.set",
    params: [p("seconds", secondsArb, { valid: (u) => u === undefined || typeof u === "number", names: /timeout|seconds/i }), p("mode", modeArb, { valid: isMode, names: /mode/i })],
    call: (_, [s, mode]) => Timeout.set(Timeout.infinite, s, mode)
  },
  // ReadBuffer (a buffer holding GREETING, at EOF: nothing waits)
  {
    name: "ReadBuffer.receive",
    states: ["buffer"],
    params: [patternParam, prefixParam, policyParam],
    call: (rb: ReadBuffer.ReadBuffer, [pattern, prefix, policy]) => rb.receive(pattern, prefix, policy),
    result: bytesResult,
    weight: 3
  },
  {
    name: "ReadBuffer.poll",
    states: ["buffer"],
    params: [patternParam, prefixParam],
    call: (rb: ReadBuffer.ReadBuffer, [pattern, prefix]) => rb.poll(pattern, prefix),
    result: (v) => (v === undefined || v instanceof Uint8Array ? undefined : `succeeded with ${show(v)}`),
    weight: 3
  },
  {
    name: "ReadBuffer.receiveInto",
    states: ["buffer"],
    params: [p("target", bytesArb, { valid: isBytes, names: /target|buffer/i }), policyParam],
    call: (rb: ReadBuffer.ReadBuffer, [target, policy]) => rb.receiveInto(target, policy)
  },
  {
    name: "ReadBuffer.takeLines+unshift",
    states: ["buffer"],
    params: [p("maxBytes", countArb), p("data", bytesArb, { valid: isBytes, names: /data|bytes/i })],
    // unshift has no error channel: bytes that are not a Uint8Array are a programmer error and
    // throw an InvalidArgument, checked here as the call's typed failure (as Timeout.make).
    call: (rb: ReadBuffer.ReadBuffer, [max, data]) => {
      const block = rb.takeLines(max)
      try {
        rb.unshift(data)
      } catch (e) {
        if (NetError.isNetError(e)) return e
        throw e
      }
      return block
    }
  },
  {
    name: "ReadBuffer.waitReadable",
    states: ["buffer"],
    params: [p("limit", orAny(fc.constantFrom<unknown>(Duration.zero, Duration.millis(5), Duration.infinity)))],
    call: (rb: ReadBuffer.ReadBuffer, [limit]) => rb.waitReadable(limit)
  },
  // Tcp module functions
  {
    name: "Tcp.sendRange",
    params: [p("length", countArb), p("i", orAny(fc.integer({ min: -10, max: 10 }))), p("j", orAny(fc.integer({ min: -10, max: 10 })))],
    call: (_, [length, i, j]) => Tcp.sendRange(length, i, j)
  },
  { name: "Tcp.master", params: [p("options", tcpClientOptions())], call: (_, [options]) => Tcp.master(options) },
  {
    name: "Tcp.connect",
    params: [hostParam(hostOut), portParam(portTo(() => fx.talker)), p("options", tcpClientOptions())],
    call: (_, [host, port, options]) => Tcp.connect(host, port, options),
    weight: 3
  },
  {
    name: "Tcp.withConnection",
    params: [hostParam(hostOut), portParam(portTo(() => fx.closer)), p("options", tcpClientOptions())],
    call: (_, [host, port, options]) => Tcp.withConnection(host, port, (c) => c.receive(ReadBuffer.line), options)
  },
  {
    name: "Tcp.listen",
    params: [hostParam(hostLocal), portParam(portLocal), p("options", tcpServerOptions())],
    call: (_, [host, port, options]) => Tcp.listen(host, port, options),
    weight: 2
  },
  // TcpSocket methods
  {
    name: "TcpSocket.setTimeout",
    states: tcpStates,
    params: [p("seconds", secondsArb, { valid: (u) => u === undefined || typeof u === "number", names: /timeout|seconds/i }), p("mode", modeArb, { valid: isMode, names: /mode/i })],
    call: (s: Tcp.TcpSocket, [seconds, mode]) => Effect.zipRight(s.setTimeout(seconds, mode), Effect.sync(() => s.getTimeout()))
  },
  {
    name: "TcpSocket.setTimeoutPolicy",
    states: ["tcpClient"],
    params: [p("newPolicy", policyArb)],
    // no error channel: what is not a policy is a programmer error and throws an InvalidArgument,
    // checked here as the call's typed failure (as Timeout.make)
    call: (s: Tcp.TcpSocket, [policy]) => {
      try {
        s.setTimeoutPolicy(policy)
      } catch (e) {
        if (NetError.isNetError(e)) return e
        throw e
      }
      return s.getTimeout()
    }
  },
  {
    name: "TcpSocket.setOption",
    states: tcpStates,
    params: [p("name", orAny(fc.constantFrom(...tcpOptionNames), 3), { valid: (u) => typeof u === "string", names: /option/i }), p("value", optionValueArb, { names: /option|linger/i })],
    call: (s: Tcp.TcpSocket, [name, value]) => s.setOption(name, value),
    weight: 2
  },
  {
    name: "TcpSocket.getOption",
    states: tcpStates,
    params: [p("name", orAny(fc.constantFrom(...tcpOptionNames), 3), { valid: (u) => typeof u === "string", names: /option/i })],
    call: (s: Tcp.TcpSocket, [name]) => s.getOption(name)
  },
  {
    name: "TcpSocket.bind",
    states: tcpStates,
    params: [hostParam(hostLocal), portParam(portLocal)],
    call: (s: Tcp.TcpSocket, [host, port]) => s.bind(host, port),
    weight: 2
  },
  {
    name: "TcpSocket.listen",
    states: tcpStates,
    params: [
      p("backlog", orAny(fc.constantFrom<unknown>(undefined, 0, 1, 32)), { valid: (u) => u === undefined || (typeof u === "number" && Number.isInteger(u) && u >= 0), names: /backlog/i }),
      p("options", orAny(fc.record({ maxPending: orAny(fc.constantFrom<unknown>(1, 4096)) }, { requiredKeys: [] }), 3))
    ],
    call: (s: Tcp.TcpSocket, [backlog, options]) => s.listen(backlog, options)
  },
  {
    name: "TcpSocket.connect",
    states: tcpStates,
    params: [hostParam(hostOut), portParam(portTo(() => fx.talker)), p("options", tcpClientOptions())],
    call: (s: Tcp.TcpSocket, [host, port, options]) => s.connect(host, port, options),
    weight: 2
  },
  {
    name: "TcpSocket.receive",
    states: tcpStates,
    params: [patternParam, prefixParam, policyParam],
    call: (s: Tcp.TcpSocket, [pattern, prefix, policy]) => s.receive(pattern, prefix, policy),
    mayWait: true,
    result: bytesResult,
    weight: 4
  },
  {
    name: "TcpSocket.receivePoll",
    states: tcpStates,
    params: [patternParam, prefixParam],
    call: (s: Tcp.TcpSocket, [pattern, prefix]) => s.receivePoll(pattern, prefix),
    result: (v) => (v === undefined || v instanceof Uint8Array ? undefined : `succeeded with ${show(v)}`),
    weight: 3
  },
  {
    name: "TcpSocket.acceptPollOrTimeout",
    states: tcpStates,
    params: [],
    call: (s: Tcp.TcpSocket) => {
      const r = s.acceptPollOrTimeout()
      if (r instanceof Tcp.TcpSocket) r.closeNow() // the caller owns it
      return r
    },
    result: (v) => (v instanceof Tcp.TcpSocket ? undefined : `succeeded with ${show(v)}, not a socket`)
  },
  {
    name: "TcpSocket.receivePollOrTimeout",
    states: tcpStates,
    params: [patternParam, prefixParam],
    call: (s: Tcp.TcpSocket, [pattern, prefix]) => s.receivePollOrTimeout(pattern, prefix),
    result: bytesResult,
    weight: 2
  },
  {
    name: "TcpSocket.receiveLinesPoll",
    states: tcpStates,
    params: [
      p("into", orAny(fc.constant(undefined).map(() => [] as Array<Uint8Array>)), { valid: Array.isArray, names: /lines array/i }),
      p("max", orAny(fc.oneof(fc.constant(undefined), fc.integer({ min: 0, max: 5 }))), { valid: optional(isCount), names: /line count/i }),
      p("maxLength", orAny(fc.oneof(fc.constant(undefined), fc.integer({ min: 0, max: 8 }))), { valid: optional(isCount), names: /maximum line length/i })
    ],
    call: (s: Tcp.TcpSocket, [into, max, maxLength]) => s.receiveLinesPoll(into as Array<Uint8Array>, max as number, maxLength as number),
    result: (v) => (isCount(v) ? undefined : `succeeded with ${show(v)}, not a count of lines`)
  },
  {
    name: "TcpSocket.receiveInto",
    states: tcpStates,
    params: [p("target", bytesArb, { valid: isBytes, names: /target|buffer/i }), policyParam],
    call: (s: Tcp.TcpSocket, [target, policy]) => s.receiveInto(target, policy),
    mayWait: true
  },
  {
    name: "TcpSocket.send",
    states: tcpStates,
    params: [
      p("data", bytesArb, { valid: isBytes, names: /data|bytes/i }),
      p("i", orAny(fc.constantFrom<unknown>(undefined, 1, 2, -1, 0, 30)), { valid: (u) => u === undefined || (typeof u === "number" && Number.isFinite(u)), names: /index|range/i }),
      p("j", orAny(fc.constantFrom<unknown>(undefined, -1, 3, 0, 30)), { valid: (u) => u === undefined || (typeof u === "number" && Number.isFinite(u)), names: /index|range/i }),
      policyParam
    ],
    call: (s: Tcp.TcpSocket, [data, i, j, policy]) => Effect.zipRight(s.send(data, i, j, policy), s.send(greetingBytes)),
    weight: 3
  },
  {
    name: "TcpSocket.shutdown",
    states: tcpStates,
    params: [p("how", orAny(fc.constantFrom<unknown>(undefined, "both", "send", "receive")), { valid: (u) => u === undefined || u === "both" || u === "send" || u === "receive", names: /how|shutdown|mode/i })],
    call: (s: Tcp.TcpSocket, [how]) => s.shutdown(how)
  },
  {
    name: "TcpSocket.setStats",
    states: ["tcpClient", "tcpMaster"],
    params: [p("received", countArb), p("sent", countArb), p("age", countArb)],
    call: (s: Tcp.TcpSocket, [r, sent, age]) => {
      s.setStats(r, sent, age)
      return s.getStats()
    }
  },
  {
    name: "TcpSocket.takeLines+unshift",
    states: ["tcpClient", "tcpClientEof", "tcpMaster"],
    params: [p("maxBytes", countArb), p("data", bytesArb, { valid: isBytes, names: /data|bytes/i })],
    call: (s: Tcp.TcpSocket, [max, data]) => {
      const block = s.takeLines(max)
      try {
        s.unshift(data)
      } catch (e) {
        if (NetError.isNetError(e)) return e
        throw e
      }
      return block
    }
  },
  // Udp module functions
  { name: "Udp.parseSize", params: [p("size", countArb, { valid: (u) => typeof u === "number" && Number.isFinite(u) && u >= 0, names: /size/i })], call: (_, [size]) => Udp.parseSize(size, "receive") },
  {
    name: "Udp.decodeOption",
    params: [p("name", orAny(fc.constantFrom(...udpOptionNames), 3), { valid: (u) => typeof u === "string", names: /option/i }), p("value", optionValueArb, { names: /option|linger/i }), p("family", familyArb, { names: /family|socket/i })],
    call: (_, [name, value, family]) => Udp.decodeOption(name, value, family),
    weight: 2
  },
  { name: "Udp.open", params: [p("options", udpOpenOptions())], call: (_, [options]) => Effect.tap(Udp.open(options), (s) => s.receive(8192, Timeout.make({ block: 0 })).pipe(Effect.ignore)) },
  { name: "Udp.bind", params: [hostParam(hostLocal), portParam(portLocal), p("options", udpOpenOptions())], call: (_, [host, port, options]) => Udp.bind(host, port, options), weight: 2 },
  { name: "Udp.connect", params: [hostParam(hostOut), portParam(portTo(() => fx.udpSink)), p("options", udpOpenOptions())], call: (_, [host, port, options]) => Udp.connect(host, port, options), weight: 2 },
  // UdpSocket methods
  { name: "UdpSocket.setsockname", states: udpStates, params: [hostParam(hostLocal), portParam(portLocal)], call: (s: Udp.UdpSocket, [host, port]) => s.setsockname(host, port), weight: 2 },
  { name: "UdpSocket.setpeername", states: udpStates, params: [hostParam(hostOut), portParam(portTo(() => fx.udpSink))], call: (s: Udp.UdpSocket, [host, port]) => s.setpeername(host, port), weight: 2 },
  { name: "UdpSocket.send", states: udpStates, params: [p("data", bytesArb)], call: (s: Udp.UdpSocket, [data]) => s.send(data) },
  {
    name: "UdpSocket.sendto",
    states: udpStates,
    params: [p("data", bytesArb), p("ip", hostArb(hostOut), { valid: (u) => typeof u === "string", names: /address|ip|host/i }), portParam(portTo(() => fx.udpSink))],
    call: (s: Udp.UdpSocket, [data, ip, port]) => s.sendto(data, ip, port),
    weight: 2
  },
  {
    name: "UdpSocket.receive",
    states: udpStates,
    params: [p("size", orAny(fc.constantFrom<unknown>(undefined, 0, 1, 5, 8192)), { valid: (u) => u === undefined || (typeof u === "number" && Number.isFinite(u) && u >= 0), names: /size/i }), policyParam],
    call: (s: Udp.UdpSocket, [size, policy]) => s.receive(size, policy),
    mayWait: true,
    result: bytesResult,
    weight: 2
  },
  {
    name: "UdpSocket.receivefrom",
    states: udpStates,
    params: [p("size", orAny(fc.constantFrom<unknown>(undefined, 0, 3, 8192)), { valid: (u) => u === undefined || (typeof u === "number" && Number.isFinite(u) && u >= 0), names: /size/i }), policyParam],
    call: (s: Udp.UdpSocket, [size, policy]) => s.receivefrom(size, policy),
    mayWait: true
  },
  {
    name: "UdpSocket.receivePollOrTimeout",
    states: udpStates,
    params: [p("size", orAny(fc.constantFrom<unknown>(undefined, 0, 1, 5, 8192)), { valid: (u) => u === undefined || (typeof u === "number" && Number.isFinite(u) && u >= 0), names: /size/i })],
    call: (s: Udp.UdpSocket, [size]) => s.receivePollOrTimeout(size as number),
    result: bytesResult
  },
  {
    name: "UdpSocket.receivefromPollOrTimeout",
    states: udpStates,
    params: [p("size", orAny(fc.constantFrom<unknown>(undefined, 0, 3, 8192)), { valid: (u) => u === undefined || (typeof u === "number" && Number.isFinite(u) && u >= 0), names: /size/i })],
    call: (s: Udp.UdpSocket, [size]) => s.receivefromPollOrTimeout(size as number),
    result: (v) => (typeof v === "object" && v !== null && (v as { data?: unknown }).data instanceof Uint8Array ? undefined : `succeeded with ${show(v)}, not a datagram`)
  },
  {
    name: "UdpSocket.setOption",
    states: udpStates,
    params: [p("name", orAny(fc.constantFrom(...udpOptionNames), 3), { valid: (u) => typeof u === "string", names: /option/i }), p("value", optionValueArb, { names: /option|linger/i })],
    call: (s: Udp.UdpSocket, [name, value]) => s.setOption(name, value),
    weight: 2
  },
  {
    name: "UdpSocket.getOption",
    states: udpStates,
    params: [p("name", orAny(fc.constantFrom(...udpOptionNames), 3), { valid: (u) => typeof u === "string", names: /option/i })],
    call: (s: Udp.UdpSocket, [name]) => s.getOption(name)
  },
  {
    name: "UdpSocket.setTimeout",
    states: udpStates,
    params: [p("seconds", secondsArb, { valid: (u) => u === undefined || typeof u === "number", names: /timeout|seconds/i }), p("mode", modeArb, { valid: isMode, names: /mode/i })],
    call: (s: Udp.UdpSocket, [seconds, mode]) => s.setTimeout(seconds, mode)
  },
  // Select
  {
    name: "Select.select",
    states: ["selectKit"],
    params: [
      p("readers", orAny(fc.array(fc.oneof(fc.constantFrom<unknown>("$client", "$server", "$udp"), anyValue), { maxLength: 3 }), 3), {
        valid: (u) => u === undefined || u === null || (Array.isArray(u) && Array.from(u).every((x) => typeof x === "string" && x.startsWith("$"))),
        names: /reader|socket|select/i
      }),
      p("writers", orAny(fc.array(fc.oneof(fc.constantFrom<unknown>("$client", "$server", "$udp"), anyValue), { maxLength: 3 }), 3), {
        valid: (u) => u === undefined || u === null || (Array.isArray(u) && Array.from(u).every((x) => typeof x === "string" && x.startsWith("$"))),
        names: /writer|socket|select/i
      }),
      p("timeout", orAny(fc.constantFrom<unknown>(undefined, 0, 0.01, -1, Duration.zero, Duration.millis(10), Duration.infinity)), {
        valid: (u) => u === undefined || typeof u === "number" || Duration.isDuration(u),
        names: /timeout/i
      })
    ],
    call: (kit: Record<string, unknown>, [readers, writers, timeout]) => {
      const sockets = (l: unknown) => (Array.isArray(l) ? l.map((x) => (typeof x === "string" && x.startsWith("$") ? kit[x.slice(1)] : x)) : l)
      return Select.select(sockets(readers) as never, sockets(writers) as never, timeout as never)
    },
    mayWait: true,
    weight: 2
  },
  { name: "Select.limitOf", params: [p("timeout", anyValue)], call: (_, [timeout]) => Select.limitOf(timeout as never) },
  // Dns
  {
    name: "Dns.getaddrinfo",
    params: [
      p("host", dnsArb(dnsName), { valid: (u) => typeof u === "string", names: /host/i }),
      p("family", familyArb, { valid: (u) => u === undefined || u === "inet" || u === "inet6" || u === "unspec", names: /family|socket/i })
    ],
    call: (_, [host, family]) => Dns.getaddrinfo(host, family)
  },
  { name: "Dns.resolve", params: [p("name", dnsArb(dnsName), { valid: (u) => typeof u === "string", names: /host|name/i })], call: (_, [name]) => Dns.resolve(name) },
  {
    name: "Dns.getnameinfo",
    params: [
      p("host", orAny(fc.constantFrom<unknown>(undefined, "localhost", "127.0.0.1")).map(dnsName), { valid: optional((u) => typeof u === "string"), names: /host/i }),
      p("service", orAny(fc.constantFrom<unknown>(undefined, "http", "80", 22, 0, "nope-service", ""), 3), { names: /serv|port/i })
    ],
    call: (_, [host, service]) => Dns.getnameinfo(host, service)
  },
  { name: "Dns.toip", params: [p("address", dnsArb(dnsAddress), { valid: (u) => typeof u === "string", names: /address|host/i })], call: (_, [a]) => Dns.toip(a) },
  { name: "Dns.tohostname", params: [p("address", dnsArb(dnsAddress), { valid: (u) => typeof u === "string", names: /address|host/i })], call: (_, [a]) => Dns.tohostname(a) },
  {
    name: "Dns.portOfService",
    params: [p("service", orAny(fc.constantFrom<unknown>("http", "ssh", "80", 80, -0, "", "nope"), 3), { names: /serv|port/i })],
    call: (_, [service]) => Dns.portOfService(service, "getnameinfo"),
    result: (v) => (typeof v === "number" && Number.isInteger(v) && v >= 0 && v <= 65535 && !Object.is(v, -0) ? undefined : `port ${show(v)}`)
  },
  {
    name: "Dns.sleep",
    params: [p("seconds", orAny(fc.constantFrom<unknown>(0, -1, 0.001, NaN)), { valid: (u) => typeof u === "number", names: /seconds/i })],
    // a real sleep of more than a few ms is what sleep is for: keep the case short
    call: (_, [s]) => Dns.sleep(typeof s === "number" && s > 0.005 ? 0.001 : s),
    mayWait: true
  },
  {
    name: "Dns.skip",
    params: [p("d", countArb), p("values", fc.array(anyValue, { maxLength: 3 }))],
    call: (_, [d, values]) => Dns.skip(d, ...values),
    result: (v, [, values]) => (Array.isArray(v) && v.length <= (values as Array<unknown>).length ? undefined : `succeeded with ${show(v)}`)
  },
  // Streams (a socket with GREETING buffered, or anything in its place)
  {
    name: "Streams.fromSocket",
    states: ["tcpClient", "tcpClientEof"],
    params: [socketParam(), p("options", orAny(fc.record({ chunkSize: countArb, timeout: policyArb }, { requiredKeys: [] }), 3))],
    call: (s: Tcp.TcpSocket, [socket, options]) => Streams.fromSocket(bind(socket, s), options),
    mayWait: true
  },
  {
    name: "Streams.lines",
    states: ["tcpClient", "tcpClientEof"],
    params: [socketParam(), p("options", orAny(fc.record({ maxLength: countArb, timeout: policyArb }, { requiredKeys: [] }), 3))],
    call: (s: Tcp.TcpSocket, [socket, options]) => Streams.lines(bind(socket, s), options),
    mayWait: true
  },
  {
    name: "Streams.records",
    states: ["tcpClient", "tcpClientEof"],
    params: [socketParam(), p("size", countArb, { valid: (u) => isCount(u) && (u as number) >= 1, names: /size/i }), p("options", orAny(fc.record({ timeout: policyArb }, { requiredKeys: [] }), 3))],
    call: (s: Tcp.TcpSocket, [socket, size, options]) => Streams.records(bind(socket, s), size, options),
    mayWait: true
  },
  {
    name: "Streams.source",
    states: ["tcpClient", "tcpClientEof"],
    params: [
      p("mode", orAny(fc.constantFrom<unknown>("by-length", "until-closed", "http-chunked"), 3), { valid: (u) => u === "by-length" || u === "until-closed" || u === "http-chunked", names: /mode/i }),
      socketParam(),
      p("third", orAny(fc.oneof(countArb, fc.record({ blockSize: countArb, maxChunkSize: countArb, timeout: policyArb }, { requiredKeys: [] })))),
      p("fourth", orAny(fc.record({ blockSize: countArb, timeout: policyArb }, { requiredKeys: [] })))
    ],
    call: (s: Tcp.TcpSocket, [mode, socket, third, fourth]) => (Streams.source as any)(mode, bind(socket, s), third, fourth),
    mayWait: true,
    weight: 2
  },
  {
    name: "Streams.sink",
    states: ["tcpClient", "tcpClosed"],
    params: [
      p("mode", orAny(fc.constantFrom<unknown>("keep-open", "close-when-done", "http-chunked"), 3), { valid: (u) => u === "keep-open" || u === "close-when-done" || u === "http-chunked", names: /mode/i }),
      socketParam(),
      p("options", orAny(fc.record({ timeout: policyArb }, { requiredKeys: [] }), 3))
    ],
    call: (s: Tcp.TcpSocket, [mode, socket, options]) => Streams.sink(mode, bind(socket, s), options)
  },
  // The byte helpers have no error channel: what is not bytes is a programmer error and throws an
  // InvalidArgument (as Timeout.make), checked here as the call's typed failure.
  {
    name: "Streams.source.string",
    params: [
      p("data", orAny(fc.oneof(fc.string({ maxLength: 10 }), fc.uint8Array({ maxLength: 10 }))), { valid: (u) => typeof u === "string" || isBytes(u), names: /data/i }),
      p("blockSize", countArb)
    ],
    call: (_, [data, blockSize]) => typedThrow(() => Streams.source.string(data, blockSize))
  },
  {
    name: "Streams.encodeChunk",
    params: [p("data", bytesArb, { valid: isBytes, names: /data/i })],
    call: (_, [data]) => typedThrow(() => Streams.encodeChunk(data)),
    result: (v, [data]) =>
      Array.isArray(v) && v.every(isBytes) && Buffer.concat(v).toString("latin1").includes(Buffer.from(data as Uint8Array).toString("latin1")) ? undefined : `succeeded with ${show(v)}`
  },
  {
    name: "Streams.concat",
    params: [p("chunks", orAny(fc.oneof(fc.array(bytesArb, { maxLength: 3 }), fc.array(fc.uint8Array({ maxLength: 5 }), { maxLength: 3 }).map((a) => new Set(a)))), { valid: isChunks, names: /chunks/i })],
    call: (_, [chunks]) => typedThrow(() => Streams.concat(chunks)),
    result: bytesResult
  },
  // NetError and Try: made for values of any kind
  {
    name: "NetError.fromCause",
    params: [p("cause", orAny(fc.constantFrom<unknown>(Object.assign(new Error("x"), { code: "ECONNRESET" }), { code: 5 }, { code: "EAI_AGAIN" }, new NetError.Timeout({ operation: "t" }))))],
    call: (_, [cause]) => {
      const e = NetError.fromCause(cause, { operation: "receive" })
      return NetError.isNetError(e) ? Effect.fail(e) : Effect.die(`fromCause gave ${show(e)}`)
    }
  },
  { name: "NetError.isNetError", params: [p("u", anyValue)], call: (_, [u]) => NetError.isNetError(u) },
  { name: "Try.try", params: [p("values", fc.array(anyValue, { maxLength: 3 }))], call: (_, [values]) => Try.try(...(values as Array<unknown>)) }
]

// ---- running one case --------------------------------------------------------------------------------------

/** How long a call that must not wait may take (generous: 2 CPUs shared), and how long a waiting one is given. */
const SETTLE_MS = 5000
const WAIT_MS = 30

type Outcome =
  | { readonly kind: "success"; readonly value: unknown }
  | { readonly kind: "failure"; readonly error: unknown }
  | { readonly kind: "pending" }
  | { readonly kind: "thrown"; readonly error: unknown }
  | { readonly kind: "die"; readonly defect: unknown; readonly atClose?: true }
  | { readonly kind: "interrupted" }

/** Runs what a call returned: an Effect, an Either, a Stream (first elements), a Sink (fed GREETING), or a plain value. */
const settle = (value: unknown, ms: number): Effect.Effect<Outcome> => {
  let effect: Effect.Effect<unknown, unknown>
  if (Either.isEither(value)) return Effect.succeed(Either.isRight(value) ? { kind: "success", value: value.right } : { kind: "failure", error: value.left })
  if (Option.isOption(value)) return Effect.succeed({ kind: "success", value })
  if (NetError.isNetError(value)) return Effect.succeed({ kind: "failure", error: value })
  if (typeof value === "object" && value !== null && Stream.StreamTypeId in value) effect = Stream.runCollect(Stream.take(value as Stream.Stream<unknown, unknown>, 4))
  else if (typeof value === "object" && value !== null && Sink.SinkTypeId in value) effect = Stream.run(Stream.make(greetingBytes, new Uint8Array(0)), value as Sink.Sink<unknown, Uint8Array, unknown, unknown>)
  else if (Effect.isEffect(value)) effect = value as Effect.Effect<unknown, unknown>
  else return Effect.succeed({ kind: "success", value })
  return Effect.map(Effect.exit(Effect.timeoutOption(effect, ms)), (exit): Outcome => {
    if (Exit.isSuccess(exit)) return Option.isSome(exit.value) ? { kind: "success", value: exit.value.value } : { kind: "pending" }
    if (Cause.isDie(exit.cause)) return { kind: "die", defect: Cause.squash(exit.cause) }
    const failure = Cause.failureOption(exit.cause)
    return Option.isSome(failure) ? { kind: "failure", error: failure.value } : { kind: "interrupted" }
  })
}

/**
 * Runs one case in a scope of its own. A defect while that scope closes (a finalizer of the
 * case's sockets dying because of what the call left behind) is the case's outcome too, so
 * that it is checked against the known bugs like any other.
 */
const runCase = (t: Target, state: StateName | undefined, args: ReadonlyArray<unknown>): Promise<Outcome> =>
  Effect.runPromise(Effect.gen(function*() {
    const scope = yield* Scope.make()
    const outcome = yield* Effect.exit(Scope.extend(
      Effect.gen(function*() {
        const self = state === undefined ? undefined : yield* Effect.orDie(makeState(state))
        let value: unknown
        try {
          value = t.call(self, args)
        } catch (error) {
          return { kind: "thrown", error } as const
        }
        return yield* settle(value, t.mayWait === true ? WAIT_MS : SETTLE_MS)
      }),
      scope
    ))
    const closed = yield* Effect.exit(Scope.close(scope, Exit.void))
    if (Exit.isFailure(outcome)) return yield* outcome
    if (Exit.isFailure(closed)) return { kind: "die", defect: Cause.squash(closed.cause), atClose: true } as const
    return outcome.value
  }))

/** Failures that are about the socket's state or the environment, not about an argument. */
const stateFailure = (e: NetError.NetError, message: string): boolean =>
  !["InvalidArgument", "Unsupported", "Unknown"].includes(e._tag) ||
  /needs an? (tcp|udp)\{|already bound|needs the socket's family|needs an inet6 socket|on an inet6 socket|no descriptor yet|socket is already|can only be set before|cannot be turned off|cannot connect to port 0|cannot connect to "\*"|address cannot be used on|address on an|Address family for hostname|not available through Node|not supported|can be (set|read) but not|EBADF|EINVAL/.test(message) ||
  e.code === "EBADF" || e.code === "EINVAL" || e.code === "EAI_ADDRFAMILY" || e.code === "EADDRNOTAVAIL" || e.code === "ENODEV" || e.code === "ENOENT" || e.code === "EAI_NONAME" || e.code === "EAI_SERVICE"

/** What is wrong with an outcome, if anything. */
const violationOf = (t: Target, args: ReadonlyArray<unknown>, o: Outcome): string | undefined => {
  const invalid = t.params.filter((param, k) => param.valid !== undefined && !param.valid(args[k]))
  switch (o.kind) {
    case "thrown":
      return `threw ${errorName(o.error)}`
    case "die":
      return `died${o.atClose === true ? " when the case's sockets were closed" : ""}: ${errorName(o.defect)}`
    case "interrupted":
      return "was interrupted"
    case "pending":
      return t.mayWait === true ? undefined : `still pending after ${SETTLE_MS} ms`
    case "success": {
      if (invalid.length > 0) return `accepted an invalid ${invalid.map((x) => x.name).join(" / ")}`
      return t.result?.(o.value, args)
    }
    case "failure": {
      const e = o.error
      if (!NetError.isNetError(e) && !Try.isTryFailure(e)) return `failed with an untyped ${errorName(e)}`
      let message: unknown
      try {
        message = e.message
      } catch (err) {
        return `failed with a ${e._tag} whose message throws ${errorName(err)}`
      }
      if (typeof message !== "string" || message.length === 0) return `failed with a ${e._tag} without a message`
      if (!NetError.isNetError(e)) return undefined
      if (e.cause instanceof TypeError || e.cause instanceof RangeError) return `failed with a ${e._tag} wrapping an internal ${errorName(e.cause)}`
      // Named: an invalid argument, or one of the arguments that are not checked against a contract here (options...).
      const named = [...invalid, ...t.params.filter((x) => x.valid === undefined && x.names !== undefined)]
      if (invalid.length > 0 && !stateFailure(e, message) && !named.some((x) => x.names === undefined || x.names.test(message))) {
        return `failed with a ${e._tag} whose message does not name the bad ${invalid.map((x) => x.name).join(" / ")}: ${message}`
      }
      return undefined
    }
  }
}

const errorName = (e: unknown): string => {
  if (e instanceof Error) return `${e.constructor.name}: ${e.message.split("\n")[0]!.slice(0, 160)}`
  return show(e)
}

// ---- known bugs ----------------------------------------------------------------------------------------

interface KnownBug {
  readonly id: string
  /** What goes wrong (the it.fails title). */
  readonly title: string
  readonly targets: ReadonlyArray<string>
  /** The inputs it covers: parameter name -> the values of it that trigger the bug. */
  readonly on: Readonly<Record<string, (u: unknown) => boolean>>
  /** Would take this process down: never run here. */
  readonly dangerous?: boolean
  /** A reproduction: target, state and arguments (`"$talker"`: the talker's port). */
  readonly example: { readonly target: string; readonly state?: StateName; readonly args: ReadonlyArray<unknown> }
}

/** None open (the last, `bytes-args` of the Streams byte helpers, is fixed: see "fixed bugs"). */
const knownBugs: ReadonlyArray<KnownBug> = []

const bugFor = (t: Target, args: ReadonlyArray<unknown>): KnownBug | undefined =>
  knownBugs.find((b) => b.targets.includes(t.name) && t.params.some((param, k) => b.on[param.name]?.(args[k]) === true))

// ---- the property ------------------------------------------------------------------------------------------

/** BADINPUT_ALL=1: go on after a violation and list them all (to triage), instead of stopping at the first. */
const listAll = process.env["BADINPUT_ALL"] === "1"
// BADINPUT_ONLY=<regex>: only the targets whose name matches.

const tally = { cases: 0, success: 0, failure: 0, pending: 0, known: 0, skipped: 0 }
const failureTags = new Map<string, number>()
const knownHits = new Map<string, number>()
const knownSeen = new Set<string>()

describe("bad input into every function of the Effect API", () => {
  it("a success or a typed failure naming the bad argument; no throw, defect, hang, unhandled error or leaked descriptor", async () => {
    const only = process.env["BADINPUT_ONLY"]
    const all = targets().filter((t) => only === undefined || new RegExp(only).test(t.name))
    const before = await Effect.runPromise(settledFdCount(Effect.void, 2000))
    const started = Date.now()
    const totalWeight = all.reduce((n, t) => n + (t.weight ?? 1), 0)
    const BUDGET_MS = 14_000
    const violations: Array<string> = []
    for (const t of all) {
      const share = (t.weight ?? 1) / totalWeight
      const arb = fc.tuple(fc.constantFrom<StateName | undefined>(...(t.states ?? [undefined])), fc.tuple(...t.params.map((x) => x.arb)))
      await fc.assert(
        fc.asyncProperty(arb, async ([state, args]) => {
          tally.cases++
          const bug = bugFor(t, args)
          if (bug?.dangerous === true) {
            tally.skipped++
            knownHits.set(bug.id, (knownHits.get(bug.id) ?? 0) + 1)
            return
          }
          const outcome = await runCase(t, state, args)
          const violation = violationOf(t, args, outcome)
          if (violation !== undefined) {
            if (bug !== undefined) {
              if (listAll) knownSeen.add(`${bug.id}: ${t.name} ${violation.replace(/\d+/g, "N").slice(0, 200)}`)
              tally.known++
              knownHits.set(bug.id, (knownHits.get(bug.id) ?? 0) + 1)
              return
            }
            const what = `${t.name}(${args.map(show).join(", ")})${state === undefined ? "" : ` on ${state}`} ${violation}`
            violations.push(what)
            if (!listAll) throw new Error(what)
          }
          if (outcome.kind === "success") tally.success++
          else if (outcome.kind === "pending") tally.pending++
          else if (outcome.kind === "failure") {
            tally.failure++
            const tag = (outcome.error as { _tag?: string } | undefined)?._tag ?? "?"
            failureTags.set(tag, (failureTags.get(tag) ?? 0) + 1)
          }
        }),
        { numRuns: Math.max(20, Math.round(share * 6000)), interruptAfterTimeLimit: Math.max(200, share * BUDGET_MS), markInterruptAsFailure: false }
      )
      if (process.env["BADINPUT_FD"] === "1") console.log(`after ${t.name}: ${await Effect.runPromise(settledFdCount(Effect.void, 1000))} fds, ${peers.size} peers`)
    }
    const ms = Date.now() - started
    const after = await Effect.runPromise(settledFdCount(Effect.sync(() => {
      for (const s of peers) if (s.readableEnded) s.destroy()
    }), 5000))
    const tags = [...failureTags.entries()].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${n}`).join(", ")
    const known = [...knownHits.entries()].map(([k, n]) => `${k} ${n}`).join(", ")
    console.log(
      `core bad input: ${tally.cases} cases over ${all.length} functions and methods in ${(ms / 1000).toFixed(1)} s: ` +
        `${tally.success} successes, ${tally.failure} typed failures (${tags}), ${tally.pending} pending waits, ` +
        `${knownBugs.length === 0 ? "no known bugs" : `${tally.known + tally.skipped} on known bugs (${known}; ${tally.skipped} not run)`}; descriptors ${before} before, ${after} after`
    )
    if (listAll) for (const v of [...new Set(violations.map((v) => v.replace(/\(.*\) on /, "(...) on "))), ...[...knownSeen].sort()]) console.log(v)
    expect(violations).toEqual([])
    expect(unhandled).toBe(0)
    expect(after).toBeLessThanOrEqual(before)
  }, 60_000)
})

// ---- the known bugs, one reproduction each ----------------------------------------------------------------

// (no suite while the list is empty: vitest refuses a suite without tests)
if (knownBugs.some((bug) => bug.dangerous !== true)) describe("known bugs (it.fails until fixed)", () => {
  for (const bug of knownBugs) {
    if (bug.dangerous === true) continue
    it.fails(`${bug.id}: ${bug.title}`, async () => {
      const t = targets().find((x) => x.name === bug.example.target)!
      const args = bug.example.args.map((a) => (a === "$talker" ? fx.talker : a))
      const outcome = await runCase(t, bug.example.state, args)
      const violation = violationOf(t, args, outcome)
      if (listAll) console.log(`${bug.id}: ${t.name}(${args.map(show).join(", ")}) ${violation ?? "no violation"}`)
      expect(violation).toBeUndefined()
    })
  }
})

// ---- bugs fixed, kept as regression tests (each was a known bug: its example, then its neighbours) ----------

/** Runs `target` on `args` (in `state`) as the property does: no violation, and the outcome. */
const noViolation = async (target: string, args: ReadonlyArray<unknown>, state?: StateName): Promise<Outcome> => {
  const t = targets().find((x) => x.name === target)!
  const outcome = await runCase(t, state, args)
  expect(violationOf(t, args, outcome), `${target}(${args.map(show).join(", ")})${state === undefined ? "" : ` on ${state}`}`).toBeUndefined()
  return outcome
}
/** ... and it is a typed failure of that tag whose message matches. */
const failsWith = async (tag: string, message: RegExp, target: string, args: ReadonlyArray<unknown>, state?: StateName): Promise<void> => {
  const outcome = await noViolation(target, args, state)
  expect(outcome.kind).toBe("failure")
  const e = (outcome as { readonly error: NetError.NetError }).error
  expect(e._tag).toBe(tag)
  expect(e.message).toMatch(message)
}

describe("fixed bugs (regression tests)", () => {
  it("port-minus-zero: Address.parsePort and Dns.portOfService give 0 for -0, never -0", async () => {
    expect(Object.is(Either.getOrThrow(Address.parsePort(-0)), 0)).toBe(true)
    expect(Object.is(Either.getOrThrow(Address.parsePort("0")), 0)).toBe(true)
    expect(Object.is(await Effect.runPromise(Dns.portOfService(-0, "getnameinfo")), 0)).toBe(true)
    await noViolation("Address.parsePort", [-0])
    await noViolation("Dns.portOfService", [-0])
  })

  // In a child process: were it to come back, it would abort the process it happens in.
  it("port-minus-zero: Dns.getnameinfo(undefined, -0) does not abort the process", async () => {
    const file = path.join(tmp, "minus-zero.ts")
    fs.writeFileSync(
      file,
      `import { Effect, Exit } from "effect"\nimport { Dns } from "effect-luasocket"\nconst exit = await Effect.runPromiseExit(Dns.getnameinfo(undefined, -0))\nconsole.log("survived", Exit.isSuccess(exit))\n`
    )
    const ran = await runTs(file, [], 30_000)
    expect(ran.stdout).toContain("survived true")
    expect(ran.code).toBe(0)
  }, 40_000)

  it("timeout-args: setTimeout / Timeout.set refuse what is not a number of seconds or a mode string, with a typed error naming it", async () => {
    const cases: ReadonlyArray<readonly [unknown, unknown, RegExp]> = [
      [1, null, /invalid timeout mode null/],
      [1, 5n, /invalid timeout mode 5n/],
      [1, Symbol("m"), /invalid timeout mode Symbol\(m\)/],
      [1, Object.create(null), /invalid timeout mode an object/],
      [5n, "b", /bad timeout 5n/],
      [Symbol("s"), undefined, /bad timeout Symbol\(s\)/],
      ["5", undefined, /bad timeout "5"/],
      [true, "t", /bad timeout true/],
      [{}, undefined, /bad timeout an object/],
      [null, "b", /bad timeout null/]
    ]
    for (const [seconds, mode, message] of cases) {
      await failsWith("InvalidArgument", message, "TcpSocket.setTimeout", [seconds, mode], "tcpClient")
      await failsWith("InvalidArgument", message, "UdpSocket.setTimeout", [seconds, mode], "udpFresh")
      await failsWith("InvalidArgument", message, "Timeout.set", [seconds, mode])
    }
    // the socket's policy is left as it was
    await Effect.runPromise(Effect.scoped(Effect.gen(function*() {
      const s = yield* Tcp.master()
      yield* s.setTimeout(2, "t")
      expect(yield* Effect.flip(s.setTimeout({} as never))).toMatchObject({ _tag: "InvalidArgument" })
      expect(s.getTimeout()).toEqual({ block: -1, total: 2 })
    })))
    // the pure helpers never throw: no mode, and no limit, for what is not a string / number
    expect(Timeout.parseMode(null as never)).toEqual(Option.none())
    expect(Timeout.parseMode(5n as never)).toEqual(Option.none())
    expect(Duration.isFinite(Timeout.fromSeconds(5n as never))).toBe(false)
    expect(Duration.isFinite(Timeout.fromSeconds(Symbol() as never))).toBe(false)
    await noViolation("Timeout.fromSeconds", [Symbol("s")])
  })

  it("timeout-make: Timeout.make throws an InvalidArgument naming the bad limit (a documented programmer error), never Duration's untyped Error or a TypeError", async () => {
    const bad: ReadonlyArray<readonly [unknown, RegExp]> = [
      [{ block: "soon" }, /bad block limit "soon"/],
      [{ total: Symbol("t") }, /bad total limit Symbol\(t\)/],
      [{ block: 0, total: {} }, /bad total limit an object/],
      [undefined, /bad limits undefined/],
      [null, /bad limits null/],
      [Duration.seconds(1), /bad limits/],
      [[1, 2], /bad limits an array/]
    ]
    for (const [limits, message] of bad) {
      let thrown: unknown
      try {
        Timeout.make(limits as never)
      } catch (e) {
        thrown = e
      }
      expect(NetError.isNetError(thrown) && thrown._tag).toBe("InvalidArgument")
      expect((thrown as NetError.NetError).message).toMatch(message)
      await noViolation("Timeout.make", [limits])
    }
    expect(Timeout.make(Object.create(null))).toEqual(Timeout.infinite) // no limits given: both infinite
    expect(Timeout.make({ block: 0, total: "1 second" })).toEqual({ block: Duration.zero, total: Duration.seconds(1) })
    expect(Timeout.make({ total: 5n })).toEqual({ block: Duration.infinity, total: Duration.nanos(5n) })
  })

  it("streams-socket: Streams refuse what is not a socket when they are made, naming it", async () => {
    for (const socket of [{}, null, 5n, Object.create(null), Symbol("s"), "sock"]) {
      await failsWith("InvalidArgument", /bad socket/, "Streams.lines", [socket, undefined], "tcpClient")
      await failsWith("InvalidArgument", /bad socket/, "Streams.fromSocket", [socket, undefined], "tcpClient")
      await failsWith("InvalidArgument", /bad socket/, "Streams.records", [socket, 3, undefined], "tcpClient")
      await failsWith("InvalidArgument", /bad socket/, "Streams.source", ["until-closed", socket, undefined, undefined], "tcpClient")
      await failsWith("InvalidArgument", /bad socket/, "Streams.sink", ["keep-open", socket, undefined], "tcpClient")
    }
    // and an options object that is not one
    await failsWith("InvalidArgument", /bad options null/, "Streams.lines", [SELF, null], "tcpClient")
    await failsWith("InvalidArgument", /bad options 5/, "Streams.source", ["until-closed", SELF, 5, undefined], "tcpClient")
    await failsWith("InvalidArgument", /bad options "x"/, "Streams.sink", ["keep-open", SELF, "x"], "tcpClient")
  })

  it("unprintable-in-message (Streams, Try, Dns, Address): a bigint, a symbol or a null-prototype object is named in the message", async () => {
    await failsWith("InvalidArgument", /size must be an integer >= 1, got 5n/, "Streams.records", [SELF, 5n, undefined], "tcpClient")
    await failsWith("InvalidArgument", /chunkSize must be an integer >= 1, got Symbol\(c\)/, "Streams.fromSocket", [SELF, { chunkSize: Symbol("c") }], "tcpClient")
    await failsWith("InvalidArgument", /maxLength must be an integer >= 0, got an object/, "Streams.lines", [SELF, { maxLength: Object.create(null) }], "tcpClient")
    await failsWith("InvalidArgument", /unknown source mode Symbol\(m\)/, "Streams.source", [Symbol("m"), SELF, undefined, undefined], "tcpClient")
    await failsWith("InvalidArgument", /unknown sink mode 5n/, "Streams.sink", [5n, SELF, undefined], "tcpClient")
    await failsWith("InvalidArgument", /blockSize must be an integer >= 1, got 2n/, "Streams.source", ["by-length", SELF, 3, { blockSize: 2n }], "tcpClient")
    await failsWith("InvalidArgument", /bad family Symbol\(f\)/, "Dns.getaddrinfo", ["127.0.0.1", Symbol("f")])
    await failsWith("InvalidArgument", /bad family an object/, "Dns.getaddrinfo", ["localhost", Object.create(null)])
    await failsWith("InvalidArgument", /bad family "bogus"/, "Dns.getaddrinfo", ["localhost", "bogus"])
    for (const [value, text] of [[Object.create(null), "an object"], [5n, "5n"], [Symbol("e"), "Symbol(e)"], [{ toString: 5 }, "an object"], [new Map(), "a Map"]] as const) {
      const outcome = await noViolation("Try.try", [[false, value]])
      expect((outcome as { readonly error: Try.TryFailure }).error.message).toBe(`try failed (catch it with Try.protect): ${text}`)
    }
  })

  it("numbers-as-numbers (Dns, Streams): sleep fails typed, skip and source.string do no arithmetic on a bigint or symbol", async () => {
    await failsWith("InvalidArgument", /sleep: .*bad seconds 5n/, "Dns.sleep", [5n])
    await failsWith("InvalidArgument", /bad seconds Symbol\(s\)/, "Dns.sleep", [Symbol("s")])
    await failsWith("InvalidArgument", /bad seconds "1"/, "Dns.sleep", ["1"])
    expect(Dns.skip(5n as never, 1, 2)).toEqual([1, 2])
    expect(Dns.skip(Symbol() as never, 1)).toEqual([1])
    await noViolation("Dns.skip", [5n, [1, 2]])
    const blocks = (s: Stream.Stream<Uint8Array>) => Effect.runPromise(Effect.map(Stream.runCollect(s), (c) => [...c].map((b) => Buffer.from(b).toString())))
    expect(await blocks(Streams.source.string("abc", 5n as never))).toEqual(["abc"])
    expect(await blocks(Streams.source.string("abc", Symbol() as never))).toEqual(["abc"])
    expect(await blocks(Streams.source.string("abc", 2))).toEqual(["ab", "c"])
    await noViolation("Streams.source.string", ["abc", Symbol("b")])
  })
  it("unprintable-in-message (Tcp, Udp): a bigint, a symbol or a null-prototype object is named in the message", async () => {
    await failsWith("InvalidArgument", /unknown option 5n/, "TcpSocket.setOption", [5n, true], "tcpMaster")
    await failsWith("InvalidArgument", /unknown option Symbol\(o\)/, "TcpSocket.getOption", [Symbol("o")], "tcpClient")
    await failsWith("Closed", /option an object/, "TcpSocket.setOption", [Object.create(null), true], "tcpClosed")
    await failsWith("InvalidArgument", /bad backlog 5n/, "TcpSocket.listen", [5n, undefined], "tcpMaster")
    await failsWith("InvalidArgument", /bad index range \(Symbol\(i\), 2\)/, "TcpSocket.send", [greetingBytes, Symbol("i"), 2, undefined], "tcpClient")
    await failsWith("InvalidArgument", /bad size 5n/, "Udp.parseSize", [5n])
    await failsWith("InvalidArgument", /unknown option an object/, "UdpSocket.setOption", [Object.create(null), true], "udpFresh")
    await failsWith("InvalidArgument", /unknown option 5n/, "Udp.decodeOption", [5n, true, "inet"])
    await failsWith("InvalidArgument", /maxQueued must be an integer >= 1, got Symbol\(q\)/, "Udp.open", [{ maxQueued: Symbol("q") }])
    await failsWith("InvalidArgument", /got 5n/, "UdpSocket.sendto", [greetingBytes, 5n, 9], "udpFresh")
  })
  it("shutdown-how: shutdown refuses a mode other than both / send / receive, naming it", async () => {
    for (const [how, text] of [["bogus", /"bogus"/], [5, /mode 5/], [null, /mode null/], [5n, /5n/], [Symbol("h"), /Symbol\(h\)/]] as const) {
      await failsWith("InvalidArgument", text, "TcpSocket.shutdown", [how], "tcpClient")
    }
    await noViolation("TcpSocket.shutdown", ["send"], "tcpClient")
  })
  it("numbers-as-numbers (Tcp, ReadBuffer): sendRange, setStats and takeLines do no arithmetic on a bigint or symbol", async () => {
    expect(Tcp.sendRange(5n as never, 1, -1)).toEqual({ i: 1, j: 0 })
    expect(Tcp.sendRange(5, Symbol() as never, 2n as never)).toEqual({ i: 1, j: 5 })
    expect(Tcp.sendRange(5, 2, -2)).toEqual({ i: 2, j: 4 })
    await noViolation("Tcp.sendRange", [5n, 1, -1])
    await noViolation("Tcp.sendRange", [3, Symbol("i"), Object.create(null)])
    await noViolation("TcpSocket.setStats", [5n, Symbol("s"), Object.create(null)], "tcpClient")
    await noViolation("TcpSocket.takeLines+unshift", [5n, new Uint8Array(0)], "tcpClient")
    await noViolation("ReadBuffer.takeLines+unshift", [Symbol("m"), new Uint8Array(1)], "buffer")
    await Effect.runPromise(Effect.scoped(Effect.gen(function*() {
      const s = yield* Tcp.master()
      s.setStats(10, 20, 0)
      s.setStats(5n as never, Symbol() as never, 0)
      expect(s.getStats()).toMatchObject({ received: 10, sent: 20 })
    })))
  })
  it("patterns: receive patterns outside their contract fail InvalidArgument naming them, on a socket and on a buffer", async () => {
    const bad: ReadonlyArray<readonly [unknown, RegExp]> = [
      [ReadBuffer.exactly(-1), /exactly\(-1\)/],
      [ReadBuffer.exactly(NaN), /exactly\(NaN\)/],
      [ReadBuffer.exactly(1.5), /exactly\(1\.5\)/],
      [ReadBuffer.exactly("5" as never), /exactly\("5"\)/],
      [ReadBuffer.available(-1), /available\(-1\)/],
      [ReadBuffer.lineMax(NaN), /lineMax\(NaN\)/],
      [{ _tag: "Nope" }, /_tag "Nope"/],
      [null, /pattern null/],
      [5n, /pattern 5n/]
    ]
    for (const [pattern, message] of bad) {
      await failsWith("InvalidArgument", message, "TcpSocket.receive", [pattern, undefined, undefined], "tcpClient")
      await failsWith("InvalidArgument", message, "TcpSocket.receive", [pattern, undefined, undefined], "tcpMaster")
      await failsWith("InvalidArgument", message, "TcpSocket.receivePoll", [pattern, undefined], "tcpClient")
      await failsWith("InvalidArgument", message, "ReadBuffer.receive", [pattern, undefined, undefined], "buffer")
      await failsWith("InvalidArgument", message, "ReadBuffer.poll", [pattern, undefined], "buffer")
    }
    const ok = await noViolation("TcpSocket.receive", [ReadBuffer.exactly(3), undefined, undefined], "tcpClient")
    expect(ok.kind).toBe("success")
  })

  it("bytes-args: a prefix, target, data or unshift that is not a Uint8Array fails InvalidArgument naming it, before anything is written", async () => {
    await failsWith("InvalidArgument", /bad prefix "x"/, "TcpSocket.receive", [ReadBuffer.line, "x", undefined], "tcpClient")
    await failsWith("InvalidArgument", /bad prefix null/, "TcpSocket.receivePoll", [ReadBuffer.line, null], "tcpMaster")
    // a null prefix is not "no prefix" (it was, through `prefix ?? EMPTY`: found by the property at EOF)
    await failsWith("InvalidArgument", /bad prefix null/, "TcpSocket.receive", [{ _tag: "Line" }, null, undefined], "tcpClientEof")
    await failsWith("InvalidArgument", /bad prefix null/, "TcpSocket.receive", [ReadBuffer.all, null, undefined], "tcpClient")
    await failsWith("InvalidArgument", /bad prefix an array/, "ReadBuffer.receive", [ReadBuffer.all, [1], undefined], "buffer")
    await failsWith("InvalidArgument", /bad target 5n/, "TcpSocket.receiveInto", [5n, undefined], "tcpClient")
    await failsWith("InvalidArgument", /bad lines array null/, "TcpSocket.receiveLinesPoll", [null, undefined, undefined], "tcpClient")
    await failsWith("InvalidArgument", /bad line count -1/, "TcpSocket.receiveLinesPoll", [[], -1, undefined], "tcpClient")
    await failsWith("InvalidArgument", /bad maximum line length 1\.5/, "TcpSocket.receiveLinesPoll", [[], undefined, 1.5], "tcpClient")
    await failsWith("InvalidArgument", /bad target an ArrayBuffer/, "ReadBuffer.receiveInto", [new ArrayBuffer(4), undefined], "buffer")
    await failsWith("InvalidArgument", /bad data "abc"/, "TcpSocket.takeLines+unshift", [0, "abc"], "tcpClient")
    await failsWith("InvalidArgument", /bad data null/, "ReadBuffer.takeLines+unshift", [0, null], "buffer")
    await failsWith("InvalidArgument", /bad data "abc"/, "UdpSocket.send", ["abc"], "udpConnected")
    await failsWith("InvalidArgument", /bad data 5/, "UdpSocket.sendto", [5, "127.0.0.1", fx.udpSink], "udpFresh")
    // send("abc") no longer reaches the descriptor: the socket stays usable
    await Effect.runPromise(Effect.scoped(Effect.gen(function*() {
      const s = yield* tcpClient(fx.talker)
      const e = yield* Effect.flip(s.send("abc" as never))
      expect(e).toMatchObject({ _tag: "InvalidArgument" })
      expect(e.message).toMatch(/bad data "abc"/)
      expect(yield* s.send(greetingBytes)).toBe(greetingBytes.length)
      expect(yield* s.getOption("error")).toBeUndefined()
    })))
  })
  it("bytes-args (Streams): the byte helpers throw an InvalidArgument naming what is not bytes (no error channel); sinks fail with one before sending the batch", async () => {
    const thrown = (f: () => unknown): NetError.NetError => {
      try {
        f()
      } catch (e) {
        expect(NetError.isNetError(e), `threw ${String(e)}`).toBe(true)
        return e as NetError.NetError
      }
      throw new Error("did not throw")
    }
    const cases: ReadonlyArray<readonly [() => unknown, RegExp]> = [
      [() => Streams.encodeChunk(null as never), /^Streams\.encodeChunk: .*bad data null: expected a Uint8Array$/],
      [() => Streams.encodeChunk("abc" as never), /bad data "abc"/],
      [() => Streams.encodeChunk([1, 2] as never), /bad data an array/],
      [() => Streams.concat(5n as never), /^Streams\.concat: .*bad chunks 5n: expected an iterable of Uint8Arrays$/],
      [() => Streams.concat("ab" as never), /bad chunks "ab"/],
      [() => Streams.concat(new Uint8Array(3) as never), /bad chunks a Uint8Array of 3 bytes/],
      [() => Streams.concat([new Uint8Array(1), "x"] as never), /bad chunks: element 1 is "x": expected a Uint8Array/],
      [() => Streams.concat(new Set([Symbol("s")]) as never), /element 0 is Symbol\(s\)/],
      [() => Streams.source.string(5 as never), /^Streams\.source\.string: .*bad data 5: expected a string or a Uint8Array$/],
      [() => Streams.source.string(Object.create(null) as never, 2), /bad data an object/],
      [() => Streams.source.string(new String("b") as never), /bad data a String/]
    ]
    for (const [f, message] of cases) {
      const e = thrown(f)
      expect(e._tag).toBe("InvalidArgument")
      expect(e.message).toMatch(message)
    }
    await noViolation("Streams.encodeChunk", [5n])
    await noViolation("Streams.concat", [[greetingBytes, null]])
    await noViolation("Streams.source.string", [Symbol("d"), 2])
    // what they take still works: any iterable of Uint8Arrays, a string or bytes
    expect(Buffer.from(Streams.concat(new Set([greetingBytes.subarray(0, 2), greetingBytes.subarray(2)]))).toString()).toBe(GREETING)
    expect(Streams.concat([])).toHaveLength(0)
    expect(Streams.encodeChunk(new Uint8Array(0))).toEqual([])
    // a sink fed something that is not bytes (a stream typed Uint8Array that lies) fails typed, the batch unsent
    await Effect.runPromise(Effect.scoped(Effect.gen(function*() {
      const s = yield* tcpClient(fx.talker)
      const lying = Stream.make(greetingBytes, "abc" as never as Uint8Array)
      for (const sink of [Streams.toSocket(s), Streams.sink("keep-open", s), Streams.sink("http-chunked", s)]) {
        const e = yield* Effect.flip(Stream.run(lying, sink))
        expect(e).toMatchObject({ _tag: "InvalidArgument", operation: "sink" })
        expect(e.message).toMatch(/bad element "abc": expected a Uint8Array/)
      }
      expect(s.getStats().sent).toBe(0)
      yield* Stream.run(Stream.make(greetingBytes), Streams.toSocket(s))
      expect(s.getStats().sent).toBe(greetingBytes.length)
    })))
  })
  it("policies: a policy that is not { block, total } Durations fails InvalidArgument naming it where it enters", async () => {
    const bad = { block: 1, total: 2 }
    await failsWith("InvalidArgument", /bad timeout policy an object/, "TcpSocket.receive", [ReadBuffer.exactly(100), undefined, bad], "tcpClient")
    await failsWith("InvalidArgument", /bad timeout policy 5n/, "TcpSocket.receiveInto", [new Uint8Array(4), 5n], "tcpClient")
    await failsWith("InvalidArgument", /bad timeout policy null/, "TcpSocket.send", [greetingBytes, 1, -1, null], "tcpClient")
    await failsWith("InvalidArgument", /bad timeout policy "x"/, "ReadBuffer.receive", [ReadBuffer.line, undefined, "x"], "buffer")
    await failsWith("InvalidArgument", /bad timeout policy/, "ReadBuffer.receiveInto", [new Uint8Array(4), bad], "buffer")
    await failsWith("InvalidArgument", /bad timeout policy an object/, "UdpSocket.receive", [8192, bad], "udpBound")
    await failsWith("InvalidArgument", /bad timeout policy an object/, "UdpSocket.receivefrom", [8192, bad], "udpFresh")
    await failsWith("InvalidArgument", /bad timeout policy an object/, "TcpSocket.setTimeoutPolicy", [bad], "tcpClient")
    await failsWith("InvalidArgument", /bad timeout policy undefined/, "TcpSocket.setTimeoutPolicy", [undefined], "tcpClient")
    await failsWith("InvalidArgument", /bad timeout option an object/, "Tcp.connect", ["127.0.0.1", fx.talker, { timeout: bad }])
    await failsWith("InvalidArgument", /bad timeout option 5/, "Tcp.listen", ["127.0.0.1", 0, { timeout: 5 }])
    await failsWith("InvalidArgument", /bad timeout option/, "Tcp.withConnection", ["127.0.0.1", fx.closer, { timeout: bad }])
    await failsWith("InvalidArgument", /bad timeout option/, "Udp.open", [{ timeout: bad }])
    await failsWith("InvalidArgument", /bad timeout option/, "Streams.lines", [SELF, { timeout: bad }], "tcpClient")
    await failsWith("InvalidArgument", /bad timeout option/, "Streams.sink", ["keep-open", SELF, { timeout: bad }], "tcpClient")
    await noViolation("TcpSocket.receive", [ReadBuffer.line, undefined, Timeout.make({ block: 0 })], "tcpClient")
  })
  it("options: an options object that is not one, or a field outside its contract, fails InvalidArgument naming it", async () => {
    await failsWith("InvalidArgument", /bad options null/, "Tcp.connect", ["127.0.0.1", fx.talker, null])
    await failsWith("InvalidArgument", /bad options null/, "TcpSocket.connect", ["127.0.0.1", fx.talker, null], "tcpMaster")
    await failsWith("InvalidArgument", /bad options null/, "Udp.open", [null])
    await failsWith("InvalidArgument", /bad writeHighWaterMark -1/, "Tcp.connect", ["127.0.0.1", fx.talker, { writeHighWaterMark: -1 }])
    await failsWith("InvalidArgument", /bad writeHighWaterMark 0/, "Tcp.master", [{ writeHighWaterMark: 0 }])
    await failsWith("InvalidArgument", /bad readHighWaterMark "x"/, "Tcp.withConnection", ["127.0.0.1", fx.closer, { readHighWaterMark: "x" }])
    await failsWith("InvalidArgument", /bad retry 5/, "Tcp.connect", ["127.0.0.1", fx.talker, { retry: 5 }])
    await failsWith("InvalidArgument", /bad retry an object/, "TcpSocket.connect", ["127.0.0.1", fx.talker, { retry: {} }], "tcpMaster")
    await failsWith("InvalidArgument", /bad maxPending 0/, "Tcp.listen", ["127.0.0.1", 0, { maxPending: 0 }])
    await failsWith("InvalidArgument", /bad maxPending NaN/, "TcpSocket.listen", [32, { maxPending: NaN }], "tcpMaster")
    await failsWith("InvalidArgument", /bad family "bogus"/, "Tcp.master", [{ family: "bogus" }])
    await failsWith("InvalidArgument", /bad family "bogus"/, "Tcp.listen", ["127.0.0.1", 0, { family: "bogus" }])
    await noViolation("Tcp.listen", ["127.0.0.1", 0, { maxPending: 1, backlog: 0, family: "inet" }])
  })
  it("select-args: readers / writers that are not arrays of sockets, and a timeout that is not seconds or a Duration, fail InvalidArgument naming them", async () => {
    await failsWith("InvalidArgument", /bad readers an object/, "Select.select", [{}, [], 0], "selectKit")
    await failsWith("InvalidArgument", /bad writers 5n/, "Select.select", [[], 5n, 0], "selectKit")
    await failsWith("InvalidArgument", /bad readers: entry 1 is null/, "Select.select", [["$client", null], [], 0], "selectKit")
    // eslint-disable-next-line no-sparse-arrays
    await failsWith("InvalidArgument", /bad writers: entry 0 is a hole/, "Select.select", [[], [, "$udp"], 0], "selectKit")
    await failsWith("InvalidArgument", /bad timeout 5n/, "Select.select", [["$client"], [], 5n], "selectKit")
    await failsWith("InvalidArgument", /bad timeout Symbol\(t\)/, "Select.select", [[], [], Symbol("t")], "selectKit")
    const ok = await noViolation("Select.select", [["$client"], ["$udp"], 0], "selectKit")
    expect(ok.kind).toBe("success")
  })
})
