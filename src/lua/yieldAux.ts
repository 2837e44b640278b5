/**
 * The lauxlib / ltm emulation the yieldable stand-ins share (yieldable.ts: require, tostring,
 * print; yieldSort.ts: table.sort; yieldGsub.ts: string.gsub): one Lua chunk returning a table
 * of functions that build C's messages. yieldable.ts (`installSource`) loads it once, stripped
 * and named `[C]` as the stand-ins are (`strippedLoader`), and passes the table to each
 * stand-in chunk as its argument (`...`). Everything it uses is captured when it runs.
 *
 * The helpers only build and return strings (nothing in them calls back into the script): a
 * stand-in raises the message itself from its own frame, `error(msg, 3)`, so no helper frame
 * ever stands between an error and the script. Levels are counted as `debug.getinfo` counts
 * them from the caller of the helper (1: the stand-in itself, 2: the `host.cfunction` C closure
 * around it, which stands for the C function: named by the script's call, at its position).
 *
 * - `argmsg(level, arg, extra)`: `luaL_argerror`'s message for argument `arg` of the function
 *   whose frame is at `level` ("bad argument #arg to 'name' (extra)"; a method call renumbered,
 *   "calling 'name' on bad self (extra)" for its self; the name from the call, else
 *   `pushglobalfuncname`'s "module.field" from the registry's `_LOADED` with "_G." dropped,
 *   else "?").
 * - `typemsg(level, arg, expected, v, none)`: `luaL_typeerror`'s message, "<expected> expected,
 *   got X": X the `__name` of v's metatable (for an absent argument, `none`, nil's metatable, as
 *   in C), else "light userdata", "no value" or v's type.
 * - `objtypename(v)`: `luaT_objtypename`, the `__name` of a table's or full userdata's metatable,
 *   else v's type (as in "attempt to call a X value").
 *
 * @since 0.1.0
 */

/** Lua 5.4 chunk: running it returns `{ argmsg, typemsg, objtypename }`. @since 0.1.0 */
export const auxSource: string = String.raw`
local type, next, rawget, rawequal, pcall = type, next, rawget, rawequal, pcall
local sub = string.sub
local getinfo, getmetatable, setuservalue = debug.getinfo, debug.getmetatable, debug.setuservalue
local registry = debug.getregistry()

-- type() says "userdata" for both kinds; only a full userdata passes debug.setuservalue's type
-- check (index 0 changes nothing)
local function islight(v)
  return type(v) == "userdata" and not pcall(setuservalue, v, nil, 0)
end

local function objtypename(v)
  local tv = type(v)
  if tv == "table" or (tv == "userdata" and not islight(v)) then
    local mt = getmetatable(v)
    local name = mt ~= nil and rawget(mt, "__name") or nil
    if type(name) == "string" then return name end
  end
  return tv
end

-- pushglobalfuncname: f in the registry's _LOADED (read at each call, as C does) or in one of its
-- tables, string keys only, in the order of next
local function globalname(f)
  local loaded = rawget(registry, "_LOADED")
  if type(loaded) ~= "table" then return nil end
  for k, v in next, loaded do
    if type(k) == "string" then
      local name
      if rawequal(v, f) then
        name = k
      elseif type(v) == "table" then
        for k2, v2 in next, v do
          if type(k2) == "string" and rawequal(v2, f) then
            name = k .. "." .. k2
            break
          end
        end
      end
      if name then
        if sub(name, 1, 3) == "_G." then name = sub(name, 4) end
        return name
      end
    end
  end
  return nil
end

local function argmsg(level, arg, extra)
  local ar = getinfo(level + 1, "nf")
  if ar.namewhat == "method" then
    arg = arg - 1
    if arg == 0 then return "calling '" .. ar.name .. "' on bad self (" .. extra .. ")" end
  end
  local name = ar.name or globalname(ar.func) or "?"
  return "bad argument #" .. arg .. " to '" .. name .. "' (" .. extra .. ")"
end

-- (luaL_getmetafield: the raw field of the raw metatable, for an absent argument nil's)
local function typemsg(level, arg, expected, v, none)
  local mt = getmetatable(v)
  local got = mt ~= nil and rawget(mt, "__name") or nil
  if type(got) ~= "string" then
    if islight(v) then
      got = "light userdata"
    elseif none then
      got = "no value"
    else
      got = type(v)
    end
  end
  local msg = argmsg(level + 1, arg, expected .. " expected, got " .. got) -- (not a tail call: level + 1 counts this frame)
  return msg
end

return { argmsg = argmsg, typemsg = typemsg, objtypename = objtypename }
`

/**
 * Lua source defining `local function stripped(src, what)`: `src` compiled as `=[C]`, dumped
 * without debug information, and loaded back with the source name `=[C]` written back into the
 * dump (`string.dump(f, true)` drops it: the function would be named "?"); `what` names the
 * chunk in errors. Used by `installSource` (yieldable.ts) and by the tests that build the
 * stand-ins the same way in a worker.
 *
 * @since 0.1.0
 */
export const strippedLoader: string = String.raw`
local function stripped(src, what)
  local f, err = load(src, "=[C]")
  if not f then error("luasock: " .. what .. ": " .. err, 0) end
  -- the full dump has the source after a 32-byte header (signature ... upvalue count) as a size
  -- byte and the bytes ("\x85=[C]"), the stripped one a size byte 0x80 (none)
  local bin, full = string.dump(f, true), string.dump(f)
  if full:sub(33, 37) ~= "\x85=[C]" or bin:byte(33) ~= 0x80 then
    error("luasock: " .. what .. ": unexpected string.dump layout", 0)
  end
  return load(bin:sub(1, 32) .. "\x85=[C]" .. bin:sub(34), "=[C]", "b")
end
`
