/**
 * Benchmark server on the Promise API ("promise", `effect-luasocket/promise`).
 * usage: node dist/bench/promise-server.js <w1|w2|w3|w4|w5> <host> <n>
 * Prints "PORT <port>" once listening, serves one run, prints one JSON line.
 *
 * Written the way a plain TypeScript program uses the Promise API: `listen`,
 * `await server.accept()`, `await conn.receive(...)`, `await conn.send(...)`, loops
 * with `for` and `try`/`catch`, `await using` for the sockets; no Effect in sight.
 */
import { listen, NetError, type TcpClient, type TcpServer, udp } from "../src/promise/index.js"
import { announcePort, BATCH, BYE, DatagramCounter, fail, finish, isEnd, lineBatch, LINE_BYTES, OK, pong, serverArgs, UDP_RCVBUF, type Workload } from "./common.js"

const IMPL = "promise"
const { workload, host, n } = serverArgs(IMPL)
const base = { impl: IMPL, workload, side: "server" }

type Result = Record<string, unknown>


/** The peer closed (orderly or not): the end of a receive loop. */
const isClosed = (e: unknown): boolean => e instanceof NetError.Closed

/** Listens on an ephemeral port and announces it. */
const open = async (): Promise<TcpServer> => {
  const server = await listen(host, 0)
  announcePort(server.getSockName().port)
  return server
}

const servers: Record<Exclude<Workload, "w4">, (server: TcpServer) => Promise<Result>> = {
  // W1: the bytes as they arrive (`for await` over the connection: whatever is
  // buffered, at most 64 KiB per chunk) until the client half-closes; then ack.
  async w1(server) {
    await using conn = await server.accept()
    let bytes = 0
    for await (const chunk of conn.chunks({ size: 65536 })) bytes += chunk.length
    await conn.send(OK)
    return { bytes }
  },

  // W2: answer every "ping..." line with "pong..." until the client closes.
  async w2(server) {
    await using conn = await server.accept()
    conn.setOption("tcp-nodelay", true)
    let requests = 0
    for (;;) {
      let line: Uint8Array
      try {
        line = await conn.receive("line")
      } catch (e) {
        if (isClosed(e)) break
        throw e
      }
      requests++
      await conn.send(pong(line))
    }
    return { requests }
  },

  // W3: n lines of 40 bytes, BATCH lines per send, then close.
  async w3(server) {
    await using conn = await server.accept()
    const batch = lineBatch()
    for (let i = Math.floor(n / BATCH); i > 0; i--) await conn.send(batch)
    const rest = n % BATCH
    if (rest > 0) await conn.send(batch.subarray(0, rest * LINE_BYTES))
    return { lines: n }
  },

  // W5: n sequential connections: receive a line, reply, close.
  async w5(server) {
    let served = 0
    for (let i = 0; i < n; i++) {
      const conn: TcpClient = await server.accept()
      try {
        conn.setOption("tcp-nodelay", true)
        await conn.receive("line")
        await conn.send(BYE)
      } catch (e) {
        if (!isClosed(e)) throw e
      } finally {
        conn.close()
      }
      served++
    }
    return { connections: served }
  }
}

// W4: count datagrams until "END" or 2 s of silence (a watchdog aborts the pending receive).
const w4 = async (): Promise<Result> => {
  await using sock = await udp.bind(host, 0, { maxQueued: 1 << 18, maxQueuedBytes: 256 << 20 })
  try {
    sock.setOption("recv-buffer-size", UDP_RCVBUF)
  } catch {
    // not granted: the default buffer
  }
  announcePort(sock.getSockName().port)
  const counter = new DatagramCounter()
  const idle = new AbortController()
  const stopWatchdog = counter.watchdog(() => idle.abort())
  try {
    for (;;) {
      const d = await sock.receive(8192, { signal: idle.signal })
      if (isEnd(d)) break
      counter.got(d.length)
    }
  } catch (e) {
    if (!idle.signal.aborted) throw e
  }
  stopWatchdog()
  return { ...counter.result(), dropped: sock.getStats().dropped }
}

const main = async (): Promise<Result> => {
  if (workload === "w4") return w4()
  await using server = await open()
  return await servers[workload](server) // awaited here: `await using` closes the server when the block is left
}

main().then(
  (result) => finish({ ...result, ...base }),
  (error: unknown) => fail(base, error)
)
