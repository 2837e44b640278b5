/**
 * Loopback integration tests of `UdpSocket` with real sockets (no mocks of `dgram`), over
 * 127.0.0.1 and ::1, plus property tests of the pure pieces (truncation, receive sizes,
 * option decoding, the bounded queue). Expected values follow spec/reference-semantics.md
 * section 1 ("UDP", "Options") and section 6, and what Debian's `lua5.4` + `lua-socket` 3.1.0
 * print for the same calls (quoted in comments as `lua:`).
 *
 * vitest runs each file in its own process (pool "forks"): /proc/self/fd counts only this file.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Effect, Either, Exit, FastCheck as fc, Fiber } from "effect"
import * as dgram from "node:dgram"
import * as fs from "node:fs"
import * as os from "node:os"
import * as NetError from "../../src/core/NetError.js"
import * as Timeout from "../../src/core/Timeout.js"
import * as Udp from "../../src/core/Udp.js"
import { fdCount, waitUntil } from "../support.js"

// ---- helpers ---------------------------------------------------------------------------

const bytes = (s: string): Uint8Array => Buffer.from(s, "latin1")
const text = (u: Uint8Array | undefined): string => Buffer.from(u ?? new Uint8Array(0)).toString("latin1")

/** The error of an effect that must fail (dies, failing the test, if it succeeds). */
const failure = <A, R>(self: Effect.Effect<A, NetError.NetError, R>): Effect.Effect<NetError.NetError, never, R> =>
  Effect.flatMap(Effect.either(self), (r) =>
    Either.isLeft(r) ? Effect.succeed(r.left) : Effect.dieMessage(`expected a failure, but it succeeded with ${String(r.right)}`))

const leftOf = <A>(e: Either.Either<A, NetError.NetError>): NetError.NetError => {
  if (Either.isRight(e)) throw new Error(`expected Left, got Right ${JSON.stringify(e.right)}`)
  return e.left
}
const sockName = (s: Udp.UdpSocket): Udp.SocketAddress => Either.getOrThrow(s.getSockName())


const oneSecond = Timeout.make({ block: "1 second" })

const hasIPv6Loopback = Object.values(os.networkInterfaces()).some((list) => (list ?? []).some((i) => i.address === "::1"))

/**
 * Whether the kernel delivers IPv4 multicast over loopback: tried once with plain dgram
 * sockets (join 239.255.77.1 on 127.0.0.1, send with loop on).
 */
const multicastProbe: { ok: boolean; reason: string } = await new Promise((resolve) => {
  const group = "239.255.77.1"
  const rx = dgram.createSocket({ type: "udp4", reuseAddr: true })
  const tx = dgram.createSocket("udp4")
  const finish = (ok: boolean, reason: string) => {
    clearTimeout(timer)
    for (const s of [rx, tx]) {
      try {
        s.close()
      } catch {
        // already closed
      }
    }
    resolve({ ok, reason })
  }
  const timer = setTimeout(() => finish(false, "a datagram sent to 239.255.77.1 over 127.0.0.1 did not come back within 1 s (no multicast route on loopback)"), 1000)
  rx.on("error", (e) => finish(false, `multicast probe: ${e.message}`))
  tx.on("error", (e) => finish(false, `multicast probe: ${e.message}`))
  rx.on("message", () => finish(true, ""))
  rx.bind(0, "0.0.0.0", () => {
    try {
      rx.addMembership(group, "127.0.0.1")
      tx.bind(0, "127.0.0.1", () => {
        try {
          tx.setMulticastInterface("127.0.0.1")
          tx.setMulticastLoopback(true)
          tx.send("probe", rx.address().port, group)
        } catch (e) {
          finish(false, `multicast probe: ${(e as Error).message}`)
        }
      })
    } catch (e) {
      finish(false, `multicast probe: ${(e as Error).message}`)
    }
  })
})

interface Transport {
  readonly name: string
  readonly family: "inet" | "inet6"
  readonly luaFamily: "inet4" | "inet6"
  readonly host: string
  readonly available: boolean
  readonly skipReason?: string
  /** Run with Udp.fastPaths off (every datagram through dgram's 'message' event, every send through dgram's send). */
  readonly fastPathsOff?: boolean
}

const transports: ReadonlyArray<Transport> = [
  { name: "127.0.0.1", family: "inet", luaFamily: "inet4", host: "127.0.0.1", available: true },
  { name: "::1", family: "inet6", luaFamily: "inet6", host: "::1", available: hasIPv6Loopback, skipReason: "no IPv6 loopback address (::1) on this machine" },
  { name: "127.0.0.1 with Udp.fastPaths off", family: "inet", luaFamily: "inet4", host: "127.0.0.1", available: true, fastPathsOff: true }
]

/** Sets Udp.fastPaths for the tests of the enclosing describe block, restored after them. */
const withFastPaths = (on: boolean): void => {
  const saved = { ...Udp.fastPaths }
  beforeAll(() => {
    Udp.fastPaths.drainReceive = on
    Udp.fastPaths.directSend = on
  })
  afterAll(() => {
    Object.assign(Udp.fastPaths, saved)
  })
}

// ---- per transport ---------------------------------------------------------------------

for (const t of transports) {
  const title = t.available ? `UdpSocket over ${t.name}` : `UdpSocket over ${t.name} — SKIPPED: ${t.skipReason}`
  describe.skipIf(!t.available)(title, () => {
    if (t.fastPathsOff) withFastPaths(false)
    const pair = Effect.gen(function*() {
      const a = yield* Udp.bind(t.host, 0, { family: t.family })
      const b = yield* Udp.bind(t.host, 0, { family: t.family })
      a.setTimeoutPolicy(oneSecond)
      b.setTimeoutPolicy(oneSecond)
      return { a, b, aPort: sockName(a).port, bPort: sockName(b).port }
    })

    it.scopedLive("a fresh socket has no descriptor; setsockname creates and binds it", () =>
      Effect.gen(function*() {
        const s = yield* Udp.open({ family: t.family })
        expect(s.kind).toBe("unconnected")
        expect(s.className).toBe("udp{unconnected}")
        expect(s.getFamily()).toBe(t.luaFamily)
        expect(s.getFd()).toBe(-1) // lua: socket.udp():getfd() -> -1.0
        const noFd = leftOf(s.getSockName()) // lua: nil, "Bad file descriptor"
        expect(noFd.code).toBe("EBADF")
        expect(NetError.luaMessage(noFd)).toBe("Bad file descriptor")
        expect(leftOf(s.getPeerName())._tag).toBe("NotConnected")
        expect(s.dirty).toBe(false)
        yield* s.setsockname(t.host, 0)
        const a = sockName(s)
        expect(a.address).toBe(t.host)
        expect(a.family).toBe(t.family)
        expect(a.port).toBeGreaterThan(0)
        expect(s.getFd()).toBeGreaterThanOrEqual(0)
        // bound twice: the kernel's EINVAL (lua: nil, "Invalid argument")
        const twice = yield* failure(s.setsockname(t.host, 0))
        expect(twice._tag).toBe("InvalidArgument")
        expect(NetError.luaMessage(twice)).toBe("Invalid argument")
        // the port is taken (lua: nil, "address already in use")
        const other = yield* Udp.open({ family: t.family })
        const inUse = yield* failure(other.setsockname(t.host, a.port))
        expect(inUse._tag).toBe("AddressInUse")
        expect(NetError.luaMessage(inUse)).toBe("address already in use")
        expect(other.getFd()).toBe(-1) // a failed bind leaves no descriptor behind
      }))

    it.scopedLive("sendto / receivefrom round trip: sendto returns the byte count, receivefrom the sender", () =>
      Effect.gen(function*() {
        const { a, b, aPort, bPort } = yield* pair
        expect(yield* a.sendto(bytes("hello"), t.host, bPort)).toBe(5) // lua: 5.0, not 1
        const d = yield* b.receivefrom()
        expect(text(d.data)).toBe("hello")
        expect(d.address).toBe(t.host)
        expect(d.port).toBe(aPort)
        expect(yield* b.sendto(bytes("back"), d.address, d.port)).toBe(4)
        expect(text(yield* a.receive())).toBe("back")
        const stats = b.getStats()
        expect(stats).toMatchObject({ received: 5, sent: 4, datagramsReceived: 1, datagramsSent: 1, dropped: 0, queued: 0 })
      }))

    it.scopedLive("receivePollOrTimeout / receivefromPollOrTimeout: Timeout at once when nothing is there, else the datagram (truncated to size), whatever the policy", () =>
      Effect.gen(function*() {
        const { a, b, aPort, bPort } = yield* pair
        const none = b.receivePollOrTimeout()
        expect(NetError.isNetError(none) && none._tag).toBe("Timeout")
        expect(NetError.luaMessage(none as NetError.NetError)).toBe("timeout")
        const noneFrom = b.receivefromPollOrTimeout()
        expect(NetError.isNetError(noneFrom) && noneFrom._tag).toBe("Timeout")
        yield* a.sendto(bytes("hello"), t.host, bPort)
        yield* a.sendto(bytes("world"), t.host, bPort)
        let got: Uint8Array | NetError.NetError = b.receivePollOrTimeout(3)
        for (let i = 0; i < 100 && NetError.isNetError(got) && got._tag === "Timeout"; i++) {
          yield* Effect.sleep("10 millis")
          got = b.receivePollOrTimeout(3)
        }
        expect(text(got as Uint8Array)).toBe("hel")
        let from: Udp.Datagram | NetError.NetError = b.receivefromPollOrTimeout()
        for (let i = 0; i < 100 && NetError.isNetError(from) && from._tag === "Timeout"; i++) {
          yield* Effect.sleep("10 millis")
          from = b.receivefromPollOrTimeout()
        }
        expect(NetError.isNetError(from)).toBe(false)
        expect(text((from as Udp.Datagram).data)).toBe("world")
        expect((from as Udp.Datagram).port).toBe(aPort)
        const bad = b.receivePollOrTimeout(-1)
        expect(NetError.isNetError(bad) && bad._tag).toBe("InvalidArgument")
        yield* b.close
        const closed = b.receivePollOrTimeout()
        expect(NetError.isNetError(closed) && closed._tag).toBe("Closed")
      }))

    it.scopedLive("all 256 byte values round-trip, in one datagram and one per byte", () =>
      Effect.gen(function*() {
        const { a, b, bPort } = yield* pair
        const all = new Uint8Array(256).map((_, i) => i)
        yield* a.sendto(all, t.host, bPort)
        expect(Array.from(yield* b.receive())).toEqual(Array.from(all))
        for (let i = 0; i < 256; i++) yield* a.sendto(all.subarray(i, i + 1), t.host, bPort)
        for (let i = 0; i < 256; i++) expect(Array.from(yield* b.receive())).toEqual([i])
      }))

    it.scopedLive("receive(size) truncates: the rest of the datagram is discarded; receive(0) consumes one", () =>
      Effect.gen(function*() {
        const { a, b, bPort } = yield* pair
        for (const s of ["abcdefgh", "ijklmnop", "qrstuvwx", "yz"]) yield* a.sendto(bytes(s), t.host, bPort)
        expect(text(yield* b.receive(3))).toBe("abc") // lua: "abc"
        const from = yield* b.receivefrom(3) // lua: "ijk", ip, port
        expect(text(from.data)).toBe("ijk")
        expect(text(yield* b.receive(0))).toBe("") // lua: "" and the datagram is gone
        expect(text(yield* b.receive(100))).toBe("yz")
        // default size 8192 (socket._DATAGRAMSIZE)
        yield* a.sendto(new Uint8Array(9000).fill(0x79), t.host, bPort)
        expect((yield* b.receive()).length).toBe(8192)
        const bad = yield* failure(b.receive(-1)) // lua: nil, "out of memory"
        expect(bad._tag).toBe("InvalidArgument")
      }))

    it.scopedLive("zero-length datagrams: sendto returns 0, receive returns empty bytes", () =>
      Effect.gen(function*() {
        const { a, b, aPort, bPort } = yield* pair
        expect(yield* a.sendto(new Uint8Array(0), t.host, bPort)).toBe(0) // lua: 0.0
        expect((yield* b.receive()).length).toBe(0) // lua: ""
        yield* a.sendto(new Uint8Array(0), t.host, bPort)
        const d = yield* b.receivefrom()
        expect(d.data.length).toBe(0)
        expect(d.port).toBe(aPort)
      }))

    it.scopedLive("setpeername connects, setpeername(\"*\") disconnects; send and sendto per class", () =>
      Effect.gen(function*() {
        const { a, b, aPort, bPort } = yield* pair
        const c = yield* Udp.open({ family: t.family, timeout: oneSecond })
        yield* c.setpeername(t.host, bPort)
        expect(c.kind).toBe("connected")
        expect(c.className).toBe("udp{connected}")
        expect(Either.getOrThrow(c.getPeerName())).toEqual({ address: t.host, port: bPort, family: t.family })
        expect(c.getFd()).toBeGreaterThanOrEqual(0)
        expect(yield* c.send(bytes("hey"))).toBe(3) // lua: 3.0
        expect(text(yield* b.receive())).toBe("hey")
        expect(yield* c.send(new Uint8Array(0))).toBe(0) // lua: 0.0
        expect((yield* b.receive()).length).toBe(0)
        // wrong class (lua raises "udp{unconnected} expected")
        expect((yield* failure(c.sendto(bytes("x"), t.host, bPort)))._tag).toBe("InvalidArgument")
        expect((yield* failure(c.receivefrom()))._tag).toBe("InvalidArgument")
        expect((yield* failure(c.setsockname(t.host, 0)))._tag).toBe("InvalidArgument")
        // the connected socket receives from its peer
        const cPort = sockName(c).port
        yield* b.sendto(bytes("reply"), t.host, cPort)
        expect(text(yield* c.receive())).toBe("reply")
        // reconnect elsewhere (lua: 1.0), then disconnect
        yield* c.setpeername(t.host, aPort)
        expect(c.kind).toBe("connected")
        expect(Either.getOrThrow(c.getPeerName()).port).toBe(aPort)
        yield* c.send(bytes("to a"))
        expect(text(yield* a.receive())).toBe("to a")
        yield* c.setpeername("*")
        expect(c.kind).toBe("unconnected")
        expect(c.className).toBe("udp{unconnected}")
        expect(leftOf(c.getPeerName())._tag).toBe("NotConnected")
        expect((yield* failure(c.send(bytes("x"))))._tag).toBe("InvalidArgument")
        expect(yield* c.sendto(bytes("again"), t.host, bPort)).toBe(5)
        expect(text(yield* b.receive())).toBe("again")
        // setpeername("*") on an unconnected socket is fine (lua: 1.0)
        yield* c.setpeername("*")
      }))

    it.scopedLive("an address of the other family: EAI_ADDRFAMILY's text, as lua prints it", () =>
      Effect.gen(function*() {
        const s = yield* Udp.open({ family: t.family })
        const otherHost = t.family === "inet" ? "::1" : "127.0.0.1"
        for (const e of [yield* failure(s.sendto(bytes("x"), otherHost, 9)), yield* failure(s.setpeername(otherHost, 9))]) {
          expect(e._tag).toBe("InvalidArgument")
          expect(NetError.luaMessage(e)).toBe("Address family for hostname not supported")
        }
      }))

    it.scopedLive("an unspec socket (socket.udp()) takes the family of its first address", () =>
      Effect.gen(function*() {
        const { b, bPort } = yield* pair
        const s = yield* Udp.open()
        expect(s.family).toBe("unspec")
        expect(s.getFamily()).toBe("inet4")
        yield* s.sendto(bytes("x"), t.host, bPort)
        expect(s.family).toBe(t.family)
        expect(s.getFamily()).toBe(t.luaFamily)
        expect(sockName(s).family).toBe(t.family) // bound to the any address by sendto
        expect(text(yield* b.receive())).toBe("x")
      }))
  })
}

// ---- family-independent behaviour ---------------------------------------------------------

describe("UdpSocket", () => {
  it.scopedLive("sendto needs a numeric IP: a host name is InvalidArgument with the resolver's raw text", () =>
    Effect.gen(function*() {
      const s = yield* Udp.open({ family: "inet" })
      const e = yield* failure(s.sendto(bytes("hello"), "localhost", 9))
      expect(e._tag).toBe("InvalidArgument")
      expect(e.code).toBe("EAI_NONAME")
      expect(NetError.luaMessage(e)).toBe("Name or service not known") // spec section 6
      expect(e.message).toContain("numeric IP")
      expect(s.getFd()).toBe(-1) // nothing was created
      // port 0 (lua: nil, "Invalid argument"); a bad port (lua for -1: "Servname not supported for ai_socktype")
      expect(NetError.luaMessage(yield* failure(s.sendto(bytes("x"), "127.0.0.1", 0)))).toBe("Invalid argument")
      expect(NetError.luaMessage(yield* failure(s.sendto(bytes("x"), "127.0.0.1", -1)))).toBe("Servname not supported for ai_socktype")
      // too big for one datagram (lua: nil, "Message too long")
      const big = yield* failure(s.sendto(new Uint8Array(70000), "127.0.0.1", 9))
      expect(big.code).toBe("EMSGSIZE")
      expect(NetError.luaMessage(big)).toBe("Message too long")
    }))

  it.scopedLive("setpeername resolves host names; a name that does not resolve is HostNotFound", () =>
    Effect.gen(function*() {
      const b = yield* Udp.bind("127.0.0.1", 0, { family: "inet", timeout: oneSecond })
      const c = yield* Udp.connect("localhost", sockName(b).port, { family: "inet" })
      expect(c.kind).toBe("connected")
      yield* c.send(bytes("named"))
      expect(text(yield* b.receive())).toBe("named")
      const bad = yield* failure(Udp.connect("no-such-host.invalid", 9, { family: "inet" }))
      expect(bad._tag).toBe("HostNotFound")
    }))

  it.live("receive timeouts: a real 0.1 s wait, timeout 0 does not wait, a queued datagram comes at once", () =>
    Effect.scoped(Effect.gen(function*() {
      const s = yield* Udp.bind("127.0.0.1", 0, { family: "inet" })
      yield* s.setTimeout(0.1)
      expect(s.getTimeout()).toEqual({ block: 0.1, total: -1 })
      const t0 = performance.now()
      const e = yield* failure(s.receive())
      const waited = performance.now() - t0
      expect(e._tag).toBe("Timeout")
      expect(NetError.luaMessage(e)).toBe("timeout") // lua: nil, "timeout"
      expect(waited).toBeGreaterThanOrEqual(90)
      expect(waited).toBeLessThan(1000)
      yield* s.setTimeout(0)
      const t1 = performance.now()
      expect((yield* failure(s.receivefrom()))._tag).toBe("Timeout")
      expect(performance.now() - t1).toBeLessThan(50)
      const tx = yield* Udp.open({ family: "inet" })
      yield* tx.sendto(bytes("q"), "127.0.0.1", sockName(s).port)
      yield* waitUntil("the datagram to be queued", () => s.readable)
      expect(text(yield* s.receive())).toBe("q") // timeout 0 still takes what is there
      expect(s.readable).toBe(false)
      expect(s.waitingReceives).toBe(0)
      // a total limit works as well
      yield* s.setTimeout(-1)
      yield* s.setTimeout(0.05, "t")
      expect((yield* failure(s.receive()))._tag).toBe("Timeout")
      // an unknown mode
      expect((yield* failure(s.setTimeout(1, "x")))._tag).toBe("InvalidArgument")
    })))

  it.live("a receive waiting with no timeout completes when a datagram arrives", () =>
    Effect.scoped(Effect.gen(function*() {
      const s = yield* Udp.bind("127.0.0.1", 0, { family: "inet" })
      const fiber = yield* Effect.fork(s.receivefrom())
      yield* waitUntil("the receive to wait", () => s.waitingReceives === 1)
      const tx = yield* Udp.open({ family: "inet" })
      yield* tx.sendto(bytes("late"), "127.0.0.1", sockName(s).port)
      const d = yield* Fiber.join(fiber)
      expect(text(d.data)).toBe("late")
      expect(d.port).toBe(sockName(tx).port)
    })))

  it.live("a UDP flood keeps memory bounded: 40,000 datagrams of 1 KiB against a 1 MiB queue, the drops counted", () =>
    Effect.scoped(Effect.gen(function*() {
      const s = yield* Udp.bind("127.0.0.1", 0, { family: "inet", maxQueued: 100_000, maxQueuedBytes: 1 << 20 })
      const port = sockName(s).port
      const tx = dgram.createSocket("udp4")
      yield* Effect.addFinalizer(() => Effect.sync(() => tx.close()))
      const payload = Buffer.alloc(1024, 0x61)
      const before = process.memoryUsage().arrayBuffers
      let peak = 0
      // 40 bursts of 1,000 (40 MiB offered in all), bounded in count and time
      for (let burst = 0; burst < 40; burst++) {
        yield* Effect.async<void>((resume) => {
          let left = 1000
          for (let i = 0; i < 1000; i++) tx.send(payload, port, "127.0.0.1", () => { if (--left === 0) resume(Effect.void) })
        })
        yield* Effect.sleep("1 millis")
        peak = Math.max(peak, process.memoryUsage().arrayBuffers - before)
      }
      yield* waitUntil("the flood to be taken in", () => s.getStats().queued >= 1000)
      const stats = s.getStats()
      // at most 1 MiB of datagrams is held, whatever was offered; the rest is counted
      expect(stats.queued).toBeLessThanOrEqual(1024)
      expect(stats.dropped).toBeGreaterThan(0)
      // the process's ArrayBuffer memory grew by far less than the 40 MiB offered
      expect(peak).toBeLessThan(24 << 20)
      console.log(`UDP flood: offered 40000 x 1 KiB, queued ${stats.queued}, dropped by the queue ${stats.dropped}, peak ArrayBuffer growth ${(peak / 1048576).toFixed(1)} MiB`)
    })))

  it.live("the queue is bounded: a flood beyond maxQueued is counted as dropped, the first datagrams kept in order", () =>
    Effect.scoped(Effect.gen(function*() {
      const s = yield* Udp.bind("127.0.0.1", 0, { family: "inet", maxQueued: 16 })
      const tx = yield* Udp.open({ family: "inet" })
      const port = sockName(s).port
      for (let i = 0; i < 100; i++) yield* tx.sendto(bytes(`d${i}`), "127.0.0.1", port)
      yield* waitUntil("100 datagrams to be queued or dropped", () => s.getStats().queued + s.getStats().dropped === 100)
      expect(s.getStats()).toMatchObject({ queued: 16, dropped: 84 })
      yield* s.setTimeout(0)
      for (let i = 0; i < 16; i++) expect(text(yield* s.receive())).toBe(`d${i}`)
      expect((yield* failure(s.receive()))._tag).toBe("Timeout")
      // room again: new datagrams are queued
      yield* tx.sendto(bytes("after"), "127.0.0.1", port)
      yield* waitUntil("the datagram after the flood", () => s.readable)
      expect(text(yield* s.receive())).toBe("after")
      expect(s.getStats()).toMatchObject({ dropped: 84, datagramsReceived: 17 })
      // the byte bound too
      const small = yield* Udp.bind("127.0.0.1", 0, { family: "inet", maxQueuedBytes: 1000 })
      for (let i = 0; i < 5; i++) yield* tx.sendto(new Uint8Array(300), "127.0.0.1", sockName(small).port)
      yield* waitUntil("5 datagrams to be queued or dropped", () => small.getStats().queued + small.getStats().dropped === 5)
      expect(small.getStats()).toMatchObject({ queued: 3, dropped: 2 })
    })))

  it.scopedLive("ECONNREFUSED on a connected socket: the next receive fails with it (lua: nil, \"connection refused\")", () =>
    Effect.gen(function*() {
      const deadPort = yield* Effect.scoped(Effect.map(Udp.bind("127.0.0.1", 0, { family: "inet" }), (s) => sockName(s).port))
      const c = yield* Udp.connect("127.0.0.1", deadPort, { family: "inet", timeout: oneSecond })
      expect(yield* c.send(bytes("x"))).toBe(1)
      yield* waitUntil("the ICMP error", () => c.readable)
      const e = yield* failure(c.receive())
      expect(e._tag).toBe("ConnectionRefused")
      expect(NetError.luaMessage(e)).toBe("connection refused")
      yield* c.send(bytes("x"))
      yield* waitUntil("the second ICMP error", () => c.readable)
      expect(yield* c.getOption("error")).toBe("connection refused") // reading clears it (SO_ERROR)
      expect(yield* c.getOption("error")).toBeUndefined()
      expect(c.readable).toBe(false)
    }))

  it.live("close: idempotent, closing the scope closes; a closed socket's send/sendto say \"refused\"", () =>
    Effect.gen(function*() {
      const { s, fd } = yield* Effect.scoped(Effect.gen(function*() {
        const s = yield* Udp.bind("127.0.0.1", 0, { family: "inet" })
        return { s, fd: s.getFd() }
      }))
      expect(fd).toBeGreaterThanOrEqual(0)
      expect(s.isClosed).toBe(true)
      expect(s.getFd()).toBe(-1) // lua: -1.0
      yield* s.close
      yield* s.close
      const e = yield* failure(s.sendto(bytes("x"), "127.0.0.1", 9))
      expect(e._tag).toBe("Closed")
      expect(NetError.luaMessage(e)).toBe("refused") // spec section 6
      expect(NetError.luaMessage(yield* failure(s.send(bytes("x"))))).toBe("refused")
      expect((yield* failure(s.receive()))._tag).toBe("Closed")
      expect(leftOf(s.getSockName()).code).toBe("EBADF") // lua: nil, "Bad file descriptor"
      // a pending receive ends with Closed when the socket closes
      const t = yield* Effect.scoped(Effect.gen(function*() {
        const t = yield* Udp.bind("127.0.0.1", 0, { family: "inet" })
        const fiber = yield* Effect.fork(t.receive())
        yield* waitUntil("the receive to wait", () => t.waitingReceives === 1)
        yield* t.close
        const exit = yield* Fiber.await(fiber)
        expect(Exit.isFailure(exit)).toBe(true)
        const err = yield* failure(Fiber.join(fiber))
        expect(err._tag).toBe("Closed")
        return t
      }))
      expect(t.waitingReceives).toBe(0)
    }))

  it.live("500 interrupted receives leave no waiter, timer or descriptor behind", () =>
    Effect.gen(function*() {
      const before = fdCount()
      const timers = () => process.getActiveResourcesInfo().filter((r) => r === "Timeout").length
      const timersBefore = timers()
      for (let i = 0; i < 500; i++) {
        yield* Effect.scoped(Effect.gen(function*() {
          const s = yield* Udp.bind("127.0.0.1", 0, { family: "inet" })
          // half wait forever, half under a 10 s timer
          const fiber = yield* Effect.fork(i % 2 === 0 ? s.receive() : Effect.map(s.receivefrom(8192, Timeout.make({ block: "10 seconds" })), (d) => d.data))
          yield* waitUntil("the receive to wait", () => s.waitingReceives === 1)
          yield* Fiber.interrupt(fiber)
          expect(s.waitingReceives).toBe(0)
        }))
      }
      yield* waitUntil("descriptors back to the baseline", () => fdCount() <= before, 3000)
      expect(fdCount()).toBe(before)
      expect(timers()).toBeLessThanOrEqual(timersBefore) // no 10 s timer of an interrupted receive is left
    }))
})

// ---- the fast paths (Udp.fastPaths), on and off ---------------------------------------------

/** Writes `data` as one datagram on a connected core socket's descriptor, synchronously (no event-loop turn). */
const writeNow = (s: Udp.UdpSocket, data: Uint8Array): number => fs.writeSync(s.getFd(), data)

const noWait = Timeout.make({ block: 0 })

for (const on of [true, false]) {
  describe(`UdpSocket with Udp.fastPaths ${on ? "on" : "off"} (drainReceive, directSend)`, () => {
    withFastPaths(on)

    /** A receiver and a sender connected to it, over 127.0.0.1. */
    const connectedPair = (options: Udp.OpenOptions = {}) =>
      Effect.gen(function*() {
        const rx = yield* Udp.bind("127.0.0.1", 0, { family: "inet", timeout: oneSecond, ...options })
        const tx = yield* Udp.connect("127.0.0.1", sockName(rx).port, { family: "inet" })
        return { rx, tx }
      })

    /** On: the datagrams are still in the kernel (the receive reads them); off: wait until Node has queued them. */
    const ready = (rx: Udp.UdpSocket, count: number) =>
      on ? Effect.sync(() => expect(rx.getStats().queued).toBe(0)) : waitUntil(`${count} datagrams queued`, () => rx.getStats().queued === count)

    it.scopedLive("a datagram still in the kernel: taken at once by the drain (on), only once Node has read it (off)", () =>
      Effect.gen(function*() {
        const { rx, tx } = yield* connectedPair()
        writeNow(tx, bytes("now"))
        // no event-loop turn since the write: Node's 'message' has not run
        if (on) {
          expect(text(yield* rx.receive(8192, noWait))).toBe("now")
        } else {
          expect((yield* failure(rx.receive(8192, noWait)))._tag).toBe("Timeout")
          yield* waitUntil("the datagram to be queued", () => rx.readable)
          expect(text(yield* rx.receive(8192, noWait))).toBe("now")
        }
        expect(rx.getStats()).toMatchObject({ received: 3, datagramsReceived: 1, queued: 0, dropped: 0 })
        expect((yield* failure(rx.receive(8192, noWait)))._tag).toBe("Timeout")
      }))

    it.scopedLive("sizes: truncation, receive(0), the default 8192, datagrams larger than the reused buffer, empty ones", () =>
      Effect.gen(function*() {
        const { rx, tx } = yield* connectedPair()
        yield* rx.setOption("recv-buffer-size", 1 << 20)
        const big = new Uint8Array(60000).map((_, i) => (i * 7) & 0xff)
        const bigger = new Uint8Array(65000).map((_, i) => (i * 13) & 0xff)
        const sent = [bytes("abcdefgh"), bytes("ijklmnop"), new Uint8Array(9000).fill(0x79), big, bigger, new Uint8Array(0), bytes("last")]
        for (const d of sent) writeNow(tx, d)
        yield* ready(rx, sent.length)
        expect(text(yield* rx.receive(3, noWait))).toBe("abc") // lua: "abc", the rest discarded
        expect(text(yield* rx.receive(0, noWait))).toBe("") // consumes "ijklmnop"
        expect((yield* rx.receive(undefined, noWait)).length).toBe(8192) // socket._DATAGRAMSIZE
        const gotBig = yield* rx.receive(65536, noWait) // larger than the reused buffer has been so far
        expect(gotBig.length).toBe(60000)
        expect(Buffer.from(gotBig).equals(Buffer.from(big))).toBe(true)
        const gotBigger = yield* rx.receive(1 << 20, noWait) // a size above any datagram's
        expect(Buffer.from(gotBigger).equals(Buffer.from(bigger))).toBe(true)
        expect((yield* rx.receive(100, noWait)).length).toBe(0) // the empty datagram
        expect(text(yield* rx.receive(2, noWait))).toBe("la")
        expect(rx.getStats()).toMatchObject({ received: 3 + 0 + 8192 + 60000 + 65000 + 0 + 2, datagramsReceived: 7, queued: 0, dropped: 0 })
        expect((yield* failure(rx.receive(8192, noWait)))._tag).toBe("Timeout")
        // a result is the caller's: the next receive does not overwrite it
        writeNow(tx, bytes("one"))
        writeNow(tx, bytes("two"))
        yield* ready(rx, 2)
        const first = yield* rx.receive(8192, noWait)
        const second = yield* rx.receive(8192, noWait)
        expect([text(first), text(second)]).toEqual(["one", "two"])
      }))

    it.scopedLive("a burst of 300 (more than one drain run of 256) arrives whole and in order", () =>
      Effect.gen(function*() {
        const { rx, tx } = yield* connectedPair()
        yield* rx.setOption("recv-buffer-size", 1 << 20)
        for (let i = 0; i < 300; i++) writeNow(tx, bytes(`${i}`))
        const got: Array<string> = []
        for (let i = 0; i < 300; i++) got.push(text(yield* rx.receive()))
        expect(got).toEqual(Array.from({ length: 300 }, (_, i) => `${i}`))
        expect(rx.getStats()).toMatchObject({ datagramsReceived: 300, dropped: 0, queued: 0 })
      }))

    it.scopedLive("receive on an unconnected socket never costs receivefrom an address: each datagram keeps its sender", () =>
      Effect.gen(function*() {
        const rx = yield* Udp.bind("127.0.0.1", 0, { family: "inet", timeout: oneSecond })
        const port = sockName(rx).port
        const tx1 = yield* Udp.connect("127.0.0.1", port, { family: "inet" })
        const tx2 = yield* Udp.connect("127.0.0.1", port, { family: "inet" })
        writeNow(tx1, bytes("from 1"))
        writeNow(tx2, bytes("from 2"))
        writeNow(tx1, bytes("from 1 again"))
        expect(text(yield* rx.receive())).toBe("from 1")
        const d2 = yield* rx.receivefrom()
        expect(text(d2.data)).toBe("from 2")
        expect(d2.port).toBe(sockName(tx2).port)
        const d3 = yield* rx.receivefrom()
        expect(text(d3.data)).toBe("from 1 again")
        expect(d3.port).toBe(sockName(tx1).port)
      }))

    it.scopedLive("a burst beyond maxQueued while nobody receives: the drops are counted exactly, the first kept in order", () =>
      Effect.gen(function*() {
        const { rx, tx } = yield* connectedPair({ maxQueued: 16 })
        yield* rx.setOption("recv-buffer-size", 1 << 20)
        for (let i = 0; i < 100; i++) writeNow(tx, bytes(`d${i}`))
        // nobody receives: Node reads the burst into the queue, which keeps 16
        yield* waitUntil("100 datagrams to be queued or dropped", () => rx.getStats().queued + rx.getStats().dropped === 100)
        expect(rx.getStats()).toMatchObject({ queued: 16, dropped: 84 })
        for (let i = 0; i < 16; i++) expect(text(yield* rx.receive(8192, noWait))).toBe(`d${i}`)
        expect((yield* failure(rx.receive(8192, noWait)))._tag).toBe("Timeout")
        // a receiver that keeps up: nothing more is dropped
        for (let i = 0; i < 100; i++) writeNow(tx, bytes(`e${i}`))
        for (let i = 0; i < 100; i++) expect(text(yield* rx.receive())).toBe(`e${i}`)
        expect(rx.getStats()).toMatchObject({ dropped: 84, datagramsReceived: 116, queued: 0 })
      }))

    it.scopedLive("close during a burst: the receive loop ends with Closed, the closed descriptor is never read again", () =>
      Effect.gen(function*() {
        const { rx, tx } = yield* connectedPair()
        yield* rx.setOption("recv-buffer-size", 1 << 20)
        const oldFd = rx.getFd()
        for (let i = 0; i < 200; i++) writeNow(tx, bytes(`b${i}`))
        let count = 0
        const loop: Effect.Effect<void, NetError.NetError> = Effect.flatMap(rx.receive(), () => {
          if (++count === 50) rx.closeNow() // mid-burst, from the receiving fiber itself
          return loop
        })
        const e = yield* failure(loop)
        expect(e._tag).toBe("Closed")
        expect(count).toBe(50)
        expect(rx.getFd()).toBe(-1)
        expect((yield* failure(rx.receive(8192, noWait)))._tag).toBe("Closed")
        // a new socket (often given the same descriptor number) gets all of its datagrams
        const rx2 = yield* Udp.bind("127.0.0.1", 0, { family: "inet", timeout: oneSecond })
        const tx2 = yield* Udp.connect("127.0.0.1", sockName(rx2).port, { family: "inet" })
        console.log(`close during a burst: old descriptor ${oldFd}, new ${rx2.getFd()}`)
        for (let i = 0; i < 5; i++) writeNow(tx2, bytes(`n${i}`))
        expect((yield* failure(rx.receive(8192, noWait)))._tag).toBe("Closed") // not one of rx2's
        for (let i = 0; i < 5; i++) expect(text(yield* rx2.receive())).toBe(`n${i}`)
        // a receive waiting when the socket closes ends with Closed as well
        const fiber = yield* Effect.fork(rx2.receive())
        yield* waitUntil("the receive to wait", () => rx2.waitingReceives === 1)
        writeNow(tx2, bytes("x"))
        rx2.closeNow() // before Node could read "x": no event-loop turn since the write
        expect((yield* failure(Fiber.join(fiber)))._tag).toBe("Closed")
      }))

    it.scopedLive("ECONNREFUSED on a connected socket: the next receive fails with it, without waiting for Node's 'error' first", () =>
      Effect.gen(function*() {
        const deadPort = yield* Effect.scoped(Effect.map(Udp.bind("127.0.0.1", 0, { family: "inet" }), (s) => sockName(s).port))
        const c = yield* Udp.connect("127.0.0.1", deadPort, { family: "inet", timeout: oneSecond })
        expect(yield* c.send(bytes("x"))).toBe(1)
        const e = yield* failure(c.receive())
        expect(e._tag).toBe("ConnectionRefused")
        expect(NetError.luaMessage(e)).toBe("connection refused")
        expect(yield* c.getOption("error")).toBeUndefined() // taken by the receive
        expect(c.readable).toBe(false)
      }))

    it.scopedLive("send on a connected socket: counts, stats, order, empty datagrams, EMSGSIZE", () =>
      Effect.gen(function*() {
        const { rx, tx } = yield* connectedPair()
        yield* rx.setOption("recv-buffer-size", 1 << 20)
        for (let i = 0; i < 200; i++) expect(yield* tx.send(bytes(`s${i}`))).toBe(`s${i}`.length)
        for (let i = 0; i < 200; i++) expect(text(yield* rx.receive())).toBe(`s${i}`)
        expect(yield* tx.send(new Uint8Array(0))).toBe(0) // through dgram (lua: 0.0)
        expect((yield* rx.receive()).length).toBe(0)
        // concurrent sends: one through dgram still in flight, the next waits its turn (order kept)
        const [a, b, c] = yield* Effect.all([tx.send(new Uint8Array(0)), tx.send(bytes("after")), tx.send(bytes("last"))], { concurrency: "unbounded" })
        expect([a, b, c]).toEqual([0, 5, 4])
        expect((yield* rx.receive()).length).toBe(0)
        expect(text(yield* rx.receive())).toBe("after")
        expect(text(yield* rx.receive())).toBe("last")
        const big = yield* failure(tx.send(new Uint8Array(70000))) // lua: nil, "Message too long"
        expect(big.code).toBe("EMSGSIZE")
        expect(NetError.luaMessage(big)).toBe("Message too long")
        expect(tx.getStats()).toMatchObject({ datagramsSent: 204, sent: 10 * 2 + 90 * 3 + 100 * 4 + 0 + 0 + 5 + 4 })
      }))
  })
}

// ---- options ------------------------------------------------------------------------------

describe("UdpSocket options", () => {
  it.scopedLive("a recorded option that fails at creation is reported and dropped; the others still apply on the next attempt", () =>
    Effect.gen(function*() {
      const s = yield* Udp.open({ family: "inet" })
      yield* s.setOption("broadcast", true)
      yield* s.setOption("ip-add-membership", { multiaddr: "239.1.2.3", interface: "10.99.99.99" }) // no such interface
      yield* s.setOption("ip-multicast-ttl", 7)
      const first = yield* failure(s.setsockname("127.0.0.1", 0))
      expect(first.operation).toBe("setoption") // the recorded setoption that failed
      expect(s.getFd()).toBe(-1)
      yield* s.setsockname("127.0.0.1", 0)
      expect(s.getFd()).toBeGreaterThanOrEqual(0)
      // broadcast really reached the kernel: without SO_BROADCAST this send fails EACCES
      expect(yield* s.sendto(bytes("x"), "127.255.255.255", 9)).toBe(1)
    }))

  it.scopedLive("flags: set/get, tracked before the socket exists and applied when it is created", () =>
    Effect.gen(function*() {
      const s = yield* Udp.open({ family: "inet" })
      // LuaSocket's defaults (lua: false, false, false, false, true, "0.0.0.0")
      expect(yield* s.getOption("broadcast")).toBe(false)
      expect(yield* s.getOption("reuseaddr")).toBe(false)
      expect(yield* s.getOption("dontroute")).toBe(false)
      expect(yield* s.getOption("reuseport")).toBe(false)
      expect(yield* s.getOption("ip-multicast-loop")).toBe(true)
      expect(yield* s.getOption("ip-multicast-if")).toBe("0.0.0.0")
      expect(yield* s.getOption("error")).toBeUndefined()
      yield* s.setOption("broadcast", true)
      yield* s.setOption("reuseaddr", true)
      yield* s.setOption("ip-multicast-ttl", 4)
      yield* s.setOption("ip-multicast-loop", false)
      yield* s.setOption("ip-multicast-if", "127.0.0.1")
      yield* s.setOption("recv-buffer-size", 65536)
      expect((yield* failure(s.getOption("recv-buffer-size"))).code).toBe("EBADF") // no socket yet
      yield* s.setsockname("127.0.0.1", 0)
      expect(yield* s.getOption("broadcast")).toBe(true)
      expect(yield* s.getOption("reuseaddr")).toBe(true)
      expect(yield* s.getOption("ip-multicast-loop")).toBe(false)
      expect(yield* s.getOption("ip-multicast-if")).toBe("127.0.0.1")
      expect(yield* s.getOption("recv-buffer-size")).toBeGreaterThanOrEqual(65536) // Linux doubles it (lua: 131072.0)
      // reuseaddr was really applied: a second socket with reuseaddr binds the same port
      const twin = yield* Udp.open({ family: "inet" })
      yield* twin.setOption("reuseaddr", true)
      yield* twin.setsockname("127.0.0.1", sockName(s).port)
      // after creation
      yield* s.setOption("broadcast", false)
      expect(yield* s.getOption("broadcast")).toBe(false)
      yield* s.setOption("ip-multicast-if", "*")
      expect(yield* s.getOption("ip-multicast-if")).toBe("0.0.0.0") // lua: "0.0.0.0"
      yield* s.setOption("ip-multicast-ttl", -1) // the kernel default (1)
      yield* s.setOption("send-buffer-size", 32768)
      expect(yield* s.getOption("send-buffer-size")).toBeGreaterThanOrEqual(32768)
      const late = yield* failure(s.setOption("reuseaddr", false))
      expect(late._tag).toBe("Unsupported")
      expect(late.message).toContain("reuseaddr")
    }))

  it.scopedLive("options Node cannot do are Unsupported, naming the option; no getter for ttl and membership", () =>
    Effect.gen(function*() {
      const s = yield* Udp.bind("127.0.0.1", 0, { family: "inet" })
      const dontroute = yield* failure(s.setOption("dontroute", true))
      expect(dontroute._tag).toBe("Unsupported")
      expect(dontroute.message).toContain("dontroute")
      if (Udp.options.reuseport.unsupported !== undefined) {
        const reuseport = yield* failure(s.setOption("reuseport", true))
        expect(reuseport._tag).toBe("Unsupported")
        expect(reuseport.message).toContain("reuseport")
      }
      for (const name of ["ip-multicast-ttl", "ip-add-membership", "ip-drop-membership", "ipv6-add-membership", "ipv6-drop-membership"]) {
        const e = yield* failure(s.getOption(name)) // lua raises "unsupported option `...'"
        expect(e._tag).toBe("Unsupported")
        expect(e.message).toContain(name)
      }
    }))

  it.scopedLive("wrong values and names are InvalidArgument naming the option; family rules", () =>
    Effect.gen(function*() {
      const s = yield* Udp.bind("127.0.0.1", 0, { family: "inet" })
      const cases: ReadonlyArray<readonly [string, unknown]> = [
        ["broadcast", 1], // lua: bad argument #3 (boolean expected, got number)
        ["broadcast", undefined],
        ["ip-multicast-ttl", "7"],
        ["ip-multicast-ttl", 300], // lua: nil, "setsockopt failed"
        ["ip-multicast-ttl", 7.5],
        ["ip-multicast-if", "localhost"], // lua: bad argument #3 (ip expected)
        ["ip-multicast-if", "::1"],
        ["ip-add-membership", "239.1.2.3"], // lua: table expected
        ["ip-add-membership", { multiaddr: "239.1.2.3" }], // lua: string 'interface' field expected
        ["ip-add-membership", { multiaddr: "10.1.2.3", interface: "*" }], // lua: nil, "setsockopt failed"
        ["ip-add-membership", { multiaddr: "zzz", interface: "*" }], // lua: invalid 'multiaddr' ip address
        ["recv-buffer-size", 0],
        ["recv-buffer-size", "big"],
        ["ipv6-unicast-hops", 5], // an inet socket (lua: nil, "setsockopt failed")
        ["ipv6-v6only", true],
        ["error", 1],
        ["bogus", 1], // lua: unsupported option `bogus'
        ["keepalive", true]
      ]
      for (const [name, value] of cases) {
        const e = yield* failure(s.setOption(name, value))
        expect(e._tag, `${name} = ${String(value)}`).toBe("InvalidArgument")
        expect(e.message).toContain(name)
      }
      expect((yield* failure(s.getOption("bogus")))._tag).toBe("InvalidArgument")
      expect((yield* failure(s.getOption("ipv6-unicast-hops")))._tag).toBe("InvalidArgument")
      // an undecided socket.udp() takes only family-neutral options
      const u = yield* Udp.open()
      expect((yield* failure(u.setOption("ip-multicast-ttl", 2)))._tag).toBe("InvalidArgument")
      yield* u.setOption("broadcast", true)
      expect(yield* u.getOption("broadcast")).toBe(true)
    }))

  it.scopedLive.skipIf(!hasIPv6Loopback)("IPv6 options: hops, loop, v6only (set before creation and really applied)", () =>
    Effect.gen(function*() {
      const s = yield* Udp.open({ family: "inet6" })
      expect(yield* s.getOption("ipv6-v6only")).toBe(true) // lua: true (every IPv6 socket)
      expect(yield* s.getOption("ipv6-unicast-hops")).toBe(64)
      expect(yield* s.getOption("ipv6-multicast-hops")).toBe(1)
      expect(yield* s.getOption("ipv6-multicast-loop")).toBe(true)
      yield* s.setOption("ipv6-unicast-hops", 7)
      yield* s.setOption("ipv6-multicast-hops", 3)
      yield* s.setOption("ipv6-multicast-loop", false)
      yield* s.setOption("ipv6-v6only", false)
      yield* s.setsockname("*", 0)
      expect(sockName(s)).toMatchObject({ address: "::", family: "inet6" })
      expect(yield* s.getOption("ipv6-unicast-hops")).toBe(7) // lua: 7.0
      expect(yield* s.getOption("ipv6-multicast-hops")).toBe(3)
      expect(yield* s.getOption("ipv6-multicast-loop")).toBe(false)
      expect(yield* s.getOption("ipv6-v6only")).toBe(false)
      // v6only off really: an IPv4 datagram reaches the IPv6 socket as a mapped address
      const tx = yield* Udp.open({ family: "inet" })
      yield* tx.sendto(bytes("v4"), "127.0.0.1", sockName(s).port)
      const d = yield* s.receivefrom(8192, oneSecond)
      expect(text(d.data)).toBe("v4")
      expect(d.address).toBe("::ffff:127.0.0.1")
      // after creation (lua: nil, "setsockopt failed")
      expect((yield* failure(s.setOption("ipv6-v6only", true)))._tag).toBe("Unsupported")
      // -1/0 hops: Node's setTTL takes 1..255
      expect((yield* failure(s.setOption("ipv6-unicast-hops", -1)))._tag).toBe("Unsupported")
      // IPv4 multicast options on an IPv6 socket
      expect((yield* failure(s.setOption("ip-multicast-ttl", 3)))._tag).toBe("Unsupported")
      // a membership with a bad interface index
      const noIf = yield* failure(s.setOption("ipv6-add-membership", { multiaddr: "ff02::1:3", interface: 999999 }))
      expect(noIf._tag).toBe("InvalidArgument")
      expect((yield* failure(s.setOption("ipv6-add-membership", { multiaddr: "ff02::1:3", interface: "*" })))._tag).toBe("InvalidArgument")
    }))
})

describe.skipIf(!multicastProbe.ok)(
  multicastProbe.ok ? "UDP multicast over loopback" : `UDP multicast over loopback — SKIPPED: ${multicastProbe.reason}`,
  () => {
    it.scopedLive("join 239.255.77.2 on 127.0.0.1, send with loop on, receive it; drop the membership", () =>
      Effect.gen(function*() {
        const group = "239.255.77.2"
        const rx = yield* Udp.open({ family: "inet", timeout: oneSecond })
        yield* rx.setOption("reuseaddr", true)
        // recorded before the socket exists, applied at setsockname
        yield* rx.setOption("ip-add-membership", { multiaddr: group, interface: "127.0.0.1" })
        yield* rx.setsockname("*", 0)
        const port = sockName(rx).port
        const tx = yield* Udp.bind("127.0.0.1", 0, { family: "inet" })
        yield* tx.setOption("ip-multicast-if", "127.0.0.1")
        yield* tx.setOption("ip-multicast-loop", true)
        yield* tx.setOption("ip-multicast-ttl", 1)
        expect(yield* tx.sendto(bytes("to the group"), group, port)).toBe(12)
        const d = yield* rx.receivefrom()
        expect(text(d.data)).toBe("to the group")
        expect(d.port).toBe(sockName(tx).port)
        // joining twice (lua: nil, "setsockopt failed")
        expect(Either.isLeft(yield* Effect.either(rx.setOption("ip-add-membership", { multiaddr: group, interface: "127.0.0.1" })))).toBe(true)
        yield* rx.setOption("ip-drop-membership", { multiaddr: group, interface: "127.0.0.1" })
        yield* tx.sendto(bytes("after drop"), group, port)
        const e = yield* failure(rx.receive(8192, Timeout.make({ block: "150 millis" })))
        expect(e._tag).toBe("Timeout")
      }))
  }
)

// ---- properties of the pure pieces ----------------------------------------------------------

describe("Udp pure pieces", () => {
  it.prop("truncate keeps the first min(size, length) bytes", [fc.uint8Array({ maxLength: 300 }), fc.integer({ min: 0, max: 400 })], ([d, size]) => {
    const r = Udp.truncate(d, size)
    expect(r.length).toBe(Math.min(size, d.length))
    expect(Array.from(r)).toEqual(Array.from(d.slice(0, size)))
  })

  it.prop(
    "parseSize accepts finite numbers >= 0 (floored) and nothing else",
    [fc.oneof(fc.double(), fc.integer(), fc.string(), fc.constant(undefined), fc.constant(null), fc.boolean())],
    ([v]) => {
      const r = Udp.parseSize(v, "receive")
      const ok = typeof v === "number" && Number.isFinite(v) && v >= 0
      expect(Either.isRight(r)).toBe(ok)
      if (Either.isRight(r)) expect(r.right).toBe(Math.floor(v as number))
    }
  )

  const optionNames = [...Object.keys(Udp.options), "bogus", "keepalive"]
  const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((p) => p.join("."))
  const values = fc.oneof(
    fc.boolean(),
    fc.integer({ min: -5, max: 300 }),
    fc.integer(),
    fc.double(),
    fc.constantFrom("*", "::1", "ff02::1", "localhost", "239.1.2.3", "7"),
    ipv4,
    fc.constant(undefined),
    fc.constant(null),
    fc.record({ multiaddr: fc.oneof(ipv4, fc.constantFrom("239.0.0.1", "ff02::1:3", "ff05::2", "zzz")), interface: fc.oneof(ipv4, fc.constantFrom("*", "lo"), fc.integer({ min: -2, max: 5 })) }, { requiredKeys: ["multiaddr"] })
  )
  const families = fc.constantFrom<Udp.Family>("inet", "inet6", "unspec")

  /** The model: which (name, value, family) setoption accepts, written from the spec's rules. */
  const accepted = (name: string, v: unknown, family: Udp.Family): boolean => {
    const spec = (Udp.options as Record<string, { readonly value: string; readonly family: string; readonly unsupported?: string }>)[name]
    if (spec === undefined || spec.value === "none" || spec.unsupported !== undefined) return false
    if (spec.family !== "any" && name !== "ipv6-v6only" && family !== spec.family) return false
    if (name === "ipv6-v6only" && family === "inet") return false
    const isInt = (lo: number, hi: number) => typeof v === "number" && Number.isInteger(v) && v >= lo && v <= hi
    const isV4 = (a: unknown) => typeof a === "string" && /^\d+\.\d+\.\d+\.\d+$/.test(a) && a.split(".").every((x) => Number(x) <= 255 && String(Number(x)) === x)
    const m = v as { multiaddr?: unknown; interface?: unknown } | null
    switch (spec.value) {
      case "boolean":
        return typeof v === "boolean"
      case "ttl":
        return isInt(-1, 255)
      case "unicastHops":
        return isInt(1, 255)
      case "bufferSize":
        return isInt(1, 2 ** 31 - 1)
      case "ipv4OrAny":
        return v === "*" || isV4(v)
      case "membership":
        return typeof m === "object" && m !== null && isV4(m.multiaddr) && Number((m.multiaddr as string).split(".")[0]) >= 224 &&
          Number((m.multiaddr as string).split(".")[0]) <= 239 && (m.interface === "*" || isV4(m.interface))
      case "membership6":
        return typeof m === "object" && m !== null && typeof m.multiaddr === "string" && /^ff[0-9a-f]{0,2}:/i.test(m.multiaddr) &&
          (m.interface === undefined || (typeof m.interface === "number" && Number.isInteger(m.interface) && m.interface >= 0))
      default:
        return false
    }
  }

  it.prop("decodeOption accepts exactly what the model accepts, and every refusal names the option", [fc.constantFrom(...optionNames), values, families], ([name, value, family]) => {
    const r = Udp.decodeOption(name, value, family)
    expect(Either.isRight(r)).toBe(accepted(name, value, family))
    if (Either.isLeft(r)) {
      expect(["InvalidArgument", "Unsupported"]).toContain(r.left._tag)
      expect(r.left.message).toContain(name)
    }
  })

  it.prop(
    "DatagramQueue behaves as a FIFO bounded in count and bytes that counts what it refuses",
    [fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 64 }), fc.array(fc.oneof(fc.nat(20), fc.constant(-1)), { maxLength: 3000 })],
    ([maxCount, maxBytes, ops]) => {
      const q = new Udp.DatagramQueue(maxCount, maxBytes)
      const model: Array<{ id: number; size: number }> = []
      const modelBytes = () => model.reduce((sum, d) => sum + d.size, 0)
      let dropped = 0
      let n = 0
      for (const op of ops) {
        if (op === -1) {
          const got = q.take()
          const want = model.shift()
          expect(got === undefined ? undefined : { id: got.port, size: got.data.length }).toEqual(want)
        } else {
          const id = n++
          const shouldFit = model.length < maxCount && modelBytes() + op <= maxBytes
          expect(q.offer({ data: new Uint8Array(op), address: "x", port: id })).toBe(shouldFit)
          if (shouldFit) model.push({ id, size: op })
          else dropped++
        }
        expect(q.length).toBe(model.length)
        expect(q.bytes).toBe(modelBytes())
        expect(q.dropped).toBe(dropped)
      }
    }
  )
})

describe("docs/core.md", () => {
  it("the UDP options table lists exactly Udp.options, with the same getters", () => {
    const doc = fs.readFileSync(new URL("../../docs/core.md", import.meta.url), "utf8")
    const section = doc.slice(doc.indexOf("### UDP options"))
    const table = section.slice(section.indexOf("| option |")).split("\n\n")[0]!.split("\n").slice(2)
    const rows = new Map<string, boolean>()
    for (const row of table) {
      const [names, get] = row.split(" | ")
      for (const m of names!.matchAll(/`([a-z0-9-]+)`/g)) rows.set(m[1]!, !get!.startsWith("no"))
    }
    expect([...rows.keys()].sort()).toEqual(Object.keys(Udp.options).sort())
    for (const [name, spec] of Object.entries(Udp.options)) expect(rows.get(name), name).toBe(spec.get)
  })
})
