-- socket.dns on loopback literals (no network lookups), the namespace's keys and constants,
-- skip / sleep / gettime, socket.bind / socket.connect helpers on loopback.
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
local function dump(v)
  if type(v) ~= "table" then return fmt(v) end
  local keys = {}
  for k in pairs(v) do keys[#keys + 1] = k end
  table.sort(keys, function(a, b) return tostring(a) < tostring(b) end)
  local parts = {}
  for _, k in ipairs(keys) do parts[#parts + 1] = tostring(k) .. "=" .. dump(v[k]) end
  return "{" .. table.concat(parts, ",") .. "}"
end

-- namespace
local keys = {}
for k, v in pairs(socket) do keys[#keys + 1] = k .. ":" .. type(v) end
table.sort(keys)
print("socket keys: " .. table.concat(keys, " "))
keys = {}
for k, v in pairs(socket.dns) do keys[#keys + 1] = k .. ":" .. type(v) end
table.sort(keys)
print("dns keys: " .. table.concat(keys, " "))
-- Debian's 3.1.0 build says "LuaSocket 3.0.0"; ours says 3.1.0 (documented): compare the name only
show("_VERSION", (socket._VERSION:match("^LuaSocket %d")))
show("constants", socket._SETSIZE, socket._DATAGRAMSIZE, socket.BLOCKSIZE, socket._SOCKETINVALID)
show("number types", math.type(socket._SETSIZE), math.type(socket._DATAGRAMSIZE), math.type(socket._SOCKETINVALID))
show("global socket", rawget(_G, "socket"))
show("socket.core", type(package.loaded["socket.core"]))

-- dns
local ip, info = socket.dns.toip("127.0.0.1")
show("toip", ip, type(info), type(info.name), type(info.alias), dump(info.ip))
show("getaddrinfo 127.0.0.1", dump(socket.dns.getaddrinfo("127.0.0.1")))
show("getaddrinfo ::1", dump(socket.dns.getaddrinfo("::1")))
show("getaddrinfo empty", socket.dns.getaddrinfo(""))
local name, hinfo = socket.dns.tohostname("127.0.0.1")
show("tohostname", type(name), type(hinfo), dump(hinfo and hinfo.ip))
local names, serv = socket.dns.getnameinfo("127.0.0.1")
show("getnameinfo host", type(names), type(names and names[1]), serv)
names, serv = socket.dns.getnameinfo(nil, 80)
show("getnameinfo service", type(names), type(serv))
show("gethostname", type(socket.dns.gethostname()))
show("pcall toip no arg", pcall(function() return socket.dns.toip() end))
show("pcall getaddrinfo table", pcall(function() return socket.dns.getaddrinfo({}) end))

-- misc functions
show("skip 1", socket.skip(1, "a", "b", "c"))
show("skip 0", socket.skip(0, "a", "b"))
show("skip past end", socket.skip(5, "a"))
show("skip 2 with nils", socket.skip(2, nil, nil, nil, "d"))
show("pcall skip", pcall(function() return socket.skip() end))
show("sleep", socket.sleep(0.01))
show("sleep 0", socket.sleep(0))
show("pcall sleep string", pcall(function() return socket.sleep("x") end))
local now = socket.gettime()
show("gettime", math.type(now), math.abs(now - os.time()) < 5)

-- bind / connect helpers
local srv = assert(socket.bind("127.0.0.1", 0))
show("bind", srv, srv:getfamily())
local sip, sport, sfam = srv:getsockname()
show("bound address", sip, sfam)
show("reuseaddr set by bind", srv:getoption("reuseaddr"))
local c = socket.connect("127.0.0.1", tonumber(sport))
show("connect", c, c:getfamily())
local pip, pport, pfam = c:getpeername()
show("peer", pip, pport == tonumber(sport), math.type(pport), pfam)
local a = srv:accept()
local aip, aport, afam = a:getpeername()
show("accepted peer", aip, afam, math.type(aport))
a:close()
c:close()
local c4 = socket.connect4("127.0.0.1", tonumber(sport))
show("connect4", c4, c4 and c4:getfamily())
if c4 then c4:close() end
local withlocal = socket.connect("127.0.0.1", tonumber(sport), "127.0.0.1", 0)
show("connect with local address", withlocal, withlocal and (withlocal:getsockname()))
if withlocal then withlocal:close() end
srv:close()
show("connect refused", socket.connect("127.0.0.1", tonumber(sport)))
local busy = assert(socket.bind("127.0.0.1", 0))
local _, busyport = busy:getsockname()
local t = socket.tcp()
show("bind busy port", t:bind("127.0.0.1", tonumber(busyport)))
t:close()
busy:close()
show("bind *", socket.bind("*", 0):getfamily())
local srv6 = socket.bind("::1", 0)
if srv6 then
  show("bind ::1", srv6:getfamily(), (srv6:getsockname()))
  local _, p6 = srv6:getsockname()
  local c6 = socket.connect("::1", tonumber(p6))
  show("connect ::1", c6 and c6:getfamily(), c6 and (c6:getpeername()))
  if c6 then c6:close() end
  srv6:close()
else
  print("no ::1")
end
show("tcp6", socket.tcp6(), socket.tcp6():getfamily())
show("tcp4", socket.tcp4(), socket.tcp4():getfamily())
