-- The cost of the main thread's yieldable stand-ins (docs/lua.md, "The yieldable stand-ins"):
-- the same calls timed under `luasock run` (main thread: the stand-ins) and `luasock run --worker`
-- (the C functions), or `lua5.4`. Timings on stderr (os.clock), the printed lines on stdout:
--   node dist/src/cli/luasock.js run bench/lua-standins.lua > /dev/null
--   node dist/src/cli/luasock.js run --worker bench/lua-standins.lua > /dev/null
local clock = os.clock
local function report(what, t0) io.stderr:write(string.format("%-44s %.3f s\n", what, clock() - t0)) end

local t = clock()
for i = 1, 200000 do print(i, "x") end
report('200,000 print(i, "x")', t)

t = clock()
local s
for i = 1, 1000000 do s = tostring(i) end
report("1,000,000 tostring(i)", t)

local text = string.rep("ab ", 50000)
t = clock()
local _, n = text:gsub("%a+", function(w) return w:upper() end)
assert(n == 50000)
report("gsub with a function, 50,000 matches", t)

local a = {}
for i = 1, 100000 do a[i] = (i * 7919) % 100003 end
t = clock()
table.sort(a, function(x, y) return x < y end)
report("table.sort of 100,000 with a comparator", t)
