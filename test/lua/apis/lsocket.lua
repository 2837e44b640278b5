-- lsocket 1.4.1 as its README describes it, run under `luasock run`: a server and its
-- clients in one script over 127.0.0.1, ::1, a unix path and an abstract @name, TCP and UDP,
-- every function and method of the README, with lsocket's return conventions (false =
-- would block, nil = end of stream, nil + message = error), binary data, info / status /
-- resolve / getinterfaces. Sockets never block: the script waits with lsocket.select (for
-- writing after connect, then status(); for reading before accept / recv). Expected output:
-- lsocket.expected (spec/reference-semantics.md section 2, docs/api/lsocket.md).
--
-- arg[1]: a directory for the unix socket (default /tmp).
local lsocket = require "lsocket"

local dir = arg[1] or "/tmp"

-- ---- printing ------------------------------------------------------------------------------

local names = {} -- socket -> name, port -> name
local function fmt(v)
  if names[v] then return names[v] end
  local t = type(v)
  if t == "string" then return (string.format("%q", v):gsub("\\\n", "\\n")) end
  if t == "userdata" then return (tostring(v):gsub("0x%x+$", "0x?")) end
  if t == "table" then
    local keys = {}
    for k in pairs(v) do keys[#keys + 1] = k end
    table.sort(keys, function(a, b) return tostring(a) < tostring(b) end)
    local parts = {}
    for _, k in ipairs(keys) do
      local x = v[k]
      local s
      if k == "fd" and math.type(x) == "integer" and x >= 0 then s = "<fd>"
      elseif k == "port" and names[x] == nil and math.type(x) == "integer" and x > 0 then s = "<port>"
      else s = fmt(x) end
      parts[#parts + 1] = tostring(k) .. "=" .. s
    end
    return "{" .. table.concat(parts, ", ") .. "}"
  end
  return tostring(v)
end
local function say(label, ...)
  local parts = {}
  for i = 1, select("#", ...) do parts[i] = fmt((select(i, ...))) end
  print(label .. " [" .. select("#", ...) .. "] " .. table.concat(parts, ", "))
end
-- errors raised by lsocket (argument checks): the message without the script position
local function raises(label, f, ...)
  local ok, err = pcall(f, ...)
  print(label .. " raises: " .. (ok and "(nothing)" or (tostring(err):gsub("^[^:]+:%d+: ", ""))))
end
-- "Operation not supported: <what Node.js lacks>": the errno text only
local function prefix(msg) return msg and msg:match("^[^:]*") end

-- ---- waiting -------------------------------------------------------------------------------

-- lsocket.select for one socket, at most 3 s
local function readable(s) assert(lsocket.select({ s }, 3), "not readable after 3 s") end
local function writable(s) assert(lsocket.select(nil, { s }, 3), "not writable after 3 s") end
-- what the call answers once select says the socket is ready
local function ready(wait, f, s, ...)
  wait(s)
  return f(s, ...)
end
local function sendall(s, data)
  local i = 1
  while i <= #data do
    writable(s)
    local n, err = s:send(data:sub(i))
    assert(n, err or "send would block after select")
    i = i + n
  end
end
local function recvall(s, n, size)
  local parts, got = {}, 0
  while got < n do
    readable(s)
    local d, err = s:recv(size)
    assert(d, err or (d == nil and "end of stream" or "recv would block after select"))
    parts[#parts + 1] = d
    got = got + #d
  end
  return table.concat(parts)
end

local bytes = {}
for i = 0, 255 do bytes[#bytes + 1] = string.char(i) end
local ALL = table.concat(bytes) -- all 256 byte values
local BINARY = "\0" .. ALL .. "\0\0" .. ALL:reverse() .. "\0"

-- ---- the module ----------------------------------------------------------------------------

print("== module")
say("_VERSION", lsocket._VERSION)
say("INADDR_ANY", lsocket.INADDR_ANY)
say("IN6ADDR_ANY", lsocket.IN6ADDR_ANY)
for _, f in ipairs { "bind", "connect", "select", "resolve", "getinterfaces" } do say(f, type(lsocket[f])) end

-- ---- TCP over IPv4 -------------------------------------------------------------------------

print("== tcp 127.0.0.1")
local srv, err = lsocket.bind("127.0.0.1", 0)
say("bind", srv and tostring(srv):match("^socket: 0x%x+$") ~= nil, err)
say("type", type(srv))
names[srv] = "srv"
local srvport = srv:info("socket").port
names[srvport] = "srvport"
say("math.type(port)", math.type(srvport))
say("info()", srv:info())
say("info('socket')", srv:info("socket"))
say("info('PEER') (no peer)", srv:info("PEER"))
say("info('other')", srv:info("other"))
local fd = srv:getfd()
say("getfd", math.type(fd), fd >= 0, fd == srv:info().fd)
say("status", srv:status())
say("accept (none pending)", srv:accept())
say("recv on a listening socket", srv:recv())

local c = lsocket.connect("127.0.0.1", srvport)
names[c] = "c"
say("connect", c)
say("status while connecting", c:status())
say("info() of a connecting socket", c:info().listening, c:info().type, c:info().family, c:info().multicast)
-- connect returns at once; select for writing tells when the connect ended, status() how
say("select(nil, {c}, 3)", lsocket.select(nil, { c }, 3))
say("status", c:status())
local n = c:send("hello")
say("send", n, math.type(n))
say("select({srv}, 3): a connection is pending", lsocket.select({ srv }, 3))
local conn, addr, port = srv:accept()
names[conn] = "conn"
say("accept", conn, addr, math.type(port), port == c:info("socket").port)
names[port] = "cport"
say("conn:info()", conn:info())
say("conn:info('peer')", conn:info("peer"))
say("conn:info('socket')", conn:info("socket"))
say("c:info('peer')", c:info("peer"))
say("recv", ready(readable, conn.recv, conn))
say("recv (nothing more)", conn:recv())

-- sizes: recv(size) gives at most size bytes; recv() at most 1024 (LUAL_BUFFERSIZE); recv(0) nil
sendall(c, "abcdefgh")
say("recv(3)", ready(readable, conn.recv, conn, 3))
say("recv(100)", ready(readable, conn.recv, conn, 100))
sendall(c, string.rep("x", 3000))
local max, total = 0, 0
while total < 3000 do
  local d = ready(readable, conn.recv, conn)
  total, max = total + #d, math.max(max, #d)
end
say("recv() chunks of at most 1024", total, max <= 1024)
say("recv(0)", conn:recv(0))
raises("recv(-1)", function() return conn:recv(-1) end)

-- binary data, both ways
sendall(c, BINARY)
local got = recvall(conn, #BINARY, 100)
say("binary c -> conn", #got, got == BINARY)
sendall(conn, BINARY)
got = recvall(c, #BINARY)
say("binary conn -> c", #got, got == BINARY)

-- recvfrom on TCP: the data and the peer's address; sendto on TCP: the address is ignored
say("sendto on tcp (address ignored)", c:sendto("via sendto", "127.0.0.1", 9))
say("recvfrom on tcp", ready(readable, conn.recvfrom, conn))

-- send answers false once the kernel buffers are full
local chunk = string.rep("z", 65536)
local sent, sends, r = 0, 0, nil
repeat
  r = c:send(chunk)
  sends = sends + 1
  if r then sent = sent + r end
until r == false or sends > 5000
say("send until false", r, sent > 0)
got = recvall(conn, sent, 1 << 20)
say("drained", #got == sent)
say("send again", ready(writable, c.send, c, "!"))
say("recv", ready(readable, conn.recv, conn))

-- wrong kinds of socket
say("accept on a client", c:accept())
say("a second bind to the port", lsocket.bind("127.0.0.1", srvport))

-- end of stream, closing
say("close", c:close())
say("select({conn}, 3): end of stream", lsocket.select({ conn }, 3))
say("recv at end of stream", conn:recv())
say("close again", c:close())
say("getfd after close", c:getfd())
say("info() after close", c:info())
say("status after close", c:status())
say("recv after close", c:recv())
say("send after close", c:send("x"))
say("info('peer') after close", c:info("peer"))
say("setfd(3)", conn:setfd(3))
say("setfd(-1)", conn:setfd(-1))
say("getfd after setfd(-1)", conn:getfd())
say("recv after setfd(-1)", conn:recv())

-- connect to a port nobody listens on: the socket comes back, the failure later
local dead = assert(lsocket.bind("127.0.0.1", 0))
local deadport = dead:info("socket").port
dead:close()
local r1 = lsocket.connect("127.0.0.1", deadport)
names[r1] = "r1"
say("connect (refused later)", r1)
say("select(nil, {r1}, 3): the connect ended", lsocket.select(nil, { r1 }, 3))
say("status", r1:status())
say("status again", r1:status())
r1:close()

-- arguments: the type is optional and case-insensitive, the backlog too
local t2 = lsocket.bind("TCP", "127.0.0.1", 0, 16)
say("bind('TCP', addr, 0, 16)", t2:info())
t2:close()
raises("bind without a port", function() return lsocket.bind("127.0.0.1") end)
raises("connect without a port", function() return lsocket.connect("127.0.0.1") end)
raises("connect without an address", function() return lsocket.connect() end)

-- ---- TCP over IPv6 -------------------------------------------------------------------------

print("== tcp ::1")
local srv6 = assert(lsocket.bind("::1", 0))
names[srv6] = "srv6"
local port6 = srv6:info("socket").port
names[port6] = "port6"
say("info()", srv6:info())
say("info('socket')", srv6:info("socket"))
local c6 = lsocket.connect("::1", port6)
say("send once connected", ready(writable, c6.send, c6, BINARY))
local conn6, addr6, cport6 = ready(readable, srv6.accept, srv6)
say("accept", conn6 and "socket", addr6, cport6 == c6:info("socket").port)
say("c6:info('peer')", c6:info("peer"))
say("conn6:info()", conn6:info())
got = recvall(conn6, #BINARY)
say("binary", got == BINARY)
c6:close()
say("recv at end of stream", ready(readable, conn6.recv, conn6))
conn6:close()
srv6:close()

-- ---- unix domain sockets -------------------------------------------------------------------

-- unique names: the server's port is this process's own while it listens
local tag = string.format("%d-%d", os.time(), srvport)

print("== unix")
local path = dir .. "/lsocket-" .. tag .. ".sock"
names[path] = "PATH"
local su = assert(lsocket.bind(path))
say("bind(path) info()", su:info())
say("info('socket')", su:info("socket"))
local cu = lsocket.connect(path)
say("connect(path) status", cu:status())
say("info()", cu:info())
say("info('peer')", cu:info("peer"))
local au, aaddr, aport = ready(readable, su.accept, su)
say("accept (no address, no port)", au and "socket", aaddr, aport)
sendall(cu, BINARY)
got = recvall(au, #BINARY)
say("binary", got == BINARY)
sendall(au, "pong")
say("recv", ready(readable, cu.recv, cu))
au:close()
say("recv at end of stream", ready(readable, cu.recv, cu))
cu:close()
su:close()

local name = "@lsocket-" .. tag
names[name] = "@NAME"
local sa = assert(lsocket.bind(name))
say("bind(@name) info('socket')", sa:info("socket"))
local ca = lsocket.connect(name)
say("connect(@name) status", ca:status())
local aa = ready(readable, sa.accept, sa)
sendall(ca, "abstract\0name")
say("recv", ready(readable, aa.recv, aa))
ca:close(); aa:close(); sa:close()

local udpunix, uerr = lsocket.bind("udp", dir .. "/lsocket-udp-" .. tag .. ".sock")
say("bind('udp', path)", udpunix, prefix(uerr))
say("bind('mcast', path)", lsocket.bind("mcast", dir .. "/lsocket-mcast-" .. tag .. ".sock"))

-- ---- UDP -----------------------------------------------------------------------------------

print("== udp 127.0.0.1")
local u = assert(lsocket.bind("udp", "127.0.0.1", 0))
names[u] = "u"
local uport = u:info("socket").port
names[uport] = "uport"
say("bind('udp') info()", u:info())
say("info('socket')", u:info("socket"))
say("recvfrom (nothing)", u:recvfrom())
say("send unconnected", u:send("x"))
say("accept on udp", u:accept())
local cu4 = assert(lsocket.connect("udp", "127.0.0.1", uport))
names[cu4] = "cu4"
local cuport = cu4:info("socket").port
names[cuport] = "cuport"
say("connect('udp') info()", cu4:info())
say("info('peer')", cu4:info("peer"))
say("send", cu4:send(ALL))
local d, from, fromport = ready(readable, u.recvfrom, u, 1000)
say("recvfrom", #d, d == ALL, from, fromport)
say("sendto", u:sendto("reply\0", "127.0.0.1", cuport))
say("recv", ready(readable, cu4.recv, cu4))
say("sendto 10 bytes", u:sendto("0123456789", "127.0.0.1", cuport))
say("recv(4): the rest is discarded", ready(readable, cu4.recv, cu4, 4))
say("recv", cu4:recv())
say("sendto an empty datagram", u:sendto("", "127.0.0.1", cuport))
say("recv of an empty datagram", ready(readable, cu4.recv, cu4))
u:sendto("from u", "127.0.0.1", cuport)
say("recvfrom on a connected socket", ready(readable, cu4.recvfrom, cu4))
local sendtoc, sendtoerr = cu4:sendto("x", "127.0.0.1", uport)
say("sendto on a connected socket", sendtoc, sendtoerr)
cu4:close()
u:close()

print("== udp ::1")
local u6 = assert(lsocket.bind("udp", "::1", 0))
local u6port = u6:info("socket").port
names[u6port] = "u6port"
say("info()", u6:info())
local v6 = assert(lsocket.bind("udp", "::1", 0))
say("sendto", v6:sendto(BINARY, "::1", u6port))
d, from = ready(readable, u6.recvfrom, u6, 2000)
say("recvfrom", d == BINARY, from)
u6:close(); v6:close()

print("== mcast")
local m = assert(lsocket.bind("mcast", "127.0.0.1", 0))
local mport = m:info("socket").port
names[mport] = "mport"
say("bind('mcast') info()", m:info())
local mc = assert(lsocket.connect("mcast", "127.0.0.1", mport, 3))
say("connect('mcast', addr, port, 3) info()", mc:info())
say("send", mc:send("to the group"))
say("recvfrom", (ready(readable, m.recvfrom, m)))
m:close(); mc:close()

-- ---- select, resolve, getinterfaces --------------------------------------------------------

print("== select")
say("select(0.01): a sleep, false on timeout", lsocket.select(0.01))
say("select(0)", lsocket.select(0))
say("select() with nothing to wait for", lsocket.select())
say("select({srv}, 0.05): nothing pending", lsocket.select({ srv }, 0.05))
local s1 = lsocket.connect("127.0.0.1", srvport)
local s2 = lsocket.connect("127.0.0.1", srvport)
names[s1], names[s2] = "s1", "s2"
writable(s1); writable(s2)
readable(srv)
local a1 = srv:accept()
readable(srv)
local a2 = srv:accept()
names[a1], names[a2] = "a1", "a2"
say("select({a1, a2}, 0.05): nothing to read", lsocket.select({ a1, a2 }, 0.05))
say("select({a1}, {s1}, 3): only s1 writable", lsocket.select({ a1 }, { s1 }, 3))
say("select({}, {s1, s2}, 0)", lsocket.select({}, { s1, s2 }, 0))
sendall(s2, "2")
say("select({a1, a2}, 3): a2 readable", lsocket.select({ a1, a2 }, 3))
say("select({a2}) without a timeout, data there", lsocket.select({ a2 }))
sendall(s1, "1")
local both
for _ = 1, 300 do -- until both have arrived
  both = lsocket.select({ a1, a2 }, 3)
  if #both == 2 then break end
  lsocket.select(0.01)
end
say("select({a1, a2}, 3): both readable, in table order", both)
say("recv", a1:recv(), a2:recv())
s1:close()
say("select({s1}, 0.01): closed sockets are ignored", lsocket.select({ s1 }, 0.01))
say("select({s1}): closed sockets only, no timeout", lsocket.select({ s1 }))
say("select({s1, a1}, 3): s1 ignored, a1 at end of stream", lsocket.select({ s1, a1 }, 3))
say("recv", a1:recv())
raises("select({1}, 0)", function() return lsocket.select({ 1 }, 0) end)
raises("select({a1}, {}, 0, 1)", function() return lsocket.select({ a1 }, {}, 0, 1) end)
raises("select({}, 'x')", function() return lsocket.select({}, "x") end)
raises("select('x')", function() return lsocket.select("x") end)
s2:close(); a1:close(); a2:close()

print("== resolve")
say("resolve('127.0.0.1')", lsocket.resolve("127.0.0.1"))
say("resolve('::1')", lsocket.resolve("::1"))
local all = lsocket.resolve("localhost")
local found = false
for _, a in ipairs(all) do
  if a.family == "inet" and a.addr == "127.0.0.1" then found = true end
  assert(a.family == "inet" or a.family == "inet6")
end
say("resolve('localhost') has 127.0.0.1", found)
raises("resolve()", function() return lsocket.resolve() end)

print("== getinterfaces")
local lo = {}
for _, i in ipairs(lsocket.getinterfaces()) do
  assert(type(i.name) == "string" and type(i.addr) == "string" and type(i.mask) == "string")
  assert(i.family == "inet" or i.family == "inet6")
  if i.name == "lo" then lo[#lo + 1] = fmt(i) end
end
table.sort(lo)
for _, i in ipairs(lo) do print(i) end

conn:close()
srv:close()
print("done")
