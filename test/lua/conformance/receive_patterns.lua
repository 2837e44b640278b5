-- receive patterns: *l (every CR dropped), *a, counts, prefixes, partial results on
-- timeout and on close, receive(0), invalid patterns, binary data, a local close.
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

local srv = assert(socket.bind("127.0.0.1", 0))
local _, port = srv:getsockname()
local c = assert(socket.connect("127.0.0.1", tonumber(port)))
srv:settimeout(2)
local a = assert(srv:accept())
a:settimeout(0.1)
c:settimeout(2)

show("send", c:send("hello\r\nwor\rld\n\r\r\nx\ry"))
show("*l", a:receive())
show("*l explicit", a:receive("*l"))
show("*line", a:receive("*line"))
show("*l partial timeout", a:receive("*l"))
show("*l prefix timeout", a:receive("*l", "pre\r"))
show("dirty", a:dirty())
c:send("abc\r\n")
show("*l prefix", a:receive("*l", "pre-"))
c:send("0123456789")
show("3", a:receive(3))
show("'3' string", a:receive("3"))
show("2 prefix ab", a:receive(2, "ab"))
show("4 prefix 87654321", a:receive(4, "87654321"))
show("dirty after", a:dirty())
show("5 with 2 left", a:receive(5, "<"))
show("0 empty", a:receive(0))
show("2.9", a:receive(2.9))
show("*a timeout", a:receive("*a", "P"))
c:send("89")
show("1.0", a:receive(1.0))
show("'1'", a:receive("1"))

-- invalid patterns
show("pcall 'l'", pcall(function() return a:receive("l") end))
show("pcall 'a' via field", pcall(a.receive, a, "a"))
show("pcall -1", pcall(function() return a:receive(-1) end))
show("pcall table", pcall(function() return a:receive({}) end))
show("pcall *x", pcall(function() return a:receive("*x") end))
show("pcall '' ", pcall(function() return a:receive("") end))

-- all 256 byte values
local bytes = {}
for i = 0, 255 do bytes[#bytes + 1] = string.char(i) end
bytes = table.concat(bytes)
show("send bytes", c:send(bytes .. bytes))
local got = a:receive(512)
show("bytes roundtrip", got == bytes .. bytes, #got)

-- a large payload, then close: *a succeeds
local big = string.rep("0123456789abcdef", 4096)
a:settimeout(2)
show("send big", c:send(big .. "\r\nend\r"))
c:close()
local all = a:receive("*a", "P:")
show("*a big", #all, all:sub(1, 4), all:sub(-6), all == "P:" .. big .. "\r\nend\r")
show("*a after close", a:receive("*a"))
show("*a after close prefix", a:receive("*a", "pp"))
show("*l after close", a:receive())
show("*l prefix after close", a:receive("*l", "q"))
show("0 after close", a:receive(0))
show("3 after close", a:receive(3, "ab"))
show("3 prefix longer", a:receive(3, "abcd"))

-- partial *l at close: CRs are dropped from the partial too
local srv2c = assert(socket.connect("127.0.0.1", tonumber(port)))
local a2 = assert(srv:accept())
a2:settimeout(2)
srv2c:send("li\rne\r\nno\rend\r")
srv2c:close()
show("*l then close", a2:receive())
show("*l partial at close", a2:receive())
show("count partial at close", a2:receive(10))

-- a local close
show("close", a:close())
show("close again", a:close())
show("receive after local close", a:receive())
show("receive n after local close", a:receive(5, "pre"))
show("dirty after close", a:dirty())
a2:close()
srv:close()
