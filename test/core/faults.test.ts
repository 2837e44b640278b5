/**
 * Faults and hostile peers against the Effect core (issue 6), with real loopback sockets and
 * real peer processes (`node -e` children), never mocks of `net`:
 * - faults: a peer reset mid-receive, a peer half-close, a peer process killed mid-transfer (both
 *   directions), a connect to an address that never answers (a listener whose accept queue is
 *   full: Linux then drops SYNs, so no network namespace is needed), a send to a peer that never
 *   reads; a close with bytes still queued in Node for a peer that never reads (the descriptor is
 *   released within Tcp.closeGrace) or reads slowly (kept while the bytes move, all delivered);
 * - hostile peers: an endless line against `lineMax`, an endless stream against `all`, a
 *   slowloris peer against a total timeout;
 * - unix sockets: a stale socket file, a regular file, a live listener at the path; the file's mode.
 * Figures printed by the tests are copied into docs/reliability.md.
 */
import { afterAll, describe, expect, it } from "@effect/vitest"
import { Effect, Either, Fiber, type Scope } from "effect"
import { type ChildProcess, spawn } from "node:child_process"
import { randomBytes } from "node:crypto"
import * as fs from "node:fs"
import * as net from "node:net"
import * as os from "node:os"
import * as path from "node:path"
import * as NetError from "../../src/core/NetError.js"
import * as RB from "../../src/core/ReadBuffer.js"
import * as Tcp from "../../src/core/Tcp.js"
import * as Timeout from "../../src/core/Timeout.js"
import { endpoint, fdCount, rawConnect, waitUntil } from "../support.js"

// ---- helpers ---------------------------------------------------------------------------

const bytes = (s: string): Uint8Array => Buffer.from(s, "latin1")
const text = (u: Uint8Array | undefined): string => Buffer.from(u ?? new Uint8Array(0)).toString("latin1")
const KiB = 1024
const MiB = 1024 * KiB

/** The error of an effect that must fail (dies, failing the test, if it succeeds). */
const failure = <A, R>(self: Effect.Effect<A, NetError.NetError, R>): Effect.Effect<NetError.NetError, never, R> =>
  Effect.flatMap(Effect.either(self), (r) =>
    Either.isLeft(r) ? Effect.succeed(r.left) : Effect.dieMessage(`expected a failure, but it succeeded with ${String(r.right)}`))

const elapsedMs = <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<[A, number], E, R> =>
  Effect.suspend(() => {
    const t0 = performance.now()
    return Effect.map(self, (a) => [a, performance.now() - t0] as [A, number])
  })

const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), "effect-luasocket-faults-"))
afterAll(() => fs.rmSync(tmpDir, { recursive: true, force: true }))
let pathCounter = 0
const freshUnixPath = (): string => path.join(tmpDir, `s${++pathCounter}.sock`)


/** Bytes a raw socket receives until it ends (or fails), reading from now on. */
const drainRaw = (s: net.Socket): Effect.Effect<Buffer> =>
  Effect.async<Buffer>((resume) => {
    const parts: Array<Buffer> = []
    s.on("data", (d: Buffer) => parts.push(d))
    s.once("end", () => resume(Effect.succeed(Buffer.concat(parts))))
    s.once("error", () => resume(Effect.succeed(Buffer.concat(parts))))
    s.resume()
  })

// -- peer processes ------------------------------------------------------------------------

/** A `node -e` child whose stdout lines are collected; killed (SIGKILL) with the scope if still running. */
interface Peer {
  readonly child: ChildProcess
  readonly lines: Array<string>
  readonly exited: Effect.Effect<void>
}

const spawnPeer = (source: string, args: ReadonlyArray<string>): Effect.Effect<Peer, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.sync(() => {
      const child = spawn(process.execPath, ["-e", source, ...args], { stdio: ["ignore", "pipe", "inherit"] })
      const lines: Array<string> = []
      let rest = ""
      let closed = false
      const waiters: Array<() => void> = []
      child.stdout!.on("data", (d: Buffer) => {
        const all = (rest + d.toString()).split("\n")
        rest = all.pop()!
        lines.push(...all)
      })
      child.once("close", () => {
        closed = true
        for (const w of waiters) w()
      })
      const exited = Effect.async<void>((resume) => {
        if (closed) return resume(Effect.void)
        waiters.push(() => resume(Effect.void))
      })
      return { child, lines, exited }
    }),
    (p) => Effect.flatMap(Effect.sync(() => p.child.exitCode === null && p.child.signalCode === null && p.child.kill("SIGKILL")), () => p.exited)
  )

/**
 * A sender process: connects to argv[1] (a port on 127.0.0.1, or a unix path) and writes
 * argv[2] bytes (or forever: "inf"), one chunk every argv[4] ms (0 = as fast as the peer
 * takes them, with backpressure). argv[3] "seq": byte k of the stream is k % 251; "a": all
 * 'a' (no LF). Prints "connected", then the bytes handed to the kernel (write callbacks).
 */
const senderSource = `
const net = require("node:net")
const [target, limitArg, fill, paceArg] = process.argv.slice(1)
const limit = limitArg === "inf" ? Infinity : Number(limitArg)
const pace = Number(paceArg)
const chunk = Buffer.alloc(fill === "seq" ? 251 * 256 : 65536, 97)
if (fill === "seq") for (let j = 0; j < chunk.length; j++) chunk[j] = j % 251
const sock = /^[0-9]+$/.test(target) ? net.connect({ host: "127.0.0.1", port: Number(target) }) : net.connect(target)
sock.on("error", () => process.exit(3))
let queued = 0, written = 0
const pump = () => {
  while (queued < limit) {
    const n = Math.min(chunk.length, limit - queued)
    queued += n
    const ok = sock.write(n === chunk.length ? chunk : chunk.subarray(0, n), () => { written += n; process.stdout.write(written + "\\n") })
    if (!ok) return void sock.once("drain", pump)
    if (pace > 0) return void setTimeout(pump, pace)
  }
  sock.end()
}
sock.on("connect", () => { process.stdout.write("connected\\n"); pump() })
`

/** Starts a sender process towards `server` and accepts its connection. */
const acceptSender = (server: Tcp.TcpSocket, limit: number | "inf", fill: "seq" | "a", paceMs = 0) =>
  Effect.gen(function*() {
    const [host, port] = endpoint(server)
    const peer = yield* spawnPeer(senderSource, [host.startsWith("/") ? host : String(port), String(limit), fill, String(paceMs)])
    const conn = yield* server.accept()
    return { peer, conn }
  })

/** The largest count the sender reported as handed to its kernel. */
const acked = (peer: Peer): number => peer.lines.reduce((m, l) => (/^[0-9]+$/.test(l) ? Math.max(m, Number(l)) : m), 0)

/** The sender's "seq" stream: byte k is k % 251. */
const seqRef = (() => {
  const b = Buffer.alloc(251 * 256 + 251)
  for (let j = 0; j < b.length; j++) b[j] = j % 251
  return b
})()
/** True when `data` is the "seq" stream from byte `offset` on (no byte lost, repeated or changed). */
const isSeq = (data: Uint8Array, offset: number): boolean => {
  const d = Buffer.from(data.buffer, data.byteOffset, data.length)
  for (let at = 0; at < d.length; at += 251 * 256) {
    const n = Math.min(251 * 256, d.length - at)
    const s = (offset + at) % 251
    if (!d.subarray(at, at + n).equals(seqRef.subarray(s, s + n))) return false
  }
  return true
}

// Every receive pattern, plus receiveInto and receivePoll, as one function: what it gives
// (bytes) or its error, over the data "a\rbc" that the peer sent before resetting.
type Receiver = (conn: Tcp.TcpSocket) => Effect.Effect<Either.Either<Uint8Array, NetError.NetError>>
const receivers: ReadonlyArray<readonly [string, Receiver, string]> = [
  ["line", (c) => Effect.either(c.receive(RB.line, bytes("P"))), "Pabc"],
  ["lineMax(100)", (c) => Effect.either(c.receive(RB.lineMax(100), bytes("P"))), "Pabc"],
  ["exactly(10)", (c) => Effect.either(c.receive(RB.exactly(10), bytes("P"))), "Pa\rbc"],
  ["all", (c) => Effect.either(c.receive(RB.all, bytes("P"))), "Pa\rbc"],
  ["available()", (c) => Effect.either(c.receive(RB.available(), bytes("P"))), "Pa\rbc"],
  ["receiveInto", (c) => {
    const target = new Uint8Array(64)
    return Effect.either(Effect.map(c.receiveInto(target), (n) => Buffer.concat([bytes("P"), target.subarray(0, n)])))
  }, "Pa\rbc"],
  ["receivePoll(line)", (c) =>
    // waits (outside the receive) until the reset has been seen, then polls once
    Effect.flatMap(waitUntil("the reset", () => Effect.runSync(c.getOption("error")) !== undefined), () => {
      const r = c.receivePoll(RB.line, bytes("P"))
      if (r === undefined) return Effect.dieMessage("receivePoll would wait after the reset")
      return Effect.succeed(r instanceof Uint8Array ? Either.right(r) : Either.left(r))
    }), "Pabc"]
]

// ---- faults --------------------------------------------------------------------------------

describe("faults", () => {
  it.scopedLive("peer reset mid-receive: every pattern (and receiveInto, receivePoll) ends Closed/ECONNRESET with the partial kept", () =>
    Effect.gen(function*() {
      const server = yield* Tcp.listen("127.0.0.1", 0)
      const [host, port] = endpoint(server)
      const saved = { ...Tcp.fastPaths }
      yield* Effect.addFinalizer(() => Effect.sync(() => Object.assign(Tcp.fastPaths, saved)))
      for (const [fast, peerKind] of [true, false].flatMap((f) => (["raw resetAndDestroy", "core linger 0 + close"] as const).map((k) => [f, k] as const))) {
        // the accepted socket reads through Node's onread buffer, or through 'data' events
        Tcp.fastPaths.acceptedOnread = fast
        Tcp.fastPaths.directWrite = fast
        Tcp.fastPaths.batchWrites = fast
        Tcp.fastPaths.reuseSockets = fast
        for (const [name, receive, expected] of receivers) {
          const what = `${name} against ${peerKind}${fast ? "" : " (fast paths off)"}`
          let reset: Effect.Effect<void>
          let conn: Tcp.TcpSocket
          if (peerKind === "raw resetAndDestroy") {
            const raw = yield* rawConnect(host, port)
            conn = yield* server.accept()
            raw.write("a\rbc")
            reset = Effect.sync(() => void raw.resetAndDestroy())
          } else {
            const client = yield* Tcp.connect(host, port)
            conn = yield* server.accept()
            yield* client.send(bytes("a\rbc"))
            yield* client.setOption("linger", { on: true, timeout: 0 })
            reset = client.close
          }
          // The receive waits while the bytes arrive (mid-receive), then the peer resets.
          const receiving = yield* Effect.fork(receive(conn))
          yield* waitUntil("4 bytes to arrive", () => conn.getStats().received >= 4)
          yield* reset
          const r = yield* Fiber.join(receiving)
          let got: string
          if (Either.isLeft(r)) {
            expect(r.left._tag, what).toBe("Closed") // lua: nil, "closed", partial
            expect(NetError.luaMessage(r.left)).toBe("closed")
            expect(r.left.code, what).toBe("ECONNRESET")
            got = text(r.left.partial)
          } else {
            // available / receiveInto hand over what arrived before the reset; the next call sees it
            expect(["available()", "receiveInto"], what).toContain(name)
            got = text(r.right)
            const next = yield* (name === "receiveInto" ? failure(conn.receiveInto(new Uint8Array(8))) : failure(conn.receive(RB.available())))
            expect(next._tag, what).toBe("Closed")
            expect(next.code, what).toBe("ECONNRESET")
          }
          expect(got, what).toBe(expected)
          // afterwards: Closed with nothing, and sending fails Closed with lastIndex i - 1
          const after = yield* failure(conn.receive(RB.line))
          expect(after._tag, what).toBe("Closed")
          expect(text(after.partial)).toBe("")
          const s = yield* failure(conn.send(bytes("hello"), 2))
          expect(s._tag, what).toBe("Closed")
          expect(s.lastIndex, what).toBe(1)
        }
      }
    }))

  for (const family of ["inet", "unix"] as const) {
    it.scopedLive(`peer half-close (${family}): receive(all) succeeds with every byte, sending the other way still works`, () =>
      Effect.gen(function*() {
        const server = yield* Tcp.listen(family === "unix" ? freshUnixPath() : "127.0.0.1", 0)
        const [host, port] = endpoint(server)
        // a raw Node peer: writes a request, ends its side (FIN), then waits for the reply
        const raw = yield* rawConnect(host, port)
        raw.pause()
        const conn = yield* server.accept()
        const request = randomBytes(3 * MiB + 17)
        raw.end(request)
        const got = yield* conn.receive(RB.all)
        expect(Buffer.from(got).equals(request)).toBe(true)
        // the end is sticky: every pattern now fails Closed (orderly: no code)
        const e = yield* failure(conn.receive(RB.line))
        expect(e._tag).toBe("Closed")
        expect(e.code).toBeUndefined()
        // the other direction still works, both ways of reading the reply
        const reply = randomBytes(2 * MiB + 5)
        const replying = yield* Effect.fork(drainRaw(raw))
        expect(yield* conn.send(reply)).toBe(reply.length)
        expect(yield* conn.send(bytes("tail"))).toBe(4)
        yield* conn.close
        const back = yield* Fiber.join(replying)
        expect(back.equals(Buffer.concat([reply, bytes("tail")]))).toBe(true)

        // core to core: shutdown("send") on one side, the other replies after its receive(all)
        const client = yield* Tcp.connect(host, port)
        const peer = yield* server.accept()
        yield* client.send(bytes("question"))
        yield* client.shutdown("send")
        expect(text(yield* peer.receive(RB.all))).toBe("question")
        yield* peer.send(bytes("answer\n"))
        expect(text(yield* client.receive(RB.line))).toBe("answer")
        const afterShutdown = yield* failure(client.send(bytes("more")))
        expect(afterShutdown._tag).toBe("Closed")
        expect(afterShutdown.lastIndex).toBe(0)
      }))
  }

  it.scopedLive("a peer process killed (SIGKILL) mid-transfer: the receiver gets every byte it had sent, then Closed; no crash", () =>
    Effect.gen(function*() {
      for (const family of ["inet", "unix"] as const) {
        const server = yield* Tcp.listen(family === "unix" ? freshUnixPath() : "127.0.0.1", 0)
        const { peer, conn } = yield* acceptSender(server, "inf", "seq")
        // read 4 MiB while it streams, checking every byte
        const target = new Uint8Array(64 * KiB)
        let offset = 0
        while (offset < 4 * MiB) {
          const n = yield* conn.receiveInto(target)
          expect(isSeq(target.subarray(0, n), offset)).toBe(true)
          offset += n
        }
        peer.child.kill("SIGKILL")
        yield* peer.exited
        expect(peer.child.signalCode).toBe("SIGKILL")
        // What the child reported handed to the kernel (its write callbacks). It may lag behind
        // what we already read: a write that completes at once runs its callback on a later
        // tick, and several such writes can reach us before the child's callbacks run (seen in
        // CI under load: 2.76 MB reported after 4 MiB read). So only the bound below holds.
        const handedToKernel = acked(peer)
        // what was in flight arrives: the kernel sends the dead process's queued bytes, then FIN
        const e = yield* failure(conn.receive(RB.exactly(1024 * MiB)))
        expect(e._tag).toBe("Closed")
        expect(e.code).toBeUndefined() // orderly: the dead peer had nothing unread
        const rest = e.partial!
        expect(isSeq(rest, offset)).toBe(true)
        const total = offset + rest.length
        expect(total).toBeGreaterThanOrEqual(handedToKernel)
        console.log(`killed sender (${family}): ${(offset / MiB).toFixed(1)} MiB read before the kill, ${(rest.length / KiB).toFixed(0)} KiB in flight after it, ${total} >= ${handedToKernel} bytes acknowledged by the child`)
      }
    }))

  it.scopedLive("a peer process killed while we send to it: send fails Closed with lastIndex; no crash, no leak", () =>
    Effect.gen(function*() {
      const fdsBefore = fdCount()
      yield* Effect.scoped(Effect.gen(function*() {
        const server = yield* Tcp.listen("127.0.0.1", 0)
        const [, port] = endpoint(server)
        // a peer that connects and never reads
        const peer = yield* spawnPeer(`const s = require("node:net").connect({ host: "127.0.0.1", port: Number(process.argv[1]) }); s.pause(); s.on("connect", () => process.stdout.write("connected\\n")); setInterval(() => {}, 60000)`, [String(port)])
        const conn = yield* server.accept()
        yield* waitUntil("the peer to connect", () => peer.lines.includes("connected"))
        const big = randomBytes(64 * MiB)
        const sending = yield* Effect.fork(failure(conn.send(big)))
        yield* Effect.sleep("200 millis")
        expect(sending.unsafePoll()).toBeNull() // blocked: the peer does not read
        peer.child.kill("SIGKILL")
        const e = yield* Fiber.join(sending)
        expect(e._tag).toBe("Closed") // unread data at the peer's close: a reset (or EPIPE)
        expect(["ECONNRESET", "EPIPE"]).toContain(e.code)
        expect(e.lastIndex).toBeGreaterThan(0)
        expect(e.lastIndex).toBeLessThan(big.length)
        expect((yield* failure(conn.receive(RB.line)))._tag).toBe("Closed")
      }))
      yield* waitUntil("descriptors to be released", () => fdCount() <= fdsBefore)
    }))

  it.scopedLive("connect to a listener that never answers (full accept queue: SYNs dropped) times out within [0.3 s, 0.5 s], block and total", () =>
    Effect.gen(function*() {
      // A listener with backlog 1 in a child whose event loop is blocked: it never accepts.
      const peer = yield* spawnPeer(`
        const s = require("node:net").createServer()
        s.listen({ host: "127.0.0.1", port: 0, backlog: 1 }, () => {
          process.stdout.write(s.address().port + "\\n")
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0)
        })`, [])
      yield* waitUntil("the listener's port", () => peer.lines.length > 0)
      const port = Number(peer.lines[0])
      // Fill the accept queue (backlog + 1 on Linux); the first connect that does not complete
      // within 200 ms has had its SYN dropped.
      const fillers: Array<net.Socket> = []
      yield* Effect.addFinalizer(() => Effect.sync(() => fillers.forEach((s) => s.destroy())))
      let full = false
      for (let i = 0; i < 16 && !full; i++) {
        const s = net.connect({ host: "127.0.0.1", port })
        s.on("error", () => {})
        fillers.push(s)
        const ok = yield* Effect.async<boolean>((resume) => {
          const t = setTimeout(() => resume(Effect.succeed(false)), 200)
          s.once("connect", () => {
            clearTimeout(t)
            resume(Effect.succeed(true))
          })
        })
        full = !ok
      }
      expect(full).toBe(true)
      const fdsBefore = fdCount()
      for (const mode of ["b", "t"]) {
        const [e, ms] = yield* elapsedMs(Effect.scoped(Effect.gen(function*() {
          const master = yield* Tcp.master()
          yield* master.setTimeout(0.3, mode)
          const e = yield* failure(master.connect("127.0.0.1", port))
          expect(master.kind).toBe("client") // as in LuaSocket, a failed connect still makes a client
          return e
        })))
        expect(e._tag, mode).toBe("Timeout")
        expect(NetError.luaMessage(e)).toBe("timeout")
        expect(e.operation).toBe("connect")
        expect(ms, mode).toBeGreaterThanOrEqual(295)
        expect(ms, mode).toBeLessThanOrEqual(500)
        console.log(`connect to a full backlog, settimeout(0.3, "${mode}"): Timeout after ${ms.toFixed(0)} ms`)
        // the shortcut with a policy, too
        const [e2, ms2] = yield* elapsedMs(failure(Effect.scoped(Tcp.connect("127.0.0.1", port, { timeout: mode === "b" ? Timeout.make({ block: "300 millis" }) : Timeout.make({ total: "300 millis" }) }))))
        expect(e2._tag).toBe("Timeout")
        expect(ms2).toBeGreaterThanOrEqual(295)
        expect(ms2).toBeLessThanOrEqual(500)
      }
      yield* waitUntil("descriptors to be released", () => fdCount() <= fdsBefore)
    }))

  for (const family of ["inet", "unix"] as const) {
    it.scopedLive(`send to a peer that never reads (${family}): Timeout after 0.2 s, lastIndex = exactly the bytes the peer receives when it reads`, () =>
      Effect.gen(function*() {
        const server = yield* Tcp.listen(family === "unix" ? freshUnixPath() : "127.0.0.1", 0)
        const [host, port] = endpoint(server)
        const big = randomBytes(64 * MiB)
        for (const mode of ["b", "t"]) {
          const raw = yield* rawConnect(host, port)
          raw.pause() // never reads (until later)
          const conn = yield* server.accept()
          yield* conn.setTimeout(0.2, mode)
          const [e, ms] = yield* elapsedMs(failure(conn.send(big)))
          expect(e._tag, mode).toBe("Timeout")
          expect(ms, mode).toBeGreaterThanOrEqual(195)
          expect(ms, mode).toBeLessThan(1000)
          const last = e.lastIndex!
          expect(last).toBeGreaterThan(0)
          expect(last).toBeLessThan(big.length)
          expect(conn.getStats().sent).toBe(last)
          // the peer finally reads; our close flushes what send had accepted
          const reading = yield* Effect.fork(drainRaw(raw))
          yield* conn.close
          const got = yield* Fiber.join(reading)
          expect(got.length, mode).toBe(last)
          expect(got.equals(big.subarray(0, last))).toBe(true)
          console.log(`send to a peer that never reads (${family}, "${mode}"): Timeout after ${ms.toFixed(0)} ms, lastIndex ${last} = bytes received`)
        }
      }))
  }
})

describe("close with bytes still queued (closeGrace)", () => {
  for (const family of ["inet", "unix"] as const) {
    it.scopedLive(`a peer that never reads (${family}): close releases the descriptor after closeGrace.stallMillis, not never; the peer later reads what the kernel held, in order, then the end`, () =>
      Effect.gen(function*() {
        const server = yield* Tcp.listen(family === "unix" ? freshUnixPath() : "127.0.0.1", 0)
        const [host, port] = endpoint(server)
        const peer = yield* Tcp.connect(host, port) // our own client, which does not receive (until the end)
        const conn = yield* server.accept()
        const withConn = fdCount()
        yield* conn.setTimeout(0.2)
        const big = randomBytes(64 * MiB)
        const last = (yield* failure(conn.send(big))).lastIndex!
        const t0 = performance.now()
        yield* conn.close
        expect(fdCount()).toBe(withConn) // kept for now: Node still holds bytes for the peer
        yield* waitUntil("the closed socket's descriptor to be released", () => fdCount() <= withConn - 1, Tcp.closeGrace.stallMillis + 3000)
        const ms = performance.now() - t0
        expect(ms).toBeGreaterThanOrEqual(Tcp.closeGrace.stallMillis - 50)
        // the peer reads at last: the bytes the kernel held, in order, then the FIN; what Node held is lost
        const got = yield* peer.receive(RB.all)
        expect(got.length).toBeGreaterThan(0)
        expect(got.length).toBeLessThan(last)
        expect(Buffer.from(got).equals(big.subarray(0, got.length))).toBe(true)
        console.log(`close with ${last} bytes sent to a peer that never reads (${family}): descriptor released after ${ms.toFixed(0)} ms; the peer then received ${got.length} bytes, then the end`)
      }))
  }

  it.scopedLive("a peer that reads in bursts (2 MiB, then nothing for 0.8 s, ...): close keeps the descriptor while bytes move, past closeGrace.stallMillis, and every byte arrives", () =>
    Effect.gen(function*() {
      // Node's queue holds most of the 10 MiB (send hands it all over at once), so its flush takes several bursts
      const server = yield* Tcp.listen("127.0.0.1", 0, { writeHighWaterMark: 32 * MiB })
      const [host, port] = endpoint(server)
      const raw = yield* rawConnect(host, port)
      raw.pause()
      const conn = yield* server.accept()
      const withConn = fdCount()
      const big = randomBytes(10 * MiB)
      expect(yield* conn.send(big)).toBe(big.length)
      const t0 = performance.now()
      yield* conn.close
      // the peer: nothing for 0.8 s, then 2 MiB, nothing for 0.8 s, ...; once the descriptor is released, the rest at once
      let releasedMs: number | undefined
      const got = yield* Effect.async<Buffer>((resume) => {
        const parts: Array<Buffer> = []
        let burst = 0
        let timer: ReturnType<typeof setTimeout> | undefined
        const next = () => {
          if (releasedMs === undefined && fdCount() <= withConn - 1) releasedMs = performance.now() - t0
          burst = 0
          raw.resume()
        }
        raw.on("data", (d: Buffer) => {
          parts.push(d)
          burst += d.length
          if (burst >= 2 * MiB && releasedMs === undefined) {
            raw.pause()
            timer = setTimeout(next, 800)
          }
        })
        raw.once("end", () => {
          clearTimeout(timer)
          resume(Effect.succeed(Buffer.concat(parts)))
        })
        raw.once("error", (e) => resume(Effect.die(e)))
        timer = setTimeout(next, 800)
      })
      expect(got.length).toBe(big.length)
      expect(got.equals(big)).toBe(true)
      expect(releasedMs).toBeDefined()
      expect(releasedMs!).toBeGreaterThan(Tcp.closeGrace.stallMillis) // longer than one stall: the grace went on while bytes moved
      expect(fdCount()).toBeLessThanOrEqual(withConn - 1)
      console.log(`close with 10 MiB queued for a peer reading 2 MiB every 0.8 s: descriptor released within ${releasedMs!.toFixed(0)} ms (once flushed), every byte received`)
    }), 20_000)
})

// ---- hostile peers -------------------------------------------------------------------------

describe("hostile peers", () => {
  it.scopedLive("an endless line (64 MiB without LF) against receive(lineMax(64 KiB)): LineTooLong, bounded buffer and memory, nothing lost", () =>
    Effect.gen(function*() {
      const max = 64 * KiB
      const hwm = 256 * KiB
      const server = yield* Tcp.listen("127.0.0.1", 0)
      // 1. one receive, then the server holds the connection without reading while the peer pushes
      {
        const { peer, conn } = yield* acceptSender(server, 64 * MiB, "a")
        const before = process.memoryUsage().arrayBuffers
        const e = yield* failure(conn.receive(RB.lineMax(max)))
        expect(e._tag).toBe("LineTooLong")
        expect(e.partial!.length).toBe(max + 1) // the first max + 1 bytes, consumed
        let peak = 0
        let buffered = 0
        for (let i = 0; i < 50; i++) {
          yield* Effect.sleep("10 millis")
          peak = Math.max(peak, process.memoryUsage().arrayBuffers - before)
          buffered = Math.max(buffered, conn.getStats().received - (max + 1))
        }
        expect(buffered).toBeLessThanOrEqual(hwm + 64 * KiB) // paused at the high-water mark (+ one read)
        expect(acked(peer)).toBeLessThan(32 * MiB) // the peer is held back by TCP flow control
        expect(peak).toBeLessThan(4 * MiB)
        console.log(`endless line, one receive: LineTooLong at ${max + 1} bytes; then ${(buffered / KiB).toFixed(0)} KiB buffered at most, ArrayBuffer growth ${(peak / KiB).toFixed(0)} KiB, peer stalled at ${(acked(peer) / MiB).toFixed(1)} MiB sent`)
        yield* conn.close
      }
      // 2. a server that keeps discarding: every call consumes max + 1 bytes; all 64 MiB pass
      {
        const { conn } = yield* acceptSender(server, 64 * MiB, "a")
        const before = process.memoryUsage().arrayBuffers
        let peak = 0
        const sampler = setInterval(() => {
          peak = Math.max(peak, process.memoryUsage().arrayBuffers - before)
        }, 5)
        yield* Effect.addFinalizer(() => Effect.sync(() => clearInterval(sampler)))
        let consumed = 0
        let tooLong = 0
        let maxBuffered = 0
        for (;;) {
          const e = yield* failure(conn.receive(RB.lineMax(max)))
          consumed += e.partial!.length
          maxBuffered = Math.max(maxBuffered, conn.getStats().received - consumed)
          if (e._tag === "Closed") break
          expect(e._tag).toBe("LineTooLong")
          expect(e.partial!.length).toBe(max + 1)
          expect(text(e.partial!.subarray(0, 4))).toBe("aaaa")
          tooLong++
        }
        clearInterval(sampler)
        expect(consumed).toBe(64 * MiB) // nothing lost, nothing repeated
        expect(tooLong).toBe(Math.floor((64 * MiB) / (max + 1)))
        expect(maxBuffered).toBeLessThanOrEqual(hwm + 64 * KiB)
        console.log(`endless line, discarding loop: ${tooLong} LineTooLong over 64 MiB, at most ${(maxBuffered / KiB).toFixed(0)} KiB buffered, ArrayBuffer peak growth ${(peak / MiB).toFixed(1)} MiB (discarded partials awaiting GC)`)
      }
    }))

  it.scopedLive("receive(all) against an endless stream has no byte limit: only a timeout ends it (Timeout with every byte as partial)", () =>
    Effect.gen(function*() {
      const server = yield* Tcp.listen("127.0.0.1", 0)
      // a paced endless sender (one 62.75 KiB chunk per ms at most), so the partial stays small
      const { conn } = yield* acceptSender(server, "inf", "seq", 1)
      yield* conn.setTimeout(0.3, "t")
      const [e, ms] = yield* elapsedMs(failure(conn.receive(RB.all)))
      expect(e._tag).toBe("Timeout")
      expect(ms).toBeGreaterThanOrEqual(295)
      expect(ms).toBeLessThan(800)
      expect(e.partial!.length).toBeGreaterThan(0)
      expect(isSeq(e.partial!, 0)).toBe(true)
      // what arrived since the timeout continues the stream exactly
      const next = yield* conn.receive(RB.exactly(1000))
      expect(isSeq(next, e.partial!.length)).toBe(true)
      console.log(`receive(all) against an endless stream, total 0.3 s: Timeout after ${ms.toFixed(0)} ms holding ${(e.partial!.length / MiB).toFixed(1)} MiB`)
    }))

  it.scopedLive("slowloris (a byte every 100 ms) against a line receive: cut off at 0.5 s by a total timeout with the partial; block is per call too (LuaSocket); a loop of calls is not cut off", () =>
    Effect.gen(function*() {
      const server = yield* Tcp.listen("127.0.0.1", 0)
      const [host, port] = endpoint(server)
      const slowloris = Effect.gen(function*() {
        const raw = yield* rawConnect(host, port)
        const conn = yield* server.accept()
        raw.write("x")
        const timer = setInterval(() => raw.write("x"), 100)
        yield* Effect.addFinalizer(() => Effect.sync(() => clearInterval(timer)))
        return conn
      })
      for (const mode of ["t", "b"]) {
        const conn = yield* slowloris
        yield* conn.setTimeout(0.5, mode)
        const [e, ms] = yield* elapsedMs(failure(conn.receive(RB.line)))
        expect(e._tag, mode).toBe("Timeout")
        expect(ms, mode).toBeGreaterThanOrEqual(495)
        expect(ms, mode).toBeLessThan(700) // not extended by the bytes that kept arriving
        expect(text(e.partial)).toMatch(/^x{4,7}$/)
        console.log(`slowloris, settimeout(0.5, "${mode}"), receive("*l"): Timeout after ${ms.toFixed(0)} ms with ${e.partial!.length} bytes`)
      }
      // What a byte per 100 ms does extend: each call has its own budget, so a loop of
      // small receives (available(), or receive(1)) under settimeout(0.5) never times out.
      const conn = yield* slowloris
      yield* conn.setTimeout(0.5, "b")
      const t0 = performance.now()
      let calls = 0
      while (performance.now() - t0 < 1200) {
        yield* conn.receive(RB.available())
        calls++
      }
      expect(calls).toBeGreaterThanOrEqual(8)
    }))
})

// ---- unix socket files -----------------------------------------------------------------------

describe("unix socket files", () => {
  it.scopedLive("listen where a file is in the way (a stale socket of a dead process, a live one, a regular file): AddressInUse saying what is there; nothing is removed, no live server is touched", () =>
    Effect.gen(function*() {
      // a socket file left by a process killed while listening
      const stale = freshUnixPath()
      const dead = yield* spawnPeer(`require("node:net").createServer().listen(process.argv[1], () => process.kill(process.pid, "SIGKILL"))`, [stale])
      yield* dead.exited
      expect(fs.lstatSync(stale).isSocket()).toBe(true)
      const e = yield* failure(Tcp.listen(stale))
      expect(e._tag).toBe("AddressInUse")
      expect(NetError.luaMessage(e)).toBe("address already in use") // lua: nil, "address already in use"
      expect(e.code).toBe("EADDRINUSE")
      expect(e.message).toContain(`a socket file exists at ${stale}`)
      expect(e.message).toContain("remove it if nothing listens there")
      expect(fs.lstatSync(stale).isSocket()).toBe(true)
      // it is stale (a connect is refused): the caller removes it, then listen succeeds
      expect((yield* failure(Tcp.connect(stale)))._tag).toBe("ConnectionRefused")
      fs.unlinkSync(stale)
      const server = yield* Tcp.listen(stale)

      // a live listener at the path: AddressInUse, and it sees no connection from the attempt
      const live = yield* failure(Tcp.listen(stale))
      expect(live._tag).toBe("AddressInUse")
      expect(live.message).toContain("a socket file exists")
      expect(server.readable).toBe(false) // nothing pending
      const client = yield* Tcp.connect(stale)
      const conn = yield* server.accept()
      yield* client.send(bytes("still here\n"))
      expect(text(yield* conn.receive(RB.line))).toBe("still here")

      // a regular file is never removed
      const regular = freshUnixPath()
      fs.writeFileSync(regular, "keep me")
      const r = yield* failure(Tcp.listen(regular))
      expect(r._tag).toBe("AddressInUse")
      expect(r.message).toContain(`a file that is not a socket exists at ${regular}`)
      expect(fs.readFileSync(regular, "utf8")).toBe("keep me")
      // an abstract name has no file: AddressInUse without the file sentence
      const name = `@effect-luasocket-faults-${randomBytes(6).toString("hex")}`
      yield* Tcp.listen(name)
      const a = yield* failure(Tcp.listen(name))
      expect(a._tag).toBe("AddressInUse")
      expect(a.detail).toBeUndefined()
    }))

  it.scopedLive("the socket file gets mode 0777 & ~umask and is removed when the server's scope closes", () =>
    Effect.gen(function*() {
      const p = freshUnixPath()
      yield* Effect.scoped(Effect.gen(function*() {
        yield* Tcp.listen(p)
        const st = fs.lstatSync(p)
        expect(st.isSocket()).toBe(true)
        const umask = process.umask()
        expect(st.mode & 0o777).toBe(0o777 & ~umask)
        console.log(`unix socket file mode ${(st.mode & 0o777).toString(8)} (umask ${umask.toString(8)})`)
      }))
      expect(fs.existsSync(p)).toBe(false)
    }))
})
