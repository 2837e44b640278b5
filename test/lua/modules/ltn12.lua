-- ltn12 under many inputs. With no arguments: a fixed corpus. With arguments
--   ltn12.lua chain <filters> <sinkfilters> <blocksize> <hexchunk>...
-- it pumps the chunks through source.chain / sink.chain with the given filters (comma
-- separated specs, see `make`) and prints every filter call and the result.
local dir = arg[0]:match("^(.*)/[^/]*$") or "."
local H = dofile(dir .. "/_show.lua")
local show, call, results = H.show, H.call, H.results
local ltn12 = require("ltn12")

-- filters -------------------------------------------------------------------------------
local trace = {}
local function traced(name, f)
  return function(c)
    local out = f(c)
    trace[#trace + 1] = name .. "(" .. show(c) .. ")=" .. show(out)
    return out
  end
end

-- i identity, u upper, d doubles every byte, a holds everything until the end, e eats
-- everything, sN hands out at most N bytes per call, cX counts chunks with filter.cycle
-- (prefixing X), nK answers nil on its K-th call (ill-behaved).
local function make(spec)
  local kind, n = spec:sub(1, 1), spec:sub(2)
  if kind == "i" then return traced(spec, function(c) return c end) end
  if kind == "u" then return traced(spec, function(c) return c and c:upper() end) end
  if kind == "d" then return traced(spec, function(c) return c and (c:gsub(".", "%0%0")) end) end
  if kind == "e" then return traced(spec, function(c) if c then return "" end end) end
  if kind == "a" then
    local acc, done = {}, false
    return traced(spec, function(c)
      if c then acc[#acc + 1] = c return "" end
      if done then return nil end
      done = true
      return "<" .. table.concat(acc) .. ">"
    end)
  end
  if kind == "s" then
    local size, buf = tonumber(n), ""
    return traced(spec, function(c)
      if c then buf = buf .. c end
      if buf == "" then
        if c then return "" end
        return nil
      end
      local out = buf:sub(1, size)
      buf = buf:sub(size + 1)
      return out
    end)
  end
  if kind == "c" then
    return traced(spec, ltn12.filter.cycle(function(ctx, chunk, extra)
      if chunk == "" then return "", ctx end
      if chunk then return extra .. chunk, ctx + 1 end
      if ctx >= 0 then return "#" .. ctx, -1 end
      return nil, ctx
    end, 0, n))
  end
  if kind == "n" then
    local k, calls = tonumber(n), 0
    return traced(spec, function(c)
      calls = calls + 1
      if calls == k then return nil end
      return c
    end)
  end
  error("bad filter spec " .. spec)
end

local function makeall(specs)
  local fs = {}
  for s in specs:gmatch("[^,]+") do fs[#fs + 1] = make(s) end
  return fs
end

local function flush(label)
  print(label .. " trace: " .. table.concat(trace, " "))
  trace = {}
end

-- pumps chunks through source filters then sink filters, in two ways
local function pipeline(label, chunks, srcspecs, snkspecs)
  local src = ltn12.source.table(chunks)
  local sf = makeall(srcspecs)
  if #sf > 0 then src = ltn12.source.chain(src, table.unpack(sf)) end
  local snk, t = ltn12.sink.table()
  local kf = makeall(snkspecs)
  if #kf > 0 then
    kf[#kf + 1] = snk
    snk = ltn12.sink.chain(table.unpack(kf))
  end
  local steps = 0
  call(label .. " pump.all", ltn12.pump.all, src, snk, function(a, b)
    steps = steps + 1
    if steps > 10000 then error("runaway pump") end
    return ltn12.pump.step(a, b)
  end)
  print(label .. " out: " .. show(t))
  flush(label)
  -- the same with filter.chain used directly, one call per chunk, then the end
  local fs = makeall(srcspecs .. "," .. snkspecs)
  if #fs > 0 then
    local f = ltn12.filter.chain(table.unpack(fs))
    local outs = {}
    local ok, err = pcall(function()
      for _, c in ipairs(chunks) do outs[#outs + 1] = f(c) end
      for _ = 1, 8 do
        local last = f(nil)
        outs[#outs + 1] = last
        if last == nil then break end
      end
    end)
    print(label .. " filter.chain: " .. show(outs) .. (ok and "" or " !! " .. H.errmsg(err)))
    flush(label)
  end
end

if arg[1] == "chain" then
  ltn12.BLOCKSIZE = tonumber(arg[4])
  local chunks = {}
  for i = 5, #arg do chunks[#chunks + 1] = H.unhex(arg[i]) end
  pipeline("prop", chunks, arg[2], arg[3])
  -- and a string source of the concatenation at this block size
  local src = ltn12.source.string(table.concat(chunks))
  local sizes = {}
  while true do
    local c = src()
    if not c then break end
    sizes[#sizes + 1] = #c
  end
  print("string sizes: " .. table.concat(sizes, ","))
  return
end

-- the module -----------------------------------------------------------------------------
print("module", show(ltn12))
print("global ltn12", rawget(_G, "ltn12"))
print("_VERSION", ltn12._VERSION, "BLOCKSIZE", show(ltn12.BLOCKSIZE))

-- sources --------------------------------------------------------------------------------
local function drain(label, src, max)
  local parts = {}
  for _ = 1, max or 20 do
    local r = table.pack(pcall(src))
    if not r[1] then parts[#parts + 1] = "!! " .. H.errmsg(r[2]) break end
    parts[#parts + 1] = results(table.unpack(r, 2, r.n))
    if r[2] == nil then break end
  end
  print(label .. ": " .. table.concat(parts, " | "))
end

drain("empty", ltn12.source.empty())
print("empty same function", ltn12.source.empty() == ltn12.source.empty())
drain("error", ltn12.source.error("boom"))
drain("error nil", ltn12.source.error())
drain("error table", ltn12.source.error({ code = 1 }))
for _, n in ipairs({ 0, 1, 5, 2047, 2048, 2049, 4096, 5000 }) do
  local src = ltn12.source.string(string.rep("x", n))
  local sizes = {}
  local last
  repeat
    last = table.pack(src())
    if last[1] then sizes[#sizes + 1] = #last[1] end
  until not last[1]
  print("string " .. n .. ": " .. table.concat(sizes, ",") .. " end " .. results(table.unpack(last, 1, last.n)))
end
drain("string nil", ltn12.source.string(nil))
drain("string false", ltn12.source.string(false))
drain("string number", ltn12.source.string(12345))
drain("string after end", (function()
  local s = ltn12.source.string("ab")
  s()
  s()
  return s
end)())
ltn12.BLOCKSIZE = 3
drain("string blocksize 3", ltn12.source.string("abcdefgh"))
ltn12.BLOCKSIZE = 2048
drain("table", ltn12.source.table({ "a", "", "b", nil, "c" }))
drain("table holes", ltn12.source.table({ [1] = "x", [3] = "z" }))
call("table nil", ltn12.source.table, nil)
call("table string", ltn12.source.table, "abc")

local tmp = os.tmpname()
local fh = assert(io.open(tmp, "wb"))
fh:write(string.rep("0123456789", 450))
fh:close()
local rf = assert(io.open(tmp, "rb"))
local fsrc = ltn12.source.file(rf)
local sizes = {}
while true do
  local c = fsrc()
  if not c then break end
  sizes[#sizes + 1] = #c
end
print("file sizes", table.concat(sizes, ","), io.type(rf))
drain("file nil", ltn12.source.file(nil))
drain("file nil msg", ltn12.source.file(nil, "no such file"))
drain("file false msg", ltn12.source.file(false, "nope"))

-- simplify: a source may answer (chunk, next source)
local function second() return "from-second" end
local seq = { { "one" }, { "two", second } }
local k = 0
local fancy = function()
  k = k + 1
  if seq[k] then return table.unpack(seq[k]) end
  return nil, "fancy-end"
end
drain("simplify", ltn12.source.simplify(fancy), 5)
k = 0
seq = { { nil, second } }
drain("simplify nil+src", ltn12.source.simplify(fancy), 3)
call("simplify nil", ltn12.source.simplify, nil)

-- rewind
local r = ltn12.source.rewind(ltn12.source.string("base"))
call("rewind push", r, "p1")
call("rewind push2", r, "p2")
drain("rewind", r, 6)
call("rewind nil", ltn12.source.rewind, nil)

-- cat
drain("cat", ltn12.source.cat(ltn12.source.string("a"), ltn12.source.empty(), ltn12.source.string("bc")))
drain("cat error", ltn12.source.cat(ltn12.source.string("a"), ltn12.source.error("e1"), ltn12.source.string("z")))
drain("cat none", ltn12.source.cat())

-- chain
drain("chain upper", ltn12.source.chain(ltn12.source.string("hello"), make("u")))
flush("chain upper")
drain("chain s2,d", ltn12.source.chain(ltn12.source.table({ "abc", "de" }), make("s2"), make("d")))
flush("chain s2,d")
drain("chain a", ltn12.source.chain(ltn12.source.table({ "abc", "de" }), make("a")))
flush("chain a")
drain("chain error", ltn12.source.chain(ltn12.source.cat(ltn12.source.string("x"), ltn12.source.error("E")), make("i")))
flush("chain error")
drain("chain n2", ltn12.source.chain(ltn12.source.table({ "a", "b", "c" }), make("n2")))
flush("chain n2")
local ends = 0
drain("chain end empty", ltn12.source.chain(ltn12.source.table({ "a" }), traced("z", function(c)
  if c then return c end
  ends = ends + 1
  return ends == 1 and "X" or ""
end)))
flush("chain end empty")
drain("chain nil filter later", ltn12.source.chain(ltn12.source.table({ "a" }), make("i"), nil, make("u")))
flush("chain nil filter later")
call("chain no filter", ltn12.source.chain, ltn12.source.empty())
local once = ltn12.source.chain(ltn12.source.empty(), make("i"))
drain("chain after end", once, 3)
flush("chain after end")

-- sinks ----------------------------------------------------------------------------------
local ts, tt = ltn12.sink.table()
print("sink.table returns", type(ts), show(tt))
call("table chunk", ts, "a")
call("table empty", ts, "")
call("table nil", ts, nil)
call("table nil err", ts, nil, "err")
call("table after end", ts, "b")
print("table contents", show(tt))
local mine = { "pre" }
local ts2, tt2 = ltn12.sink.table(mine)
ts2("x")
print("own table", tt2 == mine, show(mine))

call("null", ltn12.sink.null(), "x")
call("null nil", ltn12.sink.null(), nil, "e")
print("null same function", ltn12.sink.null() == ltn12.sink.null())
call("error", ltn12.sink.error("bad"), "x")
call("error nil", ltn12.sink.error(), "x")

local wf = assert(io.open(tmp, "wb"))
local fsk = ltn12.sink.file(wf)
call("file chunk", fsk, "hello ")
call("file chunk2", fsk, "world")
call("file end", fsk, nil)
print("file closed", io.type(wf))
local back = io.open(tmp, "rb")
print("file content", back:read("a"))
back:close()
call("file nil", ltn12.sink.file(nil), "x")
call("file nil msg", ltn12.sink.file(nil, "cannot"), "x")
os.remove(tmp)

-- simplify: a sink may answer (1, next sink)
local got = {}
local nextsink = function(c) got[#got + 1] = "next:" .. tostring(c) return 1 end
local first = function(c, e)
  got[#got + 1] = "first:" .. tostring(c) .. ":" .. tostring(e)
  if c == "swap" then return 1, nextsink end
  if c == "fail" then return nil, "first failed" end
  return "ok"
end
local ss = ltn12.sink.simplify(first)
call("simplify a", ss, "a")
call("simplify fail", ss, "fail")
call("simplify swap", ss, "swap", "e")
call("simplify after", ss, "b")
call("simplify nil", ltn12.sink.simplify, nil)
print("simplify log", table.concat(got, " "))

-- chain
local cs, ct = ltn12.sink.table()
local chained = ltn12.sink.chain(make("s2"), cs)
call("chain chunk", chained, "abcde")
call("chain empty", chained, "")
call("chain end", chained, nil)
print("chain out", show(ct))
flush("sink chain")
local cs2, ct2 = ltn12.sink.table()
local multi = ltn12.sink.chain(make("u"), make("a"), make("d"), cs2)
call("chain3 chunk", multi, "ab")
call("chain3 chunk", multi, "c")
call("chain3 end", multi, nil, "why")
print("chain3 out", show(ct2))
flush("sink chain3")
call("chain to error", ltn12.sink.chain(make("i"), ltn12.sink.error("full")), "x")
flush("sink chain error")
call("chain no sink", ltn12.sink.chain, make("i"))
local errs = {}
local errsink = function(c, e) errs[#errs + 1] = tostring(c) .. "/" .. tostring(e) return 1 end
local ce = ltn12.sink.chain(make("s1"), errsink)
call("chain err arg", ce, "xy", "passed")
call("chain err end", ce, nil, "passed-end")
print("chain err log", table.concat(errs, " "))
flush("sink chain err")

-- pumps ----------------------------------------------------------------------------------
local sources = {
  chunk = function() return "x" end,
  ["nil"] = function() return nil end,
  err = function() return nil, "srcerr" end,
  chunkerr = function() return "x", "weird" end,
  empty = function() return "" end,
}
local sinks = {
  one = function() return 1 end,
  ["nil"] = function() return nil end,
  err = function() return nil, "snkerr" end,
  str = function() return "yes" end,
  ["false"] = function() return false, "f" end,
}
local names = { "chunk", "nil", "err", "chunkerr", "empty" }
local knames = { "one", "nil", "err", "str", "false" }
for _, sn in ipairs(names) do
  for _, kn in ipairs(knames) do
    call("step " .. sn .. "/" .. kn, ltn12.pump.step, sources[sn], sinks[kn])
  end
end
local seen = {}
call("step passes", ltn12.pump.step, function() return nil, "E" end, function(c, e) seen[#seen + 1] = tostring(c) .. "," .. tostring(e) return 1 end)
print("step sink saw", table.concat(seen, " "))

local at, bt = ltn12.sink.table()
call("all string->table", ltn12.pump.all, ltn12.source.string(string.rep("y", 5000)), at)
print("all sizes", #bt, #bt[1], #bt[3])
call("all src error", ltn12.pump.all, ltn12.source.cat(ltn12.source.string("a"), ltn12.source.error("E")), ltn12.sink.null())
call("all sink error", ltn12.pump.all, ltn12.source.string("a"), ltn12.sink.error("K"))
call("all empty", ltn12.pump.all, ltn12.source.empty(), ltn12.sink.null())
local steps = 0
call("all custom step", ltn12.pump.all, ltn12.source.string("abc"), ltn12.sink.null(), function(src, snk)
  steps = steps + 1
  if steps < 3 then return 1 end
  return nil, steps == 3 and "custom" or nil
end)
call("all custom step clean", ltn12.pump.all, ltn12.source.empty(), ltn12.sink.null(), function() return false end)
call("all no sink", ltn12.pump.all, ltn12.source.empty())
call("all no source", ltn12.pump.all, nil, ltn12.sink.null())

-- filters --------------------------------------------------------------------------------
local cyc = ltn12.filter.cycle(function(ctx, chunk, extra)
  return (chunk or "END") .. "@" .. ctx .. extra, ctx + 1
end, 10, "!")
call("cycle 1", cyc, "a")
call("cycle 2", cyc, "b")
call("cycle nil", cyc, nil)
call("cycle no low", ltn12.filter.cycle, nil)
call("cycle returns 2", ltn12.filter.cycle(function(ctx) return "r", ctx, "extra" end, 0), "x")
call("chain none", ltn12.filter.chain)
call("chain none call", ltn12.filter.chain(), "x")
local one = ltn12.filter.chain(make("u"))
call("chain one", one, "ab")
call("chain one end", one, nil)
flush("filter chain one")
for _, specs in ipairs({ "s1,s2", "a,u", "u,a", "d,s3,a", "e,u", "c>,s2", "n2,u", "u,n2", "s2,n3,i", "a,a", "c+,c-" }) do
  pipeline("fixed " .. specs, { "abc", "", "de", "fghij" }, specs, "")
  pipeline("fixed sink " .. specs, { "abc", "de" }, "", specs)
end
