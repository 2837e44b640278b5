/**
 * effect-luasocket/platform over real loopback (127.0.0.1 and unix paths): programs
 * written against @effect/platform's Socket / SocketServer talk to the core through the
 * adapters, and the core's receive patterns run over @effect/platform-node's sockets.
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import * as NodeSocket from "@effect/platform-node/NodeSocket"
import * as NodeSocketServer from "@effect/platform-node/NodeSocketServer"
import * as Socket from "@effect/platform/Socket"
import * as SocketServer from "@effect/platform/SocketServer"
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Deferred, Duration, Effect, Either, Fiber, Layer, Logger, LogLevel, Ref, Scope, Stream } from "effect"
import * as NetError from "../../src/core/NetError.js"
import * as ReadBuffer from "../../src/core/ReadBuffer.js"
import * as Streams from "../../src/core/Streams.js"
import * as Tcp from "../../src/core/Tcp.js"
import * as Timeout from "../../src/core/Timeout.js"
import * as Platform from "../../src/platform/index.js"
import { endpoint, settledFdCount } from "../support.js"

const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), "effect-luasocket-platform-"))
let unixCounter = 0
const freshUnixPath = () => path.join(tmpDir, `p${unixCounter++}.sock`)

const transports = [
  { name: "127.0.0.1", host: () => "127.0.0.1" },
  { name: "unix path", host: freshUnixPath }
] as const

const bytes = (s: string) => new TextEncoder().encode(s)
const text = (b: Uint8Array | undefined) => Buffer.from(b ?? new Uint8Array(0)).toString("latin1")
const netOptions = ([host, port]: [string, number]) => (host.startsWith("/") ? { path: host } : { host, port })

/** A core server that answers each line with its upper case, until the client closes. */
const upperServer = (server: Tcp.TcpSocket) =>
  Effect.scoped(Effect.gen(function*() {
    const conn = yield* server.accept()
    yield* Stream.runForEach(Streams.lines(conn), (line) => conn.send(bytes(text(line).toUpperCase() + "\n")))
  }))

/** Descriptors of this process once nothing changes any more. */
const settled = settledFdCount(Effect.void, 3000)

describe("toPlatformSocket / fromConnect: platform programs over the core", () => {
  for (const t of transports) {
    it.live(`${t.name}: writer + run against a core server; the scope closes everything`, () =>
      Effect.gen(function*() {
        const before = yield* settled
        yield* Effect.scoped(Effect.gen(function*() {
          const server = yield* Tcp.listen(t.host(), 0)
          const serving = yield* Effect.fork(upperServer(server))
          const [host, port] = endpoint(server)
          const socket = yield* Platform.fromConnect(host, port)
          expect(Socket.isSocket(socket)).toBe(true)
          const received = yield* Ref.make("")
          const write = yield* socket.writer
          const opened = yield* Deferred.make<void>()
          const reader = yield* Effect.fork(socket.run((chunk) => Ref.update(received, (s) => s + text(chunk)), { onOpen: Deferred.succeed(opened, undefined) }))
          yield* Deferred.await(opened)
          yield* write("hello\n")
          yield* write(bytes("wor"))
          yield* Effect.sleep("10 millis")
          yield* write(bytes("ld\n"))
          while ((yield* Ref.get(received)) !== "HELLO\nWORLD\n") yield* Effect.sleep("5 millis")
          // a CloseEvent closes the socket: run ends with a clean SocketCloseError, as NodeSocket's
          yield* write(new Socket.CloseEvent())
          const closed = yield* Effect.flip(Fiber.join(reader))
          expect(Socket.SocketCloseError.is(closed) && closed.code === 1000).toBe(true)
          yield* Fiber.join(serving)
        }))
        expect(yield* settled).toBe(before)
      }))

    it.live(`${t.name}: Socket.toChannel carries a stream through a core echo server`, () =>
      Effect.scoped(Effect.gen(function*() {
        const server = yield* Tcp.listen(t.host(), 0)
        // echoes everything, then closes: the end of the input half-closes the client
        yield* Effect.fork(Effect.scoped(Effect.gen(function*() {
          const conn = yield* server.accept()
          const all = yield* conn.receive(ReadBuffer.all)
          yield* conn.send(all)
        })))
        const [host, port] = endpoint(server)
        const socket = yield* Platform.fromConnect(host, port)
        const out = yield* Stream.make("hello", ", ", "channel").pipe(
          Stream.encodeText,
          Stream.pipeThroughChannel(Socket.toChannel(socket)),
          Stream.decodeText(),
          Stream.mkString,
          Stream.runCollect
        )
        expect(Chunk.join(out, "")).toBe("hello, channel")
      })))
  }

  it.live("run hands chunks in order and reads the next only after the handler's Effect (backpressure); ends at the peer's close", () =>
    Effect.scoped(Effect.gen(function*() {
      const server = yield* Tcp.listen("127.0.0.1", 0, { readHighWaterMark: 16 * 1024 })
      const [host, port] = endpoint(server)
      const total = 2 * 1024 * 1024
      yield* Effect.fork(Effect.scoped(Effect.gen(function*() {
        const conn = yield* server.accept()
        yield* conn.send(new Uint8Array(total).map((_, i) => i % 251))
        yield* conn.close
      })))
      const client = yield* Tcp.connect(host, port, { readHighWaterMark: 16 * 1024 })
      const socket = yield* Platform.toPlatformSocket(client)
      let seen = 0
      let ok = true
      let maxBuffered = 0
      yield* socket.run((chunk) => {
        for (let k = 0; k < chunk.length; k++) if (chunk[k] !== (seen + k) % 251) ok = false
        seen += chunk.length
        // a slow handler: the core's buffer stays bounded while it works
        return Effect.sync(() => {
          maxBuffered = Math.max(maxBuffered, client.getStats().received - seen)
        }).pipe(Effect.zipRight(Effect.sleep("1 millis")))
      })
      expect(seen).toBe(total)
      expect(ok).toBe(true)
      expect(maxBuffered).toBeLessThan(total / 2)
    })))
})

describe("errors are mapped both ways, with the cause kept", () => {
  it.live("a reset by the peer fails run with SocketGenericError Read whose cause is the core's Closed (ECONNRESET)", () =>
    Effect.scoped(Effect.gen(function*() {
      const server = yield* Tcp.listen("127.0.0.1", 0)
      const [host, port] = endpoint(server)
      const socket = yield* Platform.fromConnect(host, port)
      const failure = yield* Effect.fork(Effect.flip(socket.run(() => {})))
      yield* Effect.scoped(Effect.gen(function*() {
        const conn = yield* server.accept()
        yield* conn.setOption("linger", { on: true, timeout: 0 })
        yield* conn.close
      }))
      const e = yield* Fiber.join(failure)
      expect(Socket.isSocketError(e)).toBe(true)
      expect(e.reason).toBe("Read")
      const cause = (e as Socket.SocketGenericError).cause as NetError.NetError
      expect(cause).toBeInstanceOf(NetError.Closed)
      expect(cause.code).toBe("ECONNRESET")
      expect(Platform.fromSocketError(e, "receive")).toBe(cause)
    })))

  it.live("a write after close fails with SocketGenericError Write (cause Closed); connect errors stay NetErrors or become Open errors in the layer", () =>
    Effect.scoped(Effect.gen(function*() {
      const server = yield* Tcp.listen("127.0.0.1", 0)
      const [host, port] = endpoint(server)
      const client = yield* Tcp.connect(host, port)
      const socket = yield* Platform.toPlatformSocket(client)
      const write = yield* socket.writer
      yield* client.close
      const e = yield* Effect.flip(write("late"))
      expect(e.reason).toBe("Write")
      expect((e as Socket.SocketGenericError).cause).toBeInstanceOf(NetError.Closed)
      yield* server.close
      const refused = yield* Effect.flip(Effect.scoped(Platform.fromConnect(host, port)))
      expect(refused).toBeInstanceOf(NetError.ConnectionRefused)
      const layerError = yield* Effect.flip(Layer.build(Platform.layerConnect(host, port)))
      expect(layerError.reason).toBe("Open")
      expect((layerError as Socket.SocketGenericError).cause).toBeInstanceOf(NetError.ConnectionRefused)
      const inUse = yield* Tcp.listen("127.0.0.1", 0)
      const serverError = yield* Effect.flip(Layer.build(Platform.layerServer("127.0.0.1", endpoint(inUse)[1])).pipe(Effect.provideService(Scope.Scope, yield* Effect.scope)))
      expect(serverError).toBeInstanceOf(SocketServer.SocketServerError)
      expect(serverError.reason).toBe("Open")
      expect(serverError.cause).toBeInstanceOf(NetError.AddressInUse)
    })))
})

describe("makeServer / toSocketServer: a platform SocketServer on the core", () => {
  /** The platform-side echo handler, written only against @effect/platform's Socket. */
  const echo = (socket: Socket.Socket) =>
    Effect.scoped(Effect.gen(function*() {
      const write = yield* socket.writer
      yield* socket.run((chunk) => write(chunk))
    }))

  for (const t of transports) {
    it.live(`${t.name}: a platform echo handler serves a core client and a NodeSocket client; interrupting run closes the connections`, () =>
      Effect.gen(function*() {
        const before = yield* settled
        yield* Effect.scoped(Effect.gen(function*() {
          const server = yield* Platform.makeServer(t.host(), 0)
          const address = server.address
          const target: [string, number] = address._tag === "UnixAddress" ? [address.path, 0] : [address.hostname, address.port]
          expect(address._tag).toBe(t.name === "unix path" ? "UnixAddress" : "TcpAddress")
          const logged = yield* Ref.make(0)
          const logger = Logger.make(() => Effect.runSync(Ref.update(logged, (n) => n + 1)))
          const running = yield* Effect.fork(server.run(echo).pipe(Effect.provide(Logger.replace(Logger.defaultLogger, logger)), Logger.withMinimumLogLevel(LogLevel.Debug)))
          // a core client
          const core = yield* Tcp.connect(target[0], target[1])
          yield* core.send(bytes("ping 1\nping 2\n"))
          expect(text(yield* core.receive(ReadBuffer.line))).toBe("ping 1")
          expect(text(yield* core.receive(ReadBuffer.line))).toBe("ping 2")
          // @effect/platform-node's own client
          const nodeSocket = yield* NodeSocket.makeNet(netOptions(target))
          const got = yield* Ref.make("")
          const write = yield* nodeSocket.writer
          const reading = yield* Effect.fork(nodeSocket.run((chunk) => Ref.update(got, (s) => s + text(chunk))))
          yield* write("from node")
          while ((yield* Ref.get(got)) !== "from node") yield* Effect.sleep("5 millis")
          // interrupting run interrupts the handlers: both connections are closed
          yield* Fiber.interrupt(running)
          expect(Either.isLeft(yield* Effect.either(core.receive(ReadBuffer.line)))).toBe(true)
          yield* Fiber.await(reading)
          expect(yield* Ref.get(logged)).toBe(0) // interrupted handlers are not failures
        }))
        expect(yield* settled).toBe(before)
      }))
  }

  it.live("a handler's failure is logged, the server keeps serving; the connection is closed when the handler ends", () =>
    Effect.scoped(Effect.gen(function*() {
      const logged = yield* Ref.make<Array<string>>([])
      const logger = Logger.make(({ message }) => Effect.runSync(Ref.update(logged, (l) => [...l, String(message)])))
      const server = yield* Platform.makeServer("127.0.0.1", 0)
      const address = server.address as SocketServer.TcpAddress
      yield* Effect.fork(server.run((socket) =>
        Effect.scoped(Effect.gen(function*() {
          const write = yield* socket.writer
          yield* write("bye\n")
          return yield* Effect.fail("handler failed")
        }))
      ).pipe(Effect.provide(Logger.replace(Logger.defaultLogger, logger)), Logger.withMinimumLogLevel(LogLevel.Debug)))
      for (let i = 0; i < 3; i++) {
        const client = yield* Tcp.connect(address.hostname, address.port)
        expect(text(yield* client.receive(ReadBuffer.line))).toBe("bye")
        const end = yield* Effect.flip(client.receive(ReadBuffer.line))
        expect(end._tag).toBe("Closed")
      }
      while ((yield* Ref.get(logged)).length < 3) yield* Effect.sleep("5 millis")
      expect((yield* Ref.get(logged)).join()).toContain("Unhandled error in SocketServer")
    })))

  it.live("toSocketServer refuses a socket that does not listen", () =>
    Effect.scoped(Effect.gen(function*() {
      const master = yield* Tcp.master()
      const e = yield* Effect.flip(Platform.toSocketServer(master))
      expect(e).toBeInstanceOf(NetError.InvalidArgument)
    })))
})

describe("fromPlatformSocket: the core's receive patterns over @effect/platform-node", () => {
  for (const t of transports) {
    it.live(`${t.name}: line, exactly, prefix, all and Streams.lines over a NodeSocket; timeouts keep partial data`, () =>
      Effect.gen(function*() {
        const before = yield* settled
        yield* Effect.scoped(Effect.gen(function*() {
          const server = yield* Tcp.listen(t.host(), 0)
          const peer = yield* Deferred.make<Tcp.TcpSocket>()
          yield* Effect.fork(Effect.scoped(Effect.gen(function*() {
            const conn = yield* server.accept()
            yield* Deferred.succeed(peer, conn)
            yield* Effect.never
          })))
          const socket = yield* NodeSocket.makeNet(netOptions(endpoint(server)))
          const conn = yield* Platform.fromPlatformSocket(socket)
          // sending opens the platform socket (its writer waits for run)
          expect(yield* conn.send(bytes("xhello\n"), 2)).toBe(7)
          const remote = yield* Deferred.await(peer)
          expect(text(yield* remote.receive(ReadBuffer.line))).toBe("hello")
          for (const piece of ["li", "ne one\r", "\nexact", "ly12", "34tail"]) {
            yield* remote.send(bytes(piece))
            yield* Effect.sleep("5 millis")
          }
          expect(text(yield* conn.receive(ReadBuffer.line))).toBe("line one")
          expect(text(yield* conn.receive(ReadBuffer.exactly(9), bytes(">")))).toBe(">exactly1")
          expect(text(yield* conn.receive(ReadBuffer.exactly(3)))).toBe("234")
          const timeout = yield* Effect.flip(conn.receive(ReadBuffer.line, undefined, Timeout.make({ total: Duration.millis(30) })))
          expect(timeout._tag).toBe("Timeout")
          expect(text(timeout.partial)).toBe("tail")
          yield* remote.send(bytes("a\nb\nlast"))
          yield* remote.shutdown("send")
          const lines = yield* Stream.runCollect(Streams.lines(conn))
          expect(Chunk.toReadonlyArray(lines).map(text)).toEqual(["a", "b", "last"])
          const closed = yield* Effect.flip(conn.receive(ReadBuffer.all))
          expect(closed._tag).toBe("Closed")
          // the platform socket's run has ended: send says so instead of waiting forever
          const late = yield* Effect.flip(conn.send(bytes("late")))
          expect(late._tag).toBe("Closed")
        }))
        expect(yield* settled).toBe(before)
      }))
  }

  it.live("a NodeSocketServer handler reads lines with the core's patterns; a reset is Closed with ECONNRESET", () =>
    Effect.scoped(Effect.gen(function*() {
      const unixPath = freshUnixPath()
      const server = yield* NodeSocketServer.make({ path: unixPath })
      yield* Effect.fork(server.run((socket) =>
        Effect.scoped(Effect.gen(function*() {
          const conn = yield* Platform.fromPlatformSocket(socket)
          const name = yield* conn.receive(ReadBuffer.line)
          yield* conn.send(bytes(`hello ${text(name)}\n`))
          yield* conn.shutdown
          yield* Effect.ignore(conn.receive(ReadBuffer.all))
        }))
      ))
      const client = yield* Tcp.connect(unixPath)
      yield* client.send(bytes("lua\r\n"))
      expect(text(yield* client.receive(ReadBuffer.line))).toBe("hello lua")
      expect((yield* Effect.flip(client.receive(ReadBuffer.line)))._tag).toBe("Closed")

      // a reset on TCP: the NodeSocket's error becomes the core's Closed with the code
      const tcp = yield* Tcp.listen("127.0.0.1", 0)
      const socket = yield* NodeSocket.makeNet(netOptions(endpoint(tcp)))
      const conn = yield* Platform.fromPlatformSocket(socket)
      yield* conn.send(bytes("hi"))
      yield* Effect.scoped(Effect.gen(function*() {
        const remote = yield* tcp.accept()
        yield* remote.setOption("linger", { on: true, timeout: 0 })
        yield* remote.send(bytes("partial"))
        yield* Effect.sleep("10 millis")
        yield* remote.close
      }))
      const reset = yield* Effect.flip(conn.receive(ReadBuffer.line))
      expect(reset._tag).toBe("Closed")
      expect(reset.code).toBe("ECONNRESET")
      expect(text(reset.partial)).toBe("partial")
    })))

  it.live("a platform socket that never opens: receive fails with the mapped error, send with Closed (no wait forever)", () =>
    Effect.scoped(Effect.gen(function*() {
      const probe = yield* Tcp.listen("127.0.0.1", 0)
      const [host, port] = endpoint(probe)
      yield* probe.close
      const socket = yield* NodeSocket.makeNet({ host, port })
      const conn = yield* Platform.fromPlatformSocket(socket)
      const sending = yield* Effect.fork(Effect.flip(conn.send(bytes("lost"))))
      const e = yield* Effect.flip(conn.receive(ReadBuffer.line))
      expect(e._tag).toBe("ConnectionRefused")
      const s = yield* Fiber.join(sending)
      expect(s._tag).toBe("Closed")
      expect(s.lastIndex).toBe(0)
    })))

  it.live("over toPlatformSocket, a slow reader holds the peer back (the handler waits while the buffer is full)", () =>
    Effect.scoped(Effect.gen(function*() {
      const server = yield* Tcp.listen("127.0.0.1", 0, { readHighWaterMark: 16 * 1024 })
      const [host, port] = endpoint(server)
      const total = 8 * 1024 * 1024
      const sender = yield* Effect.fork(Effect.scoped(Effect.gen(function*() {
        const remote = yield* server.accept()
        yield* remote.send(new Uint8Array(total))
        yield* remote.close
      })))
      const client = yield* Tcp.connect(host, port, { readHighWaterMark: 16 * 1024 })
      const conn = yield* Platform.fromPlatformSocket(yield* Platform.toPlatformSocket(client), { readHighWaterMark: 64 * 1024 })
      yield* Effect.sleep("100 millis")
      // the reader stopped at its high-water mark, and the core socket below it at its own
      const received = client.getStats().received
      expect(received).toBeLessThan(total / 2)
      let got = 0
      for (;;) {
        const r = yield* Effect.either(conn.receive(ReadBuffer.available(65536)))
        if (Either.isLeft(r)) break
        got += r.right.length
      }
      expect(got).toBe(total)
      yield* Fiber.join(sender)
    })))
})
