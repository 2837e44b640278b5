/**
 * Loopback integration tests of `TcpSocket` with real sockets (no mocks of `net`), over
 * three transports: 127.0.0.1, ::1 and a unix socket path (plus a Linux abstract name),
 * and 127.0.0.1 once more with `Tcp.fastPaths` off.
 * Expected values follow spec/reference-semantics.md section 1 and what Debian's
 * `lua5.4` + `lua-socket` 3.1.0 print for the same calls (quoted in comments as `lua:`).
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Effect, Either, Exit, Fiber, Schedule } from "effect"
import { spawn } from "node:child_process"
import { randomBytes } from "node:crypto"
import * as fs from "node:fs"
import * as net from "node:net"
import * as os from "node:os"
import * as path from "node:path"
import * as NetError from "../../src/core/NetError.js"
import * as RB from "../../src/core/ReadBuffer.js"
import * as Tcp from "../../src/core/Tcp.js"
import * as Timeout from "../../src/core/Timeout.js"
import { endpoint, ownPair, rawConnect, waitUntil } from "../support.js"

// ---- helpers ---------------------------------------------------------------------------

const bytes = (s: string): Uint8Array => Buffer.from(s, "latin1")
const text = (u: Uint8Array | undefined): string => Buffer.from(u ?? new Uint8Array(0)).toString("latin1")

/** The error of an effect that must fail (dies, failing the test, if it succeeds). */
const failure = <A, R>(self: Effect.Effect<A, NetError.NetError, R>): Effect.Effect<NetError.NetError, never, R> =>
  Effect.flatMap(Effect.either(self), (r) =>
    Either.isLeft(r) ? Effect.succeed(r.left) : Effect.dieMessage(`expected a failure, but it succeeded with ${String(r.right)}`))

const sockName = (s: Tcp.TcpSocket): Tcp.SocketAddress => Either.getOrThrow(s.getSockName())
const peerName = (s: Tcp.TcpSocket): Tcp.SocketAddress => Either.getOrThrow(s.getPeerName())
const leftOf = <A>(e: Either.Either<A, NetError.NetError>): NetError.NetError => {
  if (Either.isRight(e)) throw new Error(`expected Left, got Right ${JSON.stringify(e.right)}`)
  return e.left
}


const elapsedMs = <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<[A, number], E, R> =>
  Effect.suspend(() => {
    const t0 = performance.now()
    return Effect.map(self, (a) => [a, performance.now() - t0] as [A, number])
  })

let randomCache: Buffer | undefined
/** 64 MiB of random bytes, made once. */
const random64 = (): Buffer => (randomCache ??= randomBytes(64 * 1024 * 1024))

const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), "effect-luasocket-tcp-"))
afterAll(() => fs.rmSync(tmpDir, { recursive: true, force: true }))
let pathCounter = 0
const freshUnixPath = (): string => path.join(tmpDir, `s${++pathCounter}.sock`)

const hasIPv6Loopback = Object.values(os.networkInterfaces()).some((list) => (list ?? []).some((i) => i.address === "::1"))

interface Transport {
  readonly name: string
  readonly family: "inet" | "inet6" | "unix"
  readonly luaFamily: "inet4" | "inet6" | "unix"
  /** Host to listen on (a fresh path for unix). */
  readonly host: () => string
  readonly available: boolean
  readonly skipReason?: string
  /** Run with Tcp.fastPaths off (accepted sockets read through 'data' events, no direct write(2), no write batching, no reuse of Node sockets). */
  readonly fastPathsOff?: boolean
}

const transports: ReadonlyArray<Transport> = [
  { name: "127.0.0.1", family: "inet", luaFamily: "inet4", host: () => "127.0.0.1", available: true },
  {
    name: "::1",
    family: "inet6",
    luaFamily: "inet6",
    host: () => "::1",
    available: hasIPv6Loopback,
    skipReason: "no IPv6 loopback address (::1) on this machine"
  },
  { name: "unix path", family: "unix", luaFamily: "unix", host: freshUnixPath, available: true },
  { name: "127.0.0.1 with Tcp.fastPaths off", family: "inet", luaFamily: "inet4", host: () => "127.0.0.1", available: true, fastPathsOff: true }
]

/** Where a listening server can be reached: [host, port]. */

/** A connected client and its accepted peer on `server`. */
const pairOn = (server: Tcp.TcpSocket, options: Tcp.ClientOptions = {}) =>
  Effect.gen(function*() {
    const [host, port] = endpoint(server)
    const client = yield* Tcp.connect(host, port, options)
    const conn = yield* server.accept()
    return { client, conn }
  })

const setup = (t: Transport, options: Tcp.ServerOptions = {}) =>
  Effect.gen(function*() {
    const server = yield* Tcp.listen(t.host(), 0, options)
    const { client, conn } = yield* pairOn(server)
    return { server, client, conn }
  })

/** An address where nothing listens (for unix: a regular file, which refuses connections). */
const refusingEndpoint = (t: Transport): Effect.Effect<[string, number], NetError.NetError> => {
  if (t.family === "unix") {
    const p = freshUnixPath()
    fs.writeFileSync(p, "")
    return Effect.succeed([p, 0])
  }
  return Effect.scoped(Effect.map(Tcp.listen(t.host(), 0), endpoint))
}

const receivePatterns: ReadonlyArray<readonly [string, RB.Pattern]> = [
  ["line", RB.line],
  ["lineMax(100)", RB.lineMax(100)],
  ["exactly(10)", RB.exactly(10)],
  ["all", RB.all],
  ["available()", RB.available()]
]

// ---- per transport ---------------------------------------------------------------------

for (const t of transports) {
  const title = t.available ? `TcpSocket over ${t.name}` : `TcpSocket over ${t.name} — SKIPPED: ${t.skipReason}`
  describe.skipIf(!t.available)(title, () => {
    if (t.fastPathsOff) {
      const saved = { ...Tcp.fastPaths }
      beforeAll(() => {
        Tcp.fastPaths.acceptedOnread = false
        Tcp.fastPaths.directWrite = false
        Tcp.fastPaths.batchWrites = false
        Tcp.fastPaths.reuseSockets = false
      })
      afterAll(() => {
        Object.assign(Tcp.fastPaths, saved)
      })
    }
    // -- listen / bind ---------------------------------------------------------------------

    it.scopedLive("listen on port 0: a server whose getsockname gives the real address and port", () =>
      Effect.gen(function*() {
        const host = t.host()
        const server = yield* Tcp.listen(host, 0)
        expect(server.kind).toBe("server")
        expect(server.className).toBe("tcp{server}")
        expect(server.getFamily()).toBe(t.luaFamily)
        const a = sockName(server)
        expect(a.family).toBe(t.family)
        if (t.family === "unix") {
          expect(a).toEqual({ address: host, port: 0, family: "unix" })
          expect(fs.statSync(host).isSocket()).toBe(true)
        } else {
          expect(a.address).toBe(host)
          expect(a.port).toBeGreaterThan(0)
          expect(a.port).toBeLessThan(65536)
        }
        // the reported endpoint is the real one: a plain Node client reaches it
        const raw = yield* rawConnect(a.address, a.port)
        const conn = yield* server.accept()
        raw.write("ping\n")
        expect(text(yield* conn.receive(RB.line))).toBe("ping")
        // getfd of a listening server is a real descriptor
        expect(server.getFd()).toBeGreaterThanOrEqual(0)
      }))

    it.scopedLive("master: bind records the address, listen makes it a server; wrong-state bind/listen fail", () =>
      Effect.gen(function*() {
        const m = yield* Tcp.master()
        expect(m.kind).toBe("master")
        expect(m.className).toBe("tcp{master}")
        const host = t.host()
        yield* m.bind(host, 0)
        const bound = sockName(m)
        expect(bound.family).toBe(t.family)
        expect(bound.address).toBe(host)
        expect(m.getFamily()).toBe(t.luaFamily)
        // bind twice: EINVAL (lua: nil, "Invalid argument")
        const twice = yield* failure(m.bind(host, 0))
        expect(twice._tag).toBe("InvalidArgument")
        expect(twice.code).toBe("EINVAL")
        yield* m.listen()
        expect(m.kind).toBe("server")
        if (t.family !== "unix") expect(sockName(m).port).toBeGreaterThan(0)
        // listen again / bind on a server: wrong class, naming the expected one
        const again = yield* failure(m.listen())
        expect(again._tag).toBe("InvalidArgument")
        expect(again.detail).toContain("tcp{master}")
        const bindOnServer = yield* failure(m.bind(host, 0))
        expect(bindOnServer._tag).toBe("InvalidArgument")
        expect(bindOnServer.detail).toContain("tcp{master}")
        // bad backlog
        const m2 = yield* Tcp.master()
        const badBacklog = yield* failure(m2.listen(-1))
        expect(badBacklog._tag).toBe("InvalidArgument")
        expect(badBacklog.detail).toContain("-1")
      }))

    it.scopedLive("a second listen on the same address fails AddressInUse (\"address already in use\"); the first still serves", () =>
      Effect.gen(function*() {
        const server = yield* Tcp.listen(t.host(), 0)
        const [host, port] = endpoint(server)
        const e = yield* failure(Tcp.listen(host, port))
        expect(e._tag).toBe("AddressInUse")
        expect(NetError.luaMessage(e)).toBe("address already in use")
        expect(e.code).toBe("EADDRINUSE")
        // through master + bind: bind fails at once, as LuaSocket's (a server of this process holds the port)
        const m = yield* Tcp.master()
        // a unix path is checked when listen creates the socket file
        const e2 = t.name === "unix path" ? yield* Effect.zipRight(m.bind(host, port), failure(m.listen())) : yield* failure(m.bind(host, port))
        expect(e2._tag).toBe("AddressInUse")
        expect(e2.code).toBe("EADDRINUSE")
        const { client, conn } = yield* pairOn(server)
        yield* client.send(bytes("still here\n"))
        expect(text(yield* conn.receive(RB.line))).toBe("still here")
      }))

    // -- connect ---------------------------------------------------------------------------

    it.scopedLive("connect/accept: kinds, classes, families, names and descriptors", () =>
      Effect.gen(function*() {
        const { server, client, conn } = yield* setup(t)
        const [host, port] = endpoint(server)
        expect(client.kind).toBe("client")
        expect(client.className).toBe("tcp{client}")
        expect(conn.kind).toBe("client")
        for (const s of [server, client, conn]) expect(s.getFamily()).toBe(t.luaFamily)
        const peer = peerName(client)
        expect(peer).toEqual({ address: host, port, family: t.family })
        if (t.family === "unix") {
          expect(sockName(client)).toEqual({ address: "", port: 0, family: "unix" })
          expect(sockName(conn).family).toBe("unix")
          expect(peerName(conn).family).toBe("unix")
        } else {
          const local = sockName(client)
          expect(local.family).toBe(t.family)
          expect(local.address).toBe(host)
          expect(local.port).toBeGreaterThan(0)
          // each side sees the other's endpoint
          expect(peerName(conn)).toEqual(local)
          expect(sockName(conn)).toEqual({ address: host, port, family: t.family })
        }
        const fds = [server.getFd(), client.getFd(), conn.getFd()]
        for (const fd of fds) expect(fd).toBeGreaterThanOrEqual(0)
        expect(new Set(fds).size).toBe(3)
        // the descriptor really is the socket: /proc says so
        expect(fs.readlinkSync(`/proc/self/fd/${client.getFd()}`)).toMatch(/^socket:\[\d+\]$/)
        // the accepted socket reads through 'data' events only when the onread fast path is off
        const rawConn = (conn as unknown as { socket?: net.Socket }).socket
        if (rawConn !== undefined) expect(rawConn.listenerCount("data") > 0).toBe(t.fastPathsOff === true)
      }))

    it.scopedLive("connect refused: ConnectionRefused (\"connection refused\"); the master becomes a client anyway", () =>
      Effect.gen(function*() {
        const [host, port] = yield* refusingEndpoint(t)
        const m = yield* Tcp.master()
        expect(m.getFd()).toBe(-1)
        const e = yield* failure(m.connect(host, port))
        expect(e._tag).toBe("ConnectionRefused")
        expect(NetError.luaMessage(e)).toBe("connection refused")
        expect(e.code).toBe("ECONNREFUSED")
        expect(m.kind).toBe("client")
        expect(m.className).toBe("tcp{client}")
        // lua: send -> nil, "closed", 0.0; receive -> nil, "closed"; getpeername -> "Transport endpoint is not connected"
        const s = yield* failure(m.send(bytes("hello")))
        expect(s._tag).toBe("Closed")
        expect(s.lastIndex).toBe(0)
        const r = yield* failure(m.receive(RB.line))
        expect(r._tag).toBe("Closed")
        const p = leftOf(m.getPeerName())
        expect(p._tag).toBe("NotConnected")
        expect(NetError.luaMessage(p)).toBe("Transport endpoint is not connected")
        // the shortcut constructor fails the same way
        const e2 = yield* failure(Tcp.connect(host, port))
        expect(e2._tag).toBe("ConnectionRefused")
        // a failed client may connect again (lua: "refused then ok" -> 1.0)
        const server = yield* Tcp.listen(t.host(), 0)
        const [h2, p2] = endpoint(server)
        yield* m.connect(h2, p2)
        const conn = yield* server.accept()
        yield* m.send(bytes("after all\n"))
        expect(text(yield* conn.receive(RB.line))).toBe("after all")
      }))

    if (t.family === "unix") {
      it.scopedLive("connect to a unix path that does not exist: ENOENT, lua's \"No such file or directory\"", () =>
        Effect.gen(function*() {
          const e = yield* failure(Tcp.connect(path.join(tmpDir, "does-not-exist.sock")))
          expect(e.code).toBe("ENOENT")
          expect(NetError.luaMessage(e)).toBe("No such file or directory")
        }))
    }

    it.scopedLive("connect on a connected client fails AlreadyConnected (\"already connected\")", () =>
      Effect.gen(function*() {
        const { server, client, conn } = yield* setup(t)
        const [host, port] = endpoint(server)
        const e = yield* failure(client.connect(host, port))
        expect(e._tag).toBe("AlreadyConnected")
        expect(NetError.luaMessage(e)).toBe("already connected")
        // the existing connection is untouched
        yield* client.send(bytes("ok\n"))
        expect(text(yield* conn.receive(RB.line))).toBe("ok")
        // connect on a server is the wrong class
        const s = yield* failure(server.connect(host, port))
        expect(s._tag).toBe("InvalidArgument")
        expect(s.detail).toContain("tcp{master}")
        // connect after close
        yield* client.close
        const c = yield* failure(client.connect(host, port))
        expect(c._tag).toBe("Closed")
      }))

    it.scopedLive("connect with settimeout(0) times out at once; the client can connect afterwards", () =>
      Effect.gen(function*() {
        const server = yield* Tcp.listen(t.host(), 0)
        const [host, port] = endpoint(server)
        const m = yield* Tcp.master()
        yield* m.setTimeout(0)
        const e = yield* failure(m.connect(host, port))
        expect(e._tag).toBe("Timeout")
        expect(NetError.luaMessage(e)).toBe("timeout")
        expect(m.kind).toBe("client")
        yield* m.setTimeout(-1)
        yield* m.connect(host, port)
        const conn = yield* server.accept()
        yield* m.send(bytes("x\n"))
        expect(text(yield* conn.receive(RB.line))).toBe("x")
      }))

    it.scopedLive("connect retry: with a Schedule, refused attempts are retried until the server listens", () =>
      Effect.gen(function*() {
        // an address nobody listens on yet
        const host = t.family === "unix" ? freshUnixPath() : t.host()
        const port = t.family === "unix" ? 0 : (yield* Effect.scoped(Effect.map(Tcp.listen(host, 0), endpoint)))[1]
        // without retry: fails at once
        const first = yield* failure(Tcp.connect(host, port))
        expect(first._tag).toBe(t.family === "unix" ? "Unknown" : "ConnectionRefused")
        const failures: Array<string> = []
        const retry = Schedule.recurs(20).pipe(
          Schedule.intersect(Schedule.spaced("50 millis")),
          Schedule.tapInput((e: NetError.NetError) => Effect.sync(() => failures.push(e._tag)))
        )
        const connecting = yield* Effect.fork(Tcp.connect(host, port, { retry }))
        yield* Effect.sleep("180 millis")
        expect(connecting.unsafePoll()).toBeNull()
        const server = yield* Tcp.listen(host, port)
        const client = yield* Fiber.join(connecting)
        const conn = yield* server.accept()
        expect(failures.length).toBeGreaterThanOrEqual(2)
        yield* client.send(bytes("retried\n"))
        expect(text(yield* conn.receive(RB.line))).toBe("retried")
        // an exhausted schedule gives the last error
        const [h2, p2] = yield* refusingEndpoint(t)
        const exhausted = yield* failure(Tcp.connect(h2, p2, { retry: Schedule.recurs(2) }))
        expect(exhausted._tag).toBe("ConnectionRefused")
      }))

    // -- accept ----------------------------------------------------------------------------

    it.scopedLive("accept times out with settimeout 0 and 0.1; accepted clients get -1/-1 timeouts", () =>
      Effect.gen(function*() {
        const server = yield* Tcp.listen(t.host(), 0)
        yield* server.setTimeout(0)
        const [e0, ms0] = yield* elapsedMs(failure(Effect.scoped(server.accept())))
        expect(e0._tag).toBe("Timeout")
        expect(NetError.luaMessage(e0)).toBe("timeout")
        expect(ms0).toBeLessThan(100)
        yield* server.setTimeout(0.1)
        expect(server.getTimeout()).toEqual({ block: 0.1, total: -1 })
        const [e1, ms1] = yield* elapsedMs(failure(Effect.scoped(server.accept())))
        expect(e1._tag).toBe("Timeout")
        expect(ms1).toBeGreaterThanOrEqual(90)
        expect(ms1).toBeLessThan(1000)
        // total mode as well
        yield* server.setTimeout(undefined)
        yield* server.setTimeout(0.1, "t")
        expect(server.getTimeout()).toEqual({ block: -1, total: 0.1 })
        const [e2, ms2] = yield* elapsedMs(failure(Effect.scoped(server.accept())))
        expect(e2._tag).toBe("Timeout")
        expect(ms2).toBeGreaterThanOrEqual(90)
        // takePending with nothing pending: EAGAIN
        const none = yield* failure(server.takePending())
        expect(none.code).toBe("EAGAIN")
        // a pending connection is accepted within the timeout, and does not inherit it
        const { client, conn } = yield* pairOn(server)
        expect(conn.getTimeout()).toEqual({ block: -1, total: -1 })
        expect(conn.timeout).toEqual(Timeout.infinite)
        expect(client.getTimeout()).toEqual({ block: -1, total: -1 })
        // with settimeout(0), an already pending connection is still accepted
        yield* server.setTimeout(0)
        const { conn: conn2 } = yield* Effect.gen(function*() {
          const [host, port] = endpoint(server)
          yield* Tcp.connect(host, port)
          yield* waitUntil("the connection to be pending", () => server.readable)
          return { conn: yield* server.accept() }
        })
        expect(conn2.kind).toBe("client")
        expect(conn2.getTimeout()).toEqual({ block: -1, total: -1 })
      }))

    it.scopedLive("acceptPollOrTimeout: Timeout at once when none is pending, else the pending connection (owned by the caller); wrong class and closed as accept", () =>
      Effect.gen(function*() {
        const server = yield* Tcp.listen(t.host(), 0)
        const none = server.acceptPollOrTimeout()
        expect(NetError.isNetError(none) && none._tag).toBe("Timeout")
        expect(NetError.luaMessage(none as NetError.NetError)).toBe("timeout")
        expect((none as NetError.NetError).operation).toBe("accept")
        const [host, port] = endpoint(server)
        const client = yield* Tcp.connect(host, port)
        yield* waitUntil("the connection to be pending", () => server.readable)
        const conn = server.acceptPollOrTimeout()
        expect(conn).toBeInstanceOf(Tcp.TcpSocket)
        const accepted = conn as Tcp.TcpSocket
        expect(accepted.kind).toBe("client")
        yield* client.send(bytes("hi\n"))
        expect(text(yield* accepted.receive(RB.line))).toBe("hi")
        accepted.closeNow()
        const wrong = client.acceptPollOrTimeout()
        expect(NetError.isNetError(wrong) && wrong._tag).toBe("InvalidArgument")
        server.closeNow()
        const closed = server.acceptPollOrTimeout()
        expect(NetError.isNetError(closed) && closed._tag).toBe("Closed")
      }))

    it.scopedLive("accept and receive on the wrong class fail InvalidArgument naming the expected class", () =>
      Effect.gen(function*() {
        const { server, client } = yield* setup(t)
        const a = yield* failure(Effect.scoped(client.accept()))
        expect(a._tag).toBe("InvalidArgument")
        expect(a.detail).toContain("tcp{server}")
        const m = yield* Tcp.master()
        const am = yield* failure(Effect.scoped(m.accept()))
        expect(am._tag).toBe("InvalidArgument")
        expect(am.detail).toContain("tcp{server}")
        const s = yield* failure(server.send(bytes("x")))
        expect(s._tag).toBe("InvalidArgument")
        expect(s.detail).toContain("tcp{client}")
        expect(s.lastIndex).toBe(0)
        const ms = yield* failure(m.send(bytes("x")))
        expect(ms._tag).toBe("InvalidArgument")
        expect(ms.detail).toContain("tcp{client}")
        const r = yield* failure(server.receive(RB.line))
        expect(r._tag).toBe("InvalidArgument")
        expect(r.detail).toContain("tcp{client}")
        const mr = yield* failure(m.receive(RB.line))
        expect(mr._tag).toBe("InvalidArgument")
        const l = yield* failure(client.listen())
        expect(l._tag).toBe("InvalidArgument")
        expect(l.detail).toContain("tcp{master}")
        const b = yield* failure(client.bind(t.host(), 0))
        expect(b._tag).toBe("InvalidArgument")
        expect(b.detail).toContain("tcp{master}")
        const sh = yield* failure(server.shutdown("both"))
        expect(sh._tag).toBe("InvalidArgument")
        expect(sh.detail).toContain("tcp{client}")
        const shm = yield* failure(m.shutdown("send"))
        expect(shm._tag).toBe("InvalidArgument")
        expect(shm.detail).toContain("tcp{client}")
        const tp = yield* failure(client.takePending())
        expect(tp._tag).toBe("InvalidArgument")
        expect(tp.detail).toContain("tcp{server}")
      }))

    it.scopedLive("acceptWith and withConnection: the connection lives exactly as long as `use`", () =>
      Effect.gen(function*() {
        const server = yield* Tcp.listen(t.host(), 0)
        const [host, port] = endpoint(server)
        let serverSide: Tcp.TcpSocket | undefined
        let clientSide: Tcp.TcpSocket | undefined
        const serving = yield* Effect.fork(server.acceptWith((conn) =>
          Effect.gen(function*() {
            serverSide = conn
            expect(conn.kind).toBe("client")
            expect(conn.getTimeout()).toEqual({ block: -1, total: -1 })
            const l = yield* conn.receive(RB.line)
            yield* conn.send(bytes(`echo ${text(l)}\n`))
            return text(l)
          })
        ))
        const reply = yield* Tcp.withConnection(host, port, (client) =>
          Effect.gen(function*() {
            clientSide = client
            yield* client.send(bytes("hi\n"))
            return text(yield* client.receive(RB.line))
          }))
        expect(reply).toBe("echo hi")
        expect(yield* Fiber.join(serving)).toBe("hi")
        expect(serverSide?.isClosed).toBe(true)
        expect(clientSide?.isClosed).toBe(true)
        expect(clientSide?.getFd()).toBe(-1)
        // failures: refused, wrong class, timeout
        const [h2, p2] = yield* refusingEndpoint(t)
        const refused = yield* failure(Tcp.withConnection(h2, p2, () => Effect.void))
        expect(refused._tag).toBe("ConnectionRefused")
        const m = yield* Tcp.master()
        const wrong = yield* failure(m.acceptWith(() => Effect.void))
        expect(wrong._tag).toBe("InvalidArgument")
        expect(wrong.detail).toContain("tcp{server}")
        yield* server.setTimeout(0.05)
        const to = yield* failure(server.acceptWith(() => Effect.void))
        expect(to._tag).toBe("Timeout")
        // an error of `use` closes the connection too
        yield* server.setTimeout(-1)
        const serving2 = yield* Effect.fork(Effect.either(server.acceptWith((conn) => {
          serverSide = conn
          return Effect.fail("use failed" as const)
        })))
        const r = yield* Effect.either(Tcp.withConnection(host, port, (client) => {
          clientSide = client
          return client.receive(RB.all)
        }))
        expect(Either.isLeft(r) && r.left._tag).toBe("Closed")
        expect(yield* Fiber.join(serving2)).toEqual(Either.left("use failed"))
        expect(serverSide?.isClosed).toBe(true)
        expect(clientSide?.isClosed).toBe(true)
      }))

    it.scopedLive("a wait under a finite timeout is interrupted at once when a concurrent sibling fails (Effect.all)", () =>
      Effect.gen(function*() {
        const { server, client, conn } = yield* setup(t)
        for (const s of [server, client, conn]) yield* s.setTimeout(5)
        const sibling = Effect.zipRight(Effect.sleep("20 millis"), Effect.fail("sibling" as const))
        const big = random64().subarray(0, 32 * 1024 * 1024)
        const waits: ReadonlyArray<readonly [string, Effect.Effect<unknown, NetError.NetError>]> = [
          ["receive", client.receive(RB.line)],
          ["accept", Effect.scoped(server.accept())],
          ["send", conn.send(big)]
        ]
        for (const [name, wait] of waits) {
          const [r, ms] = yield* elapsedMs(Effect.either(Effect.all([wait, sibling], { concurrency: "unbounded" })))
          expect(r, name).toEqual(Either.left("sibling"))
          expect(ms, name).toBeLessThan(1000)
        }
      }))

    it.scopedLive("more pending connections than maxPending are reset and counted", () =>
      Effect.gen(function*() {
        const server = yield* Tcp.listen(t.host(), 0, { maxPending: 1 })
        const [host, port] = endpoint(server)
        yield* Tcp.connect(host, port)
        yield* waitUntil("the first connection to be pending", () => server.readable)
        // the client may see the reset already during connect (ECONNRESET) or only later
        yield* Effect.either(Tcp.connect(host, port))
        yield* Effect.either(Tcp.connect(host, port))
        yield* waitUntil("two connections to be dropped", () => server.droppedConnections >= 2)
        expect(server.droppedConnections).toBe(2)
        const conn = yield* server.accept()
        expect(conn.kind).toBe("client")
      }))

    // -- send ------------------------------------------------------------------------------

    it.scopedLive("send returns the last index; i/j follow string.sub; empty data returns 0; i past the end returns i-1", () =>
      Effect.gen(function*() {
        const { client, conn } = yield* setup(t)
        const hello = bytes("hello")
        // [i, j, lua's return value, bytes sent]
        const cases: ReadonlyArray<readonly [number | undefined, number | undefined, number, string]> = [
          [undefined, undefined, 5, "hello"],
          [2, 3, 3, "el"], // lua: 3.0
          [-2, undefined, 5, "lo"], // lua: 5.0
          [0, 100, 5, "hello"],
          [-100, 2, 2, "he"],
          [2, -2, 4, "ell"],
          [3, 1, 2, ""],
          [10, undefined, 9, ""], // lua: send("hello", 10) -> 9.0
          [6, undefined, 5, ""]
        ]
        let expected = ""
        for (const [i, j, last, sent] of cases) {
          expect(yield* client.send(hello, i, j), `send("hello", ${i}, ${j})`).toBe(last)
          expected += sent
        }
        expect(yield* client.send(new Uint8Array(0))).toBe(0) // lua: send("") -> 0.0
        expect(yield* client.send(new Uint8Array(0), 3)).toBe(2)
        expect(client.getStats().sent).toBe(expected.length)
        expect(text(yield* conn.receive(RB.exactly(expected.length)))).toBe(expected)
        // nothing else was sent
        yield* conn.setTimeout(0.05)
        const extra = yield* failure(conn.receive(RB.available()))
        expect(extra._tag).toBe("Timeout")
        expect(extra.partial?.length).toBe(0)
      }))

    it.scopedLive("back-to-back bulk sends in one tick leave together (corked until the end of the tick), intact and in order with small sends between", () =>
      Effect.gen(function*() {
        const { client, conn } = yield* setup(t)
        const node = (client as unknown as { readonly socket: net.Socket }).socket
        const chunk = (seed: number, n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff)
        const parts = [chunk(1, 65536), chunk(2, 65536), bytes("small"), chunk(3, 5000), chunk(4, 100_000)]
        // all in one fiber run, hence in one tick
        expect(yield* client.send(parts[0]!)).toBe(65536) // the first: a direct write
        expect(yield* client.send(parts[1]!)).toBe(65536) // the second large one corks the stream
        expect(node.writableCorked).toBe(t.fastPathsOff === true ? 0 : 1)
        for (const p of parts.slice(2)) expect(yield* client.send(p)).toBe(p.length)
        const total = parts.reduce((n, p) => n + p.length, 0)
        const got = yield* conn.receive(RB.exactly(total))
        expect(Buffer.from(got).equals(Buffer.concat(parts))).toBe(true)
        expect(node.writableCorked).toBe(0) // uncorked at the end of the tick
        expect(client.getStats().sent).toBe(total)
      }))

    it.scopedLive("send after close fails Closed with lastIndex = i - 1", () =>
      Effect.gen(function*() {
        const { client } = yield* setup(t)
        yield* client.close
        const e = yield* failure(client.send(bytes("hello")))
        expect(e._tag).toBe("Closed")
        expect(NetError.luaMessage(e)).toBe("closed")
        expect(e.lastIndex).toBe(0)
        const e2 = yield* failure(client.send(bytes("hello"), 2)) // lua: nil, "closed", 1.0
        expect(e2.lastIndex).toBe(1)
        const e3 = yield* failure(client.send(bytes("hello"), -2))
        expect(e3.lastIndex).toBe(3)
      }))

    it.scopedLive("send to a peer that never reads waits; with settimeout(0.2) it fails Timeout with lastIndex < total, and exactly those bytes arrive", () =>
      Effect.gen(function*() {
        const big = random64()
        // infinite timeout: the send is still waiting after 300 ms, and completes when the peer reads
        {
          const { client, conn } = yield* setup(t)
          const sending = yield* Effect.fork(client.send(big))
          yield* Effect.sleep("300 millis")
          expect(sending.unsafePoll()).toBeNull()
          expect(client.writable).toBe(false)
          const got = yield* conn.receive(RB.exactly(big.length))
          expect(yield* Fiber.join(sending)).toBe(big.length)
          expect(Buffer.from(got).equals(big)).toBe(true)
          expect(client.getStats().sent).toBe(big.length)
        }
        // settimeout(0.2): Timeout with the index of the last byte handed over
        {
          const { client, conn } = yield* setup(t)
          yield* client.setTimeout(0.2)
          const [e, ms] = yield* elapsedMs(failure(client.send(big)))
          expect(e._tag).toBe("Timeout")
          expect(NetError.luaMessage(e)).toBe("timeout")
          expect(ms).toBeGreaterThanOrEqual(180)
          expect(ms).toBeLessThan(2000)
          const last = e.lastIndex!
          expect(last).toBeGreaterThan(0)
          expect(last).toBeLessThan(big.length)
          expect(client.getStats().sent).toBe(last)
          // with i = 1001: lastIndex counts from i
          const e2 = yield* failure(client.send(big, 1001))
          expect(e2._tag).toBe("Timeout")
          expect(e2.lastIndex).toBeGreaterThanOrEqual(1000)
          const last2 = e2.lastIndex!
          // closing flushes what send accepted: the peer gets exactly big[0, last) + big[1000, last2)
          yield* client.close
          const got = yield* conn.receive(RB.all)
          const expected = Buffer.concat([big.subarray(0, last), big.subarray(1000, last2)])
          expect(got.length).toBe(expected.length)
          expect(Buffer.from(got).equals(expected)).toBe(true)
        }
      }))

    // -- receive ---------------------------------------------------------------------------

    it.scopedLive("receivePoll: buffered lines at once, undefined (nothing consumed) when it would wait, Closed with the partial at the end", () =>
      Effect.gen(function*() {
        const { client, conn } = yield* setup(t)
        expect(conn.receivePoll(RB.line)).toBeUndefined()
        yield* client.send(bytes("one\r\ntwo\nthr"))
        yield* conn.setTimeout(2)
        // wait until the bytes are there, without consuming them
        expect(text(yield* conn.receive(RB.exactly(0)))).toBe("")
        for (let i = 0; i < 100 && conn.receivePoll(RB.exactly(12)) === undefined; i++) yield* Effect.sleep("10 millis")
        // exactly(12) consumed everything: put the same bytes through lines now
        yield* client.send(bytes("one\r\ntwo\nthr"))
        let polled: Uint8Array | NetError.NetError | undefined
        for (let i = 0; i < 100 && (polled = conn.receivePoll(RB.line)) === undefined; i++) yield* Effect.sleep("10 millis")
        expect(text(polled as Uint8Array)).toBe("one")
        expect(text(conn.receivePoll(RB.line) as Uint8Array)).toBe("two")
        expect(conn.receivePoll(RB.line)).toBeUndefined()
        expect(conn.getStats().received).toBe(24)
        yield* client.close
        let closed: Uint8Array | NetError.NetError | undefined
        for (let i = 0; i < 100 && (closed = conn.receivePoll(RB.line)) === undefined; i++) yield* Effect.sleep("10 millis")
        expect(NetError.isNetError(closed) && closed._tag).toBe("Closed")
        expect(text((closed as NetError.NetError).partial!)).toBe("thr")
      }))

    it.scopedLive("receivePollOrTimeout: the zero-budget receive at once: Timeout with the partial it consumed, the line, Closed at the end", () =>
      Effect.gen(function*() {
        const { client, conn } = yield* setup(t)
        const nothing = conn.receivePollOrTimeout(RB.line)
        expect(NetError.isNetError(nothing) && nothing._tag).toBe("Timeout")
        expect(text((nothing as NetError.NetError).partial!)).toBe("")
        yield* client.send(bytes("abc"))
        for (let i = 0; i < 100 && conn.getStats().received < 3; i++) yield* Effect.sleep("10 millis")
        const partial = conn.receivePollOrTimeout(RB.line, bytes(">"))
        expect(NetError.isNetError(partial) && partial._tag).toBe("Timeout")
        expect(text((partial as NetError.NetError).partial!)).toBe(">abc") // consumed, as LuaSocket's settimeout(0)
        yield* client.send(bytes("def\r\n"))
        for (let i = 0; i < 100 && conn.getStats().received < 8; i++) yield* Effect.sleep("10 millis")
        expect(text(conn.receivePollOrTimeout(RB.line) as Uint8Array)).toBe("def")
        yield* client.close
        let closed: Uint8Array | NetError.NetError = conn.receivePollOrTimeout(RB.all)
        for (let i = 0; i < 100 && NetError.isNetError(closed) && closed._tag === "Timeout"; i++) {
          yield* Effect.sleep("10 millis")
          closed = conn.receivePollOrTimeout(RB.all)
        }
        expect(NetError.isNetError(closed) && closed._tag).toBe("Closed")
      }))

    it.scopedLive("receiveLinesPoll: every complete buffered line in one call (CRs dropped, max, maxLength), the rest for receivePoll", () =>
      Effect.gen(function*() {
        const { client, conn } = yield* setup(t)
        const into: Array<Uint8Array> = []
        expect(conn.receiveLinesPoll(into)).toBe(0)
        yield* client.send(bytes("one\r\ntwo\nthree\n\nlong-line\nrest"))
        for (let i = 0; i < 100 && conn.getStats().received < 30; i++) yield* Effect.sleep("10 millis")
        expect(conn.receiveLinesPoll(into, 2)).toBe(2)
        expect(conn.receiveLinesPoll(into, undefined, 5)).toBe(2) // stops before "long-line"
        expect(into.map(text)).toEqual(["one", "two", "three", ""])
        const tooLong = conn.receivePoll(RB.lineMax(5))
        expect(NetError.isNetError(tooLong) && tooLong._tag).toBe("LineTooLong")
        expect(text(conn.receivePoll(RB.line) as Uint8Array)).toBe("ine")
        expect(conn.receiveLinesPoll(into)).toBe(0) // "rest" has no LF yet
        yield* client.close
        let closed: Uint8Array | NetError.NetError | undefined
        for (let i = 0; i < 100 && (closed = conn.receivePoll(RB.line)) === undefined; i++) yield* Effect.sleep("10 millis")
        expect(NetError.isNetError(closed) && closed._tag).toBe("Closed")
        expect(text((closed as NetError.NetError).partial!)).toBe("rest")
        expect(conn.receiveLinesPoll(into)).toBe(0)
      }))

    it.scopedLive("receiveInto: 4 MiB through one reused 64 KiB buffer arrive intact, then Closed; Timeout when nothing comes", () =>
      Effect.gen(function*() {
        const { client, conn } = yield* setup(t)
        const payload = randomBytes(4 << 20)
        const sender = yield* Effect.fork(Effect.zipRight(client.send(payload), client.shutdown("send")))
        const target = new Uint8Array(65536)
        const received = Buffer.alloc(payload.length + 1)
        let at = 0
        const end = yield* Effect.gen(function*() {
          for (;;) {
            const n = yield* conn.receiveInto(target)
            received.set(target.subarray(0, n), at)
            at += n
          }
        }).pipe(Effect.flip)
        yield* Fiber.join(sender)
        expect(end._tag).toBe("Closed")
        expect(at).toBe(payload.length)
        expect(received.subarray(0, at).equals(payload)).toBe(true)
        // nothing buffered and the peer silent: the socket's timeout applies
        const { client: c2, conn: k2 } = yield* pairOn(yield* Tcp.listen(t.host(), 0))
        yield* k2.setTimeout(0.05)
        expect((yield* Effect.flip(k2.receiveInto(target)))._tag).toBe("Timeout")
        yield* c2.send(bytes("abc"))
        yield* k2.setTimeout(2)
        expect(yield* k2.receiveInto(target)).toBe(3)
      }))

    it.scopedLive("receive over the wire: line drops every CR, exactly n counts the prefix, receive(0), available, all", () =>
      Effect.gen(function*() {
        const { client, conn } = yield* setup(t)
        yield* conn.setTimeout(2)
        // line: every CR dropped, empty line
        yield* client.send(bytes("ab\r\rc\r\nxy\n\n\r\n"))
        expect(text(yield* conn.receive(RB.line))).toBe("abc")
        expect(text(yield* conn.receive(RB.line))).toBe("xy")
        expect(text(yield* conn.receive(RB.line))).toBe("")
        expect(text(yield* conn.receive(RB.line))).toBe("")
        // line with a prefix
        yield* client.send(bytes("tail\n"))
        expect(text(yield* conn.receive(RB.line, bytes("pre-")))).toBe("pre-tail")
        // exactly n counts the prefix (lua: receive(4, "pp") with "zz" -> "ppzz")
        yield* client.send(bytes("zz"))
        expect(text(yield* conn.receive(RB.exactly(4), bytes("pp")))).toBe("ppzz")
        // prefix longer than n: the whole prefix, nothing read (lua: receive(4, "87654321") -> "87654321")
        yield* client.send(bytes("rest"))
        expect(text(yield* conn.receive(RB.exactly(4), bytes("87654321")))).toBe("87654321")
        expect(text(yield* conn.receive(RB.exactly(4)))).toBe("rest")
        // receive(0): waits for readability (lua: nil, "timeout" on an empty buffer), consumes nothing
        yield* conn.setTimeout(0.1)
        const z = yield* failure(conn.receive(RB.exactly(0)))
        expect(z._tag).toBe("Timeout")
        expect(z.partial?.length).toBe(0)
        const zero = yield* Effect.fork(conn.receive(RB.exactly(0)))
        yield* Effect.sleep("20 millis")
        yield* client.send(bytes("q"))
        expect(text(yield* Fiber.join(zero))).toBe("")
        expect(conn.dirty).toBe(true)
        expect(text(yield* conn.receive(RB.exactly(1)))).toBe("q")
        // available(max): what is buffered, at most max
        const before = conn.getStats().received
        yield* client.send(bytes("abcdef"))
        yield* waitUntil("6 bytes to arrive", () => conn.getStats().received >= before + 6)
        expect(text(yield* conn.receive(RB.available(4)))).toBe("abcd")
        expect(text(yield* conn.receive(RB.available()))).toBe("ef")
        const av = yield* failure(conn.receive(RB.available()))
        expect(av._tag).toBe("Timeout")
        // available waits for data when nothing is buffered
        const waiting = yield* Effect.fork(conn.receive(RB.available(), undefined, Timeout.infinite))
        yield* Effect.sleep("20 millis")
        expect(waiting.unsafePoll()).toBeNull()
        yield* client.send(bytes("late"))
        expect(text(yield* Fiber.join(waiting))).toBe("late")
        // all: until the peer closes its sending side
        yield* client.send(bytes("the end"))
        yield* client.shutdown("send")
        expect(text(yield* conn.receive(RB.all))).toBe("the end")
        // then (lua: nil, "closed", "" and nil, "closed", "P" with a prefix)
        const again = yield* failure(conn.receive(RB.all))
        expect(again._tag).toBe("Closed")
        expect(NetError.luaMessage(again)).toBe("closed")
        expect(text(again.partial)).toBe("")
        const withPrefix = yield* failure(conn.receive(RB.all, bytes("P")))
        expect(text(withPrefix.partial)).toBe("P")
        const zeroClosed = yield* failure(conn.receive(RB.exactly(0)))
        expect(zeroClosed._tag).toBe("Closed")
      }))

    it.scopedLive("lineMax(n): a longer line fails LineTooLong with the consumed bytes as partial", () =>
      Effect.gen(function*() {
        const { client, conn } = yield* setup(t)
        yield* client.send(bytes("abcdefgh\nok\n"))
        yield* waitUntil("12 bytes to arrive", () => conn.getStats().received >= 12)
        const e = yield* failure(conn.receive(RB.lineMax(4)))
        expect(e._tag).toBe("LineTooLong")
        // the partial holds more than the maximum, from the start of the line
        expect(e.partial!.length).toBeGreaterThan(4)
        expect("abcdefgh".startsWith(text(e.partial))).toBe(true)
        // the following line is still there (whatever was left of the long one comes first)
        let next = text(yield* conn.receive(RB.lineMax(4)))
        if (next !== "ok") next = text(yield* conn.receive(RB.lineMax(4)))
        expect(next).toBe("ok")
      }))

    it.scopedLive("every pattern returns the partial data (prefix included) on timeout, block and total mode", () =>
      Effect.gen(function*() {
        const { client, conn } = yield* setup(t)
        for (const mode of ["b", "t"]) {
          yield* conn.setTimeout(undefined, "b")
          yield* conn.setTimeout(undefined, "t")
          yield* conn.setTimeout(0.1, mode)
          for (const [name, pattern] of receivePatterns) {
            if (pattern._tag === "Available") continue
            const receiving = yield* Effect.fork(failure(conn.receive(pattern, bytes("P"))))
            yield* Effect.sleep("10 millis")
            yield* client.send(bytes("a\rbc"))
            const [e] = yield* elapsedMs(Fiber.join(receiving))
            expect(e._tag, `${name} (${mode})`).toBe("Timeout")
            expect(NetError.luaMessage(e)).toBe("timeout")
            // lua: receive("*l") of "a\rb" times out with partial "ab" (CRs dropped from the partial too)
            expect(text(e.partial), `${name} (${mode})`).toBe(pattern._tag === "Line" ? "Pabc" : "Pa\rbc")
            expect(conn.dirty).toBe(false)
          }
          // available: nothing buffered -> Timeout with the prefix as partial
          const [av, ms] = yield* elapsedMs(failure(conn.receive(RB.available(), bytes("P"))))
          expect(av._tag).toBe("Timeout")
          expect(text(av.partial)).toBe("P")
          expect(ms).toBeGreaterThanOrEqual(90)
        }
        // settimeout(0): no wait at all
        yield* conn.setTimeout(0)
        const [z, ms] = yield* elapsedMs(failure(conn.receive(RB.line)))
        expect(z._tag).toBe("Timeout")
        expect(ms).toBeLessThan(100)
        // a per-call policy overrides the socket's
        const [p, pms] = yield* elapsedMs(failure(conn.receive(RB.line, undefined, Timeout.make({ block: "60 millis" }))))
        expect(p._tag).toBe("Timeout")
        expect(pms).toBeGreaterThanOrEqual(50)
        const bad = yield* failure(conn.setTimeout(1, "x"))
        expect(bad._tag).toBe("InvalidArgument")
        expect(bad.detail).toContain("\"x\"")
      }))

    it.scopedLive("every pattern returns the partial data on peer close (all succeeds when bytes arrived)", () =>
      Effect.gen(function*() {
        const server = yield* Tcp.listen(t.host(), 0)
        for (const [name, pattern] of receivePatterns) {
          const { client, conn } = yield* pairOn(server)
          const receiving = yield* Effect.fork(Effect.either(conn.receive(pattern, bytes("P"))))
          yield* Effect.sleep("10 millis")
          yield* client.send(bytes("a\rbc"))
          yield* client.close
          const r = yield* Fiber.join(receiving)
          switch (pattern._tag) {
            case "All": // lua: receive("*a", "P") -> "Pabc"
              expect(text(Either.getOrThrow(r)), name).toBe("Pa\rbc")
              break
            case "Available": {
              // whatever had arrived, then the rest, then Closed
              let got = text(Either.getOrThrow(r))
              expect(got.startsWith("P")).toBe(true)
              while (got.length < 5) got += text(yield* conn.receive(RB.available()))
              expect(got).toBe("Pa\rbc")
              break
            }
            default: {
              // lua: nil, "closed", "abc" (line) / "Pabc" (number)
              const e = leftOf(r)
              expect(e._tag, name).toBe("Closed")
              expect(NetError.luaMessage(e)).toBe("closed")
              expect(text(e.partial), name).toBe(pattern._tag === "Line" ? "Pabc" : "Pa\rbc")
            }
          }
          const after = yield* failure(conn.receive(pattern))
          expect(after._tag, name).toBe("Closed")
          expect(text(after.partial), name).toBe("")
        }
        // all with no new bytes before the close: Closed with the prefix (lua: nil, "closed", "P")
        const { client, conn } = yield* pairOn(server)
        yield* client.close
        const e = yield* failure(conn.receive(RB.all, bytes("P")))
        expect(e._tag).toBe("Closed")
        expect(text(e.partial)).toBe("P")
      }))

    it.scopedLive("after a local close, buffered data can still be received (as in lua), then every pattern fails Closed", () =>
      Effect.gen(function*() {
        const { client, conn } = yield* setup(t)
        yield* client.send(bytes("line1\nline2\npartial"))
        yield* waitUntil("data to arrive", () => conn.getStats().received >= 19)
        expect(text(yield* conn.receive(RB.line))).toBe("line1")
        yield* conn.close
        expect(conn.isClosed).toBe(true)
        expect(conn.getFd()).toBe(-1)
        expect(conn.readable).toBe(false) // select ignores closed sockets
        expect(conn.writable).toBe(false)
        // lua 5.4 + lua-socket: dirty() true, receive() -> "line2", receive("*a") -> "partial", then nil, "closed"
        expect(conn.dirty).toBe(true)
        expect(text(yield* conn.receive(RB.line))).toBe("line2")
        expect(text(yield* conn.receive(RB.all))).toBe("partial")
        expect(conn.dirty).toBe(false)
        for (const [name, pattern] of [...receivePatterns, ["exactly(0)", RB.exactly(0)] as const]) {
          const e = yield* failure(conn.receive(pattern))
          expect(e._tag, name).toBe("Closed")
          expect(NetError.luaMessage(e)).toBe("closed")
          expect(text(e.partial)).toBe("")
        }
        const p = yield* failure(conn.receive(RB.line, bytes("P")))
        expect(text(p.partial)).toBe("P")
        // a receive waiting when the socket is closed ends with Closed
        const { client: c2, conn: k2 } = yield* pairOn(yield* Tcp.listen(t.host(), 0))
        const waiting = yield* Effect.fork(failure(c2.receive(RB.line)))
        yield* Effect.sleep("20 millis")
        yield* k2.send(bytes("part"))
        yield* waitUntil("data to arrive", () => c2.dirty)
        yield* c2.close
        const w = yield* Fiber.join(waiting)
        expect(w._tag).toBe("Closed")
        expect(text(w.partial)).toBe("part")
      }))

    if (t.family !== "unix") {
      it.scopedLive("peer reset mid-receive (linger 0 + close, or a raw resetAndDestroy): Closed with the partial kept", () =>
        Effect.gen(function*() {
          const server = yield* Tcp.listen(t.host(), 0)
          // our own peer with linger {on: true, timeout: 0}
          {
            const { client, conn } = yield* pairOn(server)
            const receiving = yield* Effect.fork(failure(client.receive(RB.line)))
            yield* conn.send(bytes("xyz"))
            yield* waitUntil("data to arrive", () => client.getStats().received >= 3)
            yield* conn.setOption("linger", { on: true, timeout: 0 })
            yield* conn.close
            const e = yield* Fiber.join(receiving)
            expect(e._tag).toBe("Closed") // lua: nil, "closed", "xyz"
            expect(NetError.luaMessage(e)).toBe("closed")
            expect(e.code).toBe("ECONNRESET")
            expect(text(e.partial)).toBe("xyz")
            const again = yield* failure(client.receive(RB.line))
            expect(again._tag).toBe("Closed")
            expect(text(again.partial)).toBe("")
            const s = yield* failure(client.send(bytes("hello"), 2))
            expect(s._tag).toBe("Closed")
            expect(s.lastIndex).toBe(1)
          }
          // a raw Node peer that resets; receive(all) fails (a reset is not an end of stream)
          {
            const [host, port] = endpoint(server)
            const raw = yield* rawConnect(host, port)
            const conn = yield* server.accept()
            const receiving = yield* Effect.fork(failure(conn.receive(RB.all, bytes("P"))))
            raw.write("xyz")
            yield* waitUntil("data to arrive", () => conn.getStats().received >= 3)
            raw.resetAndDestroy()
            const e = yield* Fiber.join(receiving)
            expect(e._tag).toBe("Closed") // lua: nil, "closed", "xyz"
            expect(text(e.partial)).toBe("Pxyz")
          }
        }))
    } else {
      it.scopedLive("linger {on: true, timeout: 0} on a unix socket closes without throwing (no reset exists for unix sockets)", () =>
        Effect.gen(function*() {
          const { client, conn } = yield* setup(t)
          yield* conn.send(bytes("xyz"))
          yield* conn.setOption("linger", { on: true, timeout: 0 })
          const exit = yield* Effect.exit(conn.close)
          expect(Exit.isSuccess(exit)).toBe(true)
          const e = yield* failure(client.receive(RB.line))
          expect(e._tag).toBe("Closed")
          expect(text(e.partial)).toBe("xyz")
        }))
    }

    // -- shutdown / close ------------------------------------------------------------------

    it.scopedLive("shutdown(\"send\"): the peer's receive(all) succeeds while we can still receive", () =>
      Effect.gen(function*() {
        const { client, conn } = yield* setup(t)
        yield* client.send(bytes("request"))
        yield* client.shutdown("send")
        expect(text(yield* conn.receive(RB.all))).toBe("request")
        yield* conn.send(bytes("response\n"))
        expect(text(yield* client.receive(RB.line))).toBe("response")
        // sending after shutdown("send") fails Closed (EPIPE)
        const e = yield* failure(client.send(bytes("more"), 2))
        expect(e._tag).toBe("Closed")
        expect(e.lastIndex).toBe(1)
        yield* conn.close
        const end = yield* failure(client.receive(RB.line))
        expect(end._tag).toBe("Closed")
      }))

    it.scopedLive("shutdown(\"receive\") stops receiving but not sending; shutdown(\"both\") stops sending", () =>
      Effect.gen(function*() {
        const { client, conn } = yield* setup(t)
        // lua: data already received stays readable after shutdown("receive") ("da"), then closed
        yield* conn.send(bytes("data"))
        yield* waitUntil("data to arrive", () => client.getStats().received >= 4)
        yield* client.shutdown("receive")
        expect(text(yield* client.receive(RB.exactly(2)))).toBe("da")
        expect(text(yield* client.receive(RB.all))).toBe("ta")
        const r = yield* failure(client.receive(RB.line))
        expect(r._tag).toBe("Closed")
        // nothing more is read after the shutdown
        yield* conn.send(bytes("late\n"))
        yield* Effect.sleep("30 millis")
        expect((yield* failure(client.receive(RB.line)))._tag).toBe("Closed")
        expect(client.getStats().received).toBe(4)
        expect(yield* client.send(bytes("ok\n"))).toBe(3) // lua: 2.0 for "ok"
        expect(text(yield* conn.receive(RB.line))).toBe("ok")
        yield* client.shutdown("both")
        const s = yield* failure(client.send(bytes("ok"))) // lua: nil, "closed", 0.0
        expect(s._tag).toBe("Closed")
        expect(s.lastIndex).toBe(0)
        yield* conn.setTimeout(2)
        const e = yield* failure(conn.receive(RB.all))
        expect(e._tag).toBe("Closed")
        // default mode is "both"
        const { client: c2, conn: k2 } = yield* pairOn(yield* Tcp.listen(t.host(), 0))
        yield* c2.shutdown()
        yield* k2.setTimeout(2)
        expect((yield* failure(k2.receive(RB.all)))._tag).toBe("Closed")
        expect((yield* failure(c2.send(bytes("x"))))._tag).toBe("Closed")
        expect((yield* failure(c2.receive(RB.line)))._tag).toBe("Closed")
      }))

    it.scopedLive("close is idempotent; getfd is -1 on a fresh master and after close, >= 0 when connected", () =>
      Effect.gen(function*() {
        const m = yield* Tcp.master()
        expect(m.getFd()).toBe(-1)
        const { server, client, conn } = yield* setup(t)
        const fd = client.getFd()
        expect(fd).toBeGreaterThanOrEqual(0)
        expect(conn.getFd()).toBeGreaterThanOrEqual(0)
        yield* client.close
        yield* client.close
        client.closeNow()
        expect(client.isClosed).toBe(true)
        expect(client.getFd()).toBe(-1)
        // the peer sees the close
        expect((yield* failure(conn.receive(RB.line)))._tag).toBe("Closed")
        yield* server.close
        yield* server.close
        expect(server.getFd()).toBe(-1)
        expect(server.readable).toBe(false)
        yield* m.close
        yield* m.close
        expect(m.getFd()).toBe(-1)
      }))

    it.scopedLive("closing a server wakes a pending accept with Closed; the address can be listened on again", () =>
      Effect.gen(function*() {
        const server = yield* Tcp.listen(t.host(), 0)
        const [host, port] = endpoint(server)
        const accepting = yield* Effect.fork(failure(Effect.scoped(server.accept())))
        yield* Effect.sleep("20 millis")
        yield* server.close
        const e = yield* Fiber.join(accepting)
        expect(e._tag).toBe("Closed")
        const after = yield* failure(Effect.scoped(server.accept()))
        expect(after._tag).toBe("Closed")
        // nothing listens there any more
        const refused = yield* failure(Tcp.connect(host, port))
        expect(refused._tag).toBe(t.family === "unix" ? "Unknown" : "ConnectionRefused")
        if (t.family === "unix") expect(fs.existsSync(host)).toBe(false)
        // and the same address is free again
        const again = yield* Tcp.listen(host, port)
        const { client, conn } = yield* pairOn(again)
        yield* client.send(bytes("again\n"))
        expect(text(yield* conn.receive(RB.line))).toBe("again")
      }))

    // -- names, family -----------------------------------------------------------------------

    it.scopedLive("getsockname/getpeername: EBADF on a fresh master and after close; NotConnected on a server", () =>
      Effect.gen(function*() {
        const m = yield* Tcp.master()
        // lua: nil, "Bad file descriptor" for both on a fresh socket.tcp()
        const sn = leftOf(m.getSockName())
        expect(sn.code).toBe("EBADF")
        expect(NetError.luaMessage(sn)).toBe("Bad file descriptor")
        const pn = leftOf(m.getPeerName())
        expect(pn.code).toBe("EBADF")
        expect(NetError.luaMessage(pn)).toBe("Bad file descriptor")
        const { server, client } = yield* setup(t)
        // lua: server getpeername -> nil, "Transport endpoint is not connected"
        const sp = leftOf(server.getPeerName())
        expect(sp._tag).toBe("NotConnected")
        expect(NetError.luaMessage(sp)).toBe("Transport endpoint is not connected")
        yield* client.close
        for (const e of [leftOf(client.getSockName()), leftOf(client.getPeerName())]) {
          expect(e.code).toBe("EBADF")
          expect(NetError.luaMessage(e)).toBe("Bad file descriptor")
        }
        yield* server.close
        expect(leftOf(server.getSockName()).code).toBe("EBADF")
      }))

    // -- stats, dirty ----------------------------------------------------------------------

    it.scopedLive("getstats counts bytes and age; setstats sets them; dirty tracks unread buffered data", () =>
      Effect.gen(function*() {
        const { client, conn } = yield* setup(t)
        expect(client.getStats()).toMatchObject({ received: 0, sent: 0 })
        yield* client.send(bytes("line\nmore"))
        yield* waitUntil("9 bytes to arrive", () => conn.getStats().received >= 9)
        expect(client.getStats().sent).toBe(9)
        expect(conn.getStats()).toMatchObject({ received: 9, sent: 0 })
        expect(conn.dirty).toBe(true)
        expect(conn.readable).toBe(true)
        expect(text(yield* conn.receive(RB.line))).toBe("line")
        expect(conn.dirty).toBe(true) // lua: dirty() after receive() with "more" buffered -> true
        expect(text(yield* conn.receive(RB.exactly(4)))).toBe("more")
        expect(conn.dirty).toBe(false)
        expect(conn.readable).toBe(false)
        expect(client.writable).toBe(true)
        // age grows
        const a1 = client.getStats().age
        expect(a1).toBeGreaterThan(0)
        yield* Effect.sleep("50 millis")
        const a2 = client.getStats().age
        expect(a2 - a1).toBeGreaterThanOrEqual(0.04)
        expect(a2 - a1).toBeLessThan(1)
        // setstats(received, sent, age)
        conn.setStats(100, 200, 300)
        const s = conn.getStats()
        expect(s.received).toBe(100)
        expect(s.sent).toBe(200)
        expect(s.age).toBeGreaterThanOrEqual(300)
        expect(s.age).toBeLessThan(301)
        // counting continues from the set values
        yield* conn.send(bytes("abc"))
        yield* client.send(bytes("12345"))
        yield* waitUntil("5 more bytes", () => conn.getStats().received >= 105)
        expect(conn.getStats()).toMatchObject({ received: 105, sent: 203 })
        expect(text(yield* client.receive(RB.exactly(3)))).toBe("abc")
        expect(client.getStats()).toMatchObject({ received: 3, sent: 14 })
        // a server has stats too
        const m = yield* Tcp.master()
        expect(m.getStats()).toMatchObject({ received: 0, sent: 0 })
        expect(m.dirty).toBe(false)
      }))

    // -- options -----------------------------------------------------------------------------

    it.scopedLive("options: keepalive, tcp-nodelay, reuseaddr, linger get/set; error; closed sockets fail", () =>
      Effect.gen(function*() {
        const { server, client } = yield* setup(t)
        for (const name of ["keepalive", "tcp-nodelay", "reuseaddr"] as const) {
          expect(yield* client.getOption(name), name).toBe(false) // lua: false
          yield* client.setOption(name, true)
          expect(yield* client.getOption(name), name).toBe(true)
          yield* client.setOption(name, false)
          expect(yield* client.getOption(name), name).toBe(false)
        }
        // lua: getoption("linger") -> {on = false, timeout = 0}
        expect(yield* client.getOption("linger")).toEqual({ on: false, timeout: 0 })
        yield* client.setOption("linger", { on: true, timeout: 0 })
        expect(yield* client.getOption("linger")).toEqual({ on: true, timeout: 0 })
        yield* client.setOption("linger", { on: false, timeout: 0 })
        expect(yield* client.getOption("linger")).toEqual({ on: false, timeout: 0 })
        const lt = yield* failure(client.setOption("linger", { on: true, timeout: 5 }))
        expect(lt._tag).toBe("Unsupported")
        expect(lt.detail).toContain("linger")
        // a server listens with reuseaddr (socket.bind sets it)
        expect(yield* server.getOption("reuseaddr")).toBe(true)
        // no error yet: undefined (lua: a single nil)
        expect(yield* client.getOption("error")).toBeUndefined()
        // options set on a master are applied when it connects
        const m = yield* Tcp.master()
        yield* m.setOption("keepalive", true)
        yield* m.setOption("tcp-nodelay", true)
        const [host, port] = endpoint(server)
        yield* m.connect(host, port)
        expect(yield* m.getOption("keepalive")).toBe(true)
        expect(yield* m.getOption("tcp-nodelay")).toBe(true)
        // closed: Closed
        yield* client.close
        expect((yield* failure(client.getOption("keepalive")))._tag).toBe("Closed")
        expect((yield* failure(client.setOption("keepalive", true)))._tag).toBe("Closed")
      }))

    it.scopedLive("options: ipv6-v6only (set on a master only, never get), unsupported names, unknown names, wrong value types", () =>
      Effect.gen(function*() {
        const m = yield* Tcp.master()
        yield* m.setOption("ipv6-v6only", true)
        yield* m.setOption("ipv6-v6only", false)
        const g = yield* failure(m.getOption("ipv6-v6only")) // lua: unsupported option `ipv6-v6only'
        expect(g._tag).toBe("Unsupported")
        const { client } = yield* setup(t)
        const late = yield* failure(client.setOption("ipv6-v6only", true)) // lua: nil, "setsockopt failed"
        expect(late._tag).toBe("Unsupported")
        expect(Tcp.unsupportedOptions.length).toBeGreaterThan(0)
        for (const name of Tcp.unsupportedOptions) {
          const s = yield* failure(client.setOption(name, 1))
          expect(s._tag, name).toBe("Unsupported")
          expect(s.detail, name).toContain(name)
          const r = yield* failure(client.getOption(name))
          expect(r._tag, name).toBe("Unsupported")
          expect(r.detail, name).toContain(name)
        }
        for (const name of ["foo", "", "KEEPALIVE", "broadcast"]) {
          const s = yield* failure(client.setOption(name, true))
          expect(s._tag, name).toBe("InvalidArgument")
          expect(s.detail, name).toContain(JSON.stringify(name))
          const r = yield* failure(client.getOption(name))
          expect(r._tag, name).toBe("InvalidArgument")
          expect(r.detail, name).toContain(JSON.stringify(name))
        }
        // "error" can be read but not set (lua: setoption("error") -> unsupported option)
        expect((yield* failure(client.setOption("error", true)))._tag).toBe("InvalidArgument")
        const wrong: ReadonlyArray<readonly [string, unknown]> = [
          ["keepalive", 1],
          ["keepalive", "true"],
          ["tcp-nodelay", undefined],
          ["reuseaddr", null],
          ["ipv6-v6only", 0],
          ["linger", true],
          ["linger", null],
          ["linger", { on: 1, timeout: 0 }],
          ["linger", { on: true }],
          ["linger", { on: false, timeout: "0" }],
          ["linger", { on: false, timeout: -1 }],
          ["linger", { on: false, timeout: Number.NaN }]
        ]
        for (const [name, value] of wrong) {
          const e = yield* failure(client.setOption(name, value))
          expect(e._tag, `${name} = ${String(value)}`).toBe("InvalidArgument")
          expect(e.detail, name).toContain(name)
        }
        // the failed sets changed nothing
        expect(yield* client.getOption("keepalive")).toBe(false)
        expect(yield* client.getOption("linger")).toEqual({ on: false, timeout: 0 })
      }))

    // -- data --------------------------------------------------------------------------------

    it.scopedLive("binary data: all 256 byte values and NULs round-trip in every pattern", () =>
      Effect.gen(function*() {
        const { client, conn } = yield* setup(t)
        const all256 = Buffer.alloc(256 * 4)
        for (let i = 0; i < all256.length; i++) all256[i] = i & 255
        const nuls = Buffer.alloc(1000)
        yield* client.send(all256)
        yield* client.send(nuls)
        expect(Buffer.from(yield* conn.receive(RB.exactly(all256.length))).equals(all256)).toBe(true)
        expect(Buffer.from(yield* conn.receive(RB.exactly(nuls.length))).equals(nuls)).toBe(true)
        // a line keeps NULs and high bytes, drops CR
        yield* client.send(Buffer.from([0, 255, 13, 128, 0, 10]))
        expect([...(yield* conn.receive(RB.line))]).toEqual([0, 255, 128, 0])
        // the other direction, and through all
        yield* conn.send(all256)
        yield* conn.shutdown("send")
        expect(Buffer.from(yield* client.receive(RB.all)).equals(all256)).toBe(true)
      }))

    it.scopedLive("a 16 MiB transfer arrives intact; a receiver that does not read buffers only a bounded amount", () =>
      Effect.gen(function*() {
        const payload = random64().subarray(0, 16 * 1024 * 1024)
        const { client, conn } = yield* setup(t)
        const sending = yield* Effect.fork(client.send(payload))
        // the receiver does not read: its buffer stops at the high-water mark (256 KiB) plus a read
        yield* Effect.sleep("200 millis")
        expect(sending.unsafePoll()).toBeNull()
        const buffered = conn.getStats().received
        expect(buffered).toBeGreaterThan(0)
        expect(buffered).toBeLessThan(1024 * 1024)
        yield* Effect.sleep("50 millis")
        expect(conn.getStats().received).toBe(buffered)
        // now read it in pieces of varying size and compare
        const parts: Array<Uint8Array> = []
        let got = 0
        let k = 0
        while (got < payload.length) {
          const want = Math.min(payload.length - got, [1, 1000, 65536, 300_001, 1 << 20][k++ % 5]!)
          const part = yield* conn.receive(RB.exactly(want))
          expect(part.length).toBe(want)
          parts.push(Buffer.from(part))
          got += want
        }
        expect(yield* Fiber.join(sending)).toBe(payload.length)
        expect(Buffer.concat(parts).equals(payload)).toBe(true)
        expect(conn.getStats().received).toBe(payload.length)
        expect(conn.dirty).toBe(false)
      }))
  })
}

// ---- transport-independent ---------------------------------------------------------------

describe("TcpSocket: names, addresses and inputs", () => {
  it.scopedLive("a Linux abstract unix name @effect-luasocket-test-<random>", () =>
    Effect.gen(function*() {
      const name = `@effect-luasocket-test-${randomBytes(6).toString("hex")}`
      const server = yield* Tcp.listen(name)
      expect(sockName(server)).toEqual({ address: name, port: 0, family: "unix" })
      expect(server.getFamily()).toBe("unix")
      expect(fs.existsSync(name)).toBe(false)
      const client = yield* Tcp.connect(name)
      const conn = yield* server.accept()
      expect(peerName(client)).toEqual({ address: name, port: 0, family: "unix" })
      yield* client.send(bytes("abstract\r\n"))
      expect(text(yield* conn.receive(RB.line))).toBe("abstract")
      yield* conn.send(bytes("back"))
      yield* conn.close
      expect(text(yield* client.receive(RB.all))).toBe("back")
      // the name is in use while the server lives
      expect((yield* failure(Tcp.listen(name)))._tag).toBe("AddressInUse")
      yield* server.close
      // and free again after close (nothing to unlink)
      yield* Effect.scoped(Tcp.listen(name))
    }))

  it.scopedLive("host name \"localhost\" connects (trying each resolved address in order)", () =>
    Effect.gen(function*() {
      const server = yield* Tcp.listen("127.0.0.1", 0)
      const [, port] = endpoint(server)
      const client = yield* Tcp.connect("localhost", port)
      const conn = yield* server.accept()
      expect(peerName(client).address).toBe("127.0.0.1")
      yield* client.send(bytes("hi\n"))
      expect(text(yield* conn.receive(RB.line))).toBe("hi")
      // listen on "localhost" works too
      const s2 = yield* Tcp.listen("localhost", 0)
      const [, p2] = endpoint(s2)
      yield* Tcp.connect("localhost", p2)
      yield* s2.accept()
    }))

  it.scopedLive("a .invalid host name fails HostNotFound (\"host or service not provided, or not known\")", () =>
    Effect.gen(function*() {
      const e = yield* failure(Tcp.connect("nonexistent.invalid", 80))
      expect(e._tag).toBe("HostNotFound")
      expect(NetError.luaMessage(e)).toBe("host or service not provided, or not known")
      expect(e.address).toBe("nonexistent.invalid")
      const m = yield* Tcp.master()
      yield* Effect.either(m.connect("nonexistent.invalid", 80))
      expect(m.kind).toBe("client") // lua: tostring -> tcp{client}
      const l = yield* failure(Tcp.listen("nonexistent.invalid", 0))
      expect(l._tag).toBe("HostNotFound")
    }))

  it.scopedLive("bad host and port inputs fail InvalidArgument naming the value", () =>
    Effect.gen(function*() {
      const badPorts: ReadonlyArray<unknown> = [70000, 65536, -1, 1.5, "abc", "", "12x", Number.NaN, null, {}]
      for (const port of badPorts) {
        const c = yield* failure(Tcp.connect("127.0.0.1", port as number))
        expect(c._tag, String(port)).toBe("InvalidArgument")
        const shown = typeof port === "string" ? JSON.stringify(port) : typeof port === "object" && port !== null ? "an object" : String(port)
        expect(c.detail, String(port)).toContain(shown)
        const l = yield* failure(Tcp.listen("127.0.0.1", port as number))
        expect(l._tag, String(port)).toBe("InvalidArgument")
        expect(l.detail, String(port)).toContain(shown)
      }
      // a numeric string is a port
      const server = yield* Tcp.listen("127.0.0.1", "0")
      const [, port] = endpoint(server)
      yield* Tcp.connect("127.0.0.1", String(port))
      yield* server.accept()
      const badHosts: ReadonlyArray<readonly [unknown, string]> = [
        ["", "\"\""],
        ["bad host!", "\"bad host!\""],
        ["[127.0.0.1]", "\"[127.0.0.1]\""],
        ["a\0b", "NUL"],
        ["@", "\"@\""],
        ["/" + "x".repeat(200), "longer than"],
        [42, "42"],
        [undefined, "undefined"]
      ]
      for (const [host, shown] of badHosts) {
        const c = yield* failure(Tcp.connect(host as string, 80))
        expect(c._tag, String(host)).toBe("InvalidArgument")
        expect(c.detail, String(host)).toContain(shown)
        const l = yield* failure(Tcp.listen(host as string, 0))
        expect(l._tag, String(host)).toBe("InvalidArgument")
      }
      // connect to "*" makes no sense
      const any = yield* failure(Tcp.connect("*", 80))
      expect(any._tag).toBe("InvalidArgument")
      // an IPv6 literal on an IPv4 socket
      const m = yield* Tcp.master({ family: "inet" })
      const fam = yield* failure(m.bind("::1", 0))
      expect(fam._tag).toBe("InvalidArgument")
      // a non-numeric local address
      const la = yield* failure(Tcp.connect("127.0.0.1", port, { localAddress: "localhost" }))
      expect(la._tag).toBe("InvalidArgument")
      expect(la.detail).toContain("\"localhost\"")
    }))

  it.scopedLive("listen on \"*\" is 0.0.0.0 (socket.bind); a bound master connects from its local port", () =>
    Effect.gen(function*() {
      const server = yield* Tcp.listen("*", 0)
      const a = sockName(server)
      expect(a.address).toBe("0.0.0.0") // lua: socket.bind("*", 0):getsockname() -> 0.0.0.0 ... inet
      expect(a.family).toBe("inet")
      // a free local port
      const [, localPort] = yield* Effect.scoped(Effect.map(Tcp.listen("127.0.0.1", 0), endpoint))
      const m = yield* Tcp.master()
      yield* m.bind("127.0.0.1", localPort)
      yield* m.connect("127.0.0.1", a.port)
      const conn = yield* server.accept()
      expect(sockName(m)).toEqual({ address: "127.0.0.1", port: localPort, family: "inet" })
      expect(peerName(conn)).toEqual({ address: "127.0.0.1", port: localPort, family: "inet" })
      // connect options: localAddress
      const c2 = yield* Tcp.connect("127.0.0.1", a.port, { localAddress: "127.0.0.1" })
      expect(sockName(c2).address).toBe("127.0.0.1")
      yield* server.accept()
    }))

  it.scopedLive.skipIf(!hasIPv6Loopback)("an inet6 master sets ipv6-v6only and refuses IPv4 addresses", () =>
    Effect.gen(function*() {
      const m = yield* Tcp.master({ family: "inet6" })
      expect(m.getFamily()).toBe("inet6")
      const e = yield* failure(m.bind("127.0.0.1", 0)) // lua: tcp6 bind v4 -> "Address family for hostname not supported"
      expect(e._tag).toBe("InvalidArgument")
      const s = yield* Tcp.listen("::", 0, { family: "inet6" })
      const a = sockName(s)
      expect(a).toMatchObject({ address: "::", family: "inet6" })
      // v6only: an IPv4 client cannot reach it
      const r = yield* failure(Tcp.connect("127.0.0.1", a.port))
      expect(r._tag).toBe("ConnectionRefused")
      yield* Tcp.connect("::1", a.port)
      const conn = yield* s.accept()
      expect(conn.getFamily()).toBe("inet6")
    }))
})

describe("TcpSocket: concurrent sends", () => {
  it.scopedLive("bytes of concurrent sends never interleave: each send's bytes arrive contiguous", () =>
    Effect.gen(function*() {
      const server = yield* Tcp.listen("127.0.0.1", 0)
      const { client, conn } = yield* ownPair(server, { writeHighWaterMark: 16 * 1024 })
      const size = 1024 * 1024 + 777
      const payloads = [1, 2, 3, 4, 5, 6].map((b) => new Uint8Array(size).fill(b))
      const sending = yield* Effect.fork(Effect.all(payloads.map((p) => client.send(p)), { concurrency: "unbounded" }))
      const parts: Array<Uint8Array> = []
      for (let got = 0; got < size * payloads.length;) {
        const part = yield* conn.receive(RB.exactly(Math.min(100_000, size * payloads.length - got)))
        parts.push(part)
        got += part.length
        yield* Effect.sleep("1 millis")
      }
      const received = Buffer.concat(parts)
      const sent = yield* Fiber.join(sending)
      expect(sent).toEqual(payloads.map(() => size))
      // one run of each byte value, in some order
      const runs: Array<number> = []
      for (let k = 0; k < received.length; k++) if (k === 0 || received[k] !== received[k - 1]) runs.push(received[k]!)
      expect(runs.slice().sort()).toEqual([1, 2, 3, 4, 5, 6])
    }), 30_000)
})

describe("TcpSocket: reuse of closed clients' Node sockets (fastPaths.reuseSockets)", () => {
  const nodeSocket = (c: Tcp.TcpSocket) => (c as unknown as { readonly socket: net.Socket | undefined }).socket
  for (const reuse of [true, false]) {
    it.scopedLive(`${reuse ? "on" : "off"}: sequential clients ${reuse ? "share one Node socket" : "each get a new Node socket"}; every exchange is intact, options apply per client`, () =>
      Effect.gen(function*() {
        const saved = Tcp.fastPaths.reuseSockets
        yield* Effect.addFinalizer(() => Effect.sync(() => (Tcp.fastPaths.reuseSockets = saved)))
        Tcp.fastPaths.reuseSockets = reuse
        const server = yield* Tcp.listen("127.0.0.1", 0)
        const seen: Array<net.Socket> = []
        for (let i = 0; i < 6; i++) {
          const { client, conn } = yield* ownPair(server)
          const sock = nodeSocket(client)!
          seen.push(sock)
          // alternate options: what one client set must not carry over to the next
          if (i % 2 === 0) yield* client.setOption("tcp-nodelay", true)
          expect(yield* client.getOption("tcp-nodelay")).toBe(i % 2 === 0)
          yield* client.send(bytes(`ping ${i}\n`))
          expect(text(yield* conn.receive(RB.line))).toBe(`ping ${i}`)
          yield* conn.send(bytes(`pong ${i}\n`))
          expect(text(yield* client.receive(RB.line))).toBe(`pong ${i}`)
          if (i === 3) {
            // a half-close, then the close: still a clean end
            yield* client.shutdown("send")
            expect((yield* failure(conn.receive(RB.line)))._tag).toBe("Closed")
          }
          yield* client.close
          yield* conn.close
          expect(client.getFd()).toBe(-1)
          yield* waitUntil("the Node socket to close", () => sock.destroyed && (sock as unknown as { _handle: unknown })._handle === null)
          yield* Effect.sleep("5 millis") // its 'close' event
        }
        const distinct = new Set(seen).size
        if (reuse) expect(distinct).toBeLessThan(seen.length)
        else expect(distinct).toBe(seen.length)
      }))
  }

  it.scopedLive("a socket that ended badly (reset, or closed with unsent data) is not reused", () =>
    Effect.gen(function*() {
      const saved = Tcp.fastPaths.reuseSockets
      yield* Effect.addFinalizer(() => Effect.sync(() => (Tcp.fastPaths.reuseSockets = saved)))
      Tcp.fastPaths.reuseSockets = true
      const server = yield* Tcp.listen("127.0.0.1", 0)
      // reset by the peer
      const a = yield* ownPair(server)
      const aSock = nodeSocket(a.client)!
      yield* a.conn.setOption("linger", { on: true, timeout: 0 })
      yield* a.conn.close
      expect((yield* failure(a.client.receive(RB.line))).code).toBe("ECONNRESET")
      yield* a.client.close
      yield* Effect.sleep("20 millis")
      // closed while backpressured (the peer does not read): flushed in the background
      const b = yield* ownPair(server, { writeHighWaterMark: 16 * 1024 })
      const bSock = nodeSocket(b.client)!
      yield* b.client.setTimeout(0.1)
      yield* failure(b.client.send(Buffer.alloc(8 * 1024 * 1024)))
      yield* b.client.close
      yield* b.conn.close
      yield* Effect.sleep("20 millis")
      for (let i = 0; i < 4; i++) {
        const c = yield* ownPair(server)
        const s = nodeSocket(c.client)!
        expect(s === aSock || s === bSock).toBe(false)
        yield* c.client.send(bytes("ok\n"))
        expect(text(yield* c.conn.receive(RB.line))).toBe("ok")
        yield* c.client.close
        yield* c.conn.close
      }
    }))
})

describe("TcpSocket: LuaSocket's non-blocking connect", () => {
  it.scopedLive("timeout 0: connect reports timeout, goes on, becomes writable; connect again succeeds once, then AlreadyConnected", () =>
    Effect.gen(function*() {
      const server = yield* Tcp.listen("127.0.0.1", 0)
      const [host, port] = endpoint(server)
      const c = yield* Tcp.master()
      c.setTimeoutPolicy(Timeout.make({ block: 0 }))
      expect((yield* Effect.flip(c.connect(host, port)))._tag).toBe("Timeout")
      expect(c.kind).toBe("client")
      yield* waitUntil("the background connect to complete", () => c.writable)
      yield* c.connect(host, port)
      expect((yield* Effect.flip(c.connect(host, port)))._tag).toBe("AlreadyConnected")
      const conn = yield* server.accept()
      yield* c.send(new TextEncoder().encode("hi\n"))
      expect(new TextDecoder().decode(yield* conn.receive(RB.line))).toBe("hi")
    }))

  it.scopedLive("timeout 0 to a closed port: writable once refused; connect again reports ConnectionRefused and clears the error option", () =>
    Effect.gen(function*() {
      const probe = yield* Tcp.listen("127.0.0.1", 0)
      const [host, port] = endpoint(probe)
      yield* probe.close
      const c = yield* Tcp.master()
      c.setTimeoutPolicy(Timeout.make({ block: 0 }))
      expect((yield* Effect.flip(c.connect(host, port)))._tag).toBe("Timeout")
      yield* waitUntil("the refusal", () => c.writable)
      expect((yield* Effect.flip(c.connect(host, port)))._tag).toBe("ConnectionRefused")
      expect(yield* c.getOption("error")).toBeUndefined()
    }))

  /**
   * A peer whose accept queue is full, so that a connect hangs (Linux drops the SYN and the
   * client retransmits it): a child process listens with backlog 1 and blocks its event loop
   * for `blockMs`, two raw connections fill the queue. Connects made then complete a second
   * or two later, after the child accepts again.
   */
  const stalledPeer = (blockMs: number) =>
    Effect.gen(function*() {
      const child = yield* Effect.acquireRelease(
        Effect.sync(() =>
          spawn(process.execPath, ["-e", `
            const s = require("net").createServer(() => {})
            s.listen({ port: 0, host: "127.0.0.1", backlog: 1 }, () => {
              process.stdout.write(s.address().port + "\\n")
              setTimeout(() => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ${blockMs}), 50)
            })`], { stdio: ["ignore", "pipe", "inherit"] })
        ),
        (c) => Effect.sync(() => c.kill())
      )
      const port = yield* Effect.async<number>((resume) => {
        child.stdout!.once("data", (d) => resume(Effect.succeed(Number(String(d).trim()))))
      })
      yield* Effect.sleep("150 millis") // the child's loop is blocked now
      yield* rawConnect("127.0.0.1", port)
      yield* rawConnect("127.0.0.1", port)
      return port
    })

  it.scopedLive("a finite connect timeout (a timer under the live clock): Timeout at the budget, the connect goes on; interrupted, it is aborted; no timer left", () =>
    Effect.gen(function*() {
      const timers = () => process.getActiveResourcesInfo().filter((r) => r === "Timeout").length
      const port = yield* stalledPeer(1500)
      const c = yield* Tcp.master()
      yield* c.setTimeout(0.1)
      const before = timers()
      const started = Date.now()
      expect((yield* Effect.flip(c.connect("127.0.0.1", port)))._tag).toBe("Timeout")
      const took = Date.now() - started
      expect(took).toBeGreaterThanOrEqual(90)
      expect(took).toBeLessThan(1000)
      expect(timers()).toBeLessThanOrEqual(before)
      expect(c.writable).toBe(false)
      // the attempt went on in the background: once the peer accepts, connect reports it once
      yield* waitUntil("the background connect to complete", () => c.writable, 10_000)
      yield* c.connect("127.0.0.1", port)
      expect((yield* Effect.flip(c.connect("127.0.0.1", port)))._tag).toBe("AlreadyConnected")
      // a pending connect with a finite timeout, interrupted: aborted, its timer cleared
      const port2 = yield* stalledPeer(1500)
      const d = yield* Tcp.master()
      yield* d.setTimeout(5)
      const before2 = timers()
      const fiber = yield* Effect.fork(d.connect("127.0.0.1", port2))
      yield* Effect.sleep("50 millis")
      expect(timers()).toBeGreaterThanOrEqual(before2 + 1)
      yield* Fiber.interrupt(fiber)
      expect(timers()).toBeLessThanOrEqual(before2)
      expect(d.writable).toBe(false)
      expect(d.getFd()).toBe(-1)
    }), 20_000)

  it.scopedLive("closing a socket with a connect in flight releases it", () =>
    Effect.gen(function*() {
      const server = yield* Tcp.listen("127.0.0.1", 0)
      const [host, port] = endpoint(server)
      const c = new Tcp.TcpSocket()
      c.setTimeoutPolicy(Timeout.make({ block: 0 }))
      expect((yield* Effect.flip(c.connect(host, port)))._tag).toBe("Timeout")
      c.closeNow()
      expect(c.getFd()).toBe(-1)
      expect((yield* Effect.flip(c.connect(host, port)))._tag).toBe("Closed")
    }))
})
