/**
 * The lsocket, nixio and socket.inet manuals as Lua programs: each script in test/lua/apis/
 * is a server and its clients in one script over loopback, written the way users of that
 * library write them (lsocket: non-blocking sockets and `lsocket.select`; nixio: blocking
 * sockets and `setblocking(false)` with EAGAIN triples; socket.inet: blocking calls and
 * `msg.DONTWAIT` raising "EAGAIN"), calling every function and method of the manual. Each
 * runs under the Lua runtime (`luasock run`'s engine, default hosts) and its stdout must be
 * the transcript next to it (`<name>.expected`), written from spec/reference-semantics.md
 * sections 2-4 and, where the facade deliberately differs from the C library, the
 * "On Node.js" section of docs/api/<facade>.md. Exit status 0, nothing on stderr.
 *
 * "Known deviations" are minimal reproductions of runtime / facade bugs found while writing
 * the scripts, each asserting what the spec says: expected failures (`it.fails`) until fixed.
 * When one starts passing, vitest reports it: make it a plain `it` and drop the workaround
 * named in its comment from the scripts.
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, describe, expect, it } from "@effect/vitest"
import { defaultHosts, runFile, runSource } from "../../src/lua/index.js"
import { hasIPv6Loopback } from "../facade/raises.js"
import { ensureBuilt } from "./support.js"

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), "apis")
/** A fresh directory for the scripts' unix sockets (arg[1]). */
const socketDir = fs.mkdtempSync(path.join(os.tmpdir(), "luasock-apis-"))
afterAll(() => fs.rmSync(socketDir, { recursive: true, force: true }))

/** Lines of a byte transcript (latin1: one character per byte, so a diff shows every byte). */
const lines = (b: Uint8Array | undefined): Array<string> => Buffer.from(b ?? new Uint8Array(0)).toString("latin1").split("\n")

const run = (file: string, thread: "main" | "worker") =>
  runFile(file, { hosts: defaultHosts(), output: "capture", stdin: "none", args: [socketDir], thread })

/** Script -> whether it needs the IPv6 loopback address. */
const scripts: ReadonlyArray<readonly [string, boolean]> = [
  ["lsocket.lua", true],
  ["nixio.lua", true],
  ["inet.lua", false]
]

describe("the lsocket, nixio and socket.inet manuals under luasock run", () => {
  for (const [script, ipv6] of scripts) for (const thread of ["main", "worker"] as const) {
    it.skipIf(ipv6 && !hasIPv6Loopback)(`${script} (${thread} thread)`, async () => {
      ensureBuilt()
      const want = fs.readFileSync(path.join(dir, script.replace(/\.lua$/, ".expected")))
      const got = await run(path.join(dir, script), thread)
      expect(Buffer.from(got.stderr ?? []).toString(), "stderr").toBe("")
      expect(lines(got.stdout)).toEqual(lines(want))
      expect(got.exitCode).toBe(0)
    }, 20_000)
  }
})

/** Runs Lua source under the runtime: its stdout, or stderr when it failed. */
const lua = async (source: string): Promise<string> => {
  ensureBuilt()
  const r = await runSource(source, { hosts: defaultHosts(), output: "capture", stdin: "none" })
  return r.exitCode === 0 ? Buffer.from(r.stdout ?? []).toString("latin1") : `exit ${r.exitCode}: ${Buffer.from(r.stderr ?? []).toString()}`
}

describe("deviations found by these scripts (it.fails until fixed)", () => {
  // (fixed) Dotted constants of a facade spec were skipped by metaOf in src/lua/facadeHost.ts
  // (`if (c.name.includes(".")) continue`, meant for headers.canonic, a table), so the
  // documented inet.sock / inet.ipproto / inet.msg / inet.af tables and nixio.const are nil
  // in Lua. Workaround in inet.lua: the Linux values spelt out.
  it("inet.sock, inet.ipproto, inet.msg, inet.af and nixio.const exist", async () => {
    expect(
      await lua(`local inet, nixio = require "socket.inet", require "nixio"
print(inet.sock and inet.sock.STREAM, inet.sock and inet.sock.DGRAM, inet.ipproto and inet.ipproto.TCP,
  inet.msg and inet.msg.DONTWAIT, inet.af and inet.af.INET, nixio.const and nixio.const.buffersize)`)
    ).toBe("1\t2\t6\t64\t2\t8192\n")
  })

  // lunatik raises the bare errno name (lunatik_tryret: lua_pushstring + lua_error, no
  // position), also when the caller is a Lua function (fixed: PlainRaise(name, bare)).
  it("socket.inet raises bare errno names, also from inside a Lua function", async () => {
    expect(
      await lua(`local inet = require "socket.inet"
local t = inet.tcp()
print(pcall(function() return t:getpeername() end))
print(pcall(inet, 3))
print(pcall(inet, 1, 17))`)
    ).toBe("false\tENOTCONN\nfalse\tESOCKTNOSUPPORT\nfalse\tEPROTONOSUPPORT\n")
  })

  // nixio: connect on a non-blocking stream socket that is already connected starts another
  // background connect (bindOrConnect in src/facade/nixio.ts), whose EISCONN is then kept as
  // the socket's connect error: getopt("socket", "error") says 106 and every later send /
  // recv fails with it. Linux answers EISCONN and the socket stays usable (SO_ERROR 0).
  // Left out of nixio.lua (a second connect is a common way to check a non-blocking one).
  it.fails("nixio: a second non-blocking connect on a connected socket leaves it usable", async () => {
    expect(
      await lua(`local nixio = require "nixio"
local srv = nixio.bind("127.0.0.1", 0); srv:listen(4)
local _, port = srv:getsockname()
local c = nixio.socket("inet", "stream")
c:setblocking(false)
print(c:connect("127.0.0.1", port))
c:setblocking(true)
print(c:send("a"))
c:setblocking(false)
print(c:connect("127.0.0.1", port))
print(c:getopt("socket", "error"))
print(c:send("b"))`)
    ).toBe("nil\t115\tOperation now in progress\n1\nnil\t106\tTransport endpoint is already connected\n0\n1\n")
  })

  // nixio's bind / connect on a unix socket check the path with luaL_checklstring, which
  // says "got no value" when the argument is absent; the facade always says "got nil"
  // (bindOrConnect in src/facade/nixio.ts). Workaround in nixio.lua: su:bind(nil).
  it.fails("nixio: bind() without a path on a unix socket says 'got no value'", async () => {
    expect(
      await lua(`local s = require("nixio").socket("unix", "stream")
local ok, err = pcall(function() return s:bind() end)
print((err:gsub("^[^:]+:%d+: ", "")))`)
    ).toBe("bad argument #1 to 'bind' (string expected, got no value)\n")
  })
})
