-- send(data, i, j): string.sub-like ranges, out-of-range indices, empty sends, what the
-- peer receives, numbers as data, bad arguments, sending after the peer closed.
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
a:settimeout(0.05)

-- what arrives for each send: everything readable now
local function arrived()
  local data, err, partial = a:receive("*a")
  return data or partial
end

local cases = {
  {}, { 1 }, { 3 }, { 3, -2 }, { -3 }, { -3, -2 }, { 0 }, { 0, 0 }, { -100 }, { -100, 2 }, { 2, 100 },
  { 5, 2 }, { 4, 4 }, { 8 }, { 9 }, { 10 }, { 100, 200 }, { -100, -50 }, { 1, -9 }, { 1, 0 },
  { 2.0, 3.0 }, { "2", "4" }, { nil, 3 }, { 3, nil },
}
for _, ij in ipairs(cases) do
  local label = "send(12345678, " .. tostring(ij[1]) .. ", " .. tostring(ij[2]) .. ")"
  show(label, c:send("12345678", ij[1], ij[2]))
  show("  arrived", arrived())
end
show("send empty", c:send(""))
show("send empty 1 0", c:send("", 1, 0))
show("send empty 5", c:send("", 5))
show("send hello 10", c:send("hello", 10))
show("send number", c:send(123.5))
show("  arrived", arrived())
show("send integer", c:send(42))
show("  arrived", arrived())
show("send NUL", c:send("a\0b"))
show("  arrived", arrived())
show("pcall send table", pcall(function() return c:send({}) end))
show("pcall send nil", pcall(function() return c:send() end))
show("pcall send bad i", pcall(function() return c:send("abc", "x") end))
show("pcall send 1.5", pcall(function() return c:send("abc", 1.5) end))
show("pcall server send", pcall(function() return srv:send("x") end))

-- stats count what was sent and received
local r, s, age = c:getstats()
show("client stats", r, s, type(age))
r, s = a:getstats()
show("server-side stats", r, s)
show("setstats", a:setstats(1, 2, 0))
r, s = a:getstats()
show("after setstats", r, s)

-- after the peer closed: the first send may still go out, later ones fail with closed
c:close()
show("receive sees close", a:receive())
a:send("x")
socket.sleep(0.1)
local results = {}
for i = 1, 3 do
  local n, err, last = a:send("more")
  results[#results + 1] = tostring(n) .. "/" .. tostring(err) .. "/" .. tostring(last)
end
show("sends after peer close", table.concat(results, " "))
show("send on closed client", c:send("x"))
show("send ranged on closed client", c:send("abcdef", 2, 4))
a:close()
srv:close()
