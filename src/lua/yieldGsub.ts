/**
 * A yieldable `string.gsub` for the main-thread runtime, where a script waits by yielding its
 * coroutine and C's gsub (a replacement called through `lua_call`) would fail with "attempt to
 * yield across a C-call boundary". `gsubSource` is a Lua 5.4 chunk returning one function that
 * behaves like lstrlib.c's `str_gsub`: a string or number replacement goes to the original C
 * gsub after the argument checks; a function or table replacement runs the str_gsub loop in
 * Lua, matching with C `string.find` (the same matcher, no callbacks), so nothing in C stands
 * between gsub and the replacement or an `__index` function. Errors have C's wording and the
 * caller's position; argument errors are named as luaL_argerror names them (the messages come
 * from the helper table of yieldAux.ts, the chunk's argument). Everything used is captured when
 * the chunk runs. Wiring (yieldable.ts): the chunk is loaded stripped and named
 * "=[C]", and the function it returns is wrapped in a C closure (`host.cfunction`, which keeps
 * the caller's frame in a tail call as a C function does); the engine drops the function's own
 * frame (`[C]: in function <[C]:N>`) from tracebacks. (Loading it as plain text works too: the
 * chunk reloads its gsub from a stripped dump whose source it sets to "=[C]" itself, since a
 * stripped dump's source reads "?" in tracebacks.)
 *
 * Called through a C closure whose first upvalue is this function, errors are raised at, and
 * arguments named from, that closure's frame instead of its own; called directly, from its own.
 *
 * Known differences (test/lua/yieldGsub.test.ts checks the rest against C):
 * - unwrapped, in a tail call (`return s:gsub(...)`) the caller's frame is gone: gsub's own
 *   errors carry the position of the frame below it, argument errors say 'string.gsub' without
 *   method renumbering, and tracebacks show "(...tail calls...)" instead of the caller's line;
 *   wrapped, its own frame shows in `debug.getinfo` levels (one more level between a
 *   replacement and the caller);
 * - it is a Lua function to `debug.getinfo`, `string.dump` and hooks, and
 *   `coroutine.isyieldable()` is true in a replacement run inside a coroutine;
 * - "attempt to index a X value" / "'__index' chain too long" from a table replacement come
 *   from `error` (one more traceback line);
 * - unwrapped, nested gsub calls in replacements end in "stack overflow" (~28000 deep) instead
 *   of "C stack overflow" (~200 deep);
 * - slower with a function or table: about 1-3 us per match in wasmoon.
 */
export const gsubSource: string = String.raw`
-- 'build' has no upvalues: everything it uses comes in as an argument, captured when this chunk
-- runs. It is dumped stripped and reloaded with its source set to "=[C]" (below), so that gsub
-- has no line information and a traceback line for it reads "[C]: in function 'string.gsub'"
-- however this chunk itself was loaded (a stripped binary chunk's source is "=?" otherwise).
local function build(find, sub, byte, rep, cgsub, type, error, select, pcall, rawget, rawequal,
                     tonumber, pack, unpack, concat, tointeger, getinfo, getmetatable, getupvalue,
                     argmsg, typemsg, objtypename, chainmsg)

local gsub -- (below)

-- The frame that stands for gsub as the script called it: gsub's own, or that of a C closure
-- wrapping it (its first upvalue gsub), which keeps its caller's frame in a tail call as the C
-- function does. level: gsub's level seen from the caller of this; returns that frame's level.
local function outer(level)
  local ar = getinfo(level + 2, "Sf")
  if ar and ar.what == "C" and getupvalue then
    local _, up = getupvalue(ar.func, 1)
    if rawequal(up, gsub) then return level + 1 end
  end
  return level
end

-- index just past the set starting at p[i] == "[" (lstrlib's classEnd on a well-formed set)
local function setend(p, i)
  local len = #p
  i = i + 1
  if byte(p, i) == 94 then i = i + 1 end
  repeat
    local c = byte(p, i)
    i = i + 1
    if c == 37 then i = i + 1 end
  until i > len or byte(p, i) == 93
  return i + 1
end

-- The pattern with the captures left open at its end closed (before a final "$" anchor):
-- matches the same, but string.find can then return its captures. nil when the first capture
-- is open (C's table lookup fails too). Only for a pattern that matched (so well-formed).
local function closecaptures(p)
  local len, i = #p, 1
  if byte(p, 1) == 94 then i = 2 end
  local open, nopen, ncap, dollar = {}, 0, 0, false
  while i <= len do
    local c, d = byte(p, i, i + 1)
    if c == 40 then -- "(": a capture, "()" a position capture
      ncap = ncap + 1
      if d == 41 then i = i + 2 else nopen = nopen + 1 open[nopen] = ncap i = i + 1 end
    elseif c == 41 then -- ")"
      open[nopen] = nil
      nopen = nopen - 1
      i = i + 1
    elseif c == 36 and i == len then -- final "$"
      dollar = true
      i = i + 1
    elseif c == 37 and d == 98 then -- %bxy
      i = i + 4
    elseif c == 37 and d == 102 then -- %f[set]
      i = setend(p, i + 2)
    elseif c == 37 and d and d >= 48 and d <= 57 then -- back reference
      i = i + 2
    else -- a single-character class, then maybe a quantifier
      if c == 37 then i = i + 2 elseif c == 91 then i = setend(p, i) else i = i + 1 end
      local q = byte(p, i)
      if q == 42 or q == 43 or q == 45 or q == 63 then i = i + 1 end
    end
  end
  if nopen == 0 or open[1] == 1 then return nil end
  if dollar then return sub(p, 1, len - 1) .. rep(")", nopen) .. "$" end
  return p .. rep(")", nopen)
end

function gsub(...)
  local s, p, repl, max = ...
  local nargs = select("#", ...)
  local t = type(s)
  if t ~= "string" then
    if t == "number" then s = s .. "" else error(typemsg(outer(1), 1, "string", s, nargs < 1), outer(1) + 1) end
  end
  t = type(p)
  if t ~= "string" then
    if t == "number" then p = p .. "" else error(typemsg(outer(1), 2, "string", p, nargs < 2), outer(1) + 1) end
  end
  local len = #s
  local maxn
  if max == nil then
    maxn = len + 1
  else
    t = type(max)
    local v = max
    if t == "string" then v = tonumber(max) elseif t ~= "number" then v = nil end
    if v == nil then error(typemsg(outer(1), 4, "number", max, false), outer(1) + 1) end
    maxn = tointeger(v)
    if maxn == nil then error(argmsg(outer(1), 4, "number has no integer representation"), outer(1) + 1) end
  end
  local tr = type(repl)
  if tr == "string" or tr == "number" then
    local ok, r, n = pcall(cgsub, ...)
    if ok then return r, n end
    if r == "not enough memory" then error(r, 0) end
    error(r, outer(1) + 1)
  end
  local istable = tr == "table"
  if not istable and tr ~= "function" then
    error(typemsg(outer(1), 3, "string/function/table", repl, nargs < 3), outer(1) + 1)
  end
  -- a table without a metatable: nothing runs during the loop that could give it one, so
  -- plain indexing is the same as lua_gettable (and cheaper than the __index protocol below)
  local plain = istable and getmetatable(repl) == nil

  -- string.find searches a pattern without specials as plain text, but the matcher reads a ")"
  -- as a capture end ("invalid pattern capture" once an attempt reaches it): such a pattern gets
  -- a special that changes nothing else
  if find(p, ")", 1, true) and not find(p, "[%^%$%*%+%?%.%(%[%%%-]") then
    if byte(p, 1) == 41 then p = "^" .. p else p = "[" .. sub(p, 1, 1) .. "]" .. sub(p, 2) end
  end
  local anchor = byte(p, 1) == 94
  local src, lastmatch, n = 1, 0, 0 -- lastmatch: index just past the last match (0: none)
  local copied = 1 -- s[copied..] is not in parts yet
  local parts, np = nil, 0
  local ncap, fixed = nil, false
  local ok, j, e, c1, c2, c3, caps
  while n < maxn do
    ::again::
    if ncap == nil or ncap > 3 then
      caps = pack(pcall(find, s, p, src))
      ok, j, e, c1, c2, c3 = caps[1], caps[2], caps[3], caps[4], caps[5], caps[6]
    else
      ok, j, e, c1, c2, c3 = pcall(find, s, p, src)
    end
    if not ok then
      if istable and j == "unfinished capture" and not fixed then
        local p2 = closecaptures(p)
        if p2 then
          p, fixed = p2, true
          goto again
        end
      end
      if j == "not enough memory" then error(j, 0) end
      error(j, outer(1) + 1)
    end
    if j == nil then break end -- no match from src on: the rest is copied
    if ncap == nil then ncap = caps.n - 3 end
    if e + 1 == lastmatch then
      -- an empty match where the last match ended (so at src): C copies one character
      if src > len then break end
      src = src + 1
    else
      n = n + 1
      local v
      if istable then
        local key
        if ncap > 0 then key = c1 elseif e < j then key = "" else key = sub(s, j, e) end
        local tab = repl
        if plain then v = tab[key] else v = rawget(tab, key) end
        if v == nil and not plain then
          -- lua_gettable's __index protocol, so that an __index function is called from here
          local loop = 0
          while true do
            local mt = getmetatable(tab)
            local tm = mt and rawget(mt, "__index")
            if tm == nil then
              if type(tab) == "table" then break end
              error("attempt to index a " .. objtypename(tab) .. " value", 0)
            end
            if type(tm) == "function" then
              v = tm(tab, key)
              break
            end
            tab = tm
            if type(tab) == "table" then
              v = rawget(tab, key)
              if v ~= nil then break end
            end
            loop = loop + 1
            if loop == 2000 then error(chainmsg, 0) end
          end
        end
      elseif ncap == 0 then
        if e < j then v = repl("") else v = repl(sub(s, j, e)) end
      elseif ncap == 1 then
        v = repl(c1)
      elseif ncap == 2 then
        v = repl(c1, c2)
      elseif ncap == 3 then
        v = repl(c1, c2, c3)
      else
        v = repl(unpack(caps, 4, caps.n))
      end
      if v then -- nil or false: the match stays
        t = type(v)
        if t == "number" then
          v = v .. ""
        elseif t ~= "string" then
          error("invalid replacement value (a " .. t .. ")", outer(1) + 1)
        end
        if parts == nil then parts = {} end
        if j > copied then
          np = np + 1
          parts[np] = sub(s, copied, j - 1)
        end
        np = np + 1
        parts[np] = v
        copied = e + 1
      end
      src = e + 1
      lastmatch = src
      if e < j then
        -- empty: C's next attempt, here again, gives the same match and copies one character
        if src > len then break end
        src = src + 1
      end
    end
    if anchor then break end
  end
  if parts == nil then return s, n end
  if copied <= len then parts[np + 1] = sub(s, copied, len) end
  return concat(parts), n
end

return gsub
end

local aux = ...
local make = build
local okdump, code = pcall(string.dump, build, true)
if okdump then
  -- header: signature, version, format, LUAC_DATA, then the sizes of Instruction, lua_Integer
  -- and lua_Number, then a lua_Integer and a lua_Number; then the upvalue count and the main
  -- function's source, 0x80 (a size of 0) when absent
  local hsize = 15 + string.byte(code, 14) + string.byte(code, 15)
  if string.byte(code, hsize + 2) == 0x80 then
    local f = load(string.sub(code, 1, hsize + 1) .. "\x85=[C]" .. string.sub(code, hsize + 3), "=[C]", "b")
    if f then make = f end
  end
end
-- lvm.c's message for a too long __index chain, as this Lua words it
local loop = {}
setmetatable(loop, {__index = loop})
local _, chainmsg = pcall(string.gsub, "x", "x", loop)
if type(chainmsg) ~= "string" then chainmsg = "'__index' chain too long; possible loop" end
return make(string.find, string.sub, string.byte, string.rep, string.gsub, type, error, select,
  pcall, rawget, rawequal, tonumber, table.pack, table.unpack, table.concat, math.tointeger,
  debug.getinfo, debug.getmetatable, debug.getupvalue, aux.argmsg, aux.typemsg, aux.objtypename,
  chainmsg)
`
