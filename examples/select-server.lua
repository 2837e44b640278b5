-- select-server.lua: one Lua thread serves many clients with socket.select (LuaSocket).
-- Each line a client sends comes back upper-cased; "bye" ends that client's session.
--
--   luasock run examples/select-server.lua [port [sessions]]
--
-- port: default 0 (any free port; the first line printed says which). sessions: stop after
-- that many clients have left (default: serve forever). Runs unchanged under lua5.4 + LuaSocket.
local socket = require "socket"

local port = tonumber(arg[1]) or 0
local sessions = tonumber(arg[2])
io.stdout:setvbuf("line") -- stdout is a pipe under a test: print each line at once

local server = assert(socket.bind("127.0.0.1", port))
server:settimeout(0) -- select says when accept will not wait
local ip, boundPort = server:getsockname()
print(("listening on %s:%d"):format(ip, boundPort))

local clients, connected = {}, 0 -- socket -> { name = ..., partial = ... }
local served = 0

local function drop(client, why)
  print(("%s %s"):format(clients[client].name, why))
  clients[client] = nil
  connected = connected - 1
  client:close()
  served = served + 1
end

while sessions == nil or served < sessions do
  local watch = { server }
  for client in pairs(clients) do watch[#watch + 1] = client end
  local readable = socket.select(watch, nil) -- no timeout: wait until one is ready
  for _, s in ipairs(readable) do
    if s == server then
      local client = server:accept()
      if client then
        client:settimeout(0) -- never block: select tells us when there is something
        local peerIp, peerPort = client:getpeername()
        clients[client] = { name = ("%s:%d"):format(peerIp, peerPort), partial = "" }
        connected = connected + 1
        print(("%s connected (%d connected now)"):format(clients[client].name, connected))
      end
    elseif clients[s] then
      local state = clients[s]
      -- what was received before a "timeout" comes back as partial: keep it as the prefix
      local line, err, partial = s:receive("*l", state.partial)
      if line == "bye" then
        s:send("BYE\n")
        drop(s, "said bye")
      elseif line then
        state.partial = ""
        s:send(line:upper() .. "\n")
      elseif err == "timeout" then
        state.partial = partial -- an incomplete line: wait for the rest
      else
        drop(s, "left: " .. err)
      end
    end
  end
end

server:close()
print(("served %d clients, bye"):format(served))
