-- socket.url: URL parsing, building, escaping and resolution (URL 1.0.3 behaviour).
--
-- Written for effect-luasocket from LuaSocket's documented behaviour (RFC 2396 style
-- parsing: <scheme>://<user>:<password>@<host>:<port>/<path>;<params>?<query>#<fragment>)
-- and checked against Debian's lua-socket 3.1.0 by test/lua/modules.test.ts, quirks
-- included. Like LuaSocket, the module is also reachable as `require("socket").url`.

local socket = require("socket")

local pairs, tonumber, tostring = pairs, tonumber, tostring
local gsub, find, match, sub, format, byte, char =
  string.gsub, string.find, string.match, string.sub, string.format, string.byte, string.char

local M = { _VERSION = "URL 1.0.3" }
socket.url = M

-------------------------------------------------------------------------------
-- escaping
-------------------------------------------------------------------------------

-- Every byte but letters, digits and "_" becomes %xx (lower-case hex).
function M.escape(s)
  return (gsub(s, "[^%w_]", function(c) return format("%%%02x", byte(c)) end))
end

-- Bytes allowed as they are in a path segment besides letters, digits and "_".
local segment_safe = {}
for c in ("-_.!~*'():@&=+$,"):gmatch(".") do segment_safe[c] = true end

-- A path segment made safe: other bytes become %XX (upper-case hex).
local function protect_segment(s)
  return gsub(s, "[^%w_]", function(c)
    if segment_safe[c] then return c end
    return format("%%%02X", byte(c))
  end)
end

function M.unescape(s)
  return (gsub(s, "%%(%x%x)", function(hex) return char(tonumber(hex, 16)) end))
end

-------------------------------------------------------------------------------
-- parse and build
-------------------------------------------------------------------------------

-- Splits a URL into a table (fields: scheme, authority, userinfo, user, password, host,
-- port, path, params, query, fragment; all strings). Fields of `default` are copied first.
function M.parse(url, default)
  local parsed = {}
  for k, v in pairs(default or parsed) do parsed[k] = v end
  if not url or url == "" then return nil, "invalid url" end
  local function take(pattern, field)
    url = gsub(url, pattern, function(part)
      parsed[field] = part
      return ""
    end)
  end
  take("^(%w[%w%+%-%.]*):", "scheme")
  -- the authority runs to the first "/": "#", "?" and ";" before it belong to it
  take("^//([^/]*)", "authority")
  take("#(.*)$", "fragment")
  take("%?(.*)", "query")
  take(";(.*)", "params")
  if url ~= "" then parsed.path = url end

  local authority = parsed.authority
  if not authority then return parsed end
  authority = gsub(authority, "^([^@]*)@", function(u)
    parsed.userinfo = u
    return ""
  end)
  -- the port follows the last ":", unless a "]" (end of an IPv6 literal) comes after it
  authority = gsub(authority, ":([^:%]]*)$", function(p)
    parsed.port = p
    return ""
  end)
  if authority ~= "" then parsed.host = match(authority, "^%[(.+)%]$") or authority end

  local userinfo = parsed.userinfo
  if not userinfo then return parsed end
  userinfo = gsub(userinfo, ":([^:]*)$", function(p)
    parsed.password = p
    return ""
  end)
  parsed.user = userinfo
  return parsed
end

-- The inverse of parse. host/port/user/password, when host is present, take precedence
-- over authority and userinfo; a host containing ":" is written in brackets.
function M.build(parsed)
  local url = parsed.path or ""
  if parsed.params then url = url .. ";" .. parsed.params end
  if parsed.query then url = url .. "?" .. parsed.query end
  local authority = parsed.authority
  local host = parsed.host
  if host then
    authority = host
    if find(authority, ":") then authority = "[" .. authority .. "]" end
    if parsed.port then authority = authority .. ":" .. tostring(parsed.port) end
    local userinfo = parsed.userinfo
    if parsed.user then
      userinfo = parsed.user
      if parsed.password then userinfo = userinfo .. ":" .. parsed.password end
    end
    if userinfo then authority = userinfo .. "@" .. authority end
  end
  if authority then url = "//" .. authority .. url end
  if parsed.scheme then url = parsed.scheme .. ":" .. url end
  if parsed.fragment then url = url .. "#" .. parsed.fragment end
  return url
end

-------------------------------------------------------------------------------
-- relative resolution
-------------------------------------------------------------------------------

-- Rewrites `path` once per round until nothing changes.
local function rewrite_all(path, pattern, replacement)
  while true do
    local next_path = gsub(path, pattern, replacement, 1)
    if next_path == path then return path end
    path = next_path
  end
end

-- Resolves "." and ".." segments by textual rewriting. Empty segments ("//") are kept by
-- standing a marker byte in them while the rewriting runs.
local function remove_dots(path)
  local mark = "\1"
  local count
  repeat path, count = path:gsub("//", "/" .. mark .. "/") until count == 0
  path = rewrite_all(path, "/%./", "/")
  path = rewrite_all(path, "[^/]+/%.%./([^/]+)", "%1")
  path = gsub(path, "[^/]+/%.%./*$", "")
  path = gsub(path, "/%.%.$", "/")
  path = gsub(path, "/%.$", "/")
  path = gsub(path, "^/%.%./", "/")
  path = gsub(path, mark, "")
  return path
end

local function merge_paths(base_path, rel_path)
  if sub(rel_path, 1, 1) == "/" then return remove_dots(rel_path) end
  local dir = gsub(base_path, "[^/]*$", "")
  if not find(dir, "/$") then dir = dir .. "/" end
  return remove_dots(dir .. rel_path)
end

local function resolve(base_url, relative_url)
  local base_parsed
  if type(base_url) == "table" then
    base_parsed = base_url
    base_url = M.build(base_parsed)
  else
    base_parsed = M.parse(base_url)
  end
  local rel = M.parse(relative_url)
  if not base_parsed then return relative_url end
  if not rel then return base_url end
  if rel.scheme then return relative_url end
  rel.scheme = base_parsed.scheme
  if not rel.authority then
    rel.authority = base_parsed.authority
    if rel.path then
      rel.path = merge_paths(base_parsed.path or "", rel.path)
    else
      rel.path = base_parsed.path
      if not rel.params then
        rel.params = base_parsed.params
        if not rel.query then rel.query = base_parsed.query end
      end
    end
  end
  return M.build(rel)
end

-- Resolves relative_url against base_url (a string, or a table as parse returns). The
-- result, whichever way it was found, goes through the dot-segment rewriting as a whole
-- string (query, params and fragment included), as LuaSocket 3.1 does.
function M.absolute(base_url, relative_url)
  return remove_dots(resolve(base_url, relative_url))
end

-------------------------------------------------------------------------------
-- paths
-------------------------------------------------------------------------------

-- Splits a path into unescaped segments; is_absolute / is_directory are 1 when the path
-- starts / ends with "/".
function M.parse_path(path)
  local parsed = {}
  path = path or ""
  gsub(path, "[^/]+", function(segment) parsed[#parsed + 1] = segment end)
  for i = 1, #parsed do parsed[i] = M.unescape(parsed[i]) end
  if sub(path, 1, 1) == "/" then parsed.is_absolute = 1 end
  if sub(path, -1, -1) == "/" then parsed.is_directory = 1 end
  return parsed
end

-- The inverse of parse_path; segments are escaped unless `unsafe` is true.
function M.build_path(parsed, unsafe)
  local n = #parsed
  local path = ""
  for i = 1, n do
    if unsafe then
      path = path .. parsed[i]
    else
      path = path .. protect_segment(parsed[i])
    end
    if i < n then
      path = path .. "/"
    elseif parsed.is_directory then
      path = path .. "/"
    end
  end
  if parsed.is_absolute then path = "/" .. path end
  return path
end

return M
