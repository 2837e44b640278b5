/**
 * Yieldable stand-ins for the standard C functions that call back into Lua, installed only when
 * a script runs on the main thread (`thread: "main"`, `luasock run`'s default).
 *
 * On the main thread a host call that must wait yields the script to the driver, and Lua cannot
 * yield across a C function: a wait inside a `table.sort` comparator, a `string.gsub`
 * replacement function, a `__tostring` reached through `tostring` / `print`, or the main chunk
 * of a module run by `require` would fail. These functions are therefore written in Lua
 * (`require`, `tostring`, `print` here; `table.sort` in yieldSort.ts; `string.gsub` in
 * yieldGsub.ts), with lua5.4's results, error messages (wording, `bad argument` names and the
 * caller's position) and traceback lines: each chunk is loaded stripped of debug information and
 * named `[C]`, so a frame of one reads `[C]: in function 'require'` like the C function's, and
 * every error is raised from the function's own frame with `error(msg, 3)` (each runs inside a
 * C closure, `host.cfunction`, so that a call in tail position keeps its caller's frame as with
 * a C function: level 2 is that closure, level 3 the caller). The engine drops the inner Lua
 * frames from tracebacks (engine.ts, `hideStandIns`).
 *
 * Contexts still left to the worker thread (documented in docs/lua.md): `__gc` finalizers, a
 * `load` reader function, `xpcall`'s message handler, `__tostring` through `string.format("%s")`,
 * metamethods called by other C functions (`table.concat` / `table.unpack` / `ipairs` on a proxy
 * table, ...). There a wait raises a clear error naming the worker placement.
 *
 * @since 0.1.0
 */
import { gsubSource } from "./yieldGsub.js"
import { sortSource } from "./yieldSort.js"

/**
 * `require`, `tostring` and `print` (returned in that order). `require` follows lua5.4's
 * `ll_require` / `findloader`: `package.loaded` and `package.searchers` of the package table as
 * it was at start (a script that replaces the global `package` does not change them, as in C),
 * the name cut at its first NUL byte (C strings), searcher messages joined with "\n\t", a nil
 * loader result stored as `true`, two results (module, loader data).
 */
export const baseSource = String.raw`
local type, select, error, rawget, rawequal, next, tostring, print = type, select, error, rawget, rawequal, next, tostring, print
local concat, unpack, getinfo, getmetatable = table.concat, table.unpack, debug.getinfo, debug.getmetatable
local find, sub = string.find, string.sub
local pkg = package
local LOADED = package.loaded

-- lauxlib's pushglobalfuncname: "module.field" of f in package.loaded ("_G." dropped)
local function globalname(f)
  for k, v in next, LOADED do
    if type(k) == "string" then
      if rawequal(v, f) then return k end
      if type(v) == "table" then
        for k2, v2 in next, v do
          if type(k2) == "string" and rawequal(v2, f) then
            local name = k .. "." .. k2
            if sub(name, 1, 3) == "_G." then name = sub(name, 4) end
            return name
          end
        end
      end
    end
  end
end

-- luaL_argerror's message for argument arg of the function at level 3 (the caller of this helper's caller)
local function argmsg(arg, extra)
  local ar = getinfo(3, "nf")
  if ar.namewhat == "method" then
    arg = arg - 1
    if arg == 0 then return "calling '" .. ar.name .. "' on bad self (" .. extra .. ")" end
  end
  local name = ar.name or globalname(ar.func) or "?"
  return "bad argument #" .. arg .. " to '" .. name .. "' (" .. extra .. ")"
end

-- lua_call's error for a value that cannot be called (luaG_callerror from a C function: no
-- position, luaT_objtypename); nil when v can be called
local function notcallable(v)
  local t = type(v)
  if t == "function" then return nil end
  local mt = getmetatable(v)
  if mt ~= nil and rawget(mt, "__call") ~= nil then return nil end
  if (t == "table" or t == "userdata") and mt ~= nil then
    local name = rawget(mt, "__name")
    if type(name) == "string" then t = name end
  end
  return "attempt to call a " .. t .. " value"
end

-- luaL_typeerror's "got" part
local function typename(none, v)
  if none then return "no value" end
  local mt = getmetatable(v)
  local name = mt ~= nil and rawget(mt, "__name") or nil
  if type(name) == "string" then return name end
  return type(v)
end

local function require(...)
  local name = ...
  local t = type(name)
  if t == "number" then
    name = tostring(name)
  elseif t ~= "string" then
    error(argmsg(1, "string expected, got " .. typename(select("#", ...) == 0, name)), 3)
  end
  local loadername = name
  -- C takes the name as a C string: cut at the first NUL byte (the loader gets it whole)
  local nul = find(name, "\0", 1, true)
  if nul then name = sub(name, 1, nul - 1) end
  local mod = LOADED[name]
  if mod then return mod end
  local searchers = pkg.searchers
  if type(searchers) ~= "table" then error("'package.searchers' must be a table", 3) end
  local msg = {}
  local i = 1
  local loader, data
  while true do
    local searcher = rawget(searchers, i)
    if searcher == nil then
      error("module '" .. name .. "' not found:" .. concat(msg), 3)
    end
    local f, extra = searcher(name)
    local tf = type(f)
    if tf == "function" then
      loader, data = f, extra
      break
    elseif tf == "string" or tf == "number" then
      msg[#msg + 1] = "\n\t" .. f
    end
    i = i + 1
  end
  local result = loader(loadername, data)
  if result ~= nil then LOADED[name] = result end
  local value = LOADED[name]
  if value == nil then
    value = true
    LOADED[name] = true
  end
  return value, data
end

-- v's __tostring metamethod (luaL_callmeta: the raw field of the raw metatable), or nil
local function metatostring(v)
  local mt = getmetatable(v)
  if mt ~= nil then return rawget(mt, "__tostring") end
  return nil
end

-- a __tostring result as luaL_tolstring takes it (a number becomes its string), or nil
local function asstring(s)
  local ts = type(s)
  if ts == "string" then return s end
  if ts == "number" then return tostring(s) end
  return nil
end

-- (the metamethod is called from the stand-in's own frame, as C calls it from tostring's /
-- print's: a traceback from inside it then reads the same)
local function tostring_(...)
  if select("#", ...) == 0 then error(argmsg(1, "value expected"), 3) end
  local v = ...
  local h = metatostring(v)
  if h == nil then return tostring(v) end
  local bad = notcallable(h)
  if bad then error(bad, 0) end
  local s = asstring(h(v))
  if s == nil then error("'__tostring' must return a string", 3) end
  return s
end

local function print_(...)
  local n = select("#", ...)
  local convert = false
  for i = 1, n do
    if metatostring((select(i, ...))) ~= nil then
      convert = true
      break
    end
  end
  if not convert then return print(...) end
  -- as luaL_tolstring, in order; the converted strings then go through the C print
  local args = { ... }
  for i = 1, n do
    local v = args[i]
    local h = metatostring(v)
    if h ~= nil then
      local bad = notcallable(h)
      if bad then error(bad, 0) end
      local s = asstring(h(v))
      if s == nil then error("'__tostring' must return a string", 3) end
      args[i] = s
    end
  end
  return print(unpack(args, 1, n))
end

return require, tostring_, print_
`

/**
 * Installs the stand-ins (called with the three sources): each chunk stripped of its debug
 * information and named `[C]`.
 */
const installSource = String.raw`
local baseSrc, sortSrc, gsubSrc, cfunction, traceback, printentry = ...
local load, dump = load, string.dump
-- string.dump(f, true) drops the source name too (the function would be named "?"): put "=[C]"
-- back where the full dump has it (a 32-byte header, then the source as a size byte and the bytes)
local function stripped(src, what)
  local f, err = load(src, "=[C]")
  if not f then error("luasock: " .. what .. ": " .. err, 0) end
  local bin, full = dump(f, true), dump(f)
  if full:sub(33, 37) ~= "\x85=[C]" or bin:byte(33) ~= 0x80 then
    error("luasock: " .. what .. ": unexpected string.dump layout", 0)
  end
  return load(bin:sub(1, 32) .. "\x85=[C]" .. bin:sub(34), "=[C]", "b")
end
local req, ts, pr = stripped(baseSrc, "base")()
require, tostring, print = cfunction(req), cfunction(ts), printentry(pr)
table.sort = cfunction(stripped(sortSrc, "table.sort")())
string.gsub = cfunction(stripped(gsubSrc, "string.gsub")())
debug.traceback = traceback
`

/** What the engine runs on a main-thread state after the prelude: the chunk and its three arguments. @since 0.1.0 */
export const yieldable = { installSource, args: [baseSource, sortSource, gsubSource] } as const
