/**
 * The main thread's yieldable stand-ins (src/lua/yieldable.ts: require, tostring, print, and the
 * installed table.sort / string.gsub) against the C functions: each script runs once in a worker
 * thread (the C functions of Lua 5.4) and once on the main thread (the stand-ins), and stdout,
 * stderr (uncaught errors with their tracebacks) and the exit status must be identical.
 */
import { beforeAll, describe, expect, it } from "vitest"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { ensureBuilt, fixtures, lua } from "./support.js"

beforeAll(ensureBuilt, 120_000)

const both = async (source: string): Promise<{ out: string; err: string; exitCode: number }> => {
  const c = await lua(source, { name: "case.lua" })
  const l = await lua(source, { name: "case.lua", thread: "main" })
  expect({ out: l.out, err: l.err, exitCode: l.exitCode }).toEqual({ out: c.out, err: c.err, exitCode: c.exitCode })
  return { out: c.out, err: c.err, exitCode: c.exitCode }
}

/** Runs each line of `lines` in pcall and prints the results (one line each), plus a few direct calls' messages. */
const cases = (lines: ReadonlyArray<string>): string =>
  lines.map((l) => `print(select("#", pcall(function() return ${l} end)), pcall(function() return ${l} end))`).join("\n")

describe("the main thread's stand-ins equal the C functions", () => {
  it("they are C functions to debug.getinfo, and yieldable on the main thread only", async () => {
    const src = `print(debug.getinfo(require, "S").what, debug.getinfo(table.sort, "S").what, debug.getinfo(string.gsub, "S").short_src)
      local co = coroutine.wrap(function()
        local t = { 3, 1, 2 }
        table.sort(t, function(a, b) coroutine.yield("in comparator") return a < b end)
        local s = string.gsub("ab", "%a", function(c) coroutine.yield("in gsub") return c:upper() end)
        local o = tostring(setmetatable({}, { __tostring = function() coroutine.yield("in __tostring") return "O" end }))
        return table.concat(t) .. s .. o
      end)
      local seen = {}
      while true do
        local ok, v = pcall(co)
        if not ok then print("error", v) break end
        seen[v] = (seen[v] or 0) + 1
        if v:sub(1, 3) ~= "in " then print(v) break end
      end
      print(seen["in comparator"] ~= nil, seen["in gsub"], seen["in __tostring"])`
    expect((await lua(src)).out).toBe("C\tC\t[C]\nerror\tattempt to yield across a C-call boundary\nfalse\tnil\tnil\n")
    expect((await lua(src, { thread: "main" })).out).toBe("C\tC\t[C]\n123ABO\ntrue\t2\t1\n")
  })

  it("tostring: every type, __tostring results, __name, bad calls", async () => {
    const r = await both(`
      local named = setmetatable({}, { __name = "My.Type" })
      local s = tostring(named):gsub("0x%x+", "ADDR") print(s)
      local notname = setmetatable({}, { __name = 42 })
      print((tostring(notname):gsub("0x%x+", "ADDR")))
      local mts = {
        str = setmetatable({}, { __tostring = function(self) return "obj" end }),
        int = setmetatable({}, { __tostring = function() return 42 end }),
        flt = setmetatable({}, { __tostring = function() return 1.5 end }),
        big = setmetatable({}, { __tostring = function() return 2^53 end }),
        tbl = setmetatable({}, { __tostring = function() return {} end }),
        none = setmetatable({}, { __tostring = function() end }),
        err = setmetatable({}, { __tostring = function() error("inside", 0) end }),
        nocall = setmetatable({}, { __tostring = 5 }),
        meta = setmetatable({}, { __tostring = function() return "m" end, __metatable = "locked" }),
      }
      for _, k in ipairs({ "str", "int", "flt", "big", "tbl", "none", "err", "nocall", "meta" }) do
        print(k, pcall(tostring, mts[k]))
        print(k, pcall(function() return tostring(mts[k]) end))
      end
      ${cases(["tostring()", "tostring(nil)", "tostring(1)", "tostring(-0.0)", "tostring(1e100)", "tostring(2^63)", "tostring(math.mininteger)", "tostring(true)", "tostring('a\\0b')"])}
      print(pcall(tostring))
      local t = tostring print(pcall(function() return t() end))
      local o = setmetatable({ f = tostring }, { __tostring = function() return "O" end })
      print(pcall(function() return o.f() end)) print(pcall(function() return o:f() end))
      print(pcall(function() return tostring(setmetatable({}, { __tostring = setmetatable({}, { __call = function() return "called" end }) })) end))
      print(pcall(tostring, setmetatable({}, { __tostring = setmetatable({}, { __name = "Named" }) })))
      local function tail() return tostring() end print(pcall(tail))
      local function tail2(x) return tostring(x) end print(tail2(setmetatable({}, { __tostring = function() return "via tail" end })))`)
    expect(r.out).toContain("str\ttrue\tobj")
    expect(r.out).toContain("'__tostring' must return a string")
  })

  it("print: conversions, __tostring, errors, and output order", async () => {
    const r = await both(`
      print() print(nil, false, 1, 1.0, -0.0, "s", "a\\0b")
      local obj = setmetatable({}, { __tostring = function() return "OBJ" end })
      print(obj, 2, obj)
      local num = setmetatable({}, { __tostring = function() return 3.0 end })
      print(num)
      local loud = setmetatable({}, { __tostring = function() io.write("[side]") return "L" end })
      print("a", loud, "b")
      print(pcall(print, setmetatable({}, { __tostring = function() return true end })))
      print(pcall(function() print(1, setmetatable({}, { __tostring = function() return nil end })) end))
      print(pcall(print, setmetatable({}, { __tostring = function() error(setmetatable({}, { __tostring = function() return "E" end })) end })))
      print(select("#", print("x")))`)
    expect(r.out).toContain("OBJ\t2\tOBJ\n")
  })

  it("an uncaught error inside __tostring, through print: the same message and traceback", async () => {
    const r = await both(`local obj = setmetatable({}, { __tostring = function() error("deep") end })\nprint("before")\nprint(obj)`)
    expect(r.exitCode).toBe(1)
    expect(r.err).toContain("[C]: in function 'print'")
  })

  it("require: found, loaded, preload, loader data, nil result, bad names, not found", async () => {
    const r = await both(`
      package.path = ${JSON.stringify(path.join(fixtures, "?.lua"))}
      print(select("#", require "neighbour_module"), (select(2, require "uses_neighbour")))
      local m, data = package.loaded.neighbour_module, nil
      print(type(m), require("neighbour_module") == m, select("#", require("neighbour_module")))
      package.preload.pre = function(...) print("loading", ...) return nil end
      print(require "pre", package.loaded.pre)
      package.preload.two = function(name, extra) return { name = name, extra = extra } end
      local t, x = require "two" print(t.name, t.extra, x)
      package.preload.sets = function(name) package.loaded[name] = "set by loader" end
      print(require "sets")
      package.preload[12] = function(n) return "twelve:" .. tostring(n) .. math.type(n) end
      package.preload["12"] = function(n) return "twelve:" .. n end
      print(require(12))
      ${cases(["require()", "require(nil)", "require({})", "require(true)", "require('no.such.module')", "require('a\\0b')"])}
      print(pcall(require))
      local r = require print(pcall(function() return r() end)) print(pcall(function() return r("nope") end))
      table.insert(package.searchers, 1, function(name) if name == "odd" then return 7 end return nil end)
      print(pcall(require, "odd"))
      table.insert(package.searchers, 1, function(name) if name == "boom" then error("searcher failed") end end)
      print(pcall(require, "boom"))
      local saved = package.searchers
      package.searchers = nil
      print(pcall(require, "gone"))
      package.searchers = saved
      table.insert(package.searchers, 1, 42)
      print(pcall(require, "after a number"))
      table.remove(package.searchers, 1)
      table.insert(package.searchers, 1, setmetatable({}, { __name = "Searcher" }))
      print(pcall(require, "after a table"))
      table.remove(package.searchers, 1)
      table.insert(package.searchers, 1, setmetatable({}, { __call = function(_, n) return "callable table passed " .. n end }))
      print(pcall(require, "after a callable table"))
      table.remove(package.searchers, 1)
      package.preload.failing = function() error("module body failed") end
      print(pcall(require, "failing"))`)
    expect(r.out).toContain("module 'no.such.module' not found:")
    expect(r.out).toContain("'package.searchers' must be a table")
  })

  it("an uncaught error in a required module's main chunk: the same traceback", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "yieldable-"))
    try {
      fs.writeFileSync(path.join(dir, "bad_mod.lua"), "local x = ...\nerror('failed in ' .. x)\n")
      const r = await both(`package.path = ${JSON.stringify(path.join(dir, "?.lua"))}\nlocal function f()\n  return require "bad_mod"\nend\nf()\n`)
      expect(r.exitCode).toBe(1)
      expect(r.err).toContain("in main chunk\n\t[C]: in function 'require'")
    } finally {
      fs.rmSync(dir, { recursive: true, force: true })
    }
  })

  it("lauxlib's messages (yieldAux.ts): light userdata, __name (nil's too), a replaced registry _LOADED", async () => {
    const r = await both(`
      local lud = debug.upvalueid(function() return print end, 1)
      ${cases(["require(lud)", "table.sort(lud)", "string.gsub(lud)", "table.sort({ 1, 2 }, lud)"])}
      debug.setmetatable(lud, { __name = "LUD" })
      ${cases(["require(lud)", "table.sort(lud)", "string.gsub('x', 'x', lud)", "tostring(setmetatable({}, { __tostring = lud }))", "table.sort({ lud, lud, 1 })"])}
      debug.setmetatable(lud, nil)
      debug.setmetatable(nil, { __name = "NIL" })
      ${cases(["require()", "require(nil)", "tostring()", "string.gsub()", "table.sort({ 2, 1 }, nil)"])}
      debug.setmetatable(nil, nil)
      local reg = debug.getregistry()
      local saved = reg._LOADED
      reg._LOADED = { _G = { someRequire = require }, mylib = { s = table.sort, g = string.gsub, t = tostring } }
      print(pcall(require, {})) print(pcall(table.sort, 1)) print(pcall(string.gsub, "x")) print(pcall(tostring))
      reg._LOADED = saved`)
    expect(r.out).toContain("bad argument #1 to 'require' (string expected, got light userdata)")
    expect(r.out).toContain("bad argument #1 to 'someRequire' (string expected, got table)")
  })

  it("table.sort and string.gsub: results, errors and tracebacks", async () => {
    const r = await both(`
      local t = { 5, 3, 9, 1, 5, 2 } table.sort(t, function(a, b) return a > b end) print(table.concat(t, ","))
      print(pcall(table.sort, { 3, 1, 2 }, function() return true end))
      print(pcall(table.sort, 1)) print(pcall(function() table.sort({}, 1) end))
      print(("hello world"):gsub("o", { o = "0" })) print(string.gsub("abc", "%w", function(c) return c:byte() end))
      print(pcall(string.gsub, "abc", "(", function() end)) print(pcall(function() return ("x"):gsub() end))
      table.sort({ 2, 1 }, function(a, b) error("in comparator") end)`)
    expect(r.exitCode).toBe(1)
    expect(r.err).toContain("[C]: in function 'table.sort'")
  })
})
