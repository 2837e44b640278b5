-- socket.select: readable / writable tables indexed both ways (t[i] = sock, t[sock] = i),
-- the timeout result, nil and empty inputs, closed sockets ignored, dirty sockets first,
-- servers readable when a connection is pending, argument errors.
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
local names = {}
-- a select result table: its array part by name, its reverse keys by name, sorted
local function tab(t)
  if type(t) ~= "table" then return fmt(t) end
  local list, rev, other = {}, {}, 0
  for k, v in pairs(t) do
    if type(k) == "number" then list[#list + 1] = k .. "=" .. (names[v] or fmt(v))
    elseif names[k] then rev[#rev + 1] = names[k] .. "=" .. fmt(v)
    else other = other + 1 end
  end
  table.sort(list)
  table.sort(rev)
  return "{" .. table.concat(list, ",") .. "; " .. table.concat(rev, ",") .. (other > 0 and "; +" .. other or "") .. "}"
end
local function sel(label, r, w, t)
  local t0 = socket.gettime()
  local R, W, err = socket.select(r, w, t)
  local dt = socket.gettime() - t0
  print(label .. ": " .. tab(R) .. " " .. tab(W) .. " " .. fmt(err) .. (dt > math.max(t or 0, 0) + 0.5 and " SLOW" or ""))
end

local srv = assert(socket.bind("127.0.0.1", 0))
local _, port = srv:getsockname()
names[srv] = "srv"
sel("server idle", { srv }, nil, 0.05)
local c1 = assert(socket.connect("127.0.0.1", tonumber(port)))
local c2 = assert(socket.connect("127.0.0.1", tonumber(port)))
names[c1], names[c2] = "c1", "c2"
socket.sleep(0.05)
sel("server pending", { srv }, nil, 1)
srv:settimeout(1)
local a1 = assert(srv:accept())
local a2 = assert(srv:accept())
names[a1], names[a2] = "a1", "a2"
sel("nothing to read", { a1, a2 }, nil, 0.1)
sel("writable", nil, { c1, c2 }, 1)
sel("writable empty read table", {}, { c1 }, 0)
c2:send("x\ny")
socket.sleep(0.05)
sel("a2 readable", { a1, a2 }, { c1 }, 1)
sel("repeated entries", { a2, a2, a1 }, nil, 1)
show("receive line", a2:receive())
show("a2 dirty", a2:dirty())
sel("dirty first, a2 has y buffered", { a1, srv, a2 }, nil, 5)
c1:send("z")
socket.sleep(0.05)
sel("dirty first, then the readable", { a1, srv, a2 }, nil, 5)
show("drain a1", a1:receive(1))
a2:receive(1)
sel("after draining", { a1, a2 }, nil, 0)
sel("timeout 0 nothing", { a1 }, nil, 0)
sel("negative timeout with data", { a1, a2, srv }, { c1 }, -1)
-- closed peer: readable (receive gives closed)
c1:close()
socket.sleep(0.05)
sel("peer closed is readable", { a1, a2 }, nil, 1)
show("receive", a1:receive())
-- closed sockets are ignored
sel("closed socket ignored", { c1 }, { c1 }, 0)
sel("closed + live", { c1, a1 }, nil, 1)
-- keys that are not sockets
sel("non-socket entries", { "x", {}, a1 }, nil, 0)
sel("a hole ends the list", { [1] = a2, [3] = a1 }, nil, 0)
show("pcall select number", pcall(function() return socket.select(5) end))
show("pcall select string write", pcall(function() return socket.select({}, "x", 0) end))
show("select nil nil 0", socket.select(nil, nil, 0))
local R, W, e = socket.select({}, {}, 0.01)
show("empty tables", type(R), next(R), type(W), next(W), e)
-- objects with getfd and dirty of their own (as socket.sink / source tables do)
local fake = { getfd = function() return a2:getfd() end, dirty = function() return true end }
names[fake] = "fake"
sel("object with dirty()", { fake }, nil, 1)
local fake2 = setmetatable({}, { __index = { getfd = function() return -1 end, dirty = function() return false end } })
names[fake2] = "fake2"
sel("object with fd -1", { fake2, a2 }, nil, 0)
for _, s in ipairs({ a1, a2, c2, srv }) do s:close() end
