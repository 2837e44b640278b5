/**
 * The `luasock` command: `run script.lua args...` passes stdin / stdout / stderr through (in
 * order), passes every argument after the script untouched and exits with the script's status;
 * help and usage errors (the netcat-style commands: test/cli).
 */
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { cli, ensureBuilt } from "./support.js"

beforeAll(ensureBuilt, 120_000)

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "luasock-cli-"))
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))

const script = (name: string, source: string): string => {
  const file = path.join(dir, name)
  fs.writeFileSync(file, source)
  return file
}

const luasock = (args: ReadonlyArray<string>, input = "", env: Record<string, string> = {}) => {
  const { LUASOCK_THREAD: _, ...inherited } = process.env
  const p = spawnSync(process.execPath, [cli, ...args], { input, encoding: "latin1", cwd: dir, env: { ...inherited, ...env } })
  return { status: p.status, out: p.stdout, err: p.stderr }
}

describe("luasock run", () => {
  it("passes arguments and stdin, exits with the script's status", () => {
    const file = script("echo.lua", `io.write(#arg, " ", arg[0]:match("[^/]*$"), " ", table.concat(arg, ","), " ", io.read("a"))\nos.exit(3)`)
    expect(luasock(["run", file, "x", "y z"], "from stdin\0bytes\xff")).toEqual({ status: 3, out: "2 echo.lua x,y z from stdin\0bytes\xff", err: "" })
  })

  it("keeps the order of stdout and stderr writes", () => {
    const file = script("order.lua", `for i = 1, 5 do print("out " .. i) io.stderr:write("err " .. i, "\\n") end`)
    const p = spawnSync("/bin/sh", ["-c", `"${process.execPath}" "${cli}" run "${file}" 2>&1`], { encoding: "utf8" })
    expect(p.stdout).toBe([1, 2, 3, 4, 5].map((i) => `out ${i}\nerr ${i}\n`).join(""))
  })

  it("buffers stdout like C stdio but flushes it before stderr writes, flush and setvbuf work", () => {
    const file = script("buffered.lua", `io.write("a") io.stderr:write("b") print(io.stdout:flush(), io.flush()) io.stdout:setvbuf("no") io.write("c")`)
    const p = spawnSync("/bin/sh", ["-c", `"${process.execPath}" "${cli}" run "${file}" 2>&1`], { encoding: "utf8" })
    expect(p.stdout).toBe("abtrue\ttrue\nc")
  })

  it("a closed stdout pipe ends the script with status 141, as SIGPIPE ends lua5.4", () => {
    const file = script("pipe.lua", `for i = 1, 1e7 do print(i) end`)
    const p = spawnSync("/bin/bash", ["-c", `"${process.execPath}" "${cli}" run "${file}" | head -2; echo "status \${PIPESTATUS[0]}"`], {
      encoding: "utf8",
      timeout: 30_000
    })
    expect(p.stdout).toBe("1\n2\nstatus 141\n")
  })

  it("an uncaught error: status 1, 'luasock: file:line: message' and a traceback", () => {
    const file = script("boom.lua", `\nerror("boom")`)
    const r = luasock(["run", "boom.lua"])
    expect(fs.existsSync(file)).toBe(true)
    expect(r.status).toBe(1)
    expect(r.err).toBe("luasock: boom.lua:2: boom\nstack traceback:\n\t[C]: in function 'error'\n\tboom.lua:2: in main chunk\n\t[C]: in ?\n")
  })

  it("reads the script from stdin with '-'", () => {
    expect(luasock(["run", "-", "a"], `print(arg[0], ...)`)).toEqual({ status: 0, out: "-\ta\n", err: "" })
  })

  it("a missing script", () => {
    expect(luasock(["run", "nope.lua"])).toEqual({ status: 1, out: "", err: "luasock: cannot open nope.lua: No such file or directory\n" })
  })
})

describe("luasock run: arguments", () => {
  it("everything after the script reaches it untouched, options included", () => {
    const file = script("args.lua", `print(select("#", ...), ...)`)
    expect(luasock(["run", file, "--help", "-x", "--", "-", "--version", "a b"])).toEqual({ status: 0, out: "6\t--help\t-x\t--\t-\t--version\ta b\n", err: "" })
    // "run --" before a script whose name starts with "-"
    fs.writeFileSync(path.join(dir, "-dash.lua"), `print(arg[0], ...)`)
    expect(luasock(["run", "--", "-dash.lua", "-v"])).toEqual({ status: 0, out: "-dash.lua\t-v\n", err: "" })
  })
})

describe("luasock usage", () => {
  it("--help prints usage on stdout, exit 0", () => {
    const r = luasock(["--help"])
    expect(r.status).toBe(0)
    expect(r.out).toMatch(/^luasock\n/)
    expect(r.out).toContain("run <script.lua> [args...]")
    const run = luasock(["run", "--help"])
    expect(run.status).toBe(0)
    expect(run.out).toContain("$ run [--worker] [--main-thread] <script.lua> <args>...")
  })

  it("run: the main thread by default, a worker with --worker or LUASOCK_THREAD=worker, not both flags", () => {
    // on the main thread table.sort is a C closure around the yieldable Lua stand-in (one upvalue)
    const where = `print(debug.getinfo(table.sort, "u").nups == 1 and "main" or "worker")`
    expect(luasock(["run", "-"], where)).toEqual({ status: 0, out: "main\n", err: "" })
    expect(luasock(["run", "--main-thread", "-"], where)).toEqual({ status: 0, out: "main\n", err: "" })
    expect(luasock(["run", "--worker", "-"], where)).toEqual({ status: 0, out: "worker\n", err: "" })
    expect(luasock(["run", "-"], where, { LUASOCK_THREAD: "worker" })).toEqual({ status: 0, out: "worker\n", err: "" })
    expect(luasock(["run", "--main-thread", "-"], where, { LUASOCK_THREAD: "worker" })).toEqual({ status: 0, out: "main\n", err: "" })
    const both = luasock(["run", "--worker", "--main-thread", "x.lua"])
    expect(both.status).toBe(2)
    expect(both.err).toContain("--worker and --main-thread exclude each other")
  })

  it("unknown command, no command, run without a script: a message and the hint on stderr, exit 2", () => {
    for (const args of [["frobnicate"], [], ["run"]]) {
      const r = luasock(args)
      expect(r.status).toBe(2)
      expect(r.out).toBe("")
      expect(r.err).toMatch(/^luasock: .+\nRun 'luasock --help' for usage\.\n$/)
    }
  })
})
