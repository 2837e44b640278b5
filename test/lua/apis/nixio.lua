-- nixio's Socket as its manual describes it, run under `luasock run`: servers and clients in
-- one script over 127.0.0.1, ::1 and a unix path, TCP and UDP, blocking sockets and
-- `setblocking(false)` with its EAGAIN triples, every method of the manual plus
-- nixio.socket / bind / connect, getopt / setopt, binary data. Failures are
-- `nil|false, errno, message` (false for EAGAIN). Expected output: nixio.expected
-- (spec/reference-semantics.md section 3, docs/api/nixio.md).
--
-- arg[1]: a directory for the unix socket (default /tmp).
local nixio = require "nixio"

local dir = arg[1] or "/tmp"

-- ---- printing ------------------------------------------------------------------------------

local names = {} -- socket / port / path -> name
local function fmt(v)
  if names[v] then return names[v] end
  local t = type(v)
  if t == "string" then return (string.format("%q", v):gsub("\\\n", "\\n")) end
  if t == "userdata" then return (tostring(v):gsub("%-?%d+$", "<fd>")) end
  return tostring(v)
end
local function say(label, ...)
  local parts = {}
  for i = 1, select("#", ...) do parts[i] = fmt((select(i, ...))) end
  print(label .. " [" .. select("#", ...) .. "] " .. table.concat(parts, ", "))
end
-- a failure triple with a message that ends in what Node.js lacks: up to the colon
local function short(a, errno, msg) return a, errno, msg and msg:match("^[^:]*") end
-- errors raised by nixio (argument checks): the message without the script position
local function raises(label, f, ...)
  local ok, err = pcall(f, ...)
  print(label .. " raises: " .. (ok and "(nothing)" or (tostring(err):gsub("^[^:]+:%d+: ", ""))))
end

local bytes = {}
for i = 0, 255 do bytes[#bytes + 1] = string.char(i) end
local ALL = table.concat(bytes)
local BINARY = "\0" .. ALL .. "\0\0" .. ALL:reverse() .. "\0"

-- blocking helpers: send may write fewer bytes than asked, recv return fewer than asked
local function sendall(s, data)
  local i = 0
  while i < #data do
    local n, errno, msg = s:send(data, i)
    assert(n, msg)
    i = i + n
  end
end
local function recvall(s, n)
  local parts, got = {}, 0
  while got < n do
    local d, errno, msg = s:recv(n - got)
    assert(d, msg)
    assert(#d > 0, "end of stream")
    parts[#parts + 1] = d
    got = got + #d
  end
  return table.concat(parts)
end

-- ---- the module ----------------------------------------------------------------------------

print("== module")
for _, f in ipairs { "socket", "bind", "connect" } do say(f, type(nixio[f])) end

-- ---- TCP over IPv4 -------------------------------------------------------------------------

print("== tcp 127.0.0.1")
local srv = nixio.socket("inet", "stream")
names[srv] = "srv"
say("socket('inet', 'stream')", tostring(srv):match("^nixio socket %-?%d+$") ~= nil)
say("type", type(srv))
say("fileno", math.type(srv:fileno()))
say("getsockname before bind", srv:getsockname())
say("getpeername", srv:getpeername())
say("setopt('socket', 'reuseaddr', 1)", srv:setopt("socket", "reuseaddr", 1))
say("getopt('socket', 'reuseaddr')", srv:getopt("socket", "reuseaddr"))
say("bind('127.0.0.1', '0')", srv:bind("127.0.0.1", "0"))
say("listen(8)", srv:listen(8))
local host, port = srv:getsockname()
names[port] = "port"
say("getsockname", host, port, math.type(port))
say("fileno after listen", srv:fileno() >= 0)
say("tostring", (tostring(srv):gsub("%d+$", "<fd>")))
say("listen again", srv:listen(8))

local c = nixio.connect("127.0.0.1", port)
names[c] = "c"
say("nixio.connect", c)
local _, cport = c:getsockname()
names[cport] = "cport"
local conn, chost, cp = srv:accept()
names[conn] = "conn"
say("accept", conn, chost, cp, math.type(cp))
say("c:getpeername", c:getpeername())
say("c:getsockname", c:getsockname())
say("conn:getpeername", conn:getpeername())
say("conn:getsockname", conn:getsockname())

say("send", c:send("hello"))
say("recv(100)", conn:recv(100))
say("write", c:write("world"))
say("read(3)", conn:read(3))
say("read(100)", conn:read(100))
-- offsets are 0-based; the length caps what is sent
say("send('0123456789', 2, 3)", c:send("0123456789", 2, 3))
say("recv", conn:recv(100))
say("write('abcdef', 4)", c:write("abcdef", 4))
say("recv", conn:recv(100))
say("send('abc', 5): offset past the end", c:send("abc", 5))
say("send('abc', 0, 0)", c:send("abc", 0, 0))
say("send('')", c:send(""))
say("sendto on tcp (address ignored)", c:sendto("via sendto", "127.0.0.1", 9))
say("recvfrom on tcp", conn:recvfrom(100))
say("recv(0)", conn:recv(0))

sendall(c, BINARY)
local got = recvall(conn, #BINARY)
say("binary c -> conn", #got, got == BINARY)
sendall(conn, BINARY)
got = recvall(c, #BINARY)
say("binary conn -> c", #got, got == BINARY)

-- a receive returns at most 8192 bytes (nixio.const.buffersize)
sendall(c, string.rep("x", 20000))
local total, max = 0, 0
while total < 20000 do
  local d = conn:recv(100000)
  total, max = total + #d, math.max(max, #d)
end
say("recv(100000) chunks of at most 8192", total, max <= 8192)

-- non-blocking
say("setblocking(false)", conn:setblocking(false))
say("recv with nothing there", conn:recv(10))
say("read with nothing there", conn:read(10))
say("srv:setblocking(false)", srv:setblocking(false))
say("accept with nothing pending", srv:accept())
say("srv:setblocking(true)", srv:setblocking(true))
c:send("now")
local d
repeat d = { conn:recv(10) } until d[1] ~= false
say("recv once data came", table.unpack(d))
say("setblocking(true)", conn:setblocking(true))

-- receive and send timeouts
say("setopt('socket', 'rcvtimeo', 0, 30000)", conn:setopt("socket", "rcvtimeo", 0, 30000))
say("getopt('socket', 'rcvtimeo')", conn:getopt("socket", "rcvtimeo"))
say("recv until rcvtimeo", conn:recv(10))
say("setopt rcvtimeo 0: no timeout", conn:setopt("socket", "rcvtimeo", 0, 0))
say("setopt rcvtimeo with 1000000 us", conn:setopt("socket", "rcvtimeo", 0, 1000000))
say("setopt('socket', 'sndtimeo', 2)", conn:setopt("socket", "sndtimeo", 2))
say("getopt('socket', 'sndtimeo')", conn:getopt("socket", "sndtimeo"))
say("srv: setopt rcvtimeo 20 ms", srv:setopt("socket", "rcvtimeo", 0, 20000))
say("accept until rcvtimeo", srv:accept())
srv:setopt("socket", "rcvtimeo", 0)

-- options of a TCP socket
say("getopt keepalive", c:getopt("socket", "keepalive"))
say("setopt keepalive 1", c:setopt("socket", "keepalive", 1))
say("getopt keepalive", c:getopt("socket", "keepalive"))
say("getsockopt keepalive (alias)", c:getsockopt("socket", "keepalive"))
say("getopt('tcp', 'nodelay')", c:getopt("tcp", "nodelay"))
say("setsockopt('tcp', 'nodelay', 1) (alias)", c:setsockopt("tcp", "nodelay", 1))
say("getopt('tcp', 'nodelay')", c:getopt("tcp", "nodelay"))
say("setopt linger 0 (off)", c:setopt("socket", "linger", 0))
say("getopt linger", c:getopt("socket", "linger"))
say("getopt('socket', 'error')", c:getopt("socket", "error"))
say("setopt linger 5", short(c:setopt("socket", "linger", 5)))
say("getopt('socket', 'rcvbuf')", short(c:getopt("socket", "rcvbuf")))
say("getopt('tcp', 'cork')", short(c:getopt("tcp", "cork")))
say("getopt('ip', 'mtu')", short(c:getopt("ip", "mtu")))
say("getopt('ipv6', 'v6only') on inet", c:getopt("ipv6", "v6only"))
raises("getopt unknown option", function() return c:getopt("socket", "nosuch") end)
raises("setopt unknown tcp option", function() return c:setopt("tcp", "nosuch", 1) end)
raises("getopt unknown level", function() return c:getopt("nosuch", "keepalive") end)

-- shutdown
say("c:shutdown('wr')", c:shutdown("wr"))
say("recv at end of stream", conn:recv(10))
say("conn can still send", conn:send("late"))
say("c:recv", c:recv(10))
say("conn:shutdown('read')", conn:shutdown("read"))
say("conn:shutdown()", conn:shutdown())
say("c:recv at end of stream", c:recv(10))
raises("shutdown('sideways')", function() return c:shutdown("sideways") end)

-- closing
say("close", c:close())
say("tostring after close", tostring(c))
raises("send after close", function() return c:send("x") end)
raises("close after close", function() return c:close() end)
raises("fileno after close", function() return c:fileno() end)
conn:close()

-- failures of nixio.connect / nixio.bind
local dead = nixio.bind("127.0.0.1", 0)
dead:listen(1)
local _, deadport = dead:getsockname()
dead:close()
say("nixio.connect to a closed port", nixio.connect("127.0.0.1", deadport))
say("nixio.bind to a port in use", nixio.bind("127.0.0.1", port))
-- no host: localhost, ::1 first (refused: srv listens on 127.0.0.1 only), then 127.0.0.1
local lc = nixio.connect(nil, port)
say("nixio.connect(nil, port) peer", lc:getpeername())
srv:accept():close()
lc:close()

-- non-blocking connect
local nb = nixio.socket("inet", "stream")
nb:setblocking(false)
say("non-blocking connect", nb:connect("127.0.0.1", port))
local nbconn = srv:accept()
nb:setblocking(true)
say("send (waits for the connect)", nb:send("nb"))
say("getopt('socket', 'error')", nb:getopt("socket", "error"))
say("accepted side recv", nbconn:recv(10))
nb:close(); nbconn:close()
local nr = nixio.socket("inet", "stream")
nr:setblocking(false)
say("non-blocking connect to a closed port", nr:connect("127.0.0.1", deadport))
nr:setblocking(true)
say("send (waits for the connect)", nr:send("x"))
say("getopt('socket', 'error')", nr:getopt("socket", "error"))
nr:close()

-- nixio.socket arguments
say("socket('inet', 'raw')", short(nixio.socket("inet", "raw")))
say("socket('unix', 'dgram')", short(nixio.socket("unix", "dgram")))
raises("socket('nosuch', 'stream')", function() return nixio.socket("nosuch", "stream") end)
raises("socket('inet', 'nosuch')", function() return nixio.socket("inet", "nosuch") end)

-- ---- TCP over IPv6 -------------------------------------------------------------------------

print("== tcp ::1")
local s6 = nixio.socket("inet6", "stream")
say("getsockname before bind", s6:getsockname())
say("setopt('ipv6', 'v6only', 1)", s6:setopt("ipv6", "v6only", 1))
say("bind('::1', 0)", s6:bind("::1", 0))
say("listen(2)", s6:listen(2))
local h6, p6 = s6:getsockname()
names[p6] = "port6"
say("getsockname", h6, p6)
say("getopt('ip', 'mtu') on inet6", s6:getopt("ip", "mtu"))
local c6 = nixio.connect("::1", p6, "inet6")
say("nixio.connect('::1', port6, 'inet6') peer", c6:getpeername())
local a6, ah6, ap6 = s6:accept()
say("accept", ah6, ap6 == select(2, c6:getsockname()))
sendall(c6, BINARY)
got = recvall(a6, #BINARY)
say("binary", got == BINARY)
c6:close()
say("recv at end of stream", a6:recv(10))
a6:close(); s6:close()

-- ---- unix domain sockets -------------------------------------------------------------------

-- unique names: the server's port is this process's own while it listens
local tag = string.format("%d-%d", os.time(), port)

print("== unix")
local path = dir .. "/nixio-" .. tag .. ".sock"
local su = nixio.socket("unix", "stream")
say("bind(path)", su:bind(path))
say("listen(2)", su:listen(2))
say("getsockname", su:getsockname())
local cu = nixio.socket("unix", "stream")
say("connect(path)", cu:connect(path))
local au = table.pack(su:accept())
say("accept: the socket alone", au.n, tostring(au[1]):match("^nixio socket %d+$") ~= nil)
au = au[1]
sendall(cu, BINARY)
got = recvall(au, #BINARY)
say("binary", got == BINARY)
say("getopt('tcp', 'nodelay') on unix", cu:getopt("tcp", "nodelay"))
raises("bind(nil)", function() return su:bind(nil) end)
cu:close()
say("recv at end of stream", au:recv(10))
au:close(); su:close()

-- abstract namespace: a leading NUL
local name = "\0nixio-" .. tag
local sa = nixio.socket("unix", "stream")
say("bind(abstract)", sa:bind(name), sa:listen(1))
local ca = nixio.socket("unix", "stream")
say("connect(abstract)", ca:connect(name))
local aa = sa:accept()
ca:send("abstract\0name")
say("recv", aa:recv(100))
ca:close(); aa:close(); sa:close()

-- ---- UDP -----------------------------------------------------------------------------------

print("== udp 127.0.0.1")
local u = nixio.bind("127.0.0.1", 0, "inet", "dgram")
names[u] = "u"
local _, uport = u:getsockname()
names[uport] = "uport"
say("nixio.bind(..., 'inet', 'dgram')", u, u:getsockname())
local v = nixio.socket("inet", "dgram")
say("getsockname of a fresh socket", v:getsockname())
say("sendto", v:sendto(ALL, "127.0.0.1", uport))
local _, vport = v:getsockname()
names[vport] = "vport"
local data, from, fromport = u:recvfrom(1000)
say("recvfrom", #data, data == ALL, from, fromport)
say("sendto(buffer, host, port, 3, 4)", v:sendto("0123456789", "127.0.0.1", uport, 3, 4))
say("recvfrom", u:recvfrom(100))
say("sendto an empty datagram", v:sendto("", "127.0.0.1", uport))
say("recvfrom of an empty datagram", u:recvfrom(100))
say("sendto 13 bytes", v:sendto("long datagram", "127.0.0.1", uport))
say("recv(4): the rest is discarded", u:recv(4))
u:setblocking(false)
say("recv with nothing there", u:recv(100))
say("recvfrom with nothing there", u:recvfrom(100))
u:setblocking(true)
say("sendto a host name", v:sendto("x", "localhost", uport))
say("sendto an IPv6 address", v:sendto("x", "::1", uport))
local w = nixio.connect("127.0.0.1", uport, "inet", "dgram")
names[w] = "w"
local _, wport = w:getsockname()
names[wport] = "wport"
say("nixio.connect(..., 'dgram') peer", w:getpeername())
say("send", w:send("connected"))
say("recvfrom", u:recvfrom(100))
say("write", w:write("written", 2))
say("read", u:read(100))
say("sendto on a connected socket", short(w:sendto("x", "127.0.0.1", uport)))
say("getpeername unconnected", u:getpeername())

-- options of a UDP socket
say("getopt broadcast", u:getopt("socket", "broadcast"))
say("setopt broadcast 1", u:setopt("socket", "broadcast", 1))
say("getopt broadcast", u:getopt("socket", "broadcast"))
local rcvbuf = u:getopt("socket", "rcvbuf")
say("getopt rcvbuf", math.type(rcvbuf), rcvbuf > 0)
say("setopt rcvbuf 65536", u:setopt("socket", "rcvbuf", 65536))
say("getopt rcvbuf >= 65536", u:getopt("socket", "rcvbuf") >= 65536)
local sndbuf = u:getopt("socket", "sndbuf")
say("getopt sndbuf", math.type(sndbuf), sndbuf > 0)
say("setopt('ip', 'multicast_ttl', 4)", u:setopt("ip", "multicast_ttl", 4))
say("getopt('ip', 'multicast_loop')", u:getopt("ip", "multicast_loop"))
say("setopt('ip', 'multicast_loop', 0)", u:setopt("ip", "multicast_loop", 0))
say("getopt('ip', 'multicast_loop')", u:getopt("ip", "multicast_loop"))
say("setopt('ip', 'multicast_if', '127.0.0.1')", u:setopt("ip", "multicast_if", "127.0.0.1"))
say("getopt('ip', 'multicast_if')", u:getopt("ip", "multicast_if"))
say("setopt('ip', 'add_membership', group, '127.0.0.1')", u:setopt("ip", "add_membership", "239.255.7.7", "127.0.0.1"))
say("setopt('ip', 'drop_membership', group, '127.0.0.1')", u:setopt("ip", "drop_membership", "239.255.7.7", "127.0.0.1"))
say("getopt('socket', 'error')", u:getopt("socket", "error"))
say("getopt('tcp', 'nodelay') on udp", u:getopt("tcp", "nodelay"))
u:close(); v:close(); w:close()

print("== udp ::1")
local u6 = nixio.bind("::1", 0, "inet6", "dgram")
local _, u6port = u6:getsockname()
names[u6port] = "u6port"
say("getsockname", u6:getsockname())
local v6 = nixio.socket("inet6", "dgram")
say("sendto", v6:sendto(BINARY, "::1", u6port))
data, from = u6:recvfrom(2000)
say("recvfrom", data == BINARY, from)
say("sendto an IPv4 address", v6:sendto("x", "127.0.0.1", u6port))
u6:close(); v6:close()

srv:close()
print("done")
