/**
 * Benchmark client on raw Node `net` ("raw"), as fast as public APIs allow:
 * the baseline the Effect core is compared against.
 * usage: node dist/bench/raw-client.js <w1|w2|w3|w4|w5> <host> <port> <n>
 *
 * Public API only: `onread` with one reused buffer (no Buffer per read, no
 * stream machinery), one latin1 string per read split into line strings,
 * cork/uncork so that bulk writes leave as one writev, noDelay where the
 * workload asks for it, one reconnected socket for the connection churn; UDP:
 * a connected dgram socket, `send` with a window of datagrams in flight.
 */
import * as dgram from "node:dgram"
import * as net from "node:net"
import { CHUNK, clientArgs, DGRAM, END_MARKERS, fail, finish, now, percentileUs, PING, udpType } from "./common.js"

const IMPL = "raw"
const { workload, host, port, n } = clientArgs(IMPL)
const base = { impl: IMPL, workload, side: "client", version: `node ${process.version}` }

/** W1: chunks per cork()/uncork() (one writev of 64 x 64 KiB). */
const CORK_CHUNKS = 64
/** W4: datagram sends in flight (RAW_UDP_WINDOW overrides). */
const UDP_WINDOW = Number(process.env.RAW_UDP_WINDOW ?? 256)

/** Line splitter over latin1 strings: calls onLine(line) without the LF. */
const lineSplitter = (onLine: (line: string) => void) => {
  let rest = ""
  return (chunk: string): void => {
    const s = rest.length === 0 ? chunk : rest + chunk
    let start = 0
    let nl: number
    while ((nl = s.indexOf("\n", start)) !== -1) {
      onLine(s.slice(start, nl))
      start = nl + 1
    }
    rest = start === s.length ? "" : s.slice(start)
  }
}

const connect = (options: Omit<net.TcpNetConnectOpts, "host" | "port"> = {}): Promise<net.Socket> =>
  new Promise((resolve, reject) => {
    const sock = net.connect({ ...options, host, port }, () => {
      sock.off("error", reject)
      resolve(sock)
    })
    sock.once("error", reject)
  })

const clients = {
  // W1: n bytes in 64 KiB writes (CORK_CHUNKS per writev, honouring backpressure), half-close, wait for the ack.
  async w1() {
    const chunk = Buffer.alloc(CHUNK, "x")
    const sock = await connect({ allowHalfOpen: true })
    let ack = ""
    const acked = new Promise<void>((resolve, reject) => {
      sock.on("data", (d: Buffer) => {
        ack += d.toString("latin1")
        if (ack.includes("\n")) resolve()
      })
      sock.on("error", reject)
      sock.on("end", () => reject(new Error(`no ack, got ${JSON.stringify(ack)}`)))
    })
    let left = Math.floor(n / CHUNK)
    const rest = n % CHUNK
    const t0 = now()
    await new Promise<void>((resolve) => {
      const pump = () => {
        while (left > 0) {
          sock.cork()
          let ok = true
          for (let k = 0; k < CORK_CHUNKS && left > 0; k++, left--) ok = sock.write(chunk)
          sock.uncork()
          if (!ok || sock.writableNeedDrain) return // 'drain' calls pump again
        }
        sock.off("drain", pump)
        resolve()
      }
      sock.on("drain", pump)
      pump()
    })
    if (rest > 0) sock.write(chunk.subarray(0, rest))
    sock.end()
    await acked
    const dt = now() - t0
    sock.destroy()
    if (ack !== "ok\n") throw new Error(`bad ack ${JSON.stringify(ack)}`)
    return { bytes: n, seconds: dt, mib_s: n / 1048576 / dt }
  },

  // W2: n sequential request/response lines, each round trip timed.
  async w2() {
    const lat = new Float64Array(n)
    let i = 0
    let t = 0
    let resolveDone: () => void = () => {}
    const finished = new Promise<void>((r) => (resolveDone = r))
    let sock: net.Socket | undefined
    const split = lineSplitter(() => {
      lat[i++] = now() - t
      if (i === n) return resolveDone()
      t = now()
      sock!.write(PING, "latin1")
    })
    const buf = Buffer.allocUnsafe(65536)
    sock = await connect({ noDelay: true, onread: { buffer: buf, callback: (nread) => { split(buf.toString("latin1", 0, nread)); return true } } })
    sock.on("error", (e) => fail(base, e))
    const t0 = now()
    if (n > 0) {
      t = now()
      sock.write(PING, "latin1")
      await finished
    }
    const dt = now() - t0
    sock.destroy()
    lat.sort()
    return { round_trips: n, seconds: dt, rt_s: n / dt, p50_us: percentileUs(lat, 0.5), p99_us: percentileUs(lat, 0.99) }
  },

  // W3: one string per read (reused buffer), split into one string per line, until EOF.
  async w3() {
    let count = 0
    let bytes = 0
    const split = lineSplitter((line) => {
      count++
      bytes += line.length
    })
    const buf = Buffer.allocUnsafe(65536)
    const sock = await connect({ onread: { buffer: buf, callback: (nread) => { split(buf.toString("latin1", 0, nread)); return true } } })
    const t0 = now()
    await new Promise<void>((resolve, reject) => {
      sock.on("end", resolve)
      sock.on("error", reject)
    })
    const dt = now() - t0
    sock.destroy()
    if (count !== n) throw new Error(`expected ${n} lines, got ${count}`)
    return { lines: count, bytes, seconds: dt, lines_s: count / dt }
  },

  // W4: n datagrams of 512 bytes on a connected socket, at most UDP_WINDOW sends in
  // flight (unbounded, 200,000 sends would queue 200,000 send requests), then the END markers.
  async w4() {
    const payload = Buffer.alloc(DGRAM, "u")
    const sock = dgram.createSocket(udpType(host))
    sock.on("error", () => {}) // ICMP "port unreachable" once the server has stopped
    await new Promise<void>((resolve) => sock.connect(port, host, resolve))
    let issued = 0
    let completed = 0
    let errors = 0
    const t0 = now()
    if (n > 0) {
      await new Promise<void>((resolve) => {
        const onSent = (err: Error | null) => {
          if (err) errors++
          if (++completed === n) return resolve()
          pump()
        }
        const pump = () => {
          while (issued < n && issued - completed < UDP_WINDOW) {
            issued++
            sock.send(payload, onSent)
          }
        }
        pump()
      })
    }
    const dt = now() - t0
    for (let k = 0; k < END_MARKERS; k++) {
      sock.send("END")
      await new Promise((r) => setTimeout(r, 2))
    }
    sock.close()
    return { sent: n - errors, send_errors: errors, seconds: dt, sent_s: (n - errors) / dt }
  },

  // W5: n sequential connect -> send line -> receive line -> close, reconnecting one
  // net.Socket after each 'close' (socket.connect's documented reuse).
  async w5() {
    const buf = Buffer.allocUnsafe(4096)
    let got = ""
    let k = 0
    let sock: net.Socket | undefined
    const t0 = now()
    await new Promise<void>((resolve, reject) => {
      const onread = {
        buffer: buf,
        callback: (nread: number) => {
          got += buf.toString("latin1", 0, nread)
          if (got.endsWith("\n")) sock!.destroy()
          return true
        }
      }
      const next = () => {
        if (k++ === n) return resolve()
        got = ""
        if (sock === undefined) {
          sock = net.connect({ host, port, noDelay: true, onread })
          sock.on("connect", () => sock!.write("hello\n", "latin1"))
          sock.on("error", reject)
          sock.on("close", () => (got === "bye\n" ? next() : reject(new Error(`bad reply ${JSON.stringify(got)}`))))
        } else {
          sock.connect({ host, port })
        }
      }
      next()
    })
    const dt = now() - t0
    return { connections: n, seconds: dt, conn_s: n / dt }
  }
}

clients[workload]().then(
  (result) => finish({ ...result, ...base }),
  (error: unknown) => fail(base, error)
)
