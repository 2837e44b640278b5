-- Builds a facade's Lua module (functions, constants, object metatables) from the
-- spec the host describes (`facade.meta`): every function and method is a thin closure
-- over one host function. Written for effect-luasocket; see src/lua/facadeHost.ts for
-- the protocol.
local host = require "luasock.host"

local M = {}

-- Objects are full userdata, as the C libraries' are (type() says "userdata", assigning a
-- field raises); objects with data fields (lunatik's type / proto) are tables. Their ids
-- live in a weak-keyed table.
local ids = setmetatable({}, { __mode = "k" })
local newuserdata = host.newuserdata
local setmeta = debug.setmetatable

local format, getinfo, unpack = string.format, debug.getinfo, table.unpack

-- Library functions are C functions in the C libraries: a C function keeps its caller's
-- frame even when called in tail position (`return s:receive("l")`), which is what gives
-- LuaSocket's error messages their position and their method name. host.cfunction(f)
-- wraps a Lua function in a C closure, so ours behave the same: inside f, level 2 is the
-- call as the user made it and level 3 the user's code.
local cfunction = host.cfunction or function(f) return f end
local INFO, LEVEL = 1, 2
if host.cfunction then INFO, LEVEL = 2, 3 end
M.cfunction = cfunction

-- Lua 5.4's luaL_argerror wording, from the wrapper's own call info.
local function argmessage(reason, arg, fname, ismethod, info)
  if arg == nil then return reason end
  local name = info and info.name
  if ismethod and info and info.namewhat == "method" then
    arg = arg - 1
    if arg == 0 then return format("calling '%s' on bad self (%s)", name, reason) end
  end
  if name == nil then name = ismethod and "?" or fname end
  return format("bad argument #%d to '%s' (%s)", arg, name, reason)
end

local proxies = setmetatable({}, { __mode = "v" })   -- id -> proxy (per facade module state)
local metatables = {}                                -- facade:type -> metatable
local dead = {}                                      -- ids of collected proxies, released lazily

local function flushdead()
  if #dead > 0 then
    local ids = dead
    dead = {}
    host["facade.release"](ids)
  end
end

-- Host records {__sock = id, __type = t} -> proxies (the same proxy for the same id).
local function fromhost(facade, v)
  if type(v) ~= "table" then return v end
  local id = v.__sock
  if id ~= nil then
    local p = proxies[id]
    if p == nil then
      local fields
      for k, x in pairs(v) do
        if k ~= "__sock" and k ~= "__type" and k ~= "__class" then
          fields = fields or {}
          fields[k] = x
        end
      end
      p = (fields == nil and newuserdata) and newuserdata() or fields or {}
      ids[p] = id
      setmeta(p, metatables[facade .. ":" .. v.__class] or metatables[facade .. ":" .. v.__type])
      proxies[id] = p
    end
    return p
  end
  for k, x in pairs(v) do v[k] = fromhost(facade, x) end
  return v
end

-- Proxies inside argument tables -> {__sock = id}.
-- Other tables inside argument tables (sinks, sources: objects the host cannot watch)
-- become false, which the host ignores, as LuaSocket ignores items without a descriptor.
local function tohost(v, depth)
  local id = ids[v]
  if id ~= nil then return { __sock = id } end
  if type(v) ~= "table" then return (depth or 0) > 0 and type(v) == "userdata" and false or v end
  if (depth or 0) > 0 then return false end
  -- the array part as ipairs sees it (a hole ends it, as in LuaSocket's select), plus string keys
  local out = {}
  for i, x in ipairs(v) do out[i] = tohost(x, 1) end
  for k, x in pairs(v) do
    if type(k) == "string" then out[k] = tohost(x, 1) end
  end
  return out
end

local function idof(self)
  return ids[self] or false
end
M.idof = idof

local function objectresults(facade, n, a, b, c, d, e)
  if n == 1 then return fromhost(facade, a)
  elseif n == 2 then return fromhost(facade, a), fromhost(facade, b)
  elseif n == 3 then return fromhost(facade, a), fromhost(facade, b), fromhost(facade, c)
  elseif n == 0 then return
  else
    local t = n > 5 and a or { a, b, c, d, e }
    for i = 1, n do t[i] = fromhost(facade, t[i]) end
    return unpack(t, 1, n)
  end
end

local transitions = { connect = true, setpeername = true, listen = true, bind = true, setsockname = true }

-- The results as the host sends them: their count, then up to five (more come packed in `a`).
local function results(n, a, b, c, d, e)
  if n == 1 then return a
  elseif n == 3 then return a, b, c
  elseif n == 2 then return a, b
  elseif n == 0 then return
  elseif n == 4 then return a, b, c, d
  elseif n == 5 then return a, b, c, d, e
  else return unpack(a, 1, n) end
end

local function makefunction(facade, meta, ismethod, typename, before)
  local call = host[ismethod and (facade .. ":" .. typename .. "." .. meta.name) or (facade .. "." .. meta.name)]
  if call == nil then error("no host function for " .. facade .. " " .. meta.name) end
  local fname = meta.name
  local objects = meta.objects
  if ismethod then
    -- calls that may change the object's class (master -> client / server, udp connect):
    -- its metatable follows, as LuaSocket's objects change metatable
    local transition = transitions[fname]
    return cfunction(function(self, ...)
      if objects then flushdead() end
      if before then before(self) end
      local id = idof(self)
      local n, a, b, c, d, e = call(id, ...)
      if n == -1 then error(argmessage(a, b, c, true, getinfo(INFO, "n")), d and 0 or LEVEL) end
      if transition then
        local mt = metatables[facade .. ":" .. tostring(host["facade.class"](id))]
        if mt then setmeta(self, mt) end
      end
      if objects then return objectresults(facade, n, a, b, c, d, e) end
      return results(n, a, b, c, d, e)
    end)
  end
  return cfunction(function(...)
    local n, a, b, c, d, e
    if objects then
      flushdead()
      local args = table.pack(...)
      for i = 1, args.n do args[i] = tohost(args[i]) end
      n, a, b, c, d, e = call(unpack(args, 1, args.n))
    else
      n, a, b, c, d, e = call(...)
    end
    if n == -1 then error(argmessage(a, b, fname:match("[^.]*$"), false, getinfo(INFO, "n")), d and 0 or LEVEL) end
    if objects then return objectresults(facade, n, a, b, c, d, e) end
    return results(n, a, b, c, d, e)
  end)
end

-- For Lua-defined library functions (wrapped with M.cfunction): raise a library error as
-- luaL_argerror would (arg counts self for methods; nil arg: a plain message).
-- `up`: how many Lua functions sit between the wrapped function and the caller of raise.
function M.raise(reason, arg, fname, ismethod, up)
  up = up or 0
  error(argmessage(reason, arg, fname, ismethod, getinfo(INFO + 1 + up, "n")), LEVEL + 1 + up)
end

-- The host function behind a facade function (protocol: n, results... / -1, reason, arg, name).
function M.hostfunction(facade, name) return host[facade .. "." .. name] end

M.objectresults = objectresults

local function place(t, path, value)
  local parts = {}
  for p in path:gmatch("[^.]+") do parts[#parts + 1] = p end
  for i = 1, #parts - 1 do
    local k = parts[i]
    t[k] = t[k] or {}
    t = t[k]
  end
  t[parts[#parts]] = value
end

local built = {}

-- The module table of facade `name` (cached), without the Lua-defined (native) functions.
-- `hooks.before[type](self)` runs at the start of every method of that type;
-- `hooks.overrides[type][method](hostfunction)` returns the Lua function that implements the
-- method instead (wrapped like the others).
function M.load(name, hooks)
  if built[name] then return built[name] end
  local meta = assert(host["facade.meta"](name))
  local ns = {}
  for k, v in pairs(meta.constants) do place(ns, k, v) end
  local function tostr(self)
    local s = host["facade.tostring"](ids[self])
    return (s:gsub("0x%x+$", (format("%p", self))))
  end
  local function gc(self) dead[#dead + 1] = ids[self] end
  for typename, methods in pairs(meta.types) do
    local fns = {}
    local before = hooks and hooks.before and hooks.before[typename]
    local overrides = hooks and hooks.overrides and hooks.overrides[typename] or {}
    for _, m in ipairs(methods) do
      if overrides[m.name] then
        fns[m.name] = cfunction(overrides[m.name](host[name .. ":" .. typename .. "." .. m.name]))
      else
        fns[m.name] = makefunction(name, m, true, typename, before)
      end
    end
    -- one metatable per class, as LuaSocket's: __name is the class, __index holds the
    -- methods and `class`, and each group the class belongs to is a true field
    local info = meta.classes[typename]
    for _, cls in ipairs(info.classes) do
      local index = { class = cls }
      for k, f in pairs(fns) do index[k] = f end
      local mt = { __index = index, __name = cls, __tostring = tostr, __gc = gc }
      for group, members in pairs(info.groups) do
        for _, member in ipairs(members) do
          if member == cls then mt[group] = true end
        end
      end
      metatables[name .. ":" .. cls] = mt
    end
    local index = {}
    for k, f in pairs(fns) do index[k] = f end
    metatables[name .. ":" .. typename] = { __index = index, __name = name .. "." .. typename, __tostring = tostr, __gc = gc }
  end
  for _, f in ipairs(meta.functions) do
    if not f.native then place(ns, f.name, makefunction(name, f, false)) end
  end
  built[name] = ns
  return ns
end

return M
