/**
 * `luasock connect` / `listen` as subprocesses on real loopback sockets: round trips over TCP,
 * UDP and a unix socket path, the half-close at stdin's end, backpressure both ways, --crlf.
 */
import { randomBytes } from "node:crypto"
import * as fs from "node:fs"
import * as net from "node:net"
import * as os from "node:os"
import * as path from "node:path"
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest"
import { ensureBuilt, killAll, listeningPort, luasock, sleep, writeAll } from "./support.js"

beforeAll(ensureBuilt, 120_000)
afterEach(killAll)

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "luasock-nc-"))
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))

/** A test-side TCP server on loopback, closed after the test. */
const servers = new Set<net.Server>()
afterEach(() => {
  for (const s of servers) s.close()
  servers.clear()
})
const serve = (onConnection: (sock: net.Socket) => void): Promise<number> =>
  new Promise((resolve) => {
    const s = net.createServer({ allowHalfOpen: true }, onConnection)
    servers.add(s)
    s.listen(0, "127.0.0.1", () => resolve((s.address() as net.AddressInfo).port))
  })

describe("listen / connect", () => {
  it("tcp round trip both ways on 127.0.0.1; each side ends when the other closes", async () => {
    const server = luasock(["listen", "-v", "0"])
    const port = await listeningPort(server)
    const client = luasock(["connect", "127.0.0.1", String(port)])
    server.proc.stdin.write("from server\n")
    client.proc.stdin.write("from client\n")
    await server.stdoutHas("from client\n")
    await client.stdoutHas("from server\n")
    expect(server.err()).toMatch(/connection from 127\.0\.0\.1:\d+/)
    // the client's stdin ends: half-close; the server sees the end, ends its stdin too
    client.proc.stdin.end()
    server.proc.stdin.end()
    expect(await server.exited()).toBe(0)
    expect(await client.exited()).toBe(0)
    expect(server.out().toString()).toBe("from client\n")
    expect(client.out().toString()).toBe("from server\n")
  })

  it("tcp: binary data, 4 MiB each way, arrives intact", async () => {
    const up = randomBytes(4 << 20)
    const down = randomBytes(4 << 20)
    const server = luasock(["listen", "-v", "0"])
    const port = await listeningPort(server)
    const client = luasock(["connect", "127.0.0.1", String(port)])
    await Promise.all([writeAll(server.proc.stdin, down), writeAll(client.proc.stdin, up)])
    await Promise.all([server.stdoutHas(up.length), client.stdoutHas(down.length)])
    client.proc.stdin.end()
    server.proc.stdin.end()
    expect(await server.exited()).toBe(0)
    expect(await client.exited()).toBe(0)
    expect(server.out().equals(up)).toBe(true)
    expect(client.out().equals(down)).toBe(true)
  })

  it("a unix socket path; the socket file goes away with the listener", async () => {
    const sockPath = path.join(dir, "relay.sock")
    const server = luasock(["listen", "-v", sockPath])
    await server.stderrMatch(/listening on .*relay\.sock \(tcp\)/)
    expect(fs.lstatSync(sockPath).isSocket()).toBe(true)
    const client = luasock(["connect", sockPath])
    server.proc.stdin.write("hello over unix\n")
    client.proc.stdin.end("ping over unix\n")
    await server.stdoutHas("ping over unix\n")
    await client.stdoutHas("hello over unix\n")
    server.proc.stdin.end()
    expect(await server.exited()).toBe(0)
    expect(await client.exited()).toBe(0)
    expect(fs.existsSync(sockPath)).toBe(false)
  })

  it("udp: each stdin line is a datagram; listen replies to the last sender; --timeout ends the wait after stdin's end", async () => {
    const server = luasock(["listen", "--udp", "-v", "--timeout", "2", "0"])
    const port = await listeningPort(server)
    server.proc.stdin.end("pong 1\npong 2\n")
    const client = luasock(["connect", "--udp", "--timeout", "1", "127.0.0.1", String(port)])
    client.proc.stdin.end("ping 1\nping 2\n")
    await server.stdoutHas("ping 1\nping 2\n")
    await client.stdoutHas("pong 1\npong 2\n")
    expect(server.err()).toMatch(/datagram from 127\.0\.0\.1:\d+/)
    // nothing more comes: both end after their idle timeout, normally
    expect(await client.exited()).toBe(0)
    expect(await server.exited()).toBe(0)
    expect(client.out().toString()).toBe("pong 1\npong 2\n")
    expect(server.out().toString()).toBe("ping 1\nping 2\n")
  })

  it("stdin's end half-closes the socket: the peer sees the end and can still answer", async () => {
    let received = 0
    const port = await serve((sock) => {
      sock.on("data", (b: Buffer) => (received += b.length))
      sock.on("end", () => sock.end(`got ${received} bytes\n`))
    })
    const client = luasock(["connect", "127.0.0.1", String(port)])
    client.proc.stdin.end(Buffer.alloc(100_000, 120))
    expect(await client.exited()).toBe(0)
    expect(client.out().toString()).toBe("got 100000 bytes\n")
  })

  it("--crlf sends LF as CRLF (an LF already after a CR stays as it is)", async () => {
    const chunks: Array<Buffer> = []
    const got = new Promise<Buffer>((resolve) => {
      void serve((sock) => {
        sock.on("data", (b: Buffer) => chunks.push(b))
        sock.on("end", () => {
          sock.end()
          resolve(Buffer.concat(chunks))
        })
      }).then((port) => {
        const client = luasock(["connect", "--crlf", "127.0.0.1", String(port)])
        client.proc.stdin.write("a\nb\r\n")
        setTimeout(() => client.proc.stdin.end("\nc\r"), 100)
      })
    })
    expect((await got).toString("latin1")).toBe("a\r\nb\r\n\r\nc\r")
  })
})

describe("backpressure", () => {
  it("socket -> stdout: a stdout nobody reads stops the reading, then everything arrives", async () => {
    const total = 64 << 20
    let handedOver = 0
    let finished = false
    const port = await serve((sock) => {
      const block = Buffer.alloc(1 << 16, 7)
      const pump = () => {
        while (handedOver < total) {
          handedOver += block.length
          if (!sock.write(block)) return void sock.once("drain", pump)
        }
        finished = true
        sock.end()
      }
      pump()
      sock.resume()
    })
    const client = luasock(["connect", "127.0.0.1", String(port)], { stdoutPaused: true })
    client.proc.stdin.write("x") // keep stdin open: the client ends when the server closes
    await sleep(1500)
    // pipe + Node's stdout queue + the core's 256 KiB buffer + the kernel's socket buffers
    expect(finished).toBe(false)
    expect(handedOver).toBeLessThan(16 << 20) // about 4 MiB measured
    client.proc.stdout.resume()
    await client.stdoutHas(total, 40_000)
    expect(await client.exited()).toBe(0)
    expect(client.out().length).toBe(total)
  }, 50_000)

  it("stdin -> socket: a peer that does not read stops the reading of stdin, then everything arrives", async () => {
    const total = 64 << 20
    let peer: net.Socket | undefined
    let received = 0
    let ended: () => void = () => {}
    const done = new Promise<void>((resolve) => (ended = resolve))
    const port = await serve((sock) => {
      peer = sock
      sock.pause()
      sock.on("data", (b: Buffer) => (received += b.length))
      sock.on("end", () => {
        sock.end()
        ended()
      })
    })
    const client = luasock(["connect", "127.0.0.1", String(port)])
    let accepted = 0
    const writing = writeAll(client.proc.stdin, Buffer.alloc(total, 9), (n) => (accepted = n)).then(() => client.proc.stdin.end())
    await sleep(1500)
    expect(peer).toBeDefined()
    expect(accepted).toBeLessThan(16 << 20) // about 5.5 MiB measured: stdin pipe, Node's 1 MiB send queue, kernel buffers
    peer!.resume()
    await writing
    await done
    expect(received).toBe(total)
    expect(await client.exited()).toBe(0)
  }, 50_000)
})
