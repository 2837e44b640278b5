-- select-client.lua: sends each argument as a line to select-server.lua and prints the replies.
--
--   luasock run examples/select-client.lua port [line ...]
local socket = require "socket"

local port = assert(tonumber(arg[1]), "usage: select-client.lua port [line ...]")
local client = assert(socket.connect("127.0.0.1", port))
client:settimeout(5) -- at most 5 s per wait
for i = 2, #arg do
  assert(client:send(arg[i] .. "\n"))
  print(("%s -> %s"):format(arg[i], assert(client:receive("*l"))))
end
assert(client:send("bye\n"))
print(("bye -> %s"):format(assert(client:receive("*l"))))
client:close()
