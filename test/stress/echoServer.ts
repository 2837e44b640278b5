/**
 * The echo server of the load and soak programs, written with the Effect API as a user would:
 * `Tcp.listen`, then an accept loop that hands each connection to its own fiber.
 */
import { Deferred, Effect, Exit, FiberSet } from "effect"
import type * as Scope from "effect/Scope"
import type * as NetError from "../../src/core/NetError.js"
import * as RB from "../../src/core/ReadBuffer.js"
import * as Tcp from "../../src/core/Tcp.js"

const NEWLINE = Buffer.from("\n")

/** Echoes lines until the peer closes. */
export const echo = (conn: Tcp.TcpSocket): Effect.Effect<void, NetError.NetError> => {
  const loop: Effect.Effect<void, NetError.NetError> = Effect.flatMap(conn.receive(RB.line), (line) =>
    Effect.flatMap(conn.send(Buffer.concat([line, NEWLINE])), () => loop))
  return Effect.catchTag(loop, "Closed", () => Effect.void)
}

/** What the server did. */
export interface Served {
  accepted: number
  /** Accepts or connections that ended with an error other than the peer's close. */
  errors: number
  /** Connection fibers alive now. */
  readonly fibers: Effect.Effect<number>
}

/**
 * Listens on 127.0.0.1 (any port) and serves `echo` until the scope closes. The loop: one
 * fiber waits in `acceptWith`; once it holds a connection it lets the loop start the next
 * acceptor and serves its own connection (closed when `echo` ends or is interrupted). Every
 * fiber lives in a `FiberSet`, interrupted when the scope closes.
 */
export const echoServer = (options: Tcp.ServerOptions = {}): Effect.Effect<{ readonly server: Tcp.TcpSocket; readonly port: number; readonly served: Served }, NetError.NetError, Scope.Scope> =>
  Effect.gen(function*() {
    const server = yield* Tcp.listen("127.0.0.1", 0, options)
    const address = server.getSockName()
    const port = address._tag === "Right" ? address.right.port : 0
    const handlers = yield* FiberSet.make<void, NetError.NetError>()
    const served: Served = { accepted: 0, errors: 0, fibers: FiberSet.size(handlers) }
    yield* Effect.forkScoped(Effect.forever(Effect.gen(function*() {
      const taken = yield* Deferred.make<void>()
      yield* FiberSet.run(handlers, Effect.onExit(
        server.acceptWith((conn) => {
          served.accepted++
          return Effect.zipRight(Deferred.succeed(taken, undefined), echo(conn))
        }),
        (exit) => Effect.zipRight(Exit.isFailure(exit) && !Exit.isInterrupted(exit) ? Effect.sync(() => void served.errors++) : Effect.void, Deferred.succeed(taken, undefined))
      ))
      yield* Deferred.await(taken)
    })))
    return { server, port, served }
  })
