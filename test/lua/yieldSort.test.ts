/**
 * The yieldable `table.sort` (src/lua/yieldSort.ts) against Lua's own C `table.sort`, in one Lua
 * state: each script runs in a worker thread, where `table.sort` is still the C function, and
 * builds the Lua version from `sortSource` exactly as the main-thread runtime installs it
 * (yieldable.ts, `installSource`): compiled as `=[C]`, dumped stripped, the source name `=[C]`
 * patched back into the binary, loaded back (yieldAux.ts, `strippedLoader`), run with the
 * shared helpers (yieldAux.ts, `auxSource`, loaded the same way), and the function it returns
 * wrapped with `require("luasock.host").cfunction` (a C closure calling it with `lua_callk`).
 * Both are run on the same inputs from the same line, so final arrays, comparator calls,
 * metamethod calls, error messages (with their positions) and tracebacks must be equal as
 * strings. A traceback through ours first goes through `hide`, the filter the engine applies on
 * the main thread (engine.ts, `hideStandIns`); the last test checks the installed stand-in on the
 * main thread itself.
 *
 * Call sequences are compared for arrays up to 250 elements: C takes a clock / time based pivot
 * only after a partition leaves a side of at least 256 elements more than 128 times larger than
 * the other (so never below 259 elements); larger arrays are checked for being sorted.
 */
import { FastCheck as fc } from "effect"
import { beforeAll, describe, expect, it } from "vitest"
import { auxSource, strippedLoader } from "../../src/lua/yieldAux.js"
import { sortSource } from "../../src/lua/yieldSort.js"
import { ensureBuilt, lua } from "./support.js"

beforeAll(ensureBuilt, 120_000)

/**
 * Defines `csort` (the C function), `installed()` (a new copy of ours, built as yieldable.ts
 * builds it), `ysort` (one such copy) and `hide(traceback)` (the engine's traceback filter).
 */
const prologue = (): string => {
  for (const src of [sortSource, auxSource]) if (src.includes("]==]")) throw new Error("a source contains ]==]: use a longer bracket")
  return String.raw`
local SRC, AUX = [==[
${sortSource}]==], [==[
${auxSource}]==]
local csort = table.sort
local cfunction = require("luasock.host").cfunction
-- as yieldable.ts: each chunk loaded stripped and named "=[C]" (strippedLoader), the helpers
-- passed to the sort chunk, the sort it returns wrapped in a C closure (host.cfunction)
${strippedLoader}
local aux = stripped(AUX, "aux")()
local function installed() return cfunction(stripped(SRC, "table.sort")(aux)) end
local ysort = installed()
-- engine.ts hideStandIns, with the C string.gsub: first each 'error' line directly followed by a
-- stand-in's inner Lua frame ("[C]: in function <[C]:N>"), then every such inner frame
local function hide(tb)
  return (tb:gsub("\n\t%[C%]: in function 'error'(\n\t%[C%]: in function <%[C%]:%d+>)", "%1")
    :gsub("\n\t%[C%]: in function <%[C%]:%d+>", ""))
end
`
}

/** Runs a script after the prologue in a worker thread; returns stdout (expects a clean exit). */
const run = async (body: string): Promise<string> => {
  const r = await lua(prologue() + body, { thread: "worker" })
  expect(r.err).toBe("")
  expect(r.exitCode).toBe(0)
  return r.out
}

// ---------------------------------------------------------------------------------------------
// Property test: random arrays × a family of comparators, C against ours
// ---------------------------------------------------------------------------------------------

/** One array element, as Lua source. */
type El = string

const intEl = (min: number, max: number) => fc.integer({ min, max }).map(String)
const floatEl = fc.constantFrom("0.5", "-0.0", "2.0", "(0/0)", "(1/0)", "(-1/0)", "1e300", "-3.25")
const strEl = fc.string({ unit: fc.constantFrom("a", "b", "c", "Z", "0"), maxLength: 3 }).map((s) => `"${s}"`)
/** A table with `__lt` (by key; the metatable named "Obj" or not), labelled for the logs. */
const objEl = fc.tuple(fc.integer({ min: 0, max: 6 }), fc.boolean(), fc.nat(999)).map(([key, named, id]) => `O(${key}, ${named}, ${id})`)

const patterned = fc
  .tuple(fc.constantFrom("up", "down", "pipe", "saw", "same"), fc.integer({ min: 0, max: 250 }))
  .map(([shape, n]): Array<El> =>
    Array.from({ length: n }, (_, i) =>
      String(shape === "up" ? i : shape === "down" ? n - i : shape === "pipe" ? Math.min(i, n - i) : shape === "saw" ? i % 7 : 5)
    )
  )

const arrays: fc.Arbitrary<Array<El>> = fc.oneof(
  fc.array(intEl(-3, 12), { maxLength: 100 }),
  fc.array(intEl(-2_000_000_000, 2_000_000_000), { maxLength: 100 }),
  fc.array(fc.oneof(intEl(0, 9), floatEl), { maxLength: 60 }),
  fc.array(strEl, { maxLength: 60 }),
  fc.array(fc.oneof(intEl(0, 9), floatEl, strEl, objEl, fc.constantFrom("true", "false", "nil")), { maxLength: 24 }),
  fc.array(objEl, { maxLength: 40 }),
  fc.array(intEl(0, 50), { minLength: 101, maxLength: 250 }),
  patterned
)

const comparators = [
  "none", // nil: '<' (numbers only / strings only: plain; else checked; __lt of the objects)
  "lt",
  "gt",
  "key", // by K(v) % (k + 1): many ties
  "rand", // pseudo-random answers from the seed: inconsistent, may or may not raise
  "always", // true: "invalid order function for sorting" from 4 elements
  "never",
  "errk", // raises after k calls
  "errobj", // raises a table after k calls (propagated as is)
  "truthy", // answers 0 / nil
  "mutate", // writes into the table being sorted every third call
  "cmax", // math.max: a C comparator (errors name 'math.max')
  "rawequal"
] as const

const caseArb = fc.record({
  arr: arrays,
  cmp: fc.oneof({ arbitrary: fc.constant("none" as const), weight: 3 }, { arbitrary: fc.constantFrom(...comparators), weight: 10 }),
  k: fc.integer({ min: 0, max: 40 }),
  seed: fc.nat(1 << 30),
  /** "none": a plain table; else a proxy (an empty table whose __index, __newindex and __len log and use a store), its __len giving n as an integer, a float or a string. */
  proxy: fc.constantFrom("none", "none", "int", "float", "string")
})
type Case = typeof caseArb extends fc.Arbitrary<infer T> ? T : never

const caseSource = (c: Case): string =>
  `{n = ${c.arr.length}, arr = {${c.arr.join(", ")}}, cmp = "${c.cmp}", k = ${c.k}, seed = ${c.seed}, proxy = "${c.proxy}"}`

/** Runs each case with csort then ysort; prints two lines per case. */
const propertyRunner = String.raw`
local log
local function show(v)
  local tv = type(v)
  if tv == "string" then return string.format("%q", v) end
  if tv == "table" then return rawget(v, "label") or "table" end
  return tostring(v)
end
-- a number for anything (comparators that must not fail on mixed arrays)
local function K(v)
  local tv = type(v)
  if tv == "number" then return v end
  if tv == "string" then return #v * 7 + (v:byte(1) or 0) end
  if tv == "table" then return rawget(v, "key") end
  if tv == "boolean" then return v and 1 or 0 end
  return -1
end
local lt = function(a, b)
  log[#log + 1] = "lt(" .. a.label .. "," .. b.label .. ")"
  return a.key < b.key
end
local objMt, namedMt = {__lt = lt}, {__lt = lt, __name = "Obj"}
function O(key, named, id)
  return setmetatable({key = key, label = "o" .. id .. ":" .. key}, named and namedMt or objMt)
end
local E = {label = "E"}

local function comparator(c, t)
  local kind, k, s, calls = c.cmp, c.k, c.seed, 0
  local function note(a, b)
    calls = calls + 1
    log[#log + 1] = show(a) .. "~" .. show(b)
  end
  if kind == "none" then return nil
  elseif kind == "lt" then return function(a, b) note(a, b) return a < b end
  elseif kind == "gt" then return function(a, b) note(a, b) return b < a end
  elseif kind == "key" then return function(a, b) note(a, b) return K(a) % (k + 1) < K(b) % (k + 1) end
  elseif kind == "rand" then
    return function(a, b)
      note(a, b)
      s = (s * 1103515245 + 12345) % 2147483648
      return s % 5 < 2
    end
  elseif kind == "always" then return function(a, b) note(a, b) return true end
  elseif kind == "never" then return function(a, b) note(a, b) return false end
  elseif kind == "errk" then
    return function(a, b) note(a, b) if calls > k then error("stop after " .. calls) end return K(a) < K(b) end
  elseif kind == "errobj" then
    return function(a, b) note(a, b) if calls > k then error(E) end return K(a) > K(b) end
  elseif kind == "truthy" then return function(a, b) note(a, b) if K(a) < K(b) then return 0 end end
  elseif kind == "mutate" then
    return function(a, b)
      note(a, b)
      if calls % 3 == 0 then t[1 + calls % c.n] = -calls end
      return K(a) < K(b)
    end
  elseif kind == "cmax" then return math.max
  elseif kind == "rawequal" then return rawequal
  end
  error("unknown comparator " .. kind)
end

local function runCase(S, c)
  log = {}
  local store = {}
  for i = 1, c.n do store[i] = c.arr[i] end
  local t = store
  if c.proxy ~= "none" then
    t = setmetatable({}, {
      __index = function(_, i) log[#log + 1] = "get" .. i return store[i] end,
      __newindex = function(_, i, v) log[#log + 1] = "set" .. i .. "=" .. show(v) store[i] = v end,
      __len = function()
        log[#log + 1] = "len"
        if c.proxy == "float" then return c.n + 0.0 elseif c.proxy == "string" then return " " .. c.n .. " " end
        return c.n
      end
    })
  end
  local comp = comparator(c, t)
  local ok, err = pcall(function() S(t, comp) end) -- one line for both: same caller position
  local out = {}
  for i = 1, c.n do out[i] = show(store[i]) end
  if type(err) == "table" then err = rawequal(err, E) and "<the raised table>" or "<another table>" end
  return table.concat(out, " ") .. " | " .. table.concat(log, " ") .. " | " .. tostring(ok) .. " " .. tostring(err)
end

local CASES = CASES_SOURCE()
for i, c in ipairs(CASES) do
  print(i .. " C " .. runCase(csort, c))
  print(i .. " Y " .. runCase(ysort, c))
end
`

interface Outcome {
  readonly c: string
  readonly y: string
}

const runCases = async (cases: ReadonlyArray<Case>): Promise<Array<Outcome>> => {
  const out = await run(`local function CASES_SOURCE() return {\n${cases.map(caseSource).join(",\n")}\n} end\n${propertyRunner}`)
  const lines = out.split("\n")
  return cases.map((_, i) => {
    const c = lines[2 * i]!
    const y = lines[2 * i + 1]!
    expect(c.startsWith(`${i + 1} C `)).toBe(true)
    expect(y.startsWith(`${i + 1} Y `)).toBe(true)
    return { c: c.slice(`${i + 1} C `.length), y: y.slice(`${i + 1} Y `.length) }
  })
}

describe("the Lua table.sort against the C one", () => {
  it("same final array, comparator / metamethod calls and error for random arrays and comparators", async () => {
    const seen = { invalidOrder: 0, compareError: 0, ok: 0, raised: 0 }
    await fc.assert(
      fc.asyncProperty(fc.array(caseArb, { minLength: 80, maxLength: 80 }), async (cases) => {
        const outcomes = await runCases(cases)
        outcomes.forEach(({ c, y }, i) => {
          expect({ case: caseSource(cases[i]!), result: y }).toEqual({ case: caseSource(cases[i]!), result: c })
          if (c.endsWith("invalid order function for sorting")) seen.invalidOrder++
          else if (/ false attempt to compare/.test(c)) seen.compareError++
          else if (c.endsWith(" true nil")) seen.ok++
          else seen.raised++
        })
      }),
      { numRuns: 5, seed: 20240611, endOnFailure: true }
    )
    // the runs cover each outcome
    expect(seen.invalidOrder).toBeGreaterThan(5)
    expect(seen.compareError).toBeGreaterThan(5)
    expect(seen.ok).toBeGreaterThan(100)
    expect(seen.raised).toBeGreaterThan(10)
  }, 60_000)

  it("argument errors: same messages, names and positions", async () => {
    // each line is a chunk named "=case" run with S = csort then ysort, table.sort = S meanwhile
    const cases = [
      "S()",
      "S(nil)",
      "S(nil, 5)",
      "S(5)",
      "S('x')",
      "S(true)",
      "S(print)",
      "S(io.stdout)",
      "S(coroutine.create(print))",
      "S({3, 2, 1}, 5)",
      "S({3, 2, 1}, false)",
      "S({3, 2, 1}, {})",
      "S({3, 2, 1}, io.stdout)",
      "S({1}, 5)", // one element: the comparator is not checked (as in C)
      "S({}, 'x')",
      "S({2, 1}, nil, 'extra')",
      "return select(2, pcall(S, 5))",
      "return select(2, pcall(S))",
      "return select(2, pcall(S, {2, 1}, 'f'))",
      "return select(2, pcall(table.sort, {}, 1, 2))",
      "table.sort(5)",
      "local sort = table.sort; sort(5)",
      "local t = {sort = S}; t.sort({2, 1}, 0)",
      "string.sort = S; local ok, e = pcall(function() local r = ('abc'):sort() return r end); string.sort = nil; error(e, 0)",
      "local o = setmetatable({3, 1, 2}, {__index = {sort = S}}); o:sort(5)",
      "local o = setmetatable({3, 1, 2}, {__index = {sort = S}}); o:sort(function(a, b) return a > b end) return table.concat(o, ',')",
      "S(setmetatable({}, {__len = function() return 2^31 end}))",
      "S(setmetatable({}, {__len = function() return 2^31 - 1 end}))",
      "S(setmetatable({}, {__len = function() return math.maxinteger end}))",
      "S(setmetatable({}, {__len = function() return 2^53 end}))",
      "S(setmetatable({}, {__len = function() return 2.5 end}))",
      "S(setmetatable({}, {__len = function() return math.huge end}))",
      "S(setmetatable({}, {__len = function() return 'x' end}))",
      "S(setmetatable({}, {__len = function() return {} end}))",
      "S(setmetatable({}, {__len = function() return -7 end}))",
      "local t = setmetatable({}, {__len = function() return '0x3' end}); rawset(t, 1, 'c'); rawset(t, 2, 'a'); rawset(t, 3, 'b'); S(t); return table.concat(t, ',')",
      "local t = setmetatable({}, {__len = function() return 3.0 end}); rawset(t, 1, 3); rawset(t, 2, 1); rawset(t, 3, 2); S(t); return table.concat(t, ',')",
      "S(setmetatable({}, {__len = function() error('len failed') end}))",
      "S(setmetatable({}, {__len = function() error({}) end}))",
      // non-tables: only with __index, __newindex and __len (raw fields of the real metatable)
      "local mt = {__index = {}, __newindex = print, __name = 'Named'}; debug.setmetatable(0, mt); local ok, e = pcall(S, 5); debug.setmetatable(0, nil); error(e, 0)",
      "local mt = {__index = {}, __len = print, __metatable = false}; debug.setmetatable(0, mt); local ok, e = pcall(function() S(5) end); debug.setmetatable(0, nil); error(e, 0)",
      "local st = {1, 2, 3}; local mt = {__index = function(_, i) return st[i] end, __newindex = function(_, i, v) st[i] = v end, __len = function() return 3 end}; debug.setmetatable(0, mt); local ok, e = pcall(S, 0, function(a, b) return a > b end); debug.setmetatable(0, nil); assert(ok, e); return table.concat(st, ',')",
      "local mt = {__name = 42}; local ok, e = pcall(S, setmetatable({2, 1}, mt), setmetatable({}, mt)); error(e, 0)",
      "local ok, e = pcall(S, {2, 1}, setmetatable({}, {__name = 'Cmp', __call = function() return true end})); error(e, 0)",
      // the comparison errors of a missing comparator (C: lua_compare, no position)
      "S({1, 'x'})",
      "S({'x', 1, 2})",
      "S({1, {}, 3})",
      "S({{}, {}})",
      "S({setmetatable({}, {__name = 'N'}), 1})",
      "S({io.stdout, io.stderr})",
      "S({1, nil, 3})",
      "S({true, false})",
      "local t = {0/0, 1, 0/0, 2, 3, 0/0, 4, 5, 0/0, 1, 2, 0/0}; S(t); return tostring(#t)",
      "local t = {}; for i = 1, 20 do t[i] = (i % 3 == 0) and 0/0 or i end; S(t, function(a, b) return a < b end)",
      "S({5, 4, 3, 2, 1}, function() return true end)",
      "S({5, 4, 3}, function() return true end); return 'no check below 4 elements'"
    ]
    const luaCases = cases.map((c) => `[==[${c}]==]`).join(",\n")
    const out = await run(String.raw`
local cases = {
${luaCases}
}
for _, code in ipairs(cases) do
  local results = {}
  for _, S in ipairs({csort, ysort}) do
    table.sort = S
    local chunk = assert(load("local S = ...\n" .. code, "=case"))
    local r = table.pack(pcall(chunk, S))
    table.sort = csort
    for i = 1, r.n do r[i] = tostring(r[i]):gsub("table: 0x%x+", "table") end
    results[#results + 1] = table.concat(r, " ", 1, r.n)
  end
  print(results[1])
  print(results[2])
end
`)
    const lines = out.split("\n")
    const got = cases.map((code, i) => ({ code, c: lines[2 * i], y: lines[2 * i + 1] }))
    for (const { code, c, y } of got) expect({ code, y }).toEqual({ code, y: c })
    // a few of them spelled out (what C says, hence what ours says)
    const c = (code: string) => got.find((g) => g.code === code)!.c
    expect(c("S()")).toBe("false case:2: bad argument #1 to 'S' (table expected, got no value)")
    expect(c("S(io.stdout)")).toBe("false case:2: bad argument #1 to 'S' (table expected, got FILE*)")
    expect(c("return select(2, pcall(S, 5))")).toBe("true bad argument #1 to 'table.sort' (table expected, got number)")
    expect(c("S({3, 2, 1}, 5)")).toBe("false case:2: bad argument #2 to 'S' (function expected, got number)")
    expect(c("local o = setmetatable({3, 1, 2}, {__index = {sort = S}}); o:sort(5)")).toBe(
      "false case:2: bad argument #1 to 'sort' (function expected, got number)"
    )
    expect(c("string.sort = S; local ok, e = pcall(function() local r = ('abc'):sort() return r end); string.sort = nil; error(e, 0)")).toBe(
      "false case:2: calling 'sort' on bad self (table expected, got string)"
    )
    expect(c("S(setmetatable({}, {__len = function() return 2^31 end}))")).toBe("false case:2: bad argument #1 to 'S' (array too big)")
    expect(c("S(setmetatable({}, {__len = function() return 2.5 end}))")).toBe("false case:2: object length is not an integer")
    expect(c("S({1, 'x'})")).toBe("false attempt to compare string with number")
    expect(c("S({io.stdout, io.stderr})")).toBe("false attempt to compare two FILE* values")
    expect(c("S({5, 4, 3, 2, 1}, function() return true end)")).toBe(
      "false case:2: invalid order function for sorting"
    )
  })

  it("tracebacks through the sort: identical once filtered as on the main thread, its frame reading [C]: in function 'table.sort'", async () => {
    const out = await run(String.raw`
local function traceback(S, f)
  table.sort = S
  local _, tb = xpcall(f, debug.traceback)
  table.sort = csort
  return tb
end
local function failing(a, b) error("boom") end
local function nested(a, b) return (function() error("deep") end)() end
function globalCmp(a, b) error("g") end
-- a traceback taken inside the comparator (on the main thread debug.traceback filters), raised
local function tracing(a, b) error(debug.traceback("in comparator", 1), 0) end
local cases = {
  -- raised by the comparator
  function() table.sort({3, 1, 2}, failing) end,
  function() table.sort({3, 1, 2}, nested) end,
  function() table.sort({3, 1, 2}, globalCmp) end,
  -- raised by the sort itself (C: no 'error' frame; ours: 'error' and the inner frame, hidden)
  function() table.sort({4, 3, 2, 1}, function() return true end) end,
  function() table.sort(5) end,
  function() table.sort({2, 1}, 5) end,
  -- tail calls: the C closure keeps the caller's frame (its name and position), as C does
  function() local function f() return table.sort(5) end f() end,
  function() local t = {sort = table.sort} return t.sort({2, 1}, {}) end,
  function() table.sort({2, 1}, tracing) end,
}
for _, f in ipairs(cases) do
  local raw
  for _, S in ipairs({csort, ysort}) do
    raw = traceback(S, f) -- one line for both: the same positions
    print(S == csort and raw or hide(raw))
    print("==")
  end
  print(raw:find("[C]: in function <[C]:", 1, true) ~= nil) -- the filter had work to do
  print("==")
end
`)
    const parts = out.split("==\n")
    const triples = Array.from({ length: parts.length / 3 | 0 }, (_, i) => parts.slice(3 * i, 3 * i + 3))
    expect(triples).toHaveLength(9)
    for (const [c, y, hidden] of triples) {
      expect(y).toBe(c)
      expect(c).toContain("\t[C]: in function 'table.sort'\n")
      expect(c).not.toContain("[C]: in function <[C]:")
      expect(hidden).toBe("true\n")
    }
    const [fail, nested, global, invalid, badArg, badComp, tail, tailField, traced] = triples.map(([c]) => c!)
    expect(fail).toMatch(
      /^\(source\):\d+: boom\nstack traceback:\n\t\[C\]: in function 'error'\n\t\(source\):\d+: in function <\(source\):\d+>\n\t\[C\]: in function 'table\.sort'\n/
    )
    expect(nested).toMatch(/\n\t\(source\):\d+: in function <\(source\):\d+>\n\t\(\.\.\.tail calls\.\.\.\)\n\t\[C\]: in function 'table\.sort'\n/)
    expect(global).toContain("in function 'globalCmp'\n\t[C]: in function 'table.sort'\n")
    expect(invalid).toMatch(/^\(source\):\d+: invalid order function for sorting\nstack traceback:\n\t\[C\]: in function 'table\.sort'\n\t\(source\):\d+: in function </)
    expect(badArg).toMatch(/^\(source\):\d+: bad argument #1 to 'sort' \(table expected, got number\)\nstack traceback:\n\t\[C\]: in function 'table\.sort'\n/)
    expect(badComp).toMatch(/^\(source\):\d+: bad argument #2 to 'sort' \(function expected, got number\)\n/)
    expect(tail).toMatch(
      /^\(source\):\d+: bad argument #1 to 'sort' \(table expected, got number\)\nstack traceback:\n\t\[C\]: in function 'table\.sort'\n\t\(source\):\d+: in local 'f'\n/
    )
    expect(tailField).toMatch(/^\(source\):\d+: bad argument #2 to 'sort' \(function expected, got table\)\n/)
    expect(traced).toMatch(/^in comparator\nstack traceback:\n\t\(source\):\d+: in (function <\(source\):\d+>|upvalue 'tracing')\n\t\[C\]: in function 'table\.sort'\n/)
  })

  it("what a Lua function alone could not match, the C closure does: getinfo, string.dump, the C-call limit", async () => {
    const out = await run(String.raw`
for _, S in ipairs({csort, ysort}) do
  local i = debug.getinfo(S, "Su")
  print(i.what, i.source, i.short_src, i.linedefined, i.lastlinedefined, i.nparams, i.isvararg)
  print(pcall(string.dump, S))
  -- nested sorts (a sort in a comparator): the same depth before "C stack overflow"
  table.sort = S
  local depth = 0
  local function nest(d)
    depth = d
    table.sort({2, 1, 3}, function(a, b) if d < 400 then nest(d + 1) end return a < b end)
  end
  local ok, e = pcall(nest, 1)
  table.sort = csort
  print(ok, e, depth)
  print("==")
end
`)
    const [c, y] = out.split("==\n")
    expect(c).toMatch(/^C\t=\[C\]\t\[C\]\t-1\t-1\t0\ttrue\nfalse\tunable to dump given function\nfalse\t.*C stack overflow\t\d+\n$/)
    expect(y).toBe(c)
  })

  it("the known differences, pinned (what the hidden Lua frame still shows)", async () => {
    const out = await run(String.raw`
local function each(f)
  for _, S in ipairs({csort, ysort}) do
    table.sort = S
    print(hide((select(2, xpcall(f, debug.traceback)))))
    table.sort = csort
    print("==")
  end
end
-- 1. from a comparator, the levels beyond the sort's frame are one further out: the inner Lua
-- function is level 2 (unnamed, a Lua function of "[C]"), C's level 2 (the sort) is level 3
for _, S in ipairs({csort, ysort}) do
  S({2, 1}, function(a, b)
    for level = 2, 3 do
      local i = debug.getinfo(level, "nSl")
      print(i.name, i.namewhat, i.what, i.short_src, i.currentline)
    end
    return a < b
  end)
  print((select(2, pcall(function() S({2, 1}, function() error("at level 3", 3) end) end))))
  print("==")
end
-- 2. the C closure has an upvalue: the Lua function
for _, S in ipairs({csort, ysort}) do
  local name, v = debug.getupvalue(S, 1)
  print(debug.getinfo(S, "u").nups, name, type(v))
  print("==")
end
-- 3. an error of the Lua VM in the sort's own frame gets its position ([C]:-1:) and a name
each(function() table.sort(setmetatable({}, {__index = {}, __newindex = {}, __len = 5})) end)
-- 4. a metamethod called by the sort is named by the call site (C: unnamed)
each(function()
  table.sort(setmetatable({}, {__index = function() error("no") end, __newindex = {}, __len = function() return 2 end}))
end)
-- 5. luaL_traceback's first 10 levels count the hidden frames too: fewer shown before "..."
for _, S in ipairs({csort, ysort}) do
  table.sort = S
  local function nest(d)
    table.sort({2, 1}, function(a, b) if d < 8 then nest(d + 1) else print(hide(debug.traceback("deep"))) end return a < b end)
  end
  nest(1)
  table.sort = csort
  print("==")
end
-- 6. hooks see the Lua function's calls: itself and the functions it calls
for _, S in ipairs({csort, ysort}) do
  local calls = 0
  debug.sethook(function() calls = calls + 1 end, "c")
  S({2, 1})
  debug.sethook()
  print(calls)
  print("==")
end
`)
    const [c1, y1, c2, y2, c3, y3, c4, y4, c5, y5, c6, y6] = out.split("==\n")
    expect(c1).toMatch(/^S\tlocal\tC\t\[C\]\t-1\nnil\t\tmain\t\(source\)\t\d+\n\(source\):\d+: at level 3\n$/)
    expect(y1).toBe("nil\t\tLua\t[C]\t-1\nS\tlocal\tC\t[C]\t-1\nat level 3\n")
    expect(c2).toBe("0\tnil\tnil\n")
    expect(y2).toBe("1\t\tfunction\n")
    expect(c3).toMatch(/^attempt to call a number value\n/)
    expect(y3).toMatch(/^\[C\]:-1: attempt to call a number value \(metamethod 'len'\)\n/)
    expect(c4).toMatch(/\n\t\(source\):\d+: in function <\(source\):\d+>\n\t\[C\]: in function 'table\.sort'\n/)
    expect(y4).toBe(c4!.replace(/in function <\(source\):\d+>\n\t\[C\]: in function 'table\.sort'/, "in metamethod 'index'\n\t[C]: in function 'table.sort'"))
    const head = (tb: string | undefined) => tb!.split("\n\t...\t")[0]!.split("\n").length
    expect(c5).toContain("\n\t...\t(skipping 4 levels)\n")
    expect(y5).toContain("\n\t...\t(skipping 12 levels)\n")
    expect(head(y5)).toBeLessThan(head(c5))
    expect(c6).toBe("2\n") // table.sort and debug.sethook
    expect(Number(y6)).toBeGreaterThan(3)
  })

  it("the installed stand-in on the main thread: the same stdout, stderr and exit status as C in a worker", async () => {
    const scripts = {
      results: String.raw`
local t = {5, 2, 8, 1, 9, 3, 7}
table.sort(t, function(a, b) return a > b end)
print(table.concat(t, " "))
local words = {"pear", "fig", "apple", "kiwi"}
table.sort(words, function(a, b) return #a < #b or (#a == #b and a < b) end)
print(table.concat(words, " "))
print(pcall(table.sort, 5))
print(pcall(function() table.sort({3, 2, 1}, "x") end))
local function f() return table.sort(5) end
print(pcall(f))
print(debug.getinfo(table.sort, "S").what)
table.sort({2, 1}, function(a, b) print(debug.traceback("in comparator")) return a < b end)
table.sort({3, 1, 2}, true)
`,
      invalidOrder: String.raw`
local t = {}
for i = 1, 20 do t[i] = i end
table.sort(t, function() return true end)
`,
      comparatorRaises: String.raw`
local function cmp(a, b) if a == 2 then error("comparator failed") end return a < b end
table.sort({3, 1, 2}, cmp)
`
    }
    const [installed, ...runs] = await Promise.all([
      // the stand-in is installed there (C: no upvalue)
      lua(`print(debug.getinfo(table.sort, "u").nups)`, { thread: "main" }),
      ...Object.values(scripts).flatMap((src) => [lua(src, { thread: "worker", name: "case.lua" }), lua(src, { thread: "main", name: "case.lua" })])
    ])
    expect(installed!.out).toBe("1\n")
    const [results, resultsMain, invalid, invalidMain, raises, raisesMain] = runs.map(({ err, exitCode, out }) => ({ out, err, exitCode }))
    expect(resultsMain).toEqual(results)
    expect(invalidMain).toEqual(invalid)
    expect(raisesMain).toEqual(raises)
    // what C says, hence what the stand-in says
    expect(results!.out).toBe(
      [
        "9 8 7 5 3 2 1",
        "fig kiwi pear apple",
        "false\tbad argument #1 to 'table.sort' (table expected, got number)",
        "false\tcase.lua:9: bad argument #2 to 'sort' (function expected, got string)",
        "false\tcase.lua:10: bad argument #1 to 'sort' (table expected, got number)",
        "C",
        "in comparator\nstack traceback:\n\tcase.lua:13: in function <case.lua:13>\n\t[C]: in function 'table.sort'\n\tcase.lua:13: in main chunk\n\t[C]: in ?",
        ""
      ].join("\n")
    )
    expect(results!.err).toMatch(/^\S+: case\.lua:14: bad argument #2 to 'sort' \(function expected, got boolean\)\nstack traceback:\n\t\[C\]: in function 'table\.sort'\n\tcase\.lua:14: in main chunk\n/)
    expect(invalid!.err).toMatch(/^\S+: case\.lua:4: invalid order function for sorting\nstack traceback:\n\t\[C\]: in function 'table\.sort'\n\tcase\.lua:4: in main chunk\n/)
    expect(raises!.err).toMatch(
      /^\S+: case\.lua:2: comparator failed\nstack traceback:\n\t\[C\]: in function 'error'\n\tcase\.lua:2: in (local 'cmp'|function <case\.lua:2>)\n\t\[C\]: in function 'table\.sort'\n\tcase\.lua:3: in main chunk\n/
    )
    for (const r of runs) expect(r.exitCode).toBe(1)
  })

  it("a comparator may yield (C: attempt to yield across a C-call boundary)", async () => {
    const out = await run(String.raw`
local function drive(S, t, withLt)
  local calls, yields = 0, 0
  local co = coroutine.wrap(function()
    if withLt then
      S(t)
    else
      S(t, function(a, b) calls = calls + 1; coroutine.yield("waiting") return a > b end)
    end
    return "done"
  end)
  while true do
    local ok, r = pcall(co)
    if not ok then return "error: " .. r end
    if r == "done" then return "done", calls, yields end
    yields = yields + 1
  end
end
local function data() local t = {} for i = 1, 60 do t[i] = (i * 37) % 61 end return t end
local t = data()
print(drive(ysort, t))
print(table.concat(t, ","))
local ref, n = data(), 0
csort(ref, function(a, b) n = n + 1 return a > b end)
print(table.concat(ref, ","), n)
print(drive(csort, data()))
-- without a comparator, an __lt metamethod may yield too
local mt = {__lt = function(a, b) coroutine.yield() return a.k < b.k end}
local objs = {}
for i = 1, 30 do objs[i] = setmetatable({k = (i * 7) % 31}, mt) end
print(drive(ysort, objs, true))
local ks = {} for i = 1, 30 do ks[i] = objs[i].k end
print(table.concat(ks, ","))
`)
    const [y, sorted, ref, cErr, lt, ltSorted] = out.trimEnd().split("\n")
    const [refArray, refCalls] = ref!.split("\t")
    expect(y).toBe(`done\t${refCalls}\t${refCalls}`) // one yield per comparator call, as many calls as C makes
    expect(sorted).toBe(refArray)
    expect(cErr).toBe("error: attempt to yield across a C-call boundary")
    expect(lt).toMatch(/^done\t0\t\d+$/)
    expect(ltSorted).toBe(
      Array.from({ length: 30 }, (_, i) => ((i + 1) * 7) % 31)
        .sort((a, b) => a - b)
        .join(",")
    )
  })

  it("large arrays: sorted (the clock-based pivot path included)", async () => {
    const out = await run(String.raw`
math.randomseed(7)
local function check(t, le)
  for i = 2, #t do if not le(t[i - 1], t[i]) then return "unsorted at " .. i end end
  return "ok"
end
local function lt(a, b) return a < b end
local results = {}
for _, n in ipairs({259, 1000, 5000, 30000}) do
  local a, b, c = {}, {}, {}
  for i = 1, n do a[i] = math.random(1, 100); b[i] = math.random(); c[i] = tostring(math.random(1, 1000)) end
  ysort(a); ysort(b, function(x, y) return x > y end); ysort(c)
  results[#results + 1] = check(a, function(x, y) return x <= y end)
  results[#results + 1] = check(b, function(x, y) return x >= y end)
  results[#results + 1] = check(c, function(x, y) return x <= y end)
end
print(table.concat(results, " "))
-- McIlroy's adversary: answers lazily so that every partition is as bad as it can be, which
-- makes the sort take clock-based pivots; a copy of ours loaded with a counting os.clock
local clocks, realClock = 0, os.clock
os.clock = function() clocks = clocks + 1 return realClock() end
local counted = installed()
os.clock = realClock
local function adversary(S, n)
  local val, gas, nsolid, candidate = {}, n + 1, 0, nil
  local t = {}
  for i = 1, n do val[i] = gas; t[i] = i end
  local comparisons = 0
  S(t, function(x, y)
    comparisons = comparisons + 1
    if val[x] == gas and val[y] == gas then
      if x == candidate then val[x] = nsolid else val[y] = nsolid end
      nsolid = nsolid + 1
    end
    if val[x] == gas then candidate = x elseif val[y] == gas then candidate = y end
    return val[x] < val[y]
  end)
  for i = 2, n do if val[t[i - 1]] > val[t[i]] then return "unsorted" end end
  return "ok", comparisons
end
print(adversary(counted, 800))
print(clocks > 0)
print(adversary(csort, 800))
`)
    const [sorted, adv, clocked, advC] = out.trimEnd().split("\n")
    expect(sorted).toBe(Array.from({ length: 12 }, () => "ok").join(" "))
    expect(adv).toMatch(/^ok\t\d+$/)
    expect(clocked).toBe("true") // the randomized pivot was taken
    expect(advC).toMatch(/^ok\t\d+$/)
  })
})
