-- socket.core: LuaSocket's C core, here built from the luasocket facade spec; each
-- function and method calls the Effect core on the host (see src/lua/facadeHost.ts).
local facade = require "luasock.facade"
local host = require "luasock.host"

-- Batched line reads: after a successful receive("*l") the host also hands over the complete
-- lines it has already buffered (one raw block, LFs and CRs kept); later *l receives are
-- served from it without a host call. Before any other method runs on the socket, what is left
-- goes back to the host (unreceive), so every other call sees exactly LuaSocket's state.
local queues = setmetatable({}, { __mode = "k" })
local receivelines = host["luasocket:tcp.receivelines"]
local unreceive = host["luasocket:tcp.unreceive"]
local find, gsub, sub = string.find, string.gsub, string.sub

local function flush(self)
  local q = queues[self]
  queues[self] = nil
  local rest = sub(q.block, q.pos)
  if #rest > 0 then unreceive(facade.idof(self), rest) end
end

local function before(self)
  if queues[self] ~= nil then flush(self) end
end

-- One line from the queue (`pos` starts a complete line; `cr`: the block holds a CR somewhere).
local function take(self, q, prefix)
  local block, pos = q.block, q.pos
  local nl = find(block, "\n", pos, true)
  local line = sub(block, pos, nl - 1)
  if nl == q.size then queues[self] = nil else q.pos = nl + 1 end
  if q.cr and find(line, "\r", 1, true) then line = gsub(line, "\r", "") end
  if prefix ~= nil then line = prefix .. line end
  return line, nil, nil
end

local function receive(self, pattern, prefix)
  local q = queues[self]
  if q ~= nil then
    -- the common call first (receive() / receive("*l") without prefix), then the general test
    if (pattern == nil or pattern == "*l") and prefix == nil then return take(self, q, nil) end
    local xtype = type(prefix)
    if (pattern == nil or (type(pattern) == "string" and sub(pattern, 1, 2) == "*l"))
      and (prefix == nil or xtype == "string" or xtype == "number") then
      return take(self, q, prefix)
    end
    flush(self)
  end
  local n, a, b, c, d = receivelines(facade.idof(self), pattern, prefix)
  if n == -1 then facade.raise(a, b, "receive", true) end
  if n == 4 then queues[self] = { block = d, pos = 1, size = #d, cr = find(d, "\r", 1, true) ~= nil } end
  return a, b, c
end

local core = facade.load("luasocket", {
  before = { tcp = before },
  overrides = { tcp = { receive = function() return receive end } },
})

-- gettime: the clock is read where the script runs (no host call)
core.gettime = host.gettime

local idof = facade.idof
local rawselect = facade.hostfunction("luasocket", "select")
local byfd = host["facade.byfd"]
local type, ipairs, rawget = type, ipairs, rawget

local function typename(v)
  if v == nil then return "nil" end
  local mt = getmetatable(v)
  if type(v) == "table" and mt and type(mt.__name) == "string" then return mt.__name end
  return type(v)
end

-- Reads one of select's lists as LuaSocket does: up to the first hole; our sockets go to the
-- host by id; any other object is asked for getfd (mapped to one of our sockets when it is
-- one's descriptor) and, on the read side, for dirty() (such objects are ready at once).
local function collect(list, argn, reading)
  if list == nil then return {}, {}, {} end
  if type(list) ~= "table" then facade.raise("table expected, got " .. typename(list), argn, "select", false, 1) end
  local ids, back, ready = {}, {}, {}
  for _, item in ipairs(list) do
    local id = idof(item) or nil
    if id ~= nil and queues[item] ~= nil then flush(item) end
    if id ~= nil then
      if back[id] == nil then ids[#ids + 1] = { __sock = id }; back[id] = item end
    elseif type(item) == "table" or type(item) == "userdata" then
      if reading and type(item.dirty) == "function" and item:dirty() then
        ready[#ready + 1] = item
      elseif type(item.getfd) == "function" then
        local fd = item:getfd()
        local sid = type(fd) == "number" and fd >= 0 and byfd(fd) or nil
        if sid ~= nil and back[sid] == nil then ids[#ids + 1] = { __sock = sid }; back[sid] = item end
      end
    end
  end
  return ids, back, ready
end

local function answer(results, back, ready)
  local t = {}
  for _, x in ipairs(ready) do t[#t + 1] = x end
  for _, p in ipairs(results) do
    local item = back[idof(p)]
    if item ~= nil then t[#t + 1] = item end
  end
  for i = 1, #t do t[t[i]] = i + 0.0 end
  return t
end

core.select = facade.cfunction(function(recvt, sendt, timeout)
  local rids, rback, ready = collect(recvt, 1, true)
  local wids, wback = collect(sendt, 2, false)
  if #ready > 0 then timeout = 0 end
  local n, a, b, c = rawselect(rids, wids, timeout)
  if n == -1 then facade.raise(a, b, "select", false) end
  local r, w, err = facade.objectresults("luasocket", n, a, b, c)
  if #ready > 0 then err = nil end
  return answer(r, rback, ready), answer(w, wback, {}), err
end)

return core
