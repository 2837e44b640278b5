/**
 * Benchmark server on raw Node `net` ("raw"), as fast as public APIs allow:
 * the baseline the Effect core is compared against.
 * usage: node dist/bench/raw-server.js <w1|w2|w3|w4|w5> <host> <n>
 *
 * Public API only. (An accepted socket cannot get Node's static-buffer `onread`
 * without undocumented internals, so the server reads through 'data' events;
 * writes are batched with cork/uncork; lines are split as latin1 strings.
 * UDP: one 'message' event per datagram, an 8 MiB kernel receive buffer; the
 * fd drain of the shared `nodefast` programs needs an undocumented handle.)
 */
import * as dgram from "node:dgram"
import * as net from "node:net"
import { announcePort, BATCH, DatagramCounter, fail, finish, isEnd, lineBatch, LINE_BYTES, serverArgs, UDP_RCVBUF, udpType } from "./common.js"

const IMPL = "raw"
const { workload, host, n } = serverArgs(IMPL)
const base = { impl: IMPL, workload, side: "server" }

/** W3: batches handed to the kernel per writev. */
const CORK_BATCHES = 8

const done = (result: Record<string, unknown>) => finish({ ...result, ...base })

const listen = (options: net.ServerOpts, onConnection: (sock: net.Socket) => void): net.Server => {
  const server = net.createServer(options, onConnection)
  server.on("error", (e) => fail(base, e))
  server.listen(0, host, () => announcePort((server.address() as net.AddressInfo).port))
  return server
}

const servers = {
  // W1: count bytes until EOF, then ack.
  w1() {
    const server = listen({ allowHalfOpen: true }, (sock) => {
      server.close()
      let bytes = 0
      sock.on("data", (d: Buffer) => {
        bytes += d.length
      })
      sock.on("end", () => sock.end("ok\n", () => done({ bytes })))
    })
  },

  // W2: "pong" + line[4..] for every line, until the client closes.
  w2() {
    const server = listen({ noDelay: true }, (sock) => {
      server.close()
      let requests = 0
      let rest = ""
      sock.on("data", (d: Buffer) => {
        const s = rest.length === 0 ? d.toString("latin1") : rest + d.toString("latin1")
        let start = 0
        let nl: number
        while ((nl = s.indexOf("\n", start)) !== -1) {
          sock.write("pong" + s.slice(start + 4, nl) + "\n", "latin1")
          requests++
          start = nl + 1
        }
        rest = start === s.length ? "" : s.slice(start)
      })
      sock.on("close", () => done({ requests }))
    })
  },

  // W3: n lines of 40 bytes, BATCH lines per write, CORK_BATCHES writes per writev.
  w3() {
    const batch = lineBatch()
    const server = listen({}, (sock) => {
      server.close()
      let full = Math.floor(n / BATCH)
      const rest = n % BATCH
      const pump = () => {
        while (full > 0) {
          sock.cork()
          let ok = true
          for (let k = 0; k < CORK_BATCHES && full > 0; k++, full--) ok = sock.write(batch)
          sock.uncork()
          if (!ok || sock.writableNeedDrain) return // 'drain' calls pump again
        }
        sock.off("drain", pump)
        if (rest > 0) sock.write(batch.subarray(0, rest * LINE_BYTES))
        sock.end(() => done({ lines: n }))
      }
      sock.on("drain", pump)
      pump()
    })
  },

  // W4: count datagrams until "END" or 2 s of silence.
  w4() {
    const sock = dgram.createSocket({ type: udpType(host), recvBufferSize: UDP_RCVBUF })
    const counter = new DatagramCounter()
    let rcvbuf = 0
    let stopped = false
    const stop = () => {
      if (stopped) return
      stopped = true
      stopWatchdog()
      sock.close()
      done({ ...counter.result(), rcvbuf })
    }
    sock.on("error", (e) => fail(base, e))
    sock.on("message", (msg: Buffer) => {
      if (isEnd(msg)) return stop()
      counter.got(msg.length)
    })
    const stopWatchdog = counter.watchdog(stop)
    sock.bind(0, host, () => {
      rcvbuf = sock.getRecvBufferSize()
      announcePort(sock.address().port)
    })
  },

  // W5: n connections: read a line, reply, close (destroy at once when the reply went out).
  w5() {
    let served = 0
    const ignore = () => {}
    const server: net.Server = listen({ noDelay: true }, (sock) => {
      let replied = false
      sock.on("error", ignore)
      sock.on("data", (d: Buffer) => {
        if (replied || d.indexOf(10) === -1) return
        replied = true
        sock.write("bye\n", "latin1")
        if (sock.writableLength === 0) sock.destroy()
        else sock.end()
      })
      sock.on("close", () => {
        if (++served === n) {
          server.close()
          done({ connections: served })
        }
      })
    })
  }
}

servers[workload]()
