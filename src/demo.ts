/**
 * `npm start`: a loopback echo exchange through the Effect API, narrated.
 */
import { Console, Effect, Either } from "effect"
import * as NetError from "./core/NetError.js"
import { line, all } from "./core/ReadBuffer.js"
import * as Tcp from "./core/Tcp.js"

const text = (bytes: Uint8Array) => Buffer.from(bytes).toString("latin1")

/** Echoes lines back until the peer closes. */
const echo = (conn: Tcp.TcpSocket): Effect.Effect<void, NetError.NetError> =>
  conn.receive(line).pipe(
    Effect.flatMap((l) => conn.send(Buffer.from(`echo: ${text(l)}\n`, "latin1"))),
    Effect.zipRight(Effect.suspend(() => echo(conn))),
    Effect.catchTag("Closed", () => Console.log("server: client closed the connection, echo loop ends"))
  )

const program = Effect.gen(function*() {
  const server = yield* Tcp.listen("127.0.0.1", 0)
  const { address, port } = Either.getOrThrow(server.getSockName())
  yield* Console.log(`server: listening on ${address}:${port}`)

  const serving = yield* Effect.fork(Effect.scoped(Effect.flatMap(server.accept(), (conn) => {
    const peer = Either.getOrThrow(conn.getPeerName())
    return Console.log(`server: accepted ${peer.address}:${peer.port}`).pipe(Effect.zipRight(echo(conn)))
  })))

  yield* Effect.scoped(Effect.gen(function*() {
    const client = yield* Tcp.connect("127.0.0.1", port)
    yield* client.setTimeout(2)
    yield* Console.log(`client: connected to ${address}:${port}`)
    for (const message of ["hello", "from effect-luasocket", "bytes\r\nwith CR dropped"]) {
      const last = yield* client.send(Buffer.from(message + "\n", "latin1"))
      yield* Console.log(`client: sent ${JSON.stringify(message)} (last index ${last})`)
    }
    for (let i = 0; i < 4; i++) {
      const reply = yield* client.receive(line)
      yield* Console.log(`client: received ${JSON.stringify(text(reply))}`)
    }
    yield* client.setTimeout(0.2)
    const timedOut = yield* Effect.either(client.receive(all))
    if (Either.isLeft(timedOut)) {
      yield* Console.log(`client: receive("*a") failed as expected: ${timedOut.left._tag} (LuaSocket: "${NetError.luaMessage(timedOut.left)}", partial ${timedOut.left.partial?.length ?? 0} bytes)`)
    }
    const stats = client.getStats()
    yield* Console.log(`client: stats received=${stats.received} sent=${stats.sent}; closing`)
  }))
  yield* serving.await
  yield* Console.log("server: closing (its scope ends)")
})

Effect.runPromise(Effect.scoped(program)).then(
  () => console.log("demo: done"),
  (error) => {
    console.error("demo failed:", error)
    process.exitCode = 1
  }
)
