-- socket.try / socket.newtry / socket.protect: values passed through, finalizers, the
-- error object, protect returning nil + err, other errors passing through protect unchanged,
-- and try with real socket results.
local socket = require("socket")
local function fmt(v)
  if type(v) == "string" then
    return '"' .. v:gsub('[%c"\\\128-\255]', function(c) return "\\" .. c:byte() end) .. '"'
  end
  return (tostring(v):gsub(": 0x%x+$", ""))
end
local function show(label, ...)
  local parts = {}
  for i = 1, select("#", ...) do parts[i] = fmt((select(i, ...))) end
  print(label .. " [" .. select("#", ...) .. "] " .. table.concat(parts, " | "))
end
-- what try raised: the error value's type, its fields sorted, and its metatable's presence
local function caught(label, f, ...)
  local ok, e = pcall(f, ...)
  if ok then return show(label .. " ok", e) end
  if type(e) ~= "table" then return show(label .. " raised", e) end
  local keys = {}
  for k, v in pairs(e) do keys[#keys + 1] = fmt(k) .. "=" .. fmt(v) end
  table.sort(keys)
  show(label .. " raised table", table.concat(keys, ","), getmetatable(e) ~= nil)
end

show("try passes all", socket.try(1, 2, nil, "x"))
show("try string", socket.try("ok"))
show("try true", socket.try(true))
caught("try nil err", socket.try, nil, "boom")
caught("try false err", socket.try, false, "boom")
caught("try nil no err", socket.try, nil)
caught("try nil table err", socket.try, nil, { code = 7 })
caught("try nil number err", socket.try, nil, 42)
caught("try no args", socket.try)

-- newtry: the finalizer runs (unprotected) before the error is raised
local log = {}
local t = socket.newtry(function(...) log[#log + 1] = "finalizer(" .. select("#", ...) .. ")" end)
show("newtry passes", t(1, "a"))
caught("newtry fails", t, nil, "oops")
show("finalizer log", table.concat(log, " "))
local t2 = socket.newtry(function() error("finalizer blew up", 0) end)
caught("newtry finalizer error", t2, nil, "oops")
local t3 = socket.newtry()
caught("newtry without finalizer", t3, nil, "plain")
show("newtry without finalizer passes", t3(5))

-- protect
local p = socket.protect(function(a, b)
  local x = socket.try(a, b)
  return "got", x
end)
show("protect ok", p(1, "unused"))
show("protect try failed", p(nil, "the reason"))
show("protect try failed no err", p(nil))
show("protect try failed table err", p(false, { 1 }))
local p2 = socket.protect(function() error("not a try error", 0) end)
show("protect other string error", pcall(p2))
local p3 = socket.protect(function() error({ code = 1 }) end)
local ok, e = pcall(p3)
show("protect other table error", ok, type(e), type(e) == "table" and e.code)
local p4 = socket.protect(function() local x = nil; return x.field end)
ok, e = pcall(p4)
show("protect runtime error", ok, type(e), type(e) == "string" and e:match("attempt to index a nil value") ~= nil)
local p5 = socket.protect(function(...) return select("#", ...), ... end)
show("protect passes args", p5("a", nil, "c"))
show("protect no results", socket.protect(function() end)())
-- nested: an inner protect catches the inner try, the outer try sees nil + err
local inner = socket.protect(function() socket.try(nil, "inner") end)
local outer = socket.protect(function()
  local r, err = inner()
  return socket.try(r, "outer saw " .. tostring(err))
end)
show("nested", outer())
-- protect around a coroutine yielding inside
local co = coroutine.wrap(socket.protect(function(x)
  local y = coroutine.yield(x + 1)
  socket.try(y ~= "fail", "failed after yield")
  return "done", y
end))
show("protect yield 1", co(1))
show("protect yield 2", co("fail"))

-- with socket results
local srv = assert(socket.bind("127.0.0.1", 0))
local _, port = srv:getsockname()
srv:settimeout(0.05)
local accept = socket.protect(function() return socket.try(srv:accept()) end)
show("protected accept timeout", accept())
local fetch = socket.protect(function()
  local c = socket.try(socket.connect("127.0.0.1", tonumber(port)))
  local cleanup = socket.newtry(function() c:close() end)
  local a = cleanup(srv:accept())
  cleanup(c:send("line\n"))
  local l = cleanup(a:receive())
  a:close()
  c:close()
  cleanup(c:send("x"))
  return l
end)
show("protected conversation", fetch())
srv:close()
local refused = socket.protect(function() return socket.try(socket.connect("127.0.0.1", tonumber(port))) end)
show("protected connect refused", refused())
