/**
 * The netcat-style commands of `luasock` (`connect`, `listen`, `echo`) on the Effect core
 * (`Tcp`, `Udp`): stdin -> socket and socket -> stdout with backpressure both ways, LuaSocket
 * timeouts, typed errors turned into exit codes (./errors.ts).
 *
 * Backpressure: stdin is read one chunk at a time, and the next chunk only once `send` has
 * handed the previous one over (send waits while Node holds more than its write high-water
 * mark for the peer); the socket is read only once stdout has taken the previous chunk, so
 * when stdout is full the core's receive buffer fills and pauses the socket, and TCP's window
 * slows the peer.
 *
 * @since 0.1.0
 */
import * as Duration from "effect/Duration"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as FiberSet from "effect/FiberSet"
import * as Address from "../core/Address.js"
import type * as NetError from "../core/NetError.js"
import * as ReadBuffer from "../core/ReadBuffer.js"
import * as Tcp from "../core/Tcp.js"
import * as Timeout from "../core/Timeout.js"
import * as Udp from "../core/Udp.js"
import { CliFailure, ExitCode, fromNetError, usage } from "./errors.js"
import { Progress } from "./progress.js"
import { crlfEncoder, LineSplitter, StdioError, StreamReader, StreamWriter } from "./stdio.js"

/** Where to connect or listen: a host and port, or a unix socket path (`@name`: abstract). @since 0.1.0 */
export type Endpoint =
  | { readonly _tag: "Inet"; readonly host: string; readonly port: number }
  | { readonly _tag: "Unix"; readonly path: string }

/** `127.0.0.1:80`, `[::1]:80`, `/tmp/sock`. @since 0.1.0 */
export const display = (ep: Endpoint): string => (ep._tag === "Unix" ? ep.path : Address.format(ep.host, ep.port))

/** A unix socket path as the core recognises it: contains `/` or starts with `@`. @since 0.1.0 */
export const isUnixPath = (s: string): boolean => s.includes("/") || s.startsWith("@")

/** A port argument: an integer 0..65535 (the message names the argument). @since 0.1.0 */
export const parsePort = (s: string, what = "port"): Either.Either<number, string> =>
  /^\d{1,5}$/.test(s) && Number(s) <= 65535 ? Either.right(Number(s)) : Either.left(`bad ${what} '${s}': expected an integer 0..65535`)

/**
 * `connect <host> [<port>]`: a host needs a port; a unix path (or `@name`) takes none.
 *
 * @since 0.1.0
 */
export const connectTarget = (host: string, port: string | undefined): Either.Either<Endpoint, CliFailure> => {
  if (isUnixPath(host)) {
    if (port !== undefined) return Either.left(usage(`connect: a unix socket path takes no port (got '${host}' and '${port}')`))
    return Either.right({ _tag: "Unix", path: host })
  }
  if (port === undefined) return Either.left(usage(`connect: missing port after host '${host}' (or give a unix socket path containing '/')`))
  const p = parsePort(port)
  if (Either.isLeft(p)) return Either.left(usage(`connect: ${p.left}`))
  if (p.right === 0) return Either.left(usage("connect: bad port '0': expected an integer 1..65535"))
  return Either.right({ _tag: "Inet", host, port: p.right })
}

/**
 * `listen <port | path>` and `echo <port | path>` with `--host`: a port (0 = any free one)
 * on `host`, or a unix socket path (then `--host` must not be given).
 *
 * @since 0.1.0
 */
export const serverTarget = (command: string, spec: string, host: string | undefined): Either.Either<Endpoint, CliFailure> => {
  if (isUnixPath(spec)) {
    if (host !== undefined) return Either.left(usage(`${command}: --host does not apply to a unix socket path ('${spec}')`))
    return Either.right({ _tag: "Unix", path: spec })
  }
  const p = parsePort(spec, "port")
  if (Either.isLeft(p)) return Either.left(usage(`${command}: ${p.left} (or a unix socket path containing '/')`))
  return Either.right({ _tag: "Inet", host: host ?? "127.0.0.1", port: p.right })
}

/** Options of the relaying commands. @since 0.1.0 */
export interface RelayOptions {
  /** `--timeout`: seconds, LuaSocket's `settimeout(seconds)` (block mode). */
  readonly timeout: number | undefined
  readonly crlf: boolean
  /** `--progress` given (shown only when stderr is a terminal). */
  readonly progress: boolean
  readonly verbose: boolean
}

/** The process's stdio, created on first use (the `run` command never touches them). */
interface Io {
  readonly stdin: StreamReader
  readonly stdout: StreamWriter
  readonly log: (line: string) => void
}

let io: Io | undefined
const stdio = (): Io =>
  (io ??= {
    stdin: new StreamReader(process.stdin, "stdin"),
    stdout: new StreamWriter(process.stdout, "stdout"),
    log: (line) => void process.stderr.write(`luasock: ${line}\n`)
  })

const MAX_CHUNK = 64 * 1024
/** Largest UDP payload over IPv4; longer stdin lines are sent in pieces of this size. */
const MAX_DATAGRAM = 65507
/** Receive size for datagrams: any UDP payload fits. */
const DATAGRAM_BUFFER = 65535

const policyOf = (seconds: number | undefined): Timeout.TimeoutPolicy =>
  seconds === undefined ? Timeout.infinite : Timeout.make({ block: Duration.millis(Math.round(seconds * 1000)) })

const stdioFailure = (e: StdioError): CliFailure =>
  e.stream === "stdout" && (e.code === "EPIPE" || e.code === "ERR_STREAM_DESTROYED")
    ? new CliFailure({ message: "", exitCode: ExitCode.stdoutClosed })
    : new CliFailure({ message: `${e.stream}: ${e.code ?? String(e.cause)}`, exitCode: ExitCode.error })

const mapIoError = <A, R>(eff: Effect.Effect<A, StdioError | CliFailure, R>): Effect.Effect<A, CliFailure, R> =>
  Effect.mapError(eff, (e) => (e._tag === "StdioError" ? stdioFailure(e) : e))

/** A connection that ended by the peer's orderly close (not a reset). */
const isEnd = (e: NetError.NetError): boolean => e._tag === "Closed" && e.code !== "ECONNRESET" && e.code !== "ECONNABORTED"

/**
 * Tracks the last traffic in either direction, for `--timeout` as an idle timeout: a wait
 * that times out ends the session only when nothing moved either way for that long.
 */
class Idle {
  private last = performance.now()
  constructor(private readonly seconds: number | undefined) {}
  touch(): void {
    this.last = performance.now()
  }
  /** The policy for the next wait: what is left of the idle period (infinite without --timeout). */
  policy(): Timeout.TimeoutPolicy {
    if (this.seconds === undefined) return Timeout.infinite
    return Timeout.make({ block: Duration.millis(Math.max(0, this.seconds * 1000 - (performance.now() - this.last))) })
  }
  /** After a wait timed out: has the connection been idle for the whole period? */
  get expired(): boolean {
    return this.seconds !== undefined && performance.now() - this.last >= this.seconds * 1000 - 1
  }
}

const withProgress = <A, E, R>(enabled: boolean, use: (p: Progress) => Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.acquireUseRelease(
    Effect.sync(() => {
      const p = new Progress(enabled && process.stderr.isTTY === true)
      p.start()
      return p
    }),
    use,
    (p) => Effect.sync(() => p.stop())
  )

// ---- TCP ---------------------------------------------------------------------------------

/**
 * Relays stdin -> `conn` and `conn` -> stdout until the peer closes. At stdin's end the
 * socket's send side is shut down (half-close) and the relay goes on receiving.
 */
const relayTcp = (conn: Tcp.TcpSocket, peer: string, o: RelayOptions): Effect.Effect<void, CliFailure> =>
  withProgress(o.progress, (progress) => {
    const { stdin, stdout } = stdio()
    const encode = o.crlf ? crlfEncoder() : (b: Uint8Array) => b
    const idle = new Idle(o.timeout)
    conn.setTimeoutPolicy(policyOf(o.timeout))
    const up: Effect.Effect<void, CliFailure> = mapIoError(
      Effect.gen(function*() {
        for (;;) {
          const chunk = yield* stdin.read
          if (chunk === undefined) {
            yield* Effect.mapError(conn.shutdown("send"), (e) => fromNetError(e, `shutdown ${peer}`))
            return
          }
          const data = encode(chunk)
          if (data.length === 0) continue
          yield* Effect.mapError(conn.send(data), (e) => fromNetError(e, `send to ${peer}`))
          progress.bytesOut += data.length
          idle.touch()
        }
      })
    )
    const down: Effect.Effect<void, CliFailure> = mapIoError(
      Effect.gen(function*() {
        for (;;) {
          const r = yield* Effect.either(conn.receive(ReadBuffer.available(MAX_CHUNK), undefined, idle.policy()))
          if (Either.isLeft(r)) {
            const e = r.left
            if (isEnd(e)) return
            if (e._tag === "Timeout" && !idle.expired) continue
            if (e._tag === "Timeout") return yield* new CliFailure({ message: `${peer}: timeout (idle for ${o.timeout} s)`, exitCode: ExitCode.timeout })
            return yield* fromNetError(e, `receive from ${peer}`)
          }
          progress.bytesIn += r.right.length
          idle.touch()
          yield* stdout.write(r.right)
        }
      })
    )
    // The session ends when the peer closes (or on an error either way); stdin's end only half-closes.
    return Effect.raceFirst(Effect.zipRight(up, Effect.never), down).pipe(Effect.zipRight(mapIoError(stdout.flush)))
  })

const connectTcp = (ep: Endpoint, o: RelayOptions): Effect.Effect<void, CliFailure> =>
  Effect.scoped(
    Effect.gen(function*() {
      const where = display(ep)
      const conn = yield* Tcp.connect(ep._tag === "Unix" ? ep.path : ep.host, ep._tag === "Unix" ? 0 : ep.port, { timeout: policyOf(o.timeout) }).pipe(
        Effect.mapError((e) => fromNetError(e, `connect ${where}`))
      )
      if (o.verbose) stdio().log(`connected to ${where}`)
      yield* relayTcp(conn, where, o)
    })
  )

const sockName = (s: { getSockName(): Either.Either<{ address: string; port: number; family: string }, NetError.NetError> }, fallback: string): string => {
  const a = s.getSockName()
  if (Either.isLeft(a)) return fallback
  return a.right.family === "unix" ? (a.right.address || fallback) : Address.format(a.right.address, a.right.port)
}

const peerName = (s: Tcp.TcpSocket, fallback: string): string => {
  const a = s.getPeerName()
  if (Either.isLeft(a) || a.right.family === "unix") return fallback
  return Address.format(a.right.address, a.right.port)
}

const listenTcpServer = (ep: Endpoint, options: Tcp.ServerOptions) => {
  const where = display(ep)
  return Tcp.listen(ep._tag === "Unix" ? ep.path : ep.host, ep._tag === "Unix" ? 0 : ep.port, options).pipe(
    Effect.mapError((e) => fromNetError(e, `listen ${where}`))
  )
}

const listenTcp = (ep: Endpoint, o: RelayOptions): Effect.Effect<void, CliFailure> =>
  Effect.scoped(
    Effect.gen(function*() {
      const server = yield* listenTcpServer(ep, { backlog: 1, timeout: policyOf(o.timeout) })
      const here = sockName(server, display(ep))
      if (o.verbose) stdio().log(`listening on ${here} (tcp)`)
      const conn = yield* server.accept().pipe(
        Effect.mapError((e) => e._tag === "Timeout" ? new CliFailure({ message: `accept on ${here}: timeout (no connection within ${o.timeout} s)`, exitCode: ExitCode.timeout }) : fromNetError(e, `accept on ${here}`))
      )
      // one connection, as nc -l: stop listening (a unix socket file goes away with the server)
      yield* server.close
      const peer = peerName(conn, here)
      if (o.verbose) stdio().log(peer === here ? `connection on ${here}` : `connection from ${peer}`)
      yield* relayTcp(conn, peer, o)
    })
  )

/** Options of `echo`. @since 0.1.0 */
export interface EchoOptions {
  /** TCP: idle seconds after which a connection is closed. */
  readonly timeout: number | undefined
  /** Stop after this many connections (TCP, once they are done) or datagrams (UDP). */
  readonly count: number | undefined
  /** TCP: connections served at once; more wait in the backlog. */
  readonly maxConnections: number
  readonly verbose: boolean
}

/** Echoes one TCP connection until the peer closes; then closes our side too. */
const echoConnection = (conn: Tcp.TcpSocket, peer: string, o: EchoOptions): Effect.Effect<void, CliFailure> => {
  const idle = new Idle(o.timeout)
  conn.setTimeoutPolicy(policyOf(o.timeout))
  return Effect.gen(function*() {
    for (;;) {
      const r = yield* Effect.either(conn.receive(ReadBuffer.available(MAX_CHUNK), undefined, idle.policy()))
      if (Either.isLeft(r)) {
        if (isEnd(r.left)) {
          yield* Effect.ignore(conn.shutdown("send"))
          return
        }
        if (r.left._tag === "Timeout" && !idle.expired) continue
        if (r.left._tag === "Timeout") return yield* new CliFailure({ message: `${peer}: timeout (idle for ${o.timeout} s), closed`, exitCode: ExitCode.timeout })
        return yield* fromNetError(r.left, `receive from ${peer}`)
      }
      idle.touch()
      yield* Effect.mapError(conn.send(r.right), (e) => fromNetError(e, `send to ${peer}`))
      idle.touch()
    }
  })
}

const echoTcp = (ep: Endpoint, o: EchoOptions): Effect.Effect<void, CliFailure> =>
  Effect.scoped(
    Effect.gen(function*() {
      const server = yield* listenTcpServer(ep, { backlog: 511 })
      const here = sockName(server, display(ep))
      const log = stdio().log
      log(`echo: listening on ${here} (tcp)`)
      const slots = yield* Effect.makeSemaphore(o.maxConnections)
      const connections = yield* FiberSet.make<void, never>()
      let served = 0
      while (o.count === undefined || served < o.count) {
        yield* slots.take(1)
        // taking the connection and handing it to its fiber cannot be interrupted in between
        yield* Effect.uninterruptibleMask((restore) =>
          Effect.gen(function*() {
            const conn = yield* restore(server.acceptOwned()).pipe(
              Effect.tapError(() => slots.release(1)),
              Effect.mapError((e) => fromNetError(e, `accept on ${here}`))
            )
            served++
            const peer = peerName(conn, `connection ${served}`)
            if (o.verbose) log(`echo: connection from ${peer}`)
            // (a fiber forked here would inherit the uninterruptible region: not the connection's)
            yield* FiberSet.run(
              connections,
              Effect.interruptible(echoConnection(conn, peer, o)).pipe(
                Effect.tap(() => (o.verbose ? Effect.sync(() => log(`echo: ${peer} closed`)) : Effect.void)),
                Effect.catchAll((e) => Effect.sync(() => log(`echo: ${e.message}`))),
                Effect.ensuring(conn.close),
                Effect.ensuring(slots.release(1))
              )
            )
          })
        )
      }
      // --count reached: stop listening, let the last connections finish
      yield* server.close
      yield* FiberSet.awaitEmpty(connections)
      if (o.verbose) log(`echo: served ${served} connection${served === 1 ? "" : "s"}`)
    })
  )

// ---- UDP ---------------------------------------------------------------------------------

const unixUdp = (command: string): CliFailure =>
  usage(`${command} --udp: unix datagram sockets are not available on Node.js (use a port, or drop --udp for a unix stream socket)`)

/**
 * Relays stdin lines -> datagrams and datagrams -> stdout. `connected`: a connected socket
 * (`connect --udp`); otherwise replies go to the last sender (`listen --udp`), and stdin is
 * not read until a first datagram has arrived. Ends on an error, or when `--timeout` passes
 * without traffic: after stdin's end that is the normal end (exit 0), before it a timeout.
 */
const relayUdp = (sock: Udp.UdpSocket, where: string, connected: boolean, o: RelayOptions): Effect.Effect<void, CliFailure> =>
  withProgress(o.progress, (progress) =>
    Effect.gen(function*() {
      const { log, stdin, stdout } = stdio()
      const encode = o.crlf ? crlfEncoder() : (b: Uint8Array) => b
      const idle = new Idle(o.timeout)
      const lines = new LineSplitter(MAX_DATAGRAM)
      let peer: { readonly address: string; readonly port: number } | undefined
      const firstPeer = yield* Deferred.make<void>()
      let stdinDone = false
      const sendOne = (d: Uint8Array): Effect.Effect<void, CliFailure> => {
        const target = peer
        const send = connected || target === undefined ? sock.send(d) : sock.sendto(d, target.address, target.port)
        return Effect.map(Effect.mapError(send, (e) => fromNetError(e, `send to ${target !== undefined ? Address.format(target.address, target.port) : where}`)), () => {
          progress.bytesOut += d.length
          idle.touch()
        })
      }
      const up: Effect.Effect<void, CliFailure> = mapIoError(
        Effect.gen(function*() {
          if (!connected) yield* Deferred.await(firstPeer)
          for (;;) {
            const chunk = yield* stdin.read
            const datagrams = chunk === undefined ? lines.end() : lines.push(encode(chunk))
            for (const d of datagrams) yield* sendOne(d)
            if (chunk === undefined) {
              stdinDone = true
              return
            }
          }
        })
      )
      const down: Effect.Effect<void, CliFailure> = mapIoError(
        Effect.gen(function*() {
          for (;;) {
            const r = yield* Effect.either(
              connected ? Effect.map(sock.receive(DATAGRAM_BUFFER, idle.policy()), (data) => ({ data, address: "", port: 0 })) : sock.receivefrom(DATAGRAM_BUFFER, idle.policy())
            )
            if (Either.isLeft(r)) {
              const e = r.left
              if (e._tag === "Timeout" && !idle.expired) continue
              if (e._tag === "Timeout" && stdinDone) return
              if (e._tag === "Timeout") return yield* new CliFailure({ message: `${where} (udp): timeout (idle for ${o.timeout} s)`, exitCode: ExitCode.timeout })
              return yield* fromNetError(e, `receive on ${where} (udp)`)
            }
            const d = r.right
            if (!connected && (peer === undefined || peer.address !== d.address || peer.port !== d.port)) {
              peer = { address: d.address, port: d.port }
              if (o.verbose) log(`datagram from ${Address.format(d.address, d.port)}`)
              yield* Deferred.succeed(firstPeer, undefined)
            }
            progress.bytesIn += d.data.length
            idle.touch()
            yield* stdout.write(d.data)
          }
        })
      )
      yield* Effect.raceFirst(Effect.zipRight(up, Effect.never), down)
      yield* mapIoError(stdout.flush)
    })
  )

const connectUdp = (ep: Endpoint, o: RelayOptions): Effect.Effect<void, CliFailure> => {
  if (ep._tag === "Unix") return Effect.fail(unixUdp("connect"))
  const where = display(ep)
  return Effect.scoped(
    Effect.gen(function*() {
      const sock = yield* Udp.connect(ep.host, ep.port).pipe(Effect.mapError((e) => fromNetError(e, `connect ${where} (udp)`)))
      if (o.verbose) stdio().log(`sending to ${where} (udp) from ${sockName(sock, "?")}`)
      yield* relayUdp(sock, where, true, o)
    })
  )
}

const bindUdp = (ep: Extract<Endpoint, { _tag: "Inet" }>) =>
  Udp.bind(ep.host, ep.port).pipe(Effect.mapError((e) => fromNetError(e, `listen ${display(ep)} (udp)`)))

const listenUdp = (ep: Endpoint, o: RelayOptions): Effect.Effect<void, CliFailure> => {
  if (ep._tag === "Unix") return Effect.fail(unixUdp("listen"))
  return Effect.scoped(
    Effect.gen(function*() {
      const sock = yield* bindUdp(ep)
      const here = sockName(sock, display(ep))
      if (o.verbose) stdio().log(`listening on ${here} (udp)`)
      yield* relayUdp(sock, here, false, o)
    })
  )
}

const echoUdp = (ep: Endpoint, o: EchoOptions): Effect.Effect<void, CliFailure> => {
  if (ep._tag === "Unix") return Effect.fail(unixUdp("echo"))
  return Effect.scoped(
    Effect.gen(function*() {
      const sock = yield* bindUdp(ep)
      const here = sockName(sock, display(ep))
      const log = stdio().log
      log(`echo: listening on ${here} (udp)`)
      let served = 0
      while (o.count === undefined || served < o.count) {
        const d = yield* Effect.mapError(sock.receivefrom(DATAGRAM_BUFFER), (e) => fromNetError(e, `receive on ${here} (udp)`))
        served++
        if (o.verbose) log(`echo: ${d.data.length} bytes from ${Address.format(d.address, d.port)}`)
        // a failed reply (the sender is gone) does not stop the server
        yield* Effect.catchAll(sock.sendto(d.data, d.address, d.port), (e) => Effect.sync(() => log(`echo: ${fromNetError(e).message}`)))
      }
      if (o.verbose) log(`echo: echoed ${served} datagram${served === 1 ? "" : "s"}`)
    })
  )
}

// ---- entry points --------------------------------------------------------------------------

/** `luasock connect`. @since 0.1.0 */
export const connect = (ep: Endpoint, udp: boolean, o: RelayOptions): Effect.Effect<void, CliFailure> => (udp ? connectUdp(ep, o) : connectTcp(ep, o))

/** `luasock listen`. @since 0.1.0 */
export const listen = (ep: Endpoint, udp: boolean, o: RelayOptions): Effect.Effect<void, CliFailure> => (udp ? listenUdp(ep, o) : listenTcp(ep, o))

/** `luasock echo`. @since 0.1.0 */
export const echo = (ep: Endpoint, udp: boolean, o: EchoOptions): Effect.Effect<void, CliFailure> => (udp ? echoUdp(ep, o) : echoTcp(ep, o))
