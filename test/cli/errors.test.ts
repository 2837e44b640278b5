/**
 * `luasock` errors and exit codes, as a subprocess on loopback: refused (TCP and UDP), address
 * in use (port and unix path), timeouts (accept, idle), host not found, bad command lines,
 * help; and the progress line, shown only when stderr is a terminal.
 */
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as net from "node:net"
import * as os from "node:os"
import * as path from "node:path"
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest"
import { cli, closedPort, ensureBuilt, killAll, listeningPort, luasock } from "./support.js"

beforeAll(ensureBuilt, 120_000)
afterEach(killAll)

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "luasock-err-"))
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))

const servers = new Set<net.Server>()
afterEach(() => {
  for (const s of servers) s.close()
  servers.clear()
})
/** A loopback TCP server that accepts and never sends; its port. */
const silentServer = (): Promise<number> =>
  new Promise((resolve) => {
    const s = net.createServer(() => {})
    servers.add(s)
    s.listen(0, "127.0.0.1", () => resolve((s.address() as net.AddressInfo).port))
  })

/** Runs luasock to the end (bounded), stdin empty. */
const run = (args: ReadonlyArray<string>, timeout = 20_000) => {
  const p = spawnSync(process.execPath, [cli, ...args], { input: "", encoding: "utf8", timeout })
  return { status: p.status, out: p.stdout, err: p.stderr }
}

describe("exit codes", () => {
  it("connection refused: 3", async () => {
    const port = await closedPort()
    expect(run(["connect", "127.0.0.1", String(port)])).toEqual({ status: 3, out: "", err: `luasock: connect 127.0.0.1:${port}: connection refused\n` })
  })

  it("udp: an ICMP port unreachable is a refused connection too: 3", async () => {
    const port = await closedPort()
    const c = luasock(["connect", "--udp", "--timeout", "5", "127.0.0.1", String(port)])
    c.proc.stdin.write("anyone?\n")
    expect(await c.exited()).toBe(3)
    expect(c.err()).toBe(`luasock: receive on 127.0.0.1:${port} (udp): connection refused\n`)
  })

  it("address in use: 5 (tcp port, echo, unix path with a file on it)", async () => {
    const server = luasock(["echo", "0"])
    const port = await listeningPort(server)
    expect(run(["listen", String(port)])).toEqual({ status: 5, out: "", err: `luasock: listen 127.0.0.1:${port}: address already in use\n` })
    expect(run(["echo", String(port)]).status).toBe(5)
    const file = path.join(dir, "taken")
    fs.writeFileSync(file, "not a socket")
    const r = run(["listen", file])
    expect(r.status).toBe(5)
    expect(r.err).toMatch(/^luasock: listen .*taken: address already in use \(a file that is not a socket exists at .*taken: remove it or choose another path\)\n$/)
  })

  it("timeout: 4 (accept within --timeout, idle connection)", async () => {
    const started = Date.now()
    const r = run(["listen", "--timeout", "0.5", "0"])
    expect(r.status).toBe(4)
    expect(r.err).toMatch(/^luasock: accept on 127\.0\.0\.1:\d+: timeout \(no connection within 0\.5 s\)\n$/)
    expect(Date.now() - started).toBeLessThan(10_000)
    const port = await silentServer()
    const c = luasock(["connect", "--timeout", "0.5", "127.0.0.1", String(port)])
    c.proc.stdin.write("hello?\n") // stdin stays open, nothing comes back
    expect(await c.exited()).toBe(4)
    expect(c.err()).toBe(`luasock: 127.0.0.1:${port}: timeout (idle for 0.5 s)\n`)
  })

  it("host not found: 6", () => {
    const r = run(["connect", "no-such-host.invalid", "80"], 30_000)
    expect(r.status).toBe(6)
    expect(r.err).toMatch(/^luasock: connect no-such-host\.invalid:80: host not found \(.+\)\n$/)
  })

  it("a unix socket path where nothing listens: 1, the OS's reason", () => {
    const r = run(["connect", path.join(dir, "nobody.sock")])
    expect(r.status).toBe(1)
    expect(r.err).toMatch(/^luasock: connect .*nobody\.sock: No such file or directory\n$/)
  })

  it("bad command lines: 2, one message on stderr, nothing on stdout", async () => {
    const cases: Array<[Array<string>, RegExp]> = [
      [[], /no command given/],
      [["frobnicate"], /Invalid subcommand/],
      [["connect"], /Missing argument <host>/],
      [["connect", "127.0.0.1"], /missing port after host '127\.0\.0\.1'/],
      [["connect", "127.0.0.1", "http"], /bad port 'http'/],
      [["connect", "127.0.0.1", "0"], /bad port '0'/],
      [["connect", "/tmp/x.sock", "80"], /a unix socket path takes no port/],
      [["connect", "--frob", "127.0.0.1", "80"], /unknown option '--frob'/],
      [["connect", "--timeout", "soon", "127.0.0.1", "80"], /bad --timeout 'soon'/],
      [["connect", "--timeout", "-1", "127.0.0.1", "80"], /bad --timeout '-1'/],
      [["listen", "70000"], /bad port '70000'/],
      [["listen", "--host", "127.0.0.1", "/tmp/x.sock"], /--host does not apply to a unix socket path/],
      [["listen", "--udp", "/tmp/x.sock"], /unix datagram sockets are not available/],
      [["echo", "--count", "0", "7"], /bad --count '0'/],
      [["echo", "--udp", "--timeout", "1", "0"], /--timeout is for TCP connections/]
    ]
    const results = await Promise.all(cases.map(async ([args]) => {
      const c = luasock(args)
      c.proc.stdin.end()
      return { status: await c.exited(), out: c.out().toString(), err: c.err() }
    }))
    cases.forEach(([args, message], i) => {
      const r = results[i]!
      expect({ args, status: r.status, out: r.out }).toEqual({ args, status: 2, out: "" })
      expect(r.err).toMatch(message)
      expect(r.err).toMatch(/^luasock: [^\n]+\nRun 'luasock --help' for usage\.\n$/)
    })
    // 15 processes at once, each loading the package (~1 s of CPU): on a loaded 2-CPU machine
    // that took more than 50 s once
  }, 120_000)

  it("a boolean flag never takes the next argument as its value (-v 0 is verbose on port 0)", () => {
    const r = run(["listen", "-v", "--timeout", "0.2", "0"])
    expect(r.status).toBe(4)
    const s = run(["listen", "-uv", "--timeout", "0.2", "0"])
    expect(s.status).toBe(4)
    expect(s.err).toMatch(/listening on 127\.0\.0\.1:\d+ \(udp\)/)
  })
})

describe("help", () => {
  it("--help: every command, the exit codes, on stdout without colours; exit 0", () => {
    const r = run(["--help"])
    expect(r.status).toBe(0)
    expect(r.err).toBe("")
    for (const text of ["run <script.lua>", "connect <host> <port> | <path>", "listen <port> | <path>", "echo <port> | <path>", "EXIT STATUS", "3: connection refused", "4: timeout", "5: address already in use", "6: host not found"]) {
      expect(r.out).toContain(text)
    }
    expect(r.out).not.toContain("\x1b[")
  })

  it("<command> --help tells the command's options", () => {
    const r = run(["connect", "--help"])
    expect(r.status).toBe(0)
    for (const option of ["--udp", "--timeout seconds", "--crlf", "--progress", "--verbose"]) expect(r.out).toContain(option)
    expect(r.out).toMatch(/only when stderr is a terminal/)
    expect(run(["echo", "-h"]).out).toContain("--max-connections n")
    // --help after other options and arguments still asks for the command's help
    const late = run(["listen", "-v", "0", "--help"])
    expect(late.status).toBe(0)
    expect(late.out).toContain("$ listen [--host address]")
  })
})

describe("--progress", () => {
  const hasScript = spawnSync("script", ["--version"], { encoding: "utf8" }).status === 0

  it("silently ignored when stderr is not a terminal", async () => {
    const server = luasock(["echo", "--count", "1", "0"])
    const port = await listeningPort(server)
    const c = luasock(["connect", "--progress", "127.0.0.1", String(port)])
    c.proc.stdin.end(Buffer.alloc(300_000, 1))
    expect(await c.exited()).toBe(0)
    expect(c.out().length).toBe(300_000)
    expect(c.err()).toBe("")
  })

  it.skipIf(!hasScript)("a line on a terminal's stderr (under script(1)): bytes in and out, rates", async () => {
    const server = luasock(["echo", "--count", "1", "0"])
    const port = await listeningPort(server)
    const data = path.join(dir, "data")
    fs.writeFileSync(data, Buffer.alloc(300_000, 1))
    const command = `"${process.execPath}" "${cli}" connect --progress 127.0.0.1 ${port} < "${data}" > /dev/null`
    const p = spawnSync("script", ["-qefc", command, "/dev/null"], { encoding: "utf8", timeout: 20_000 })
    expect(p.status).toBe(0)
    expect(p.stdout).toMatch(/in 293 KiB \([^)]+\/s\)  out 293 KiB \([^)]+\/s\)  \d+\.\ds/)
    expect(await server.exited()).toBe(0)
  })
})
