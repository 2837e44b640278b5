-- Shared printing helpers for the module differential scripts (loaded with dofile, so it
-- works the same whichever ltn12 / socket.url / socket.headers is on the path).
local H = {}

local function sortkey(k)
  local t = type(k)
  if t == "number" then return "1" .. string.format("%020.6f", k) end
  return "2" .. t .. tostring(k)
end

-- Error messages carry "path/file.lua:line:" positions; the module files live at other
-- paths (and other line numbers) in the two runs, so only the file name is kept.
function H.errmsg(e)
  if type(e) ~= "string" then return "(" .. type(e) .. ") " .. H.show(e) end
  return (e:gsub("[^%s\"']-([%w_]+%.lua):%d+:", "%1:_:"))
end

function H.show(v, seen)
  local t = type(v)
  if t == "string" then return string.format("%q", v) end
  if t == "number" then return math.type(v) .. ":" .. tostring(v) end
  if t == "nil" or t == "boolean" then return tostring(v) end
  if t == "table" then
    seen = seen or {}
    if seen[v] then return "<cycle>" end
    seen[v] = true
    local keys = {}
    for k in pairs(v) do keys[#keys + 1] = k end
    table.sort(keys, function(a, b) return sortkey(a) < sortkey(b) end)
    local parts = {}
    for _, k in ipairs(keys) do
      local ks = type(k) == "string" and k or "[" .. H.show(k, seen) .. "]"
      parts[#parts + 1] = ks .. "=" .. H.show(v[k], seen)
    end
    seen[v] = nil
    return "{" .. table.concat(parts, ",") .. "}"
  end
  if t == "userdata" and io.type(v) then return io.type(v) end
  return t
end

-- "n=<count> v1, v2, ..." for a list of results
function H.results(...)
  local n = select("#", ...)
  local parts = {}
  for i = 1, n do parts[i] = H.show((select(i, ...))) end
  return "n=" .. n .. " " .. table.concat(parts, ", ")
end

-- Calls f(...) protected and prints "label -> results" or "label !! error".
function H.call(label, f, ...)
  local r = table.pack(pcall(f, ...))
  if r[1] then
    print(label .. " -> " .. H.results(table.unpack(r, 2, r.n)))
  else
    print(label .. " !! " .. H.errmsg(r[2]))
  end
  return r[1], table.unpack(r, 2, r.n)
end

-- Arguments arrive hex-encoded (so any byte, NUL included, can pass through argv).
function H.unhex(s)
  return (s:gsub("%x%x", function(h) return string.char(tonumber(h, 16)) end))
end

return H
