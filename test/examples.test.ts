/**
 * `npm start` (src/demo.ts) and every program in examples/ run as a user runs them: each in its
 * own process, on loopback, within a deadline, and must exit by itself with status 0 (a handle
 * left open would keep it alive past its deadline). What each prints is checked.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { beforeAll, describe, expect, it } from "vitest"
import { ensureBuilt } from "./lua/support.js"
import { lines, root, runLua, runTs, startLua } from "./programs.js"

// the Lua worker runs from dist/, and so does `luasock run`
beforeAll(ensureBuilt, 120_000)

const example = (name: string) => path.join(root, "examples", name)
const PORT = "\\d{1,5}"

/** Matches each line of `out` against the expected lines (strings exactly, RegExps fully). */
const expectLines = (out: string, expected: ReadonlyArray<string | RegExp>) => {
  const got = lines(out)
  expect(got.length, out).toBe(expected.length)
  expected.forEach((e, i) => {
    if (typeof e === "string") expect(got[i]).toBe(e)
    else expect(got[i]).toMatch(new RegExp(`^(?:${e.source})$`))
  })
}

describe("npm start", () => {
  it("src/demo.ts: the three faces on one loopback server, then exits by itself", async () => {
    const r = await runTs("src/demo.ts")
    expect(r.stderr).toBe("")
    expect(r.code).toBe(0)
    expectLines(r.stdout, [
      new RegExp(`effect  \\| echo server listening on 127\\.0\\.0\\.1:${PORT} \\(Effect API: Tcp\\.listen, a scoped resource\\)`),
      new RegExp(`promise \\| connected from 127\\.0\\.0\\.1:${PORT} \\(effect-luasocket/promise, await\\)`),
      `promise | "hello from TypeScript" -> "echo: hello from TypeScript"`,
      `promise | "a second line" -> "echo: a second line"`,
      `promise | nothing more to read within 0.2 s: Timeout (LuaSocket says "timeout")`,
      new RegExp(`effect  \\| connection from 127\\.0\\.0\\.1:${PORT}: echoed 2 lines, then the peer closed`),
      new RegExp(`lua     \\| connected from 127\\.0\\.0\\.1:${PORT} \\(Lua 5\\.4, LuaSocket 3\\.1\\.0\\)`),
      `lua     | "hello from Lua" -> "echo: hello from Lua"`,
      `lua     | "require 'socket' works" -> "echo: require 'socket' works"`,
      `lua     | nothing more to read within 0.2 s: nil, "timeout" (LuaSocket's convention)`,
      `lua     | script exited with status 0`,
      new RegExp(`effect  \\| connection from 127\\.0\\.0\\.1:${PORT}: echoed 2 lines, then the peer closed`),
      `effect  | server closed: its scope ended`,
      `demo: done`
    ])
  }, 60_000)

  it("package.json: npm start builds, then runs the demo from dist/", () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as { scripts: Record<string, string> }
    expect(pkg.scripts.prestart).toBe("npm run --silent build")
    expect(pkg.scripts.start).toBe("node dist/src/demo.js")
  })
})

describe("examples/", () => {
  it("every example is tested here", () => {
    const tested = ["effect-line-server.ts", "promise-timeouts.ts", "udp-multicast-chat.ts", "select-server.lua", "select-client.lua", "lsocket-echo.lua"]
    const programs = fs.readdirSync(path.join(root, "examples")).filter((f) => /\.(ts|lua)$/.test(f))
    expect(programs.sort()).toEqual([...tested].sort())
  })

  it("effect-line-server.ts: a key-value line protocol, two clients at once", async () => {
    const r = await runTs(example("effect-line-server.ts"))
    expect(r.stderr).toBe("")
    expect(r.code).toBe(0)
    expectLines(r.stdout, [
      new RegExp(`server: listening on 127\\.0\\.0\\.1:${PORT}`),
      "alice: SET greeting hello, world -> OK",
      "bob: GET greeting -> VALUE hello, world",
      "bob: GET nothing -> NOT FOUND",
      `alice: FROB -> ERROR unknown command "FROB"`,
      "alice: QUIT -> BYE",
      "bob: QUIT -> BYE",
      `alice: then Closed (LuaSocket: "closed")`,
      "done: every socket closed with its scope"
    ])
  }, 60_000)

  it("promise-timeouts.ts: call timeouts with partial, the socket's timeout, block/total, AbortSignal", async () => {
    const r = await runTs(example("promise-timeouts.ts"))
    expect(r.stderr).toBe("")
    expect(r.code).toBe(0)
    expectLines(r.stdout, [
      `1. receive("line", { timeout: 0.5 }): Timeout ("timeout"), partial "half a li"`,
      `   the next receive with the partial as prefix: "half a line"`,
      `2. line "second line"`,
      `2. line "third line"`,
      "   then the server went quiet: Timeout after the socket's 0.3 s",
      `3. receive("line", { timeout: { block: 5, total: 0.5 } }): Timeout, well before the block limit: true`,
      "   partial holds the dots received so far: true",
      "4. receive with AbortSignal.timeout(300): rejected with TimeoutError",
      `   the next receive: "patience pays"`
    ])
  }, 60_000)

  it("udp-multicast-chat.ts: three members on one group over 127.0.0.1", async (ctx) => {
    const r = await runTs(example("udp-multicast-chat.ts"))
    expect(r.stderr).toBe("")
    expect(r.code).toBe(0)
    const unavailable = r.stdout.match(/^multicast on loopback is not available here: .*$/m)
    if (unavailable !== null) ctx.skip(`skipped: ${unavailable[0]}`)
    const all = "alice: hello from alice | bob: hello from bob | carol: hello from carol"
    expectLines(r.stdout, [
      new RegExp(`chat: 3 members on 239\\.255\\.42\\.99:${PORT} over 127\\.0\\.0\\.1`),
      `alice heard: ${all}`,
      `bob heard: ${all}`,
      `carol heard: ${all}`
    ])
  }, 60_000)

  it("select-server.lua: one Lua script serves two clients at once with socket.select", async () => {
    const server = startLua(example("select-server.lua"), ["0", "2"])
    try {
      const [, port] = await server.line(/^listening on 127\.0\.0\.1:(\d+)$/)
      // two clients at the same time, each its own `luasock run`
      const [a, b] = await Promise.all([
        runLua(example("select-client.lua"), [port!, "hello", "select works"]),
        runLua(example("select-client.lua"), [port!, "second client"])
      ])
      expect([a.code, a.stderr, b.code, b.stderr]).toEqual([0, "", 0, ""])
      expectLines(a.stdout, ["hello -> HELLO", "select works -> SELECT WORKS", "bye -> BYE"])
      expectLines(b.stdout, ["second client -> SECOND CLIENT", "bye -> BYE"])
      const s = await server.done // it stops after two sessions
      expect([s.code, s.stderr]).toEqual([0, ""])
      const out = lines(s.stdout)
      expect(out[0]).toBe(`listening on 127.0.0.1:${port}`)
      expect(out.filter((l) => / connected \(\d connected now\)$/.test(l))).toHaveLength(2)
      expect(out.filter((l) => / said bye$/.test(l))).toHaveLength(2)
      expect(out.at(-1)).toBe("served 2 clients, bye")
    } finally {
      server.kill()
    }
  }, 60_000)

  it("lsocket-echo.lua: an echo server and its client in one non-blocking lsocket script", async () => {
    const r = await runLua(example("lsocket-echo.lua"))
    expect(r.stderr).toBe("")
    expect(r.code).toBe(0)
    expectLines(r.stdout, [
      new RegExp(`server: listening on 127\\.0\\.0\\.1:${PORT} \\(1\\.4\\.1\\)`),
      new RegExp(`server: accepted 127\\.0\\.0\\.1:${PORT}`),
      `client: sent "hello", got back "hello"`,
      `client: sent "lsocket is almost non-blocking", got back "lsocket is almost non-blocking"`,
      "server: recv after the client closed gives nil (end of stream)"
    ])
  }, 60_000)
})
