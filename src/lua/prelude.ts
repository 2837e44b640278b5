/**
 * The Lua half of the process set-up, run in each fresh state before the script: `require`
 * (package.path on disk and the built-in module directory), `package.searchpath`, `dofile`,
 * `io.lines` on stdin, `warn`, and the `luasock.host` module. Everything that writes or reads
 * bytes (print, io.write, io.read, loadfile, os.exit, os.getenv) is a C function implemented
 * in the worker (worker.ts), so that it shows as `[C]` in tracebacks like lua5.4's own.
 *
 * Called with: `host` (the host-function table), `readable(path)`, `builtinDir`, `defaultPath`.
 *
 * @since 0.1.0
 */
export const prelude = String.raw`
local host, readable, builtinDir, defaultPath = ...
local package, io, string, table, select, type, error = package, io, string, table, select, type, error
local loadfile = loadfile

-- package.path as lua5.4 sets it: LUA_PATH_5_4, else LUA_PATH, ";;" standing for the default.
do
  local env = os.getenv("LUA_PATH_5_4") or os.getenv("LUA_PATH")
  if env then
    local s, e = env:find(";;", 1, true)
    if s then
      local before, after = env:sub(1, s - 1), env:sub(e + 1)
      env = (before ~= "" and before .. ";" or "") .. defaultPath .. (after ~= "" and ";" .. after or "")
    end
    package.path = env
  else
    package.path = defaultPath
  end
  package.cpath = ""
end

-- package.searchpath on the real file system (emscripten's own sees only its memory FS).
local function searchpath(name, path, sep, rep)
  if type(name) ~= "string" then error("bad argument #1 to 'searchpath' (string expected, got " .. type(name) .. ")", 2) end
  if type(path) ~= "string" then error("bad argument #2 to 'searchpath' (string expected, got " .. type(path) .. ")", 2) end
  sep = sep or "."
  rep = rep or "/"
  if sep ~= "" then name = name:gsub(sep:gsub("%p", "%%%0"), (rep:gsub("%%", "%%%%"))) end
  local tried = {}
  for template in path:gmatch("[^;]+") do
    local filename = template:gsub("%?", (name:gsub("%%", "%%%%")))
    if readable(filename) then return filename end
    tried[#tried + 1] = "no file '" .. filename .. "'"
  end
  return nil, table.concat(tried, "\n\t")
end
package.searchpath = searchpath

local function loader(name, filename)
  local f, msg = loadfile(filename)
  if f then return f, filename end
  error(string.format("error loading module '%s' from file '%s':\n\t%s", name, filename, msg), 0)
end

local builtinPath = builtinDir .. "/?.lua;" .. builtinDir .. "/?/init.lua"
local function searcherBuiltin(name)
  local filename, err = searchpath(name, builtinPath)
  if not filename then return err end
  return loader(name, filename)
end

local function searcherLua(name)
  local path = package.path
  if type(path) ~= "string" then error("'package.path' must be a string", 0) end
  local filename, err = searchpath(name, path)
  if not filename then return err end
  return loader(name, filename)
end

package.searchers[2] = searcherBuiltin
package.searchers[3] = searcherLua
package.searchers[4] = nil

package.preload["luasock.host"] = function() return host end

function dofile(filename)
  local f, err = loadfile(filename)
  if not f then error(err, 0) end
  return f()
end

-- io.lines() on stdin (a file name still goes to the original).
local function stdinLines(...)
  local n, formats, stdin = select("#", ...), { ... }, io.stdin
  if n == 0 then return function() return stdin:read("l") end end
  return function() return stdin:read(table.unpack(formats, 1, n)) end
end
local lines = io.lines
function io.lines(filename, ...)
  if filename == nil and io.input() == io.stdin then
    return stdinLines(...)
  end
  return lines(filename, ...)
end
local meta = getmetatable(io.stdin).__index
local flines = meta.lines
function meta.lines(f, ...)
  if f == io.stdin then return stdinLines(...) end
  return flines(f, ...)
end

-- warn: lua5.4 semantics ("@on" / "@off", off by default), written to stderr like lua.c.
do
  local on = false
  local stderr = io.stderr
  local cwarn = warn
  function warn(msg, ...)
    local n = select("#", ...)
    if type(msg) ~= "string" then error("bad argument #1 to 'warn' (string expected, got " .. (msg == nil and "no value" or type(msg)) .. ")", 2) end
    for i = 1, n do
      local v = select(i, ...)
      if type(v) ~= "string" then error("bad argument #" .. (i + 1) .. " to 'warn' (string expected, got " .. type(v) .. ")", 2) end
    end
    if n == 0 and msg:sub(1, 1) == "@" then
      if msg == "@on" then on = true elseif msg == "@off" then on = false end
      cwarn(msg) -- keeps the C side (warnings from __gc errors) in step
      return
    end
    if on then
      stderr:write("Lua warning: ", msg, ...)
      stderr:write("\n")
    end
  end
end
`
