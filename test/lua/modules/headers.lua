-- socket.headers: the canonic table, entry by entry, and how the module is reached.
local dir = arg[0]:match("^(.*)/[^/]*$") or "."
local H = dofile(dir .. "/_show.lua")
local headers = require("socket.headers")

print("module keys", H.show((function()
  local keys = {}
  for k, v in pairs(headers) do keys[k] = type(v) end
  return keys
end)()))
print("socket.headers is the module", require("socket").headers == headers)
local canonic = headers.canonic
local names, count = {}, 0
for k in pairs(canonic) do
  names[#names + 1] = k
  count = count + 1
end
table.sort(names)
print("entries", count)
for _, k in ipairs(names) do
  print(H.show(k), H.show(canonic[k]), k == canonic[k]:lower())
end
print("metatable", getmetatable(canonic))
print("unknown", canonic["x-unknown"], canonic["Content-Type"])
