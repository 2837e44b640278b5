/**
 * The Promise API's TCP over real loopback sockets (127.0.0.1, ::1, a unix path): the
 * same core as the Effect API, with `await`, thrown NetErrors, AbortSignal, timeouts,
 * `await using` and async iteration.
 */
import * as fs from "node:fs"
import * as net from "node:net"
import * as os from "node:os"
import * as path from "node:path"
import { getEventListeners } from "node:events"
import { describe, expect, it } from "@effect/vitest"
import { Duration, Runtime } from "effect"
import { connect, listen, NetError, type TcpClient, type TcpServer } from "../../src/promise/index.js"
import * as CoreNetError from "../../src/core/NetError.js"
import { fdCount } from "../support.js"

const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), "effect-luasocket-promise-"))
let unixCounter = 0
const freshUnixPath = () => path.join(tmpDir, `s${unixCounter++}.sock`)
const hasIPv6Loopback = Object.values(os.networkInterfaces()).some((list) => (list ?? []).some((i) => i.address === "::1"))

const transports = [
  { name: "127.0.0.1", host: () => "127.0.0.1", available: true },
  { name: "::1", host: () => "::1", available: hasIPv6Loopback },
  { name: "unix path", host: freshUnixPath, available: true }
] as const

const text = (b: Uint8Array | undefined) => Buffer.from(b ?? new Uint8Array(0)).toString("latin1")
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** A server, a client and the server side of that connection. */
const pair = async (host = "127.0.0.1"): Promise<{ server: TcpServer; client: TcpClient; conn: TcpClient; [Symbol.asyncDispose](): Promise<void> }> => {
  const server = await listen(host, 0)
  const a = server.getSockName()
  const client = await connect(a.address, a.port)
  const conn = await server.accept()
  return {
    server,
    client,
    conn,
    [Symbol.asyncDispose]: async () => {
      client.close()
      conn.close()
      server.close()
    }
  }
}

/** Active timers of the process (a receive with a finite timeout holds one while it waits). */
const timers = () => process.getActiveResourcesInfo().filter((r) => r === "Timeout").length

/** Polls `pred` every 5 ms, up to `ms`. */
const eventually = async (what: string, pred: () => boolean, ms = 3000) => {
  const deadline = Date.now() + ms
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(5)
  }
}

describe("promise TCP over each transport", () => {
  for (const t of transports) {
    it.skipIf(!t.available)(`${t.name}: connect, accept, send and receive by every pattern, names; await using closes`, async () => {
      const before = fdCount()
      {
        await using server = await listen(t.host(), 0)
        const a = server.getSockName()
        await using client = await connect(a.address, a.port)
        await using conn = await server.accept()
        expect(await client.send("one\r\ntwo\n")).toBe(9)
        expect(await conn.receiveText("line")).toBe("one")
        expect(await conn.receiveText("*l")).toBe("two")
        await client.send(new Uint8Array([0, 1, 2, 255, 10]))
        expect([...await conn.receive(4)]).toEqual([0, 1, 2, 255])
        expect([...await conn.receive(2, { prefix: "x" })]).toEqual([0x78, 10]) // the prefix counts toward n
        await conn.send("reply")
        client.shutdown("send")
        expect(await client.receiveText("available")).toBe("reply")
        // "all" after everything was received: nothing new before the close
        await expect(conn.receive("all")).rejects.toBeInstanceOf(NetError.Closed)
        if (a.family === "unix") expect(client.getPeerName().family).toBe("unix")
        else {
          expect(client.getPeerName()).toEqual({ address: a.address, port: a.port, family: a.family })
          expect(conn.getPeerName().port).toBe(client.getSockName().port)
        }
      }
      await eventually("descriptors back to baseline", () => fdCount() <= before)
    })
  }
})

describe("receive", () => {
  it("resolves at once from buffered data and rejects with the core's error object (not a FiberFailure)", async () => {
    await using p = await pair()
    await p.client.send("a\nb\n")
    await eventually("bytes buffered", () => p.conn.dirty)
    expect(await p.conn.receiveText()).toBe("a")
    expect(await p.conn.receiveText()).toBe("b")
    p.client.close()
    const error = await p.conn.receive("line").then(() => undefined, (e: unknown) => e)
    expect(error).toBeInstanceOf(NetError.Closed)
    expect(error).toBeInstanceOf(CoreNetError.Closed) // the very class of the Effect API
    expect(Runtime.isFiberFailure(error)).toBe(false)
    expect((error as NetError.NetError)._tag).toBe("Closed")
  })

  it("without a limit: a line split over several reads, a line longer than the read high-water mark, all, exactly", async () => {
    await using p = await pair()
    const pending = p.conn.receiveText("line")
    for (const piece of ["sp", "li", "t\n"]) {
      await sleep(5)
      await p.client.send(piece)
    }
    expect(await pending).toBe("split")
    const long = "z".repeat(1024 * 1024) // 4x the default readHighWaterMark (256 KiB)
    const longPending = p.conn.receive("line")
    await p.client.send(long + "\n")
    expect((await longPending).length).toBe(long.length)
    const exact = p.conn.receive(300 * 1024)
    await p.client.send(new Uint8Array(300 * 1024).fill(7))
    expect((await exact).every((b) => b === 7)).toBe(true)
    const all = p.conn.receive("*a")
    await p.client.send("x".repeat(100000))
    await sleep(5)
    await p.client.send("end")
    p.client.close()
    expect(text(await all)).toBe("x".repeat(100000) + "end")
    expect(p.conn.socket.readyListeners).toBe(0)
  })

  it("concurrent receives each get one line; a close wakes a waiting one with Closed", async () => {
    await using p = await pair()
    const a = p.conn.receiveText()
    const b = p.conn.receiveText()
    await p.client.send("one\ntwo\n")
    expect([await a, await b].sort()).toEqual(["one", "two"])
    const c = p.conn.receive("line")
    p.conn.close()
    await expect(c).rejects.toBeInstanceOf(NetError.Closed)
  })

  it("a bad pattern rejects with InvalidArgument (no synchronous throw)", async () => {
    await using p = await pair()
    const bad = p.conn.receive(-1)
    await expect(bad).rejects.toBeInstanceOf(NetError.InvalidArgument)
    await expect(p.conn.receive("*x" as never)).rejects.toThrow(/invalid receive pattern "\*x"/)
    await expect(p.conn.receive("line", { timeout: "soon" as never })).rejects.toThrow(/invalid timeout "soon"/)
  })

  it("timeout: the core's Timeout error with partial data (prefix included), as LuaSocket", async () => {
    await using p = await pair()
    await p.client.send("abc")
    const started = Date.now()
    const e1 = await p.conn.receive("line", { timeout: 0.05 }).then(() => undefined, (e: unknown) => e as NetError.NetError)
    expect(e1).toBeInstanceOf(NetError.Timeout)
    expect(text(e1!.partial)).toBe("abc")
    expect(Date.now() - started).toBeGreaterThanOrEqual(40)
    expect(NetError.luaMessage(e1!)).toBe("timeout")
    // the partial was consumed, as LuaSocket's: the next receive sees only what follows
    await p.client.send("de")
    const e2 = await p.conn.receive(10, { timeout: Duration.millis(50), prefix: "P" }).then(() => undefined, (e: unknown) => e as NetError.NetError)
    expect(e2?._tag).toBe("Timeout")
    expect(text(e2!.partial)).toBe("Pde")
    // the socket's own timeout applies when the call has none
    p.conn.setTimeout("30 millis")
    await expect(p.conn.receive("line")).rejects.toBeInstanceOf(NetError.Timeout)
    p.conn.setTimeout(undefined)
  })

  it("abort mid-receive: rejects with the signal's reason, leaves no listener, timer or descriptor, loses no byte", async () => {
    await using p = await pair()
    const fds = fdCount()
    for (let round = 0; round < 50; round++) {
      await p.client.send(`hel${round}`)
      await eventually("partial line buffered", () => p.conn.dirty)
      const controller = new AbortController()
      const reason = new Error(`stop ${round}`)
      const timed = round % 2 === 0
      const pending = p.conn.receive("line", { signal: controller.signal, timeout: timed ? 30 : undefined })
      await sleep(1)
      const waiting = timers() // a timed receive holds its timer while it waits
      expect(getEventListeners(controller.signal, "abort")).toHaveLength(1)
      controller.abort(reason)
      await expect(pending).rejects.toBe(reason)
      expect(getEventListeners(controller.signal, "abort")).toHaveLength(0)
      expect(timers()).toBe(timed ? waiting - 1 : waiting)
      // the bytes the aborted receive had taken were put back
      await p.client.send("lo\n")
      expect(await p.conn.receiveText("line")).toBe(`hel${round}lo`)
    }
    expect(fdCount()).toBe(fds)
    // an AbortSignal.abort() without a reason rejects with an AbortError
    const c = new AbortController()
    const pending = p.conn.receive("line", { signal: c.signal })
    c.abort()
    await expect(pending).rejects.toMatchObject({ name: "AbortError" })
  })

  it("an already aborted signal rejects without consuming anything", async () => {
    await using p = await pair()
    await p.client.send("kept\n")
    await eventually("line buffered", () => p.conn.dirty)
    const reason = new Error("already")
    await expect(p.conn.receive("line", { signal: AbortSignal.abort(reason) })).rejects.toBe(reason)
    expect(await p.conn.receiveText()).toBe("kept")
  })
})

describe("async iteration", () => {
  it("lines() across chunk boundaries, CRs dropped, an unterminated last line last", async () => {
    await using p = await pair()
    const pieces = ["hel", "lo\r\nwor", "ld\n", "\n", "a\rb\nta", "il"]
    const writer = (async () => {
      for (const piece of pieces) {
        await p.client.send(piece)
        await sleep(10)
      }
      p.client.shutdown("send")
    })()
    const lines: Array<string> = []
    for await (const line of p.conn.lines()) lines.push(line)
    await writer
    expect(lines).toEqual(["hello", "world", "", "ab", "tail"])
  })

  it("lines({ encoding: 'bytes' }) and chunks() keep every byte; breaking out leaves the socket usable", async () => {
    await using p = await pair()
    const all = new Uint8Array(256 * 1024).map((_, i) => (i * 7) % 256)
    void p.client.send(all).then(() => p.client.shutdown("send"))
    let received = 0
    const parts: Array<Uint8Array> = []
    for await (const chunk of p.conn.chunks({ size: 10000 })) {
      expect(chunk.length).toBeLessThanOrEqual(10000)
      parts.push(chunk)
      received += chunk.length
    }
    expect(received).toBe(all.length)
    expect(Buffer.concat(parts).equals(Buffer.from(all))).toBe(true)

    await using q = await pair()
    await q.client.send("x\r\ny\nz\n")
    for await (const line of q.conn.lines({ encoding: "bytes" })) {
      expect(line).toBeInstanceOf(Uint8Array)
      expect(text(line)).toBe("x")
      break
    }
    expect(await q.conn.receiveText()).toBe("y")
    for await (const line of q.conn.lines()) {
      expect(line).toBe("z")
      break
    }
  })

  it("an abort ends lines() with the reason; the bytes stay for the next receive", async () => {
    await using p = await pair()
    const controller = new AbortController()
    await p.client.send("first\nsec")
    const seen: Array<string> = []
    const loop = (async () => {
      for await (const line of p.conn.lines({ signal: controller.signal })) seen.push(line)
    })()
    await eventually("first line", () => seen.length === 1)
    controller.abort(new Error("enough"))
    await expect(loop).rejects.toThrow("enough")
    await p.client.send("ond\n")
    expect(await p.conn.receiveText()).toBe("second")
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(0)
  })

  it("lines({ maxLength }) rejects a longer line with LineTooLong; a timeout with Timeout", async () => {
    await using p = await pair()
    await p.client.send("short\n" + "x".repeat(100) + "\n")
    const seen: Array<string> = []
    const error = await (async () => {
      for await (const line of p.conn.lines({ maxLength: 10 })) seen.push(line)
    })().then(() => undefined, (e: unknown) => e)
    expect(seen).toEqual(["short"])
    expect(error).toBeInstanceOf(NetError.LineTooLong)
    const timeout = await (async () => {
      for await (const _ of p.conn.lines({ timeout: 0.03 })) { /* drain */ }
    })().then(() => undefined, (e: unknown) => e)
    expect(timeout).toBeInstanceOf(NetError.Timeout)
  })

  it("for await over a server accepts connections; closing the server ends the iteration", async () => {
    const server = await listen("127.0.0.1", 0)
    const { port } = server.getSockName()
    const accepted: Array<TcpClient> = []
    const loop = (async () => {
      for await (const conn of server) {
        accepted.push(conn)
        await conn.send(`hello ${accepted.length}\n`)
      }
    })()
    const clients = await Promise.all([1, 2, 3].map(() => connect("127.0.0.1", port)))
    const greetings = await Promise.all(clients.map((c) => c.receiveText()))
    expect(greetings.sort()).toEqual(["hello 1", "hello 2", "hello 3"])
    server.close()
    await loop
    for (const c of [...clients, ...accepted]) c.close()
  })
})

describe("send", () => {
  it("concurrent sends never interleave, even when they wait for the peer", async () => {
    const server = await listen("127.0.0.1", 0)
    const { port } = server.getSockName()
    const client = await connect("127.0.0.1", port, { writeHighWaterMark: 16 * 1024 })
    const conn = await server.accept()
    const blocks = [0x61, 0x62, 0x63, 0x64].map((b) => new Uint8Array(2 * 1024 * 1024).fill(b))
    await sleep(10) // let the peer's kernel buffer fill first
    const sends = blocks.map((b) => client.send(b))
    const got = await conn.receive(blocks.length * blocks[0]!.length)
    expect(await Promise.all(sends)).toEqual(blocks.map((b) => b.length))
    for (let i = 0; i < blocks.length; i++) {
      const part = got.subarray(i * blocks[0]!.length, (i + 1) * blocks[0]!.length)
      expect(part.every((x) => x === blocks[i]![0])).toBe(true)
    }
    client.close()
    conn.close()
    server.close()
  })

  it("a send to a closed socket rejects with Closed and lastIndex 0", async () => {
    await using p = await pair()
    p.client.close()
    const e = await p.client.send("x").then(() => undefined, (err: unknown) => err as NetError.NetError)
    expect(e).toBeInstanceOf(NetError.Closed)
    expect(e?.lastIndex).toBe(0)
  })
})

describe("connect, listen, accept", () => {
  it("connect refused rejects with ConnectionRefused itself; the master leaves no descriptor", async () => {
    const probe = net.createServer()
    await new Promise<void>((r) => probe.listen(0, "127.0.0.1", r))
    const port = (probe.address() as net.AddressInfo).port
    await new Promise<void>((r) => probe.close(() => r()))
    const before = fdCount()
    const e = await connect("127.0.0.1", port).then(() => undefined, (err: unknown) => err)
    expect(e).toBeInstanceOf(NetError.ConnectionRefused)
    expect(NetError.luaMessage(e as NetError.NetError)).toBe("connection refused")
    expect(fdCount()).toBe(before)
    await expect(connect("no such host!", 80)).rejects.toBeInstanceOf(NetError.InvalidArgument)
  })

  it("accept: a timeout rejects with Timeout; an abort rejects and a later accept still gets the next client", async () => {
    await using server = await listen("127.0.0.1", 0)
    const { port } = server.getSockName()
    const e = await server.accept({ timeout: 0.03 }).then(() => undefined, (err: unknown) => err as NetError.NetError)
    expect(e?._tag).toBe("Timeout")
    expect(e?.operation).toBe("accept")
    const controller = new AbortController()
    const pending = server.accept({ signal: controller.signal })
    controller.abort()
    await expect(pending).rejects.toMatchObject({ name: "AbortError" })
    expect(server.socket.readyListeners).toBe(0)
    await using client = await connect("127.0.0.1", port)
    await using conn = await server.accept()
    await client.send("hi\n")
    expect(await conn.receiveText()).toBe("hi")
  })

  it("connect options: timeout only for the connect, socketTimeout afterwards, noDelay and keepAlive set", async () => {
    await using server = await listen("127.0.0.1", 0)
    const { port } = server.getSockName()
    await using client = await connect("127.0.0.1", port, { timeout: 5, socketTimeout: { block: 0.02 }, noDelay: true, keepAlive: true })
    expect(client.getTimeout().block).toEqual(Duration.millis(20))
    expect(Duration.isFinite(client.getTimeout().total)).toBe(false)
    expect(client.getOption("tcp-nodelay")).toBe(true)
    expect(client.getOption("keepalive")).toBe(true)
    await expect(client.receive("line")).rejects.toBeInstanceOf(NetError.Timeout)
    expect(() => client.setOption("reuseport" as never, true as never)).toThrow(NetError.Unsupported)
  })

  it("an aborted connect rejects with the reason and leaves no descriptor", async () => {
    await using server = await listen("127.0.0.1", 0)
    const { port } = server.getSockName()
    const before = fdCount()
    const reason = new Error("no")
    await expect(connect("127.0.0.1", port, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason)
    expect(fdCount()).toBe(before)
  })
})
