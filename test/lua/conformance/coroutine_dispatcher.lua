-- A copas-style dispatcher: non-blocking sockets (settimeout(0)), one coroutine per
-- connection that yields on "timeout", socket.select waking the right coroutines. Three
-- clients talk to one server in the same script.
local socket = require "socket"
local server = assert(socket.bind("127.0.0.1", 0))
server:settimeout(0)
local _, port = server:getsockname()

local waiting = {}   -- socket -> coroutine
local log = {}

local function handler(conn, id)
  conn:settimeout(0)
  local got = {}
  while true do
    local line, err, partial = conn:receive("*l")
    if line then
      got[#got + 1] = line
      if line == "bye" then break end
      conn:send(("%d:%s\n"):format(id, line:upper()))
    elseif err == "timeout" then
      waiting[conn] = coroutine.running()
      coroutine.yield()
    else
      log[#log + 1] = ("handler %d: %s (%q)"):format(id, err, partial)
      break
    end
  end
  log[#log + 1] = ("handler %d got %d lines: %s"):format(id, #got, table.concat(got, ","))
  conn:close()
end

local clients = {}
for i = 1, 3 do
  local c = assert(socket.connect("127.0.0.1", tonumber(port)))
  c:settimeout(2)
  clients[i] = c
end

local accepted = 0
local function step()
  local reading = { server }
  for s in pairs(waiting) do reading[#reading + 1] = s end
  local ready = socket.select(reading, nil, 0.5)
  for _, s in ipairs(ready) do
    if s == server then
      local conn = server:accept()
      if conn then
        accepted = accepted + 1
        local co = coroutine.create(handler)
        assert(coroutine.resume(co, conn, accepted))
      end
    else
      local co = waiting[s]
      waiting[s] = nil
      assert(coroutine.resume(co))
    end
  end
end

-- steps until every client has its answer (bounded), so the output does not depend on timing
local function settle()
  for _ = 1, 200 do
    local r = socket.select(clients, nil, 0)
    if #r == #clients then return end
    step()
  end
end

for round = 1, 3 do
  for i, c in ipairs(clients) do c:send(("hello %d from %d\n"):format(round, i)) end
  settle()
  for i, c in ipairs(clients) do print("client " .. i .. " <- " .. tostring(c:receive("*l"))) end
end
for _, c in ipairs(clients) do c:send("bye\n") end
for _ = 1, 200 do if #log == 3 then break end step() end
table.sort(log)
for _, l in ipairs(log) do print(l) end
for _, c in ipairs(clients) do print("client sees", c:receive("*l")) c:close() end
server:close()
