/** Helpers shared by the socket test files. */
import * as fs from "node:fs"
import * as net from "node:net"
import { Effect, Either, type Scope } from "effect"
import * as Tcp from "../src/core/Tcp.js"

/** Polls `pred` every 5 ms; dies after `ms`. */
export const waitUntil = (what: string, pred: () => boolean, ms = 3000): Effect.Effect<void> =>
  Effect.suspend(() => {
    const deadline = Date.now() + ms
    const loop: Effect.Effect<void> = Effect.suspend(() =>
      pred() ? Effect.void : Date.now() > deadline ? Effect.dieMessage(`timed out waiting for ${what}`) : Effect.zipRight(Effect.sleep("5 millis"), loop)
    )
    return loop
  })

/** Open descriptors of this process. */
export const fdCount = (): number => fs.readdirSync("/proc/self/fd").length

/**
 * The descriptor count once it stops changing (5 equal readings 20 ms apart, at most
 * `ms`), running `drain` (e.g. closing orphaned connections) before each reading.
 */
export const settledFdCount = (drain: Effect.Effect<void, unknown>, ms: number): Effect.Effect<number, unknown> =>
  Effect.gen(function*() {
    let last = -1
    let stable = 0
    const deadline = Date.now() + ms
    while (Date.now() < deadline && stable < 5) {
      yield* drain
      yield* Effect.sleep("20 millis")
      const n = fdCount()
      if (n === last) stable++
      else {
        stable = 0
        last = n
      }
    }
    return fdCount()
  })

/** Host and port (or unix path and 0) a server listens on. */
export const endpoint = (server: Tcp.TcpSocket): [string, number] => {
  const a = Either.getOrThrow(server.getSockName())
  return [a.address, a.port]
}

/** A raw Node peer (the other side, not our core), destroyed with the scope. */
export const rawConnect = (host: string, port: number): Effect.Effect<net.Socket, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.async<net.Socket>((resume) => {
      const s = host.startsWith("/") ? net.connect(host) : net.connect({ host, port })
      s.once("connect", () => resume(Effect.succeed(s)))
      s.once("error", (e) => resume(Effect.die(e)))
    }),
    (s) => Effect.sync(() => s.destroy())
  )

/**
 * A client connected to `server` and the server side of exactly that connection:
 * accepts until the peer's port matches, closing orphans of earlier interrupted connects.
 */
export const ownPair = (server: Tcp.TcpSocket, options: Tcp.ClientOptions = {}) =>
  Effect.gen(function*() {
    const [host, port] = endpoint(server)
    const client = yield* Tcp.connect(host, port, options)
    const local = Either.getOrThrow(client.getSockName()).port
    for (;;) {
      const conn = yield* server.accept()
      const peer = conn.getPeerName()
      if (Either.isRight(peer) && peer.right.port === local) return { client, conn }
      yield* conn.close
    }
  })
