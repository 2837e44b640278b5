/**
 * Timeouts with the Promise API, against a deliberately slow server on loopback.
 *
 * - a `timeout` on one call (seconds, as in LuaSocket): the bytes received before it ran out
 *   come back in the error's `partial`, and go on as the `prefix` of the next receive;
 * - the socket's own limit (`socketTimeout` / `setTimeout`) for every call that has none;
 * - LuaSocket's two limits `{ block, total }`: each wait at most `block`, the call at most `total`;
 * - an `AbortSignal` instead: it rejects with the signal's reason and consumes nothing.
 *
 * Run: npm run build && node dist/examples/promise-timeouts.js
 */
import { connect, listen, NetError } from "effect-luasocket/promise"

const text = (bytes: Uint8Array | undefined) => new TextDecoder().decode(bytes)

/** Awaits a call that should time out and returns its `Timeout` error. */
const timedOut = async (call: Promise<unknown>): Promise<NetError.Timeout> => {
  try {
    await call
  } catch (e) {
    if (e instanceof NetError.Timeout) return e
    throw e
  }
  throw new Error("expected a timeout")
}

await using server = await listen("127.0.0.1", 0)
// `timeout` limits the connect; `socketTimeout` is the socket's limit for later calls
await using client = await connect("127.0.0.1", server.getSockName().port, { timeout: 5, socketTimeout: 5 })
await using peer = await server.accept()

// 1. A line that does not end in time: the call's own limit.
await peer.send("half a li")
const e1 = await timedOut(client.receive("line", { timeout: 0.5 }))
console.log(`1. receive("line", { timeout: 0.5 }): ${e1._tag} ("${NetError.luaMessage(e1)}"), partial ${JSON.stringify(text(e1.partial))}`)
await peer.send("ne\n")
const line = await client.receiveText("line", { prefix: e1.partial ?? "" })
console.log(`   the next receive with the partial as prefix: ${JSON.stringify(line)}`)

// 2. The socket's own limit applies to every call without one: the loop over lines ends
//    with a Timeout once the server goes quiet.
client.setTimeout(0.3)
await peer.send("second line\nthird line\n")
const e2 = await timedOut((async () => {
  for await (const l of client.lines()) console.log(`2. line ${JSON.stringify(l)}`)
})())
console.log(`   then the server went quiet: ${e2._tag} after the socket's 0.3 s`)
client.setTimeout(5)

// 3. LuaSocket's block and total limits: the server sends a dot every 50 ms, so no wait comes
//    near the 5 s block limit, but the call as a whole stops at the 0.5 s total.
const ticker = setInterval(() => void peer.send(".").catch(() => undefined), 50)
const started = performance.now()
const e3 = await timedOut(client.receive("line", { timeout: { block: 5, total: 0.5 } }))
clearInterval(ticker)
console.log(`3. receive("line", { timeout: { block: 5, total: 0.5 } }): ${e3._tag}, well before the block limit: ${performance.now() - started < 5000}`)
console.log(`   partial holds the dots received so far: ${/^\.*$/.test(text(e3.partial))}`)
await peer.send("\n")
await client.receive("line") // the dots that came after the timeout, up to this newline

// 4. An AbortSignal: rejects with the signal's reason (a TimeoutError DOMException for
//    AbortSignal.timeout) and puts back what it had taken, so nothing is lost.
await peer.send("patience ")
const reason = await client.receiveText("line", { signal: AbortSignal.timeout(300), timeout: 5 }).catch((e: Error) => e.name)
console.log(`4. receive with AbortSignal.timeout(300): rejected with ${reason}`)
await peer.send("pays\n")
console.log(`   the next receive: ${JSON.stringify(await client.receiveText("line"))}`)
