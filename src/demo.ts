/**
 * `npm start`: the three faces of effect-luasocket on one loopback server, narrated.
 *
 * - **Effect**: an echo server (`Tcp.listen`, scoped; one connection at a time, each line
 *   comes back as `echo: <line>`).
 * - **Promise**: a client (`effect-luasocket/promise`) sends two lines, reads the replies, and
 *   shows a receive timeout as the core's typed `Timeout`.
 * - **Lua**: a Lua 5.4 script, run by the Lua runtime (`effect-luasocket/lua`, as
 *   `luasock run` does), talks to the same server with `require "socket"`.
 *
 * Everything is closed when the program's scope ends: the process exits by itself.
 */
import { Effect, Either, Queue } from "effect"
import type * as NetError from "./core/NetError.js"
import * as ReadBuffer from "./core/ReadBuffer.js"
import * as Tcp from "./core/Tcp.js"
import { defaultHosts, run as runLua } from "./lua/index.js"
import { connect, NetError as PromiseNetError } from "./promise/index.js"

const print = (face: string, text: string) => console.log(`${face.padEnd(7)} | ${text}`)
const say = (face: string, text: string) => Effect.sync(() => print(face, text))
const quote = (s: string) => JSON.stringify(s)
const latin1 = (bytes: Uint8Array) => Buffer.from(bytes).toString("latin1")

/** Echoes lines until the peer closes, then reports how many it echoed. */
const echo = (conn: Tcp.TcpSocket, report: Queue.Queue<string>): Effect.Effect<void, NetError.NetError> => {
  const peer = Either.match(conn.getPeerName(), { onLeft: () => "?", onRight: (a) => `${a.address}:${a.port}` })
  let lines = 0
  return conn.receive(ReadBuffer.line).pipe(
    Effect.flatMap((line) => conn.send(Buffer.from(`echo: ${latin1(line)}\n`, "latin1"))),
    Effect.tap(() => void lines++),
    Effect.forever,
    Effect.catchTag("Closed", () => Queue.offer(report, `connection from ${peer}: echoed ${lines} lines, then the peer closed`))
  )
}

/** The Promise face: plain async/await, the core's error classes. */
const promiseClient = async (port: number): Promise<void> => {
  const log = (text: string) => print("promise", text)
  const client = await connect("127.0.0.1", port, { socketTimeout: 5 })
  try {
    const local = client.getSockName()
    log(`connected from ${local.address}:${local.port} (effect-luasocket/promise, await)`)
    for (const line of ["hello from TypeScript", "a second line"]) {
      await client.send(line + "\n")
      log(`${quote(line)} -> ${quote(await client.receiveText("line"))}`)
    }
    try {
      await client.receive("line", { timeout: 0.2 })
    } catch (e) {
      if (!(e instanceof PromiseNetError.Timeout)) throw e
      log(`nothing more to read within 0.2 s: ${e._tag} (LuaSocket says ${quote(PromiseNetError.luaMessage(e))})`)
    }
  } finally {
    client.close()
  }
}

/** The Lua face: an unmodified LuaSocket script. */
const luaScript = `
local socket = require "socket"
local port = assert(tonumber((...)), "usage: demo.lua port")
local client = assert(socket.connect("127.0.0.1", port))
client:settimeout(5)
local ip, localPort = client:getsockname()
print(("connected from %s:%s (%s, %s)"):format(ip, localPort, _VERSION, socket._VERSION))
for _, line in ipairs { "hello from Lua", "require 'socket' works" } do
  assert(client:send(line .. "\\n"))
  local reply = assert(client:receive("*l"))
  print(("%q -> %q"):format(line, reply))
end
client:settimeout(0.2)
local data, err = client:receive("*l")
print(("nothing more to read within 0.2 s: %s, %q (LuaSocket's convention)"):format(data, err))
client:close()
`

const program = Effect.gen(function*() {
  const server = yield* Tcp.listen("127.0.0.1", 0)
  const { address, port } = Either.getOrThrow(server.getSockName())
  yield* say("effect", `echo server listening on ${address}:${port} (Effect API: Tcp.listen, a scoped resource)`)
  const report = yield* Queue.unbounded<string>()
  // one connection at a time: accept, echo until the peer closes, close it, accept the next
  yield* Effect.forkScoped(Effect.forever(server.acceptWith((conn) => echo(conn, report))))

  yield* Effect.tryPromise(() => promiseClient(port))
  yield* say("effect", yield* Queue.take(report))

  const lua = yield* runLua({ source: luaScript, name: "demo.lua" }, {
    args: [String(port)],
    hosts: defaultHosts(),
    output: "capture",
    stdin: "none"
  })
  for (const text of latin1(lua.stdout ?? new Uint8Array()).split("\n").filter((l) => l !== "")) yield* say("lua", text)
  if (lua.exitCode !== 0) {
    return yield* Effect.fail(new Error(`the Lua script failed (exit status ${lua.exitCode}): ${latin1(lua.stderr ?? new Uint8Array())}`))
  }
  yield* say("lua", `script exited with status ${lua.exitCode}`)
  yield* say("effect", yield* Queue.take(report))
}).pipe(
  Effect.scoped,
  Effect.tap(() => say("effect", "server closed: its scope ended")),
  // a safety net, far above the second or so the demo takes
  Effect.timeoutFail({ duration: "60 seconds", onTimeout: () => new Error("the demo took more than 60 s") })
)

await Effect.runPromise(program).then(
  () => console.log("demo: done"),
  (error: unknown) => {
    console.error("demo failed:", error)
    process.exitCode = 1
  }
)
