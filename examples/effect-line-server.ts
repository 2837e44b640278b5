/**
 * A line-protocol server and its clients with the Effect API: a tiny key-value store.
 *
 *   SET <key> <value>  ->  OK
 *   GET <key>          ->  VALUE <value>  |  NOT FOUND
 *   QUIT               ->  BYE (and the server closes the connection)
 *   anything else      ->  ERROR ...
 *
 * The server runs four acceptor fibers (four clients at a time, more wait in the backlog); each
 * connection is closed when its session ends, however it ends, and everything when the
 * program's scope closes. Lines are read with a length limit and an idle timeout.
 *
 * Run: npm run build && node dist/examples/effect-line-server.js
 */
import { Effect, Either, HashMap, Option, Ref } from "effect"
import { NetError, ReadBuffer, Tcp } from "effect-luasocket"

const encoder = new TextEncoder()
const decoder = new TextDecoder()
const sendLine = (socket: Tcp.TcpSocket, line: string) => socket.send(encoder.encode(line + "\n"))
const receiveLine = (socket: Tcp.TcpSocket) => Effect.map(socket.receive(ReadBuffer.lineMax(1024)), (b) => decoder.decode(b))

type Store = Ref.Ref<HashMap.HashMap<string, string>>

/** The reply to one request line. */
const answer = (store: Store, request: string): Effect.Effect<string> => {
  const [command = "", key, ...rest] = request.split(" ")
  switch (command.toUpperCase()) {
    case "SET":
      return key === undefined || rest.length === 0
        ? Effect.succeed("ERROR usage: SET <key> <value>")
        : Effect.as(Ref.update(store, HashMap.set(key, rest.join(" "))), "OK")
    case "GET":
      return Effect.map(Ref.get(store), (map) =>
        Option.match(HashMap.get(map, key ?? ""), { onNone: () => "NOT FOUND", onSome: (value) => `VALUE ${value}` }))
    case "QUIT":
      return Effect.succeed("BYE")
    default:
      return Effect.succeed(`ERROR unknown command ${JSON.stringify(command)}`)
  }
}

/** Serves one connection until QUIT, the peer's close, 10 s of silence or a too long line. */
const session = (store: Store) => (conn: Tcp.TcpSocket): Effect.Effect<void, NetError.NetError> =>
  Effect.gen(function*() {
    yield* conn.setTimeout(10) // LuaSocket's settimeout(10): each wait at most 10 s
    for (;;) {
      const reply = yield* answer(store, yield* receiveLine(conn))
      yield* sendLine(conn, reply)
      if (reply === "BYE") return
    }
  }).pipe(
    Effect.catchTags({
      Closed: () => Effect.void, // the client went away
      Timeout: () => Effect.ignore(sendLine(conn, "ERROR idle for 10 s, bye")),
      LineTooLong: () => Effect.ignore(sendLine(conn, "ERROR line too long, bye"))
    })
  )

/** Listens on 127.0.0.1 (any free port) and serves until the scope closes. */
const server = Effect.gen(function*() {
  const store: Store = yield* Ref.make(HashMap.empty<string, string>())
  const listener = yield* Tcp.listen("127.0.0.1", 0)
  const acceptor = Effect.forever(listener.acceptWith(session(store)))
  yield* Effect.forkScoped(Effect.all([acceptor, acceptor, acceptor, acceptor], { concurrency: "unbounded" }))
  return Either.getOrThrow(listener.getSockName()).port
})

/** A client: one request, one reply line. */
const request = (name: string, conn: Tcp.TcpSocket, line: string) =>
  Effect.gen(function*() {
    yield* sendLine(conn, line)
    const reply = yield* receiveLine(conn)
    console.log(`${name}: ${line} -> ${reply}`)
  })

const program = Effect.scoped(Effect.gen(function*() {
  const port = yield* server
  console.log(`server: listening on 127.0.0.1:${port}`)
  // two clients connected at the same time, each served by its own fiber
  const alice = yield* Tcp.connect("127.0.0.1", port)
  const bob = yield* Tcp.connect("127.0.0.1", port)
  for (const client of [alice, bob]) yield* client.setTimeout(5)
  yield* request("alice", alice, "SET greeting hello, world")
  yield* request("bob", bob, "GET greeting")
  yield* request("bob", bob, "GET nothing")
  yield* request("alice", alice, "FROB")
  yield* request("alice", alice, "QUIT")
  yield* request("bob", bob, "QUIT")
  // after BYE the server closes: the next receive reports it as LuaSocket's "closed"
  const after = yield* Effect.flip(alice.receive(ReadBuffer.line))
  console.log(`alice: then ${after._tag} (LuaSocket: "${NetError.luaMessage(after)}")`)
}))

await Effect.runPromise(program)
console.log("done: every socket closed with its scope")
