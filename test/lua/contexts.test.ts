/**
 * A host call really blocks the script, so it works in every context a Lua program may call it
 * from. `wait` answers after a real setTimeout of 3 ms with its own arguments; `sync` answers at
 * once. Each case checks the values the script sees, including the values its own coroutines
 * yield and are resumed with around a host call. (An integer echoed by a host comes back a
 * float: JS numbers go to Lua as floats, only bigints become integers; see Host.ts.)
 */
import { beforeAll, describe, expect, it } from "vitest"
import * as path from "node:path"
import type { HostFunction } from "../../src/lua/index.js"
import { ensureBuilt, fixtures, later, lua } from "./support.js"

beforeAll(ensureBuilt, 120_000)

const hosts: Record<string, HostFunction> = { wait: later(3), sync: (args) => args }

const prologue = `local host = require "luasock.host"\nlocal wait, sync = host.wait, host.sync\n`

/** A waiting sort comparator inside a coroutine inside an __index metamethod (both placements). */
const nestedComparator = `
  local mt = { __index = function(t, k)
    local co = coroutine.wrap(function()
      local r = {}
      for _, v in ipairs({ 3, 1, 2 }) do r[#r + 1] = v end
      table.sort(r, function(a, b) return wait(a > b) end)
      coroutine.yield(table.concat(r))
      return wait(k)
    end)
    return co() .. co()
  end }
  print(setmetatable({}, mt).key)`

/** Runs a body with `wait` and `sync` as locals (in a worker thread); expects exit 0 and returns stdout. */
const run = async (body: string): Promise<string> => {
  const r = await lua(prologue + body, { hosts })
  expect(r.err).toBe("")
  expect(r.exitCode).toBe(0)
  return r.out
}

describe("a blocking host call (worker thread: every context)", () => {
  it("at top level, with several values and nils", async () => {
    expect(await run(`print(wait(1, "two", nil, true))\nprint(select("#", wait(nil, nil)))`)).toBe("1.0\ttwo\tnil\ttrue\n2\n")
  })

  it("in a nested function and a loop", async () => {
    const out = await run(`
      local function inner(x) return wait(x * 2) end
      local function outer(x) return inner(x) + 1 end
      local acc = {}
      for i = 1, 5 do acc[#acc + 1] = outer(i) end
      local n = 0
      while n < 3 do n = n + wait(1) end
      print(table.concat(acc, ","), n)`)
    expect(out).toBe("3.0,5.0,7.0,9.0,11.0\t3.0\n")
  })

  it("in pcall, and a failing call inside pcall", async () => {
    const out = await run(`
      print(pcall(wait, "a", "b"))
      print(pcall(function() local x = wait("in") error("after " .. x, 0) end))`)
    expect(out).toBe("true\ta\tb\nfalse\tafter in\n")
  })

  it("in xpcall, in the body and in the message handler", async () => {
    const out = await run(`
      print(xpcall(function(a) return wait(a, "x") end, print, 7))
      print(xpcall(function() error("boom", 0) end, function(m) return wait("handled: " .. m) end))`)
    expect(out).toBe("true\t7.0\tx\nfalse\thandled: boom\n")
  })

  it("in coroutine.wrap: yielded and resumed values stay right", async () => {
    const out = await run(`
      local gen = coroutine.wrap(function(a)
        local b = coroutine.yield(wait(a + 1))
        local c, d = coroutine.yield(wait(b * 10), "extra")
        return wait(c .. d)
      end)
      print(gen(1))
      print(gen(2))
      print(gen("x", "y"))`)
    expect(out).toBe("2.0\n20.0\textra\nxy\n")
  })

  it("in coroutine.resume / yield, interleaved coroutines, and status", async () => {
    const out = await run(`
      local function worker(name)
        return coroutine.create(function(n)
          for i = 1, n do
            local got = coroutine.yield(name, wait(i))
            assert(got == "go " .. name, got)
          end
          return "done " .. name
        end)
      end
      local a, b = worker("a"), worker("b")
      print(coroutine.resume(a, 2))
      print(coroutine.resume(b, 1))
      print(coroutine.resume(a, "go a"))
      print(coroutine.resume(b, "go b"))
      print(coroutine.resume(a, "go a"))
      print(coroutine.status(a), coroutine.status(b))
      -- a coroutine inside a coroutine
      local outer = coroutine.wrap(function()
        local inner = coroutine.wrap(function() coroutine.yield(wait("inner1")) return wait("inner2") end)
        coroutine.yield(inner())
        coroutine.yield(wait("outer"))
        return inner()
      end)
      print(outer(), outer(), outer())
      -- an error in a coroutine after a host call
      print(coroutine.resume(coroutine.create(function() wait(1) error("co err", 0) end)))`)
    expect(out).toBe(
      [
        "true\ta\t1.0",
        "true\tb\t1.0",
        "true\ta\t2.0",
        "true\tdone b",
        "true\tdone a",
        "dead\tdead",
        "inner1\touter\tinner2",
        "false\tco err",
        ""
      ].join("\n")
    )
  })

  it("in metamethods: __index, __newindex, __call, __eq, __lt, __concat, __len", async () => {
    const out = await run(`
      local mt = {
        __index = function(t, k) return wait("idx:" .. k) end,
        __newindex = function(t, k, v) rawset(t, k, wait(v)) end,
        __call = function(self, a, b) return wait(a + b) end,
        __eq = function(a, b) return wait(true) end,
        __lt = function(a, b) return wait(false) end,
        __concat = function(a, b) return wait("cat") end,
        __len = function() return wait(42) end,
      }
      local t = setmetatable({}, mt)
      local u = setmetatable({}, mt)
      t.y = "set"
      print(t.x, rawget(t, "y"), t(2, 3), t == u, t < u, t .. "s", #t)`)
    expect(out).toBe("idx:x\tset\t5.0\ttrue\tfalse\tcat\t42.0\n")
  })

  it("in __tostring, through tostring and print", async () => {
    const out = await run(`
      local obj = setmetatable({}, { __tostring = function() return wait("I am obj") end })
      print(tostring(obj))
      print(obj, "and", obj)
      print(string.format("%s!", obj))`)
    expect(out).toBe("I am obj\nI am obj\tand\tI am obj\nI am obj!\n")
  })

  it("in __close (local x <close>), on normal exit and on error", async () => {
    const out = await run(`
      local log = {}
      local function closer(name) return setmetatable({}, { __close = function(_, e) log[#log + 1] = wait(name .. (e and (":" .. e) or "")) end }) end
      do
        local a <close> = closer("a")
        local b <close> = closer("b")
      end
      print(pcall(function()
        local c <close> = closer("c")
        error("E", 0)
      end))
      print(table.concat(log, " "))`)
    expect(out).toBe("false\tE\nb a c:E\n")
  })

  it("in __gc finalizers (collectgarbage and at state close)", async () => {
    const out = await run(`
      local seen = {}
      setmetatable({}, { __gc = function() seen[#seen + 1] = wait("gc1") end })
      collectgarbage(); collectgarbage()
      print(table.concat(seen, ","))
      setmetatable({}, { __gc = function() io.write(sync("closing"), "\\n") end })`)
    expect(out).toBe("gc1\nclosing\n")
  })

  it("in callbacks called from C: table.sort comparator, string.gsub replacement, load reader", async () => {
    const out = await run(`
      local t = { 5, 2, 8, 1, 9, 3 }
      table.sort(t, function(a, b) return wait(a < b) end)
      print(table.concat(t, " "))
      print((string.gsub("a-b-c", "%a", function(c) return wait(c:upper()) end)))
      local parts, i = { "return ", "1 + ", "41" }, 0
      local f = load(function() i = i + 1 return parts[i] and wait(parts[i]) end)
      print(f())`)
    expect(out).toBe("1 2 3 5 8 9\nA-B-C\n42\n")
  })

  it("inside a coroutine inside a C callback inside a metamethod", async () => {
    expect(await run(nestedComparator)).toBe("321key\n")
  })

  it("at the top level of a required module", async () => {
    const r = await lua(`
      package.path = ${JSON.stringify(path.join(fixtures, "?.lua"))}
      local m = require "blocking_module"
      print(m.value, m.name, package.loaded.blocking_module == m)`, { hosts })
    expect(r.err).toBe("")
    expect(r.out).toBe("from host\tblocking_module\ttrue\n")
  })
})

/**
 * On the main thread (`thread: "main"`, luasock run's default) a waiting call yields the script
 * to the driver: the contexts Lua can yield from work the same, and so do the callbacks of
 * require, table.sort, string.gsub, tostring and print (yieldable Lua stand-ins there, see
 * src/lua/yieldable.ts); the others raise a clear error (and the call is given up), never a hang
 * or a wrong value.
 */
describe("a blocking host call on the main thread", () => {
  const onMain = async (body: string) => lua(prologue + body, { hosts, thread: "main" })
  const yields = [
    ["top level, several values and nils", `print(wait(1, "two", nil, true)) print(select("#", wait(nil, nil)))`, "1.0\ttwo\tnil\ttrue\n2\n"],
    ["pcall, and an error after a wait", `print(pcall(wait, "a")) print(pcall(function() local x = wait("in") error("after " .. x, 0) end))`, "true\ta\nfalse\tafter in\n"],
    ["the body of xpcall", `print(xpcall(function(a) return wait(a, "x") end, print, 7))`, "true\t7.0\tx\n"],
    [
      "coroutine.wrap, values yielded and resumed around the waits",
      `local co = coroutine.wrap(function(a) local b = coroutine.yield(wait(a + 1)) local c, d = coroutine.yield(wait(b * 10), "extra") return wait(c .. d) end)
       print(co(1)) print(co(2)) print(co("x", "y"))`,
      "2.0\n20.0\textra\nxy\n"
    ],
    [
      "nested coroutines, resume and status",
      `local outer = coroutine.create(function()
         local inner = coroutine.wrap(function() coroutine.yield(wait("inner1")) return wait("inner2") end)
         local a = inner() coroutine.yield(wait("outer")) return a, inner(), coroutine.status(coroutine.running())
       end)
       print(coroutine.resume(outer)) print(coroutine.resume(outer)) print(coroutine.status(outer))
       print(coroutine.resume(coroutine.create(function() wait(1) error("co err", 0) end)))`,
      "true\touter\ntrue\tinner1\tinner2\trunning\ndead\nfalse\tco err\n"
    ],
    [
      "metamethods called from Lua code",
      `local mt = { __index = function(t, k) return wait("idx:" .. k) end, __call = function(self, a, b) return wait(a + b) end,
         __concat = function(a, b) return wait("cat") end, __len = function() return wait(42) end }
       local t = setmetatable({}, mt) print(t.x, t(2, 3), t .. "s", #t)`,
      "idx:x\t5.0\tcat\t42.0\n"
    ],
    [
      "__close",
      `local log = {} do local a <close> = setmetatable({}, { __close = function() log[#log + 1] = wait("a") end }) end print(table.concat(log))`,
      "a\n"
    ],
    [
      "a table.sort comparator, a string.gsub replacement (function and table)",
      `local t = { 5, 2, 8, 1, 9, 3 } table.sort(t, function(a, b) return wait(a < b) end) print(table.concat(t, " "))
       print(string.gsub("a-b-c", "%a", function(c) return wait(c:upper()) end))
       print(("x=1, y=2"):gsub("(%w+)=(%w+)", setmetatable({}, { __index = function(_, k) return wait(k .. "!") end })))`,
      "1 2 3 5 8 9\nA-B-C\t3\nx!, y!\t2\n"
    ],
    [
      "__tostring through tostring and print",
      `local obj = setmetatable({}, { __tostring = function() return wait("I am obj") end })
       print(tostring(obj)) print(obj, 1, obj)`,
      "I am obj\nI am obj\t1\tI am obj\n"
    ],
    ["a comparator inside a coroutine inside a metamethod", nestedComparator, "321key\n"],
    ["lua5.4's main-thread answers", `print(coroutine.isyieldable(), select(2, coroutine.running())) print(pcall(coroutine.yield, 1))`, "false\ttrue\nfalse\tattempt to yield from outside a coroutine\n"]
  ] as const
  for (const [name, body, want] of yields) {
    it(`works: ${name}`, async () => {
      const r = await onMain(body)
      expect(r.err).toBe("")
      expect(r.out).toBe(want)
      expect(r.exitCode).toBe(0)
    })
  }

  const cannot = [
    ["a load reader (load returns the error)", `assert(load(function() return wait(nil) end))`],
    ["__tostring through string.format", `string.format("%s", setmetatable({}, { __tostring = function() return wait("x") end }))`],
    ["__index called by table.concat", `table.concat(setmetatable({}, { __index = function() return wait("x") end, __len = function() return 1 end }))`]
  ] as const
  // (a wait in xpcall's message handler fails too, but Lua reports any error raised there as
  // "error in error handling")
  for (const [name, body] of cannot) {
    it(`raises a clear error: ${name}`, async () => {
      const r = await onMain(`local ok, err = pcall(function() ${body} end) print(ok) io.stderr:write(tostring(err), "\\n") print(wait("still running"))`)
      expect(r.exitCode).toBe(0)
      expect(r.out).toBe("false\nstill running\n")
      expect(r.err).toMatch(/a call that must wait \(wait\) was made where Lua cannot yield.*a worker thread/)
    })
  }

  it("works at the top level of a required module (require is yieldable there)", async () => {
    const r = await lua(`
      package.path = ${JSON.stringify(path.join(fixtures, "?.lua"))}
      local m = require "blocking_module"
      print(m.value, m.name, package.loaded.blocking_module == m, select("#", require "blocking_module"))`, { hosts, thread: "main" })
    expect(r.err).toBe("")
    expect(r.exitCode).toBe(0)
    expect(r.out).toBe("from host\tblocking_module\ttrue\t1\n")
  })
})
