-- Many lines at once, then other patterns and calls in between: what a reader that serves
-- *l receives from a batch must never change (dirty, getstats, select order, prefixes, CRs,
-- a partial last line, counts, *a).
local socket = require "socket"
local srv = assert(socket.bind("127.0.0.1", 0))
local _, port = srv:getsockname()
local c = assert(socket.connect("127.0.0.1", tonumber(port)))
local a = assert(srv:accept())
a:settimeout(1)

local function show(label, ...)
  local out = {}
  for i = 1, select("#", ...) do
    local v = select(i, ...)
    out[#out + 1] = type(v) == "string" and string.format("%q", v) or tostring(v)
  end
  print(label .. ": " .. table.concat(out, " | "))
end

local lines = {}
for i = 1, 300 do lines[#lines + 1] = ("line %03d%s"):format(i, i % 7 == 0 and "\r" or "") end
c:send(table.concat(lines, "\n") .. "\npartial")
socket.sleep(0.1)
for i = 1, 3 do show("line " .. i, a:receive()) end
show("dirty after 3 lines", a:dirty())
show("stats after 3 lines", (a:getstats()))
show("prefixed", a:receive("*l", "pre:"))
show("number prefix", a:receive("*l", 12))
show("7 bytes", a:receive(7))
show("line after count", a:receive("*l"))
for i = 1, 5 do a:receive() end
local r = socket.select({ c, a }, nil, 0)
show("select: a ready", r[a] ~= nil, #r)
show("with CR", a:receive())
local count = 0
while true do
  local l, err, partial = a:receive()
  if not l then show("end of lines", err, partial) break end
  count = count + 1
end
show("lines read in the loop", count)
c:send(" more\nlast\n")
c:shutdown("send")
show("after partial", a:receive())
show("all", a:receive("*a"))
show("closed", a:receive())
show("final stats", (a:getstats()))
a:close()
c:close()
srv:close()
