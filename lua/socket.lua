-- socket: LuaSocket's namespace (written for effect-luasocket). The core functions come
-- from socket.core; this file adds what LuaSocket defines around them in Lua terms:
-- try / newtry / protect, socket sources and sinks. (As in Debian's LuaSocket 3.1.0, the
-- http-chunked modes are not here: they belong to socket.http.)
local core = require "socket.core"

local socket = core
local select, setmetatable, getmetatable, error, pcall, type, tostring = select, setmetatable, getmetatable, error, pcall, type, tostring
local pack, unpack = table.pack, table.unpack

-- try / newtry / protect --------------------------------------------------------------

-- Errors raised by try are tables with this metatable; protect recognises nothing else.
local tried = { __name = "socket.try-error", __tostring = function(e) return tostring(e[1]) end }

function socket.newtry(finalizer)
  return function(...)
    if (...) then return ... end
    if finalizer then finalizer() end
    error(setmetatable({ (select(2, ...)) }, tried), 0)
  end
end

socket.try = socket.newtry()

local function unwrap(ok, ...)
  if ok then return ... end
  local e = ...
  if getmetatable(e) == tried then return nil, e[1] end
  error(e, 0)
end

function socket.protect(f)
  return function(...) return unwrap(pcall(f, ...)) end
end

-- choose, sources and sinks -----------------------------------------------------------

function socket.choose(t)
  return function(name, a, b)
    if type(name) ~= "string" then name, a, b = "default", name, a end
    local f = t[name or "nil"]
    if not f then error("unknown key (" .. tostring(name) .. ")", 3) end
    return f(a, b)
  end
end

local BLOCK = socket.BLOCKSIZE

-- Sinks and sources are callable tables that also answer getfd / dirty, so that they
-- can be handed to select as LuaSocket's are.
local function callable(sock, f)
  return setmetatable({
    getfd = function() return sock:getfd() end,
    dirty = function() return sock:dirty() end,
  }, { __call = function(_, ...) return f(...) end })
end

socket.sinkt = {}

socket.sinkt["keep-open"] = function(sock)
  return callable(sock, function(chunk)
    if chunk then return sock:send(chunk) end
    return 1
  end)
end

socket.sinkt["close-when-done"] = function(sock)
  return callable(sock, function(chunk)
    if chunk then return sock:send(chunk) end
    sock:close()
    return 1
  end)
end

socket.sinkt.default = socket.sinkt["keep-open"]
socket.sink = socket.choose(socket.sinkt)

socket.sourcet = {}

socket.sourcet["by-length"] = function(sock, length)
  return callable(sock, function()
    if length <= 0 then return nil end
    local data, err = sock:receive(math.min(BLOCK, length))
    if err then return nil, err end
    length = length - #data
    return data
  end)
end

socket.sourcet["until-closed"] = function(sock)
  local finished = false
  return callable(sock, function()
    if finished then return nil end
    local data, err, partial = sock:receive(BLOCK)
    if not err then return data end
    if err ~= "closed" then return nil, err end
    sock:close()
    finished = true
    return partial
  end)
end

socket.sourcet.default = socket.sourcet["until-closed"]
socket.source = socket.choose(socket.sourcet)

socket.__unload = function() end
package.loaded["socket.core"] = socket
return socket
