/**
 * Benchmark server on the luasocket facade ("facade", `effect-luasocket/luasocket`).
 * usage: node dist/bench/facade-server.js <w1|w2|w3|w4|w5> <host> <n>
 * Prints "PORT <port>" once listening, serves one run, prints one JSON line.
 *
 * Written the way a LuaSocket user writes it, line for line the shared benchmark's
 * `lua/server.lua`: `socket.bind`, `accept`, `receive(65536)` / `receive("*l")`,
 * `send`, `close`, `settimeout`; results as arrays (`[data, err, partial]`), bytes as
 * binary strings; every call that can wait is awaited.
 */
import { socket, type Tcp } from "../src/luasocket/index.js"
import { announcePort, BATCH, CHUNK, DatagramCounter, fail, finish, lineBatch, LINE_BYTES, serverArgs, UDP_IDLE_S, type Workload } from "./common.js"

const IMPL = "facade"
const { workload, host, n } = serverArgs(IMPL)
const base = { impl: IMPL, workload, side: "server" }

type Result = Record<string, unknown>

/** Lua's `assert(a, err)`. */
const check = <T>(result: readonly [T | undefined, ...Array<unknown>]): T => {
  if (result[0] === undefined) throw new Error(String(result[1]))
  return result[0]
}

/** `socket.bind(host, 0)`, then "PORT <port>". */
const listen = async (): Promise<Tcp> => {
  const srv = check(await socket.bind(host, 0))
  const [, port] = srv.getsockname()
  announcePort(Number(port))
  return srv
}

const servers: Record<Exclude<Workload, "w4">, () => Promise<Result>> = {
  // W1: receive(65536) until "closed" (counting the partial), then ack.
  async w1() {
    const srv = await listen()
    const c = check(await srv.accept())
    let bytes = 0
    for (;;) {
      const [data, err, partial] = await c.receive(CHUNK)
      if (data !== undefined) {
        bytes += data.length
      } else {
        bytes += partial.length
        if (err === "closed") break
        throw new Error(err)
      }
    }
    await c.send("ok\n")
    c.close()
    srv.close()
    return { bytes }
  },

  // W2: reply "pong..." to every "ping..." line until the client closes.
  async w2() {
    const srv = await listen()
    const c = check(await srv.accept())
    c.setoption("tcp-nodelay", true)
    let count = 0
    for (;;) {
      const [line] = await c.receive("*l")
      if (line === undefined) break
      await c.send("pong" + line.slice(4) + "\n")
      count++
    }
    c.close()
    srv.close()
    return { requests: count }
  },

  // W3: n lines of 40 bytes, BATCH lines per send, then close.
  async w3() {
    const batch = lineBatch().toString("latin1")
    const srv = await listen()
    const c = check(await srv.accept())
    for (let i = Math.floor(n / BATCH); i > 0; i--) check(await c.send(batch))
    const rest = n % BATCH
    if (rest > 0) check(await c.send(batch, 1, rest * LINE_BYTES))
    c.close()
    srv.close()
    return { lines: n }
  },

  // W5: n sequential connections: receive a line, reply, close.
  async w5() {
    const srv = await listen()
    for (let i = 0; i < n; i++) {
      const c = check(await srv.accept())
      c.setoption("tcp-nodelay", true)
      const [line] = await c.receive("*l")
      if (line !== undefined) await c.send("bye\n")
      c.close()
    }
    srv.close()
    return { connections: n }
  }
}

// W4: count datagrams until "END" arrives or 2 s pass without one (settimeout(2), as lua/server.lua).
const w4 = async (): Promise<Result> => {
  const u = check(socket.udp())
  check(await u.setsockname(host, 0))
  const [, port] = u.getsockname()
  announcePort(Number(port))
  u.settimeout(UDP_IDLE_S)
  const counter = new DatagramCounter()
  for (;;) {
    const [d] = await u.receive()
    if (d === undefined || d === "END") break
    counter.got(d.length)
  }
  u.close()
  return counter.result()
}

;(workload === "w4" ? w4() : servers[workload]()).then(
  (result) => finish({ ...result, ...base }),
  (error: unknown) => fail(base, error)
)
