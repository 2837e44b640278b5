-- ltn12 with socket sources and sinks: socket.sink("keep-open" / "close-when-done" /
-- default), socket.source("by-length" / "until-closed" / default), pump.all between sockets
-- and strings / tables, filters on the way, the callable-table shape of socket sources and
-- sinks (getfd / dirty, usable in select), unknown modes.
local socket = require("socket")
local ltn12 = require("ltn12")
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

local srv = assert(socket.bind("127.0.0.1", 0))
local _, port = srv:getsockname()
srv:settimeout(2)
local function pair()
  local c = assert(socket.connect("127.0.0.1", tonumber(port)))
  local a = assert(srv:accept())
  c:settimeout(2)
  a:settimeout(2)
  return c, a
end

-- shapes
local k = socket.sink("keep-open", nil)
show("sink shape", type(k), type(k.getfd), type(k.dirty), type(getmetatable(k).__call))
show("source shape", type(socket.source("by-length", nil, 1)))
show("pcall unknown sink", pcall(function() return socket.sink("bogus") end))
show("pcall unknown source", pcall(function() return socket.source("bogus") end))
show("pcall http-chunked sink", pcall(function() return socket.sink("http-chunked") end))
show("pcall http-chunked source", pcall(function() return socket.source("http-chunked") end))

-- string -> keep-open sink: the socket stays open
local c, a = pair()
local body = string.rep("abcdefghij", 500) .. "\r\nend"
show("pump string->keep-open", ltn12.pump.all(ltn12.source.string(body), socket.sink("keep-open", c)))
show("client still open", c:getfd() ~= -1)
show("received", a:receive(#body) == body)
local ks = socket.sink("keep-open", c)
show("keep-open sink chunk", ks("xy"))
show("keep-open sink end", ks(nil))
show("keep-open sink error arg", ks(nil, "some error"))
show("received xy", a:receive(2))
show("sink getfd matches", ks.getfd() == c:getfd(), ks.dirty())

-- default sink is keep-open
local ds = socket.sink(c)
show("default sink chunk", ds("dd"))
show("default sink end", ds(nil))
show("received dd", a:receive(2))

-- close-when-done: closes at the end
local cs = socket.sink("close-when-done", c)
show("close-when-done chunk", cs("last"))
show("close-when-done end", cs(nil))
show("client closed", c:getfd())
show("received last + close", a:receive("*a"))
a:close()

-- by-length source: exactly n bytes, chunked by BLOCKSIZE
c, a = pair()
c:send(string.rep("x", 5000) .. "TAIL")
local t = {}
show("pump by-length->table", ltn12.pump.all(socket.source("by-length", a, 5000), (ltn12.sink.table(t))))
local sizes = {}
for i, chunk in ipairs(t) do sizes[i] = #chunk end
show("chunk sizes", table.concat(sizes, ","))
show("rest", a:receive(4))
local bl = socket.source("by-length", a, 3)
c:send("ab")
a:settimeout(0.1)
show("by-length short then timeout", bl())
show("by-length again", bl())
c:send("c")
show("by-length after more data", bl())
a:settimeout(2)
local zero = socket.source("by-length", a, 0)
show("by-length 0", zero())

-- until-closed source: everything until the peer closes, then the socket is closed
c:send(string.rep("y", 3000))
c:send("end")
c:close()
local chunks = {}
show("pump until-closed->table", ltn12.pump.all(socket.source("until-closed", a), (ltn12.sink.table(chunks))))
sizes = {}
for i, chunk in ipairs(chunks) do sizes[i] = #chunk end
show("until-closed sizes", table.concat(sizes, ","), table.concat(chunks):sub(-5))
show("server side closed after", a:getfd())

-- default source is until-closed
c, a = pair()
c:send("one two")
c:close()
local src = socket.source(a)
show("default source 1", src())
show("default source 2", src())
show("default source 3", src())

-- socket -> filter -> socket
c, a = pair()
local c2, a2 = pair()
c:send("hello\nworld\n")
c:close()
local upper = function(chunk) return chunk and chunk:upper() end
show("pump socket->upper->socket", ltn12.pump.all(
  socket.source("until-closed", a),
  ltn12.sink.chain(upper, socket.sink("close-when-done", c2))))
show("relayed", a2:receive("*a"))
a2:close()

-- a sink whose socket fails: the pump stops with the error
c, a = pair()
a:close()
socket.sleep(0.05)
c:send("x")
socket.sleep(0.05)
show("pump to dead peer", ltn12.pump.all(ltn12.source.string(string.rep("z", 10000)), socket.sink("keep-open", c)))
c:close()

-- a source on a closed socket
show("until-closed on closed", socket.source("until-closed", c)())
show("by-length on closed", socket.source("by-length", c, 4)())

-- socket sources and sinks in select
c, a = pair()
local s2 = socket.source("until-closed", a)
c:send("ready")
socket.sleep(0.05)
local R = socket.select({ s2 }, nil, 1)
show("source in select", #R, R[1] == s2)
local W = select(2, socket.select(nil, { socket.sink("keep-open", c) }, 1))
show("sink in select", #W)
c:close()
a:close()
srv:close()
