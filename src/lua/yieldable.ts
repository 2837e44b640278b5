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
 * frames from tracebacks (engine.ts, `hideStandIns`). The lauxlib messages they share (`bad argument`
 * names, type names) come from one chunk, yieldAux.ts, loaded once and passed to each.
 *
 * Contexts still left to the worker thread (documented in docs/lua.md): `__gc` finalizers, a
 * `load` reader function, `xpcall`'s message handler, `__tostring` through `string.format("%s")`,
 * metamethods called by other C functions (`table.concat` / `table.unpack` / `ipairs` on a proxy
 * table, ...). There a wait raises a clear error naming the worker placement.
 *
 * @since 0.1.0
 */
import { auxSource, strippedLoader } from "./yieldAux.js"
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
local aux = ...
local type, select, error, rawget, tostring, print = type, select, error, rawget, tostring, print
local concat, unpack, getmetatable = table.concat, table.unpack, debug.getmetatable
local find, sub = string.find, string.sub
local argmsg, typemsg, objtypename = aux.argmsg, aux.typemsg, aux.objtypename
local pkg = package
local LOADED = package.loaded

-- lua_call's error for a value that cannot be called (luaG_callerror from a C function: no
-- position, luaT_objtypename); nil when v can be called
local function notcallable(v)
  if type(v) == "function" then return nil end
  local mt = getmetatable(v)
  if mt ~= nil and rawget(mt, "__call") ~= nil then return nil end
  return "attempt to call a " .. objtypename(v) .. " value"
end

local function require(...)
  local name = ...
  local t = type(name)
  if t == "number" then
    name = tostring(name)
  elseif t ~= "string" then
    error(typemsg(2, 1, "string", name, select("#", ...) == 0), 3)
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
    local bad = notcallable(searcher)
    if bad then error(bad, 0) end
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
  if select("#", ...) == 0 then error(argmsg(2, 1, "value expected"), 3) end
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
 * Installs the stand-ins (called with the four sources, then host.cfunction, the engine's
 * debug.traceback and its maker of the C closures for tostring and print, which do the C
 * function's work themselves unless an argument has `__tostring`): each chunk stripped of its
 * debug information and named `[C]`; the shared helpers (yieldAux.ts) loaded once and passed to
 * each stand-in chunk.
 */
const installSource = String.raw`
local auxSrc, baseSrc, sortSrc, gsubSrc, cfunction, traceback, standin = ...
${strippedLoader}
local aux = stripped(auxSrc, "aux")()
local req, ts, pr = stripped(baseSrc, "base")(aux)
require, tostring, print = cfunction(req), standin("t", ts), standin("p", pr)
table.sort = cfunction(stripped(sortSrc, "table.sort")(aux))
string.gsub = cfunction(stripped(gsubSrc, "string.gsub")(aux))
debug.traceback = traceback
`

/** What the engine runs on a main-thread state after the prelude: the chunk and its four source arguments. @since 0.1.0 */
export const yieldable = { installSource, args: [auxSource, baseSource, sortSource, gsubSource] } as const
