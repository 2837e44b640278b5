-- lsocket-echo.lua: an echo server and its client in one script, with lsocket.
-- lsocket never blocks (but in select and name lookups): connect returns while still
-- connecting, accept / recv give false when nothing is there, and lsocket.select waits.
--
--   luasock run examples/lsocket-echo.lua
local lsocket = require "lsocket"

local TIMEOUT = 5 -- seconds, for every select

local function waitReadable(sock)
  assert(lsocket.select({ sock }, TIMEOUT), "timed out waiting to read")
end

-- recv returns what has arrived: collect until n bytes are there
local function receive(sock, n)
  local got = ""
  while #got < n do
    waitReadable(sock)
    local data, err = sock:recv()
    if data == nil then error(err or "closed by the peer") end
    if data then got = got .. data end -- false: nothing yet
  end
  return got
end

-- send writes what fits now: send the rest when the socket is writable again
local function sendAll(sock, data)
  while #data > 0 do
    local n, err = sock:send(data)
    if n == nil then error(err) end
    if n then data = data:sub(n + 1) end
    if #data > 0 then assert(lsocket.select(nil, { sock }, TIMEOUT), "timed out waiting to write") end
  end
end

local server = assert(lsocket.bind("127.0.0.1", 0)) -- tcp, listening at once
local where = server:info("socket")
print(("server: listening on %s:%d (%s)"):format(where.addr, where.port, lsocket._VERSION))

local client = assert(lsocket.connect("127.0.0.1", where.port))
assert(lsocket.select(nil, { client }, TIMEOUT), "connect timed out") -- writable: connected or failed
assert(client:status()) -- true, or nil + the connect's error
waitReadable(server) -- a connection is pending
local conn, peer, peerPort = server:accept()
print(("server: accepted %s:%d"):format(peer, peerPort))

for _, message in ipairs { "hello", "lsocket is almost non-blocking" } do
  sendAll(client, message)
  local request = receive(conn, #message)
  sendAll(conn, request) -- the echo
  print(("client: sent %q, got back %q"):format(message, receive(client, #message)))
end

client:close()
waitReadable(conn)
print(("server: recv after the client closed gives %s (end of stream)"):format(tostring(conn:recv())))
conn:close()
server:close()
