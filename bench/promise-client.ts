/**
 * Benchmark client on the Promise API ("promise", `effect-luasocket/promise`).
 * usage: node dist/bench/promise-client.js <w1|w2|w3|w4|w5> <host> <port> <n>
 * Prints one JSON line with the results (keys as the shared reference clients).
 *
 * Plain TypeScript: `await connect(...)`, `await c.send(...)`, `await c.receive("line")`
 * in `for` loops; `await using` closes the sockets.
 */
import { connect, NetError, udp } from "../src/promise/index.js"
import { CHUNK, clientArgs, DGRAM, END_MARKERS, fail, finish, now, percentileUs, PING, type Workload } from "./common.js"

const IMPL = "promise"
const { workload, host, port, n } = clientArgs(IMPL)
const base = { impl: IMPL, workload, side: "client", version: `node ${process.version}` }

type Result = Record<string, unknown>

const latin1 = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString("latin1")

const HELLO = Buffer.from("hello\n", "latin1")

const clients: Record<Workload, () => Promise<Result>> = {
  // W1: n bytes in 64 KiB sends, half-close, wait for the ack line.
  async w1() {
    await using c = await connect(host, port)
    const chunk = Buffer.alloc(CHUNK, "x")
    const t0 = now()
    for (let left = Math.floor(n / CHUNK); left > 0; left--) await c.send(chunk)
    const rest = n % CHUNK
    if (rest > 0) await c.send(chunk.subarray(0, rest))
    c.shutdown("send")
    const ack = await c.receive("line")
    const dt = now() - t0
    if (latin1(ack) !== "ok") throw new Error(`bad ack ${JSON.stringify(latin1(ack))}`)
    return { bytes: n, seconds: dt, mib_s: n / 1048576 / dt }
  },

  // W2: n sequential request/response lines, each round trip timed.
  async w2() {
    await using c = await connect(host, port, { noDelay: true })
    const msg = Buffer.from(PING, "latin1")
    const lat = new Float64Array(n)
    const t0 = now()
    for (let i = 0; i < n; i++) {
      const t = now()
      await c.send(msg)
      const reply = await c.receive("line")
      lat[i] = now() - t
      if (reply.length !== msg.length - 1) throw new Error(`bad reply ${JSON.stringify(latin1(reply))}`)
    }
    const dt = now() - t0
    lat.sort()
    return { round_trips: n, seconds: dt, rt_s: n / dt, p50_us: percentileUs(lat, 0.5), p99_us: percentileUs(lat, 0.99) }
  },

  // W3: `await c.receive("line")` one by one until the server closes (a buffered
  // line resolves without running any Effect). PROMISE_W3=iter: `for await` over `c.lines()`.
  async w3() {
    await using c = await connect(host, port)
    let count = 0
    let bytes = 0
    const t0 = now()
    if (process.env.PROMISE_W3 === "iter") {
      for await (const line of c.lines({ encoding: "bytes" })) {
        count++
        bytes += line.length
      }
    } else {
      for (;;) {
        let line: Uint8Array
        try {
          line = await c.receive("line")
        } catch (e) {
          if (e instanceof NetError.Closed) break
          throw e
        }
        count++
        bytes += line.length
      }
    }
    const dt = now() - t0
    if (count !== n) throw new Error(`expected ${n} lines, got ${count}`)
    return { lines: count, bytes, seconds: dt, lines_s: count / dt }
  },

  // W4: n datagrams of 512 bytes on a connected socket, then the END markers.
  async w4() {
    await using sock = await udp.connect(host, port)
    const payload = Buffer.alloc(DGRAM, "u")
    let errors = 0
    const t0 = now()
    for (let i = 0; i < n; i++) {
      try {
        await sock.send(payload)
      } catch {
        errors++
      }
    }
    const dt = now() - t0
    for (let k = 0; k < END_MARKERS; k++) await sock.send("END").catch(() => 0) // the server may be gone already
    return { sent: n - errors, send_errors: errors, seconds: dt, sent_s: (n - errors) / dt }
  },

  // W5: n sequential connect -> send line -> receive line -> close.
  async w5() {
    const t0 = now()
    for (let i = 0; i < n; i++) {
      await using c = await connect(host, port, { noDelay: true })
      await c.send(HELLO)
      const reply = await c.receive("line")
      if (reply.length !== 3 || latin1(reply) !== "bye") throw new Error(`bad reply ${JSON.stringify(latin1(reply))}`)
    }
    const dt = now() - t0
    return { connections: n, seconds: dt, conn_s: n / dt }
  }
}

clients[workload]().then(
  (result) => finish({ ...result, ...base }),
  (error: unknown) => fail(base, error)
)
