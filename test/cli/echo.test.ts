/**
 * `luasock echo` as a subprocess on real loopback sockets: several concurrent TCP clients,
 * --max-connections, UDP, a unix socket path, SIGTERM / SIGINT shutdown.
 */
import { randomBytes } from "node:crypto"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest"
import { ensureBuilt, killAll, listeningPort, luasock, sleep, writeAll } from "./support.js"

beforeAll(ensureBuilt, 120_000)
afterEach(killAll)

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "luasock-echo-"))
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))

describe("echo", () => {
  it("several concurrent tcp clients, each gets its own bytes back; --count stops the server", async () => {
    const server = luasock(["echo", "-v", "--count", "5", "0"])
    const port = await listeningPort(server)
    const payloads = [1, 10_000, 1 << 20, 3 << 20, 77].map((n) => randomBytes(n))
    const clients = payloads.map(() => luasock(["connect", "127.0.0.1", String(port)]))
    await Promise.all(clients.map((c, i) => writeAll(c.proc.stdin, payloads[i]!).then(() => c.proc.stdin.end())))
    const statuses = await Promise.all(clients.map((c) => c.exited()))
    expect(statuses).toEqual([0, 0, 0, 0, 0])
    clients.forEach((c, i) => expect(c.out().equals(payloads[i]!)).toBe(true))
    expect(await server.exited()).toBe(0)
    expect(server.err()).toMatch(/served 5 connections/)
  }, 50_000)

  it("--max-connections 1 serves connections one after the other", async () => {
    const server = luasock(["echo", "--max-connections", "1", "--count", "2", "0"])
    const port = await listeningPort(server)
    const first = luasock(["connect", "127.0.0.1", String(port)])
    first.proc.stdin.write("one\n")
    await first.stdoutHas("one\n")
    const second = luasock(["connect", "127.0.0.1", String(port)])
    second.proc.stdin.write("two\n")
    // the second waits to be accepted while the first is served
    await sleep(1000)
    expect(second.out().length).toBe(0)
    first.proc.stdin.end()
    await second.stdoutHas("two\n")
    second.proc.stdin.end()
    expect([await first.exited(), await second.exited(), await server.exited()]).toEqual([0, 0, 0])
  })

  it("udp: each datagram back to its sender; --count stops the server", async () => {
    const server = luasock(["echo", "--udp", "--count", "3", "0"])
    const port = await listeningPort(server)
    const client = luasock(["connect", "--udp", "--timeout", "1", "127.0.0.1", String(port)])
    client.proc.stdin.end("one\ntwo\nthree\n")
    await client.stdoutHas("one\ntwo\nthree\n")
    expect(await server.exited()).toBe(0)
    expect(await client.exited()).toBe(0)
  })

  it("a unix socket path; SIGTERM closes the server (exit 0) and removes the socket file", async () => {
    const sockPath = path.join(dir, "echo.sock")
    const server = luasock(["echo", sockPath])
    await server.stderrMatch(/listening on .*echo\.sock/)
    const a = luasock(["connect", sockPath])
    const b = luasock(["connect", sockPath])
    a.proc.stdin.end("over unix a\n")
    b.proc.stdin.end("over unix b\n")
    expect([await a.exited(), await b.exited()]).toEqual([0, 0])
    expect(a.out().toString()).toBe("over unix a\n")
    expect(b.out().toString()).toBe("over unix b\n")
    server.proc.kill("SIGTERM")
    expect(await server.exited()).toBe(0)
    expect(fs.existsSync(sockPath)).toBe(false)
  })

  it("SIGINT with connections open: the server closes them and exits 0", async () => {
    const server = luasock(["echo", "0"])
    const port = await listeningPort(server)
    const client = luasock(["connect", "127.0.0.1", String(port)])
    client.proc.stdin.write("still here\n")
    await client.stdoutHas("still here\n")
    server.proc.kill("SIGINT")
    expect(await server.exited()).toBe(0)
    // the server's close ends the client's session too
    expect(await client.exited()).toBe(0)
  })
})
