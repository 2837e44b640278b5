-- lunatik's socket.inet as its manual describes it, run under `luasock run`: a TCP server and
-- client and UDP peers in one script over 127.0.0.1, blocking calls, MSG_DONTWAIT raising
-- "EAGAIN", every method of the manual, the `type` / `proto` fields, net.aton / net.ntoa,
-- binary data. Failures raise errno names, caught with pcall the way lunatik scripts do
-- (`pcall(sock.method, sock, ...)`). Expected output: inet.expected
-- (spec/reference-semantics.md section 4, docs/api/inet.md).
local inet = require "socket.inet"
local net = require "net"

-- lunatik's socket.sock / socket.msg / socket.ipproto values (Linux's). The facade documents
-- them as inet.sock / inet.msg / inet.ipproto, which are missing under the runtime (a known
-- deviation, see test/lua/apis.test.ts), so the script spells out the numbers.
local sock = { STREAM = 1, DGRAM = 2, NONBLOCK = 2048, CLOEXEC = 524288 }
local ipproto = { IP = 0, TCP = 6, UDP = 17 }
local msg = { OOB = 1, PEEK = 2, TRUNC = 32, DONTWAIT = 64, WAITALL = 256, NOSIGNAL = 16384 }

-- ---- printing ------------------------------------------------------------------------------

local names = {} -- port -> name
local function fmt(v)
  if names[v] then return names[v] end
  local t = type(v)
  if t == "string" then return (string.format("%q", v):gsub("\\\n", "\\n")) end
  if t == "table" or t == "userdata" then return (tostring(v):gsub("0x%x+$", "0x?")) end
  if t == "number" then return tostring(v) .. " (" .. math.type(v) .. ")" end
  return tostring(v)
end
local function say(label, ...)
  local parts = {}
  for i = 1, select("#", ...) do parts[i] = fmt((select(i, ...))) end
  print(label .. " [" .. select("#", ...) .. "] " .. table.concat(parts, ", "))
end
-- a call that may raise: its results, or "raises <error>" (the error value as raised)
local function try(label, f, ...)
  local r = table.pack(pcall(f, ...))
  if r[1] then say(label, table.unpack(r, 2, r.n)) else print(label .. " raises " .. fmt(r[2])) end
end
-- argument errors (luaL_argerror): the message without the position of the call
local function argerror(label, f)
  local ok, err = pcall(f)
  print(label .. " raises: " .. (ok and "(nothing)" or (tostring(err):gsub("^[^:]+:%d+: ", ""))))
end

local bytes = {}
for i = 0, 255 do bytes[#bytes + 1] = string.char(i) end
local ALL = table.concat(bytes)
local BINARY = "\0" .. ALL .. "\0\0" .. ALL:reverse() .. "\0"

-- ---- the module and net --------------------------------------------------------------------

print("== module")
say("type(inet)", type(inet))
say("callable", type(getmetatable(inet).__call))
say("localhost", inet.localhost)
for _, f in ipairs { "tcp", "udp", "new" } do say(f, type(inet[f])) end
say("net.aton('127.0.0.1')", net.aton("127.0.0.1"))
say("net.ntoa(2130706433)", net.ntoa(2130706433))
say("net.aton('0.0.0.0')", net.aton("0.0.0.0"))
say("net.aton('255.255.255.255')", net.aton("255.255.255.255"))
say("net.aton('10.1.2.3')", net.aton("10.1.2.3"))
say("net.ntoa(0)", net.ntoa(0))
say("net.ntoa(167838211)", net.ntoa(167838211))
say("net.ntoa(-1): the low 32 bits", net.ntoa(-1))
say("net.ntoa(0x1C0A80001)", net.ntoa(0x1C0A80001))
local roundtrip = true
for _, a in ipairs { "1.2.3.4", "192.168.0.1", "172.16.254.1", "8.8.4.4", "100.64.0.255" } do
  roundtrip = roundtrip and net.ntoa(net.aton(a)) == a
end
say("ntoa(aton(a)) == a", roundtrip)
try("net.aton('1.2.3')", net.aton, "1.2.3")
try("net.aton('1.2.3.256')", net.aton, "1.2.3.256")

-- ---- TCP -----------------------------------------------------------------------------------

print("== tcp")
local srv = inet.tcp()
say("inet.tcp()", srv)
say("type(srv)", type(srv))
say("srv.type, srv.proto", srv.type, srv.proto)
say("getsockname before bind", srv:getsockname())
try("getpeername before connect", srv.getpeername, srv)
say("bind(inet.localhost, 0)", srv:bind(inet.localhost, 0))
say("listen()", srv:listen())
local ip, port = srv:getsockname()
names[port] = "port"
say("getsockname", ip, port)
try("listen again", srv.listen, srv, 16)
try("accept(sock.NONBLOCK) with nothing pending", srv.accept, srv, sock.NONBLOCK)
try("accept(msg.DONTWAIT) with nothing pending", srv.accept, srv, msg.DONTWAIT)

local c = inet.tcp()
say("connect", c:connect("127.0.0.1", port))
local _, cport = c:getsockname()
names[cport] = "cport"
try("connect again", c.connect, c, "127.0.0.1", port)
local a = srv:accept(sock.CLOEXEC)
say("accept(sock.CLOEXEC)", a)
say("type(a)", type(a))
say("a:getpeername (integer address)", a:getpeername())
say("a:getsockname (integer address)", a:getsockname())
say("a:getpeername ip == net.aton('127.0.0.1')", (a:getpeername()) == net.aton("127.0.0.1"))
say("c:getpeername", c:getpeername())
say("c:getsockname", c:getsockname())

say("send", c:send("hello"))
say("receive(100)", a:receive(100))
try("receive(100, msg.DONTWAIT) with nothing there", a.receive, a, 100, msg.DONTWAIT)
say("send", c:send("0123456789"))
say("receive(4, msg.WAITALL)", a:receive(4, msg.WAITALL))
say("receive(100, 0, true): data, peer ip, peer port", a:receive(100, 0, true))
say("receive(0)", a:receive(0))
say("send with an address (ignored on TCP)", c:send("xyz", "127.0.0.1", 9))
say("receive(3, msg.WAITALL | msg.NOSIGNAL)", a:receive(3, msg.WAITALL | msg.NOSIGNAL))
say("send(BINARY)", c:send(BINARY))
local got = a:receive(#BINARY, msg.WAITALL)
say("binary c -> a", #got, got == BINARY)
say("a:send(BINARY)", a:send(BINARY))
got = c:receive(#BINARY, msg.WAITALL)
say("binary a -> c", #got, got == BINARY)
-- a big message: receive(len) gives what has arrived, WAITALL the whole of it
local big = string.rep("0123456789abcdef", 65536)
say("send 1 MiB", c:send(big))
got = a:receive(#big, msg.WAITALL)
say("receive(1 MiB, msg.WAITALL)", #got, got == big)
-- one send, one segment: once WAITALL has the first 5 bytes, the rest is there too
c:send("readynow")
say("receive(5, msg.WAITALL)", a:receive(5, msg.WAITALL))
try("receive(10, msg.DONTWAIT) with data there", a.receive, a, 10, msg.DONTWAIT)

argerror("receive(10, msg.PEEK)", function() return a:receive(10, msg.PEEK) end)
argerror("receive(10, msg.OOB)", function() return a:receive(10, msg.OOB) end)
argerror("receive(-1)", function() return a:receive(-1) end)
argerror("connect with flags", function() return c:connect("127.0.0.1", port, sock.NONBLOCK) end)
argerror("send(msg, addr) without a port", function() return c:send("x", "127.0.0.1") end)
argerror("bind to port 70000", function() return inet.tcp():bind("127.0.0.1", 70000) end)

-- end of stream and closing
say("close", c:close())
say("receive at end of stream", a:receive(10))
say("receive(10, msg.WAITALL) at end of stream", a:receive(10, msg.WAITALL))
say("close again", c:close())
try("send after close", c.send, c, "x")
try("receive after close", c.receive, c, 10)
try("getsockname after close", c.getsockname, c)
a:close()

-- failures
local other = inet.tcp()
local ok, err = pcall(other.bind, other, "127.0.0.1", port)
if ok then ok, err = pcall(other.listen, other) end
say("bind + listen on a port in use", ok, err)
other:close()
local dead = inet.tcp()
dead:bind("127.0.0.1", 0)
dead:listen()
local _, deadport = dead:getsockname()
dead:close()
local r = inet.tcp()
try("connect to a closed port", r.connect, r, "127.0.0.1", deadport)
r:close()
local u0 = inet.tcp()
try("send unconnected", u0.send, u0, "x")
try("receive unconnected", u0.receive, u0, 10)
try("connect to 300.1.2.3", u0.connect, u0, "300.1.2.3", port)
-- integer addresses, as lunatik's raw socket takes them
say("connect(net.aton('127.0.0.1'), port)", u0:connect(net.aton("127.0.0.1"), port))
local a2 = srv:accept()
say("a2:getpeername", a2:getpeername() == net.aton("127.0.0.1"))
u0:close(); a2:close()
srv:close()

-- ---- UDP -----------------------------------------------------------------------------------

print("== udp")
local u = inet.udp()
say("inet.udp()", u)
say("u.type, u.proto", u.type, u.proto)
say("getsockname before bind", u:getsockname())
try("receive(10, msg.DONTWAIT) unbound", u.receive, u, 10, msg.DONTWAIT)
say("bind('127.0.0.1', 0)", u:bind("127.0.0.1", 0))
local _, uport = u:getsockname()
names[uport] = "uport"
say("getsockname", u:getsockname())
try("bind again", u.bind, u, "127.0.0.1", 0)
try("getpeername", u.getpeername, u)
local v = inet.udp()
v:bind(inet.localhost, 0)
local _, vport = v:getsockname()
names[vport] = "vport"
say("send(msg, addr, port)", v:send("hello", "127.0.0.1", uport))
say("receivefrom(100)", u:receivefrom(100))
say("sendto (alias of send)", v:sendto(ALL, "127.0.0.1", uport))
local data, from, fromport = u:receivefrom(1000)
say("receivefrom", #data, data == ALL, from, fromport)
say("send(msg, net.aton(addr), port)", v:send("raw", net.aton("127.0.0.1"), uport))
say("receive(100, 0, true): data, ip, port", u:receive(100, 0, true))
v:send("plain", "127.0.0.1", uport)
say("receive(100)", u:receive(100))
v:send("0123456789", "127.0.0.1", uport)
say("receive(4): the rest is discarded", u:receive(4))
try("receive(100, msg.DONTWAIT)", u.receive, u, 100, msg.DONTWAIT)
say("send an empty datagram", v:send("", "127.0.0.1", uport))
say("receivefrom of an empty datagram", u:receivefrom(100))
say("send(BINARY)", v:send(BINARY, "127.0.0.1", uport))
data = u:receive(2000)
say("binary", #data, data == BINARY)
try("send without an address, unconnected", v.send, v, "x")

-- a connected UDP socket
say("connect", v:connect("127.0.0.1", uport))
say("getpeername", v:getpeername())
say("send()", v:send("connected"))
say("receivefrom", u:receivefrom(100))
try("send with an address, connected", v.send, v, "x", "127.0.0.1", uport)
-- only the peer's datagrams reach a connected socket
local w = inet.udp()
w:bind("127.0.0.1", 0)
w:send("stranger", "127.0.0.1", vport)
u:send("peer", "127.0.0.1", vport)
say("receive on the connected socket", v:receive(100))
try("receive(100, msg.DONTWAIT)", v.receive, v, 100, msg.DONTWAIT)

say("close", u:close())
say("close again", u:close())
try("send after close", u.send, u, "x", "127.0.0.1", vport)
v:close(); w:close()

-- a UDP socket bound to "*" (INADDR_ANY)
local any = inet.udp()
any:bind("*", 0)
say("bind('*', 0) getsockname ip", (any:getsockname()))
any:close()

-- ---- creating sockets ----------------------------------------------------------------------

print("== creating sockets")
local t = inet(sock.STREAM)
say("inet(sock.STREAM)", t, t.type, t.proto)
t:close()
t = inet(sock.DGRAM, ipproto.UDP)
say("inet(sock.DGRAM, ipproto.UDP)", t, t.type, t.proto)
t:close()
local bare, bareerr = pcall(inet)
say("inet() raises 'number expected'", bare, tostring(bareerr):find("number expected", 1, true) ~= nil)
t = inet:new { type = sock.DGRAM }
say("inet:new{type = sock.DGRAM}", t, t.type, t.proto)
t:close()
t = inet:new { type = sock.STREAM, proto = ipproto.TCP }
say("inet:new{type = sock.STREAM, proto = ipproto.TCP}", t, t.type, t.proto)
t:close()
print("done")
