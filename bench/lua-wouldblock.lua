-- Would-block calls on settimeout(0) sockets (LuaSocket's `nil, "timeout"`): µs per call of a TCP
-- receive("*l") with nothing buffered, an accept with nothing pending, a UDP receive / receivefrom
-- with nothing queued, 20,000 calls each after a warm-up. Run it under each and compare:
--   lua5.4 bench/lua-wouldblock.lua
--   node dist/src/cli/luasock.js run bench/lua-wouldblock.lua
--   node dist/src/cli/luasock.js run --worker bench/lua-wouldblock.lua
local socket = require "socket"
local server = assert(socket.bind("127.0.0.1", 0))
local _, port = server:getsockname()
local client = assert(socket.connect("127.0.0.1", port))
local conn = assert(server:accept())
conn:settimeout(0)
server:settimeout(0)
local u = assert(socket.udp())
assert(u:setsockname("127.0.0.1", 0))
u:settimeout(0)
local N = 20000
local function time(name, f)
  for i = 1, 1000 do f() end
  local t0 = socket.gettime()
  local a, b
  for i = 1, N do a, b = f() end
  print(string.format("%-22s %7.2f us per call  %s %s", name, (socket.gettime() - t0) / N * 1e6, tostring(a), tostring(b)))
end
time("tcp receive('*l')", function() return conn:receive("*l") end)
time("tcp accept()", function() return server:accept() end)
time("udp receive()", function() return u:receive() end)
time("udp receivefrom()", function() return u:receivefrom() end)
