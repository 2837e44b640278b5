/**
 * Process behaviour like `lua5.4 script.lua args...`: print / io.write formatting, arg and `...`,
 * exit status, uncaught-error messages and tracebacks, os.exit, require / dofile / loadfile on
 * disk, stdin, os.getenv, warn.
 *
 * Where Debian's lua5.4 is installed, each script also runs under it (with progName "lua5.4")
 * and stdout, stderr and the status must be identical; without it those comparisons are
 * skipped and the literal expectations (taken from lua5.4 5.4.4) still hold.
 */
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { runFile } from "../../src/lua/index.js"
import { bytes, ensureBuilt, fixtures, lua, text } from "./support.js"

beforeAll(ensureBuilt, 120_000)

const hasLua = spawnSync("lua5.4", ["-v"]).status === 0
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "luasock-process-"))
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))

interface Outcome {
  readonly status: number
  readonly out: string
  readonly err: string
}

/** Writes `name` in the temp dir and runs it (cwd = temp dir) under luasock, and lua5.4 if present. */
const both = async (
  name: string,
  source: string,
  options: { readonly args?: ReadonlyArray<string>; readonly stdin?: string } = {}
): Promise<{ ours: Outcome; ref: Outcome | undefined }> => {
  const file = path.join(dir, name)
  fs.mkdirSync(path.dirname(file), { recursive: true })
  fs.writeFileSync(file, source)
  const cwd = process.cwd()
  process.chdir(dir)
  try {
    const r = await runFile(name, {
      args: options.args ?? [],
      output: "capture",
      progName: "lua5.4",
      stdin: options.stdin !== undefined ? bytes(options.stdin) : "none"
    })
    const ours = { status: r.exitCode, out: text(r.stdout), err: text(r.stderr) }
    let ref: Outcome | undefined
    if (hasLua) {
      const p = spawnSync("lua5.4", [name, ...(options.args ?? [])], { cwd: dir, input: options.stdin ?? "", encoding: "latin1" })
      ref = { status: p.status ?? -1, out: Buffer.from(p.stdout, "latin1").toString(), err: Buffer.from(p.stderr, "latin1").toString() }
    }
    return { ours, ref }
  } finally {
    process.chdir(cwd)
  }
}

/** Runs under both, checks ours against `expected` and against lua5.4 (if present). */
const same = async (
  name: string,
  source: string,
  expected: Outcome,
  options?: { readonly args?: ReadonlyArray<string>; readonly stdin?: string }
): Promise<void> => {
  const { ours, ref } = await both(name, source, options)
  expect(ours).toEqual(expected)
  if (ref !== undefined) expect(ours).toEqual(ref)
}

describe("output like lua5.4", () => {
  it("print and io.write format numbers, nil, booleans, __tostring and __name", async () => {
    await same(
      "fmt.lua",
      `print(5, 5.0, -0.0, 1e100, 2^53, 2^63, math.maxinteger, math.mininteger, 0.1, 1/3, 100 // 1.0)
print(nil, true, false, "s", "")
print(setmetatable({}, { __tostring = function() return "custom" end }))
print((tostring(setmetatable({}, { __name = "MyType" })):gsub("0x%x+", "ADDR")))
io.write(5, " ", 5.0, " ", -0.0, " ", 1e15, " ", 2^53, " ", 1e100, " ", 0.1, " ", 1/0, " ", -1/0, "\\n")
io.write(math.pi, " ", -math.pi, " ", 123456789012345.0, "\\n")
print()
print(io.write("chained ") == io.stdout)
io.stdout:write("method ", 1, " ", 2.5, "\\n"):write("again\\n")
io.stderr:write("to stderr ", 3, "\\n")
print(select("#", io.write()))`,
      {
        status: 0,
        out: [
          "5\t5.0\t-0.0\t1e+100\t9.007199254741e+15\t9.2233720368548e+18\t9223372036854775807\t-9223372036854775808\t0.1\t0.33333333333333\t100.0",
          "nil\ttrue\tfalse\ts\t",
          "custom",
          "MyType: ADDR",
          "5 5 -0 1e+15 9.007199254741e+15 1e+100 0.1 inf -inf",
          "3.1415926535898 -3.1415926535898 1.2345678901234e+14",
          "",
          "chained true",
          "method 1 2.5",
          "again",
          "1",
          ""
        ].join("\n"),
        err: "to stderr 3\n"
      }
    )
  })

  it("arg and the main chunk's ...", async () => {
    await same(
      "args.lua",
      `print(#arg, arg[-1], arg[0], arg[1], arg[2], arg[3])
print(select("#", ...), ...)`,
      { status: 0, out: "3\tlua5.4\targs.lua\ta\t\tb c\n3\ta\t\tb c\n", err: "" },
      { args: ["a", "", "b c"] }
    )
  })
})

describe("exit status and errors", () => {
  it("an uncaught error: status 1, message and traceback on stderr", async () => {
    await same(
      "err.lua",
      `local function f()
  error("boom")
end
print("before")
f()`,
      {
        status: 1,
        out: "before\n",
        err: [
          "lua5.4: err.lua:2: boom",
          "stack traceback:",
          "\t[C]: in function 'error'",
          "\terr.lua:2: in local 'f'",
          "\terr.lua:5: in main chunk",
          "\t[C]: in ?",
          ""
        ].join("\n")
      }
    )
  })

  it("error objects that are not strings", async () => {
    await same("tbl.lua", `error({})`, {
      status: 1,
      out: "",
      err: "lua5.4: (error object is a table value)\nstack traceback:\n\t[C]: in function 'error'\n\ttbl.lua:1: in main chunk\n\t[C]: in ?\n"
    })
    await same("nil.lua", `error()`, {
      status: 1,
      out: "",
      err: "lua5.4: (error object is a nil value)\nstack traceback:\n\t[C]: in function 'error'\n\tnil.lua:1: in main chunk\n\t[C]: in ?\n"
    })
    await same("ts.lua", `error(setmetatable({}, { __tostring = function() return "TS" end }))`, { status: 1, out: "", err: "lua5.4: TS\n" })
    await same("num.lua", `error(42)`, {
      status: 1,
      out: "",
      err: "lua5.4: 42\nstack traceback:\n\t[C]: in function 'error'\n\tnum.lua:1: in main chunk\n\t[C]: in ?\n"
    })
  })

  it("a runtime error inside a C function, and in a required module", async () => {
    fs.writeFileSync(path.join(dir, "badmod.lua"), "local x = nil\nreturn x.field\n")
    await same("cerr.lua", `local s = string.rep("x", -1)\nio.write({})`, {
      status: 1,
      out: "",
      err: "lua5.4: cerr.lua:2: bad argument #1 to 'write' (string expected, got table)\nstack traceback:\n\t[C]: in function 'io.write'\n\tcerr.lua:2: in main chunk\n\t[C]: in ?\n"
    })
    await same("req.lua", `require "badmod"`, {
      status: 1,
      out: "",
      err: [
        "lua5.4: ./badmod.lua:2: attempt to index a nil value (local 'x')",
        "stack traceback:",
        "\t./badmod.lua:2: in main chunk",
        "\t[C]: in function 'require'",
        "\treq.lua:1: in main chunk",
        "\t[C]: in ?",
        ""
      ].join("\n")
    })
  })

  it("a syntax error: message without traceback; a missing file", async () => {
    await same("syn.lua", `x = = 1`, { status: 1, out: "", err: "lua5.4: syn.lua:1: unexpected symbol near '='\n" })
    const r = await runFile(path.join(dir, "does-not-exist.lua"), { output: "capture" })
    expect(r.exitCode).toBe(1)
    expect(text(r.stderr)).toBe(`luasock: cannot open ${path.join(dir, "does-not-exist.lua")}: No such file or directory\n`)
  })

  it("os.exit: codes, booleans, close, output kept", async () => {
    await same("exit3.lua", `io.write("partial"); io.stderr:write("e"); os.exit(3)`, { status: 3, out: "partial", err: "e" })
    await same("exittrue.lua", `os.exit(true)`, { status: 0, out: "", err: "" })
    await same("exitfalse.lua", `os.exit(false)`, { status: 1, out: "", err: "" })
    await same("exitwrap.lua", `os.exit(256 + 7)`, { status: 7, out: "", err: "" })
    await same(
      "exitclose.lua",
      `setmetatable({}, { __gc = function() print("gc at close") end })
local t <close> = setmetatable({}, { __close = function() print("closed") end })
os.exit(0, true)`,
      { status: 0, out: "closed\ngc at close\n", err: "" }
    )
    await same("exitnested.lua", `coroutine.wrap(function() pcall(function() os.exit(5) end) end)() print("not here")`, {
      status: 5,
      out: "",
      err: ""
    })
  })

  it("a shebang line is skipped and line numbers stay right", async () => {
    await same("bang.lua", `#!/usr/bin/env lua5.4\nerror("line two")`, {
      status: 1,
      out: "",
      err: "lua5.4: bang.lua:2: line two\nstack traceback:\n\t[C]: in function 'error'\n\tbang.lua:2: in main chunk\n\t[C]: in ?\n"
    })
  })
})

describe("modules and files", () => {
  it("require finds neighbours on package.path; not found lists what was tried", async () => {
    fs.mkdirSync(path.join(dir, "pkg"), { recursive: true })
    fs.writeFileSync(path.join(dir, "neighbour.lua"), `return { name = ..., file = select(2, ...) }`)
    fs.writeFileSync(path.join(dir, "pkg", "init.lua"), `return "pkg init"`)
    fs.writeFileSync(path.join(dir, "pkg", "sub.lua"), `return "pkg.sub"`)
    const { ours } = await both(
      "req2.lua",
      `local n = require "neighbour"
print(n.name, n.file, require "pkg", require "pkg.sub", require("neighbour") == n)
package.path = "./?.lua"
print(pcall(require, "nope"))`
    )
    expect(ours).toEqual({
      status: 0,
      out: "neighbour\t./neighbour.lua\tpkg init\tpkg.sub\ttrue\nfalse\tmodule 'nope' not found:\n\tno field package.preload['nope']\n" +
        `\tno file '${path.join(fixtures, "..", "..", "..", "lua")}/nope.lua'\n\tno file '${path.join(fixtures, "..", "..", "..", "lua")}/nope/init.lua'\n` +
        "\tno file './nope.lua'\n",
      err: ""
    })
  })

  it("require also searches the script's own directory", async () => {
    const r = await runFile(path.join(fixtures, "uses_neighbour.lua"), { output: "capture" })
    expect(text(r.stderr)).toBe("")
    expect(text(r.stdout)).toBe(`neighbour says hi\t${path.join(fixtures, "neighbour_module.lua")}\n`)
  })

  it("the built-in directory comes before package.path", async () => {
    const r = await lua(`local m, file = require "neighbour_module" print(m.greeting, file)`, { builtinDir: fixtures })
    expect(r.err).toBe("")
    expect(r.out).toBe(`neighbour says hi\t${fixtures}/neighbour_module.lua\n`)
  })

  it("dofile and loadfile read the disk (mode, env, errors)", async () => {
    fs.writeFileSync(path.join(dir, "chunk.lua"), `return x, ...`)
    await same(
      "files.lua",
      `x = "global"
print(dofile("chunk.lua"))
print(loadfile("chunk.lua")("arg"))
print(loadfile("chunk.lua", "t", { x = "env" })())
print(loadfile("chunk.lua", "b"))
print(loadfile("missing.lua"))
print(pcall(dofile, "missing.lua"))`,
      {
        status: 0,
        out: [
          "global",
          "global\targ",
          "env",
          "nil\tattempt to load a text chunk (mode is 'b')",
          "nil\tcannot open missing.lua: No such file or directory",
          "false\tcannot open missing.lua: No such file or directory",
          ""
        ].join("\n"),
        err: ""
      }
    )
  })
})

describe("stdin, environment, warnings", () => {
  it("io.read formats and io.lines on stdin", async () => {
    await same(
      "stdin.lua",
      `print(io.read())
print(io.read("L"))
print(io.read("n", "n", "l"))
print(io.read(3), io.read(0))
for line in io.lines() do io.write("[", line, "]") end
print(io.read(), io.read(0), io.read("a"))`,
      {
        status: 0,
        out: "first line\nsecond\n\n42\t-31\t rest\nabc\t\n[def][last]nil\tnil\t\n",
        err: ""
      },
      { stdin: "first line\nsecond\n42 -0x1F rest\nabcdef\nlast" }
    )
  })

  it("io.read on binary stdin keeps every byte", async () => {
    const input = Uint8Array.from({ length: 256 }, (_, i) => 255 - i)
    const r = await lua(`local s = io.read("a"); io.write(#s, " ", s:byte(1), " ", s:byte(256), " ", tostring(s:find("\\0", 1, true)))`, {
      stdin: input
    })
    expect(r.out).toBe("256 255 0 256")
  })

  it("os.getenv sees the given environment", async () => {
    const r = await lua(`print(os.getenv("LUASOCK_TEST"), os.getenv("NOT_SET_ANYWHERE"))`, { env: { LUASOCK_TEST: "yes" } })
    expect(r.out).toBe("yes\tnil\n")
  })

  it("warn is off until @on, then writes 'Lua warning: ' lines to stderr", async () => {
    await same("warn.lua", `warn("hidden") warn("@on") warn("shown ", "twice") warn("@off") warn("hidden")`, {
      status: 0,
      out: "",
      err: "Lua warning: shown twice\n"
    })
  })
})
