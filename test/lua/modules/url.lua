-- socket.url under many inputs. With no arguments: a fixed corpus. With arguments
--   url.lua strings <hex>...
-- every function is applied to each decoded string, and absolute() to every pair.
local dir = arg[0]:match("^(.*)/[^/]*$") or "."
local H = dofile(dir .. "/_show.lua")
local show, call = H.show, H.call
local url = require("socket.url")

local bases = { "http://a/b/c/d;p?q", "http://a", "http://u:p@[::1]:8/x/y/", "/rel/path", "", "s:opaque",
  "//auth/a/b/../c/", "http://h/a//b/./c/..", "ftp://f/%2e%2e/x?y#z" }

local function everything(label, s)
  call(label .. " parse", url.parse, s)
  local ok, parsed = pcall(url.parse, s)
  if ok and parsed then call(label .. " build", url.build, parsed) end
  call(label .. " escape", url.escape, s)
  call(label .. " unescape", url.unescape, s)
  call(label .. " parse_path", url.parse_path, s)
  local pok, p = pcall(url.parse_path, s)
  if pok then
    call(label .. " build_path", url.build_path, p)
    call(label .. " build_path unsafe", url.build_path, p, true)
  end
  call(label .. " escape/unescape", function(x) return url.unescape(url.escape(x)) == x end, s)
  for i, b in ipairs(bases) do
    call(label .. " absolute base" .. i, url.absolute, b, s)
    call(label .. " absolute as base" .. i, url.absolute, s, b)
  end
end

if arg[1] == "strings" then
  local list = {}
  for i = 2, #arg do list[#list + 1] = H.unhex(arg[i]) end
  for i, s in ipairs(list) do everything("s" .. i .. " " .. show(s), s) end
  for i, a in ipairs(list) do
    for j, b in ipairs(list) do call("absolute " .. i .. "," .. j, url.absolute, a, b) end
  end
  return
end

print("module", show(url))
print("socket.url is the module", require("socket").url == url)

-- escaping every byte
local all = {}
for b = 0, 255 do all[#all + 1] = string.char(b) end
all = table.concat(all)
print("escape all", url.escape(all))
print("unescape(escape(all)) == all", url.unescape(url.escape(all)) == all)
for _, s in ipairs({ "", "%", "%4", "%41", "%4a%4A%zz%%41", "%%", "%0041", "a+b%20c", "%e9%C3%a9", "%g1", "%1g" }) do
  call("unescape " .. show(s), url.unescape, s)
end
call("escape number", url.escape, 1.5)
call("escape nil", url.escape, nil)
call("unescape nil", url.unescape, nil)
call("unescape number", url.unescape, 25)

-- parse / build over many URLs
local corpus = {
  "http://www.example.com", "http://www.example.com/", "https://user:pass@host:8080/p/a/t/h;par?query=1&b=2#frag",
  "ftp://ftp.is.co.za/rfc/rfc1808.txt", "mailto:John.Doe@example.com", "news:comp.infosystems.www.servers.unix",
  "tel:+1-816-555-1212", "telnet://192.0.2.16:80/", "urn:oasis:names:specification:docbook:dtd:xml:4.1.2",
  "ldap://[2001:db8::7]/c=GB?objectClass?one", "http://[::1]:80/", "http://[::1]/", "http://[::1]", "http://[v7.x]:1",
  "http://[::1", "http://::1/", "http://h:/", "http://:80/", "http://@h", "http://u@h", "http://u:@h", "http://:p@h",
  "http://a:b:c@h:1:2/", "http://a@b@c:9/", "//host", "//host:1/p", "//", "///", "/", "//@", "?q", "#f", ";p", "?", "#",
  ";", "a?b;c#d?e", "a#b?c", "a;b;c", "a?b?c", "http:", "http:/", "http:?", "1http://x", "h+t-t.p://x",
  "+http://x", "x:", ":x", "a:b", "a.b:c", "C:\\path\\file", "path/only", "../up", "./here", ".", "..", "g;x=1/../y",
  "http://host/a%20b/%7euser/?q=%41#%42", "http://h/ space /", "http://h\0x/\0", "HTTP://UPPER/Case",
  "http://host:8080", "http://host:port/", "http://h:80:90/", "http://[a]:[b]/", "http://h]:1/", "s://a]b:c",
  "s://u:p:q@h", "s://[x]y:1", "http://h?x#y#z", "http://h#x?y",
}
for i, s in ipairs(corpus) do
  local p, err = url.parse(s)
  print(i, show(s), "parse", show(p), show(err))
  if p then print(i, "build", show(url.build(p))) end
end
call("parse empty", url.parse, "")
call("parse nil", url.parse, nil)
call("parse false", url.parse, false)
call("parse number", url.parse, 42)
call("parse table", url.parse, {})
call("parse default", url.parse, "//h/p", { scheme = "http", port = "80", path = "/default", extra = true })
call("parse default empty", url.parse, "", { scheme = "x" })
local d = { scheme = "s" }
local p = url.parse("x", d)
print("default copied, not reused", p ~= d, show(d))

local builds = {
  {}, { path = "p" }, { scheme = "s" }, { host = "h" }, { host = "::1", port = 80 }, { host = "h", port = "8" },
  { authority = "auth", host = "h" }, { authority = "auth" }, { authority = "auth", userinfo = "ui" },
  { host = "h", userinfo = "ui" }, { host = "h", userinfo = "ui", user = "u" }, { host = "h", password = "pw" },
  { host = "h", user = "u", password = "pw" }, { params = "pa", query = "q", fragment = "f" },
  { path = "/p", params = "", query = "", fragment = "" }, { host = "", port = "" }, { port = 1, user = "u" },
  { scheme = "s", host = "h", port = 1.5, path = "p" }, { host = 12 },
}
for i, b in ipairs(builds) do call("build " .. i .. " " .. show(b), url.build, b) end
call("build nil", url.build, nil)
call("build bad path", url.build, { path = {} })

-- absolute: the RFC 3986 examples and more
local rfcbase = "http://a/b/c/d;p?q"
local rels = {
  "g:h", "g", "./g", "g/", "/g", "//g", "?y", "g?y", "#s", "g#s", "g?y#s", ";x", "g;x", "g;x?y#s", "", ".", "./",
  "..", "../", "../g", "../..", "../../", "../../g", "../../../g", "../../../../g", "/./g", "/../g", "g.", ".g", "g..",
  "..g", "./../g", "./g/.", "g/./h", "g/../h", "g;x=1/./y", "g;x=1/../y", "g?y/./x", "g?y/../x", "g#s/./x",
  "g#s/../x", "http:g", "a//b", "a///../b", "//../x", "a/b/c/../../../../d", "./.", "../.", "/..", "/.", "x/..",
  "x/../", "x/../..", "x/./../y", "...", "a/.../b/../c", "%2e%2e/x", "\1/x",
}
for i, r in ipairs(rels) do call("absolute rfc " .. i .. " " .. show(r), url.absolute, rfcbase, r) end
for i, b in ipairs(bases) do
  for j, r in ipairs({ "g", "../g", "/g", "", "?q", "#f", ";p", "//x/y", "s:t", "./", "a/../../b" }) do
    call("absolute " .. i .. "," .. j, url.absolute, b, r)
  end
end
call("absolute table base", url.absolute, { scheme = "http", host = "h", path = "/a/b" }, "../c")
call("absolute table base no path", url.absolute, { host = "h" }, "c")
call("absolute nil base", url.absolute, nil, "x")
call("absolute nil rel", url.absolute, "http://a/b", nil)
call("absolute both nil", url.absolute, nil, nil)
call("absolute table rel", url.absolute, "http://a/", {})

-- paths
local paths = {
  "", "/", "//", "a", "/a", "a/", "/a/", "/a/b/c", "a//b", "/a%20b/c%2Fd/", "%41/%zz", "/é/ü?", "a b/c;d",
  "/-_.!~*'():@&=+$,/", "/%00/", "///a///", "x/y/z/",
}
for i, s in ipairs(paths) do
  local pp = url.parse_path(s)
  print("parse_path " .. i .. " " .. show(s), show(pp))
  print("build_path " .. i, show(url.build_path(pp)), show(url.build_path(pp, true)))
end
call("parse_path nil", url.parse_path, nil)
call("parse_path number", url.parse_path, 123)
call("build_path empty", url.build_path, {})
call("build_path dir only", url.build_path, { is_directory = 1 })
call("build_path abs only", url.build_path, { is_absolute = 1 })
call("build_path numbers", url.build_path, { 1, 2.5, is_directory = true })
call("build_path bytes", url.build_path, { all, "a/b" })
call("build_path unsafe bytes", url.build_path, { "a/b", "c d" }, 1)
call("build_path bad", url.build_path, { {} })
call("build_path bad unsafe", url.build_path, { {} }, true)
