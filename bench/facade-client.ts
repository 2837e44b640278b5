/**
 * Benchmark client on the luasocket facade ("facade", `effect-luasocket/luasocket`).
 * usage: node dist/bench/facade-client.js <w1|w2|w3|w4|w5> <host> <port> <n>
 * Prints one JSON line with the results (keys as the shared reference clients).
 *
 * Line for line the shared benchmark's `lua/client.lua`: `socket.connect`,
 * `setoption("tcp-nodelay", true)`, `send`, `receive("*l")`, `close`; bytes as
 * binary strings, every call that can wait awaited.
 */
import { socket, type Tcp } from "../src/luasocket/index.js"
import { CHUNK, clientArgs, DGRAM, END_MARKERS, fail, finish, now, percentileUs, PING, type Workload } from "./common.js"

const IMPL = "facade"
const { workload, host, port, n } = clientArgs(IMPL)
const base = { impl: IMPL, workload, side: "client", version: `node ${process.version}` }

type Result = Record<string, unknown>

/** Lua's `assert(a, err)`. */
const check = <T>(result: readonly [T | undefined, ...Array<unknown>]): T => {
  if (result[0] === undefined) throw new Error(String(result[1]))
  return result[0]
}

const connect = async (): Promise<Tcp> => check(await socket.connect(host, port))

const clients: Record<Workload, () => Promise<Result>> = {
  // W1: n bytes in 64 KiB sends, half-close, wait for the ack.
  async w1() {
    const chunk = "x".repeat(CHUNK)
    const c = await connect()
    const t0 = now()
    for (let left = Math.floor(n / CHUNK); left > 0; left--) check(await c.send(chunk))
    const rest = n % CHUNK
    if (rest > 0) check(await c.send(chunk, 1, rest))
    c.shutdown("send")
    const [ack] = await c.receive("*l")
    const dt = now() - t0
    c.close()
    if (ack !== "ok") throw new Error(`bad ack ${JSON.stringify(ack)}`)
    return { bytes: n, seconds: dt, mib_s: n / 1048576 / dt }
  },

  // W2: n sequential 32-byte "ping" lines, each answered by one line.
  async w2() {
    const c = await connect()
    c.setoption("tcp-nodelay", true)
    const lat = new Float64Array(n)
    const t0 = now()
    for (let i = 0; i < n; i++) {
      const t = now()
      await c.send(PING)
      const [reply] = await c.receive("*l")
      lat[i] = now() - t
      if (reply === undefined) throw new Error("connection lost")
    }
    const dt = now() - t0
    c.close()
    lat.sort()
    return { round_trips: n, seconds: dt, rt_s: n / dt, p50_us: percentileUs(lat, 0.5), p99_us: percentileUs(lat, 0.99) }
  },

  // W3: receive("*l") one line at a time until the server closes.
  async w3() {
    const c = await connect()
    let count = 0
    let bytes = 0
    const t0 = now()
    for (;;) {
      const [line] = await c.receive("*l")
      if (line === undefined) break
      count++
      bytes += line.length
    }
    const dt = now() - t0
    c.close()
    if (count !== n) throw new Error(`expected ${n} lines, got ${count}`)
    return { lines: count, bytes, seconds: dt, lines_s: count / dt }
  },

  // W4: n datagrams of 512 bytes on a "connected" UDP object (setpeername), then the END markers.
  async w4() {
    const payload = "u".repeat(DGRAM)
    const u = check(socket.udp())
    check(await u.setpeername(host, port))
    let errors = 0
    const t0 = now()
    for (let i = 0; i < n; i++) {
      const [sent] = await u.send(payload)
      if (sent === undefined) errors++
    }
    const dt = now() - t0
    for (let k = 0; k < END_MARKERS; k++) {
      await u.send("END")
      await socket.sleep(0.002)
    }
    u.close()
    return { sent: n - errors, send_errors: errors, seconds: dt, sent_s: (n - errors) / dt }
  },

  // W5: n sequential connect -> send line -> receive line -> close.
  async w5() {
    const t0 = now()
    for (let i = 0; i < n; i++) {
      const c = await connect()
      c.setoption("tcp-nodelay", true)
      await c.send("hello\n")
      const [reply] = await c.receive("*l")
      if (reply !== "bye") throw new Error(`bad reply ${JSON.stringify(reply)}`)
      c.close()
    }
    const dt = now() - t0
    return { connections: n, seconds: dt, conn_s: n / dt }
  }
}

clients[workload]().then(
  (result) => finish({ ...result, ...base }),
  (error: unknown) => fail(base, error)
)
