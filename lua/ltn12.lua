-- ltn12: sources, sinks, filters and pumps (LTN12 1.0.3 behaviour).
--
-- Written for effect-luasocket from the LTN12 protocol as LuaSocket documents it and as
-- Debian's lua-socket 3.1.0 behaves (checked by test/lua/modules.test.ts):
--   source()            -> chunk | nil (end) | nil, err
--   sink(chunk|nil, err) -> 1 | nil, err
--   filter(chunk|nil)   -> chunk ("" = nothing yet) | nil (after the end was passed)
-- Like LuaSocket's module under Lua 5.2+, it sets no global.

local assert, error, select, type = assert, error, select, type
local tremove, unpack = table.remove, table.unpack or unpack

local M = {
  _VERSION = "LTN12 1.0.3",
  -- read at call time by source.string and source.file, so a script may change it
  BLOCKSIZE = 2048,
  filter = {},
  source = {},
  sink = {},
  pump = {},
}
local filter, source, sink, pump = M.filter, M.source, M.sink, M.pump

-------------------------------------------------------------------------------
-- filters
-------------------------------------------------------------------------------

-- A stateful filter from a "low-level" one: low(ctx, chunk, extra) -> out, ctx'.
function filter.cycle(low, ctx, extra)
  assert(low)
  return function(chunk)
    local out
    out, ctx = low(ctx, chunk, extra)
    return out
  end
end

-- Filters in series. A filter answering "" has nothing more to give for now, so the
-- chain goes back one stage to get more input for it; after the end (nil) was passed in,
-- each stage is drained until it answers nil, which is then passed on to the next stage.
function filter.chain(...)
  local stages = { ... }
  local count = select("#", ...)
  local live = 1         -- first stage that has not yet answered nil to the end mark
  local at = 1           -- stage fed next
  local more = ""        -- what an earlier stage gets when asked for more; nil after the end
  return function(chunk)
    if not chunk then more = nil end
    while true do
      if at == live then
        chunk = stages[at](chunk)
        if chunk == "" or live == count then return chunk end
        if chunk then
          at = at + 1
        else
          live = live + 1
          at = live
        end
      else
        chunk = stages[at](chunk or "")
        if chunk == "" then
          at = at - 1
          chunk = more
        elseif not chunk then
          error("filter returned inappropriate nil")
        elseif at == count then
          return chunk
        else
          at = at + 1
        end
      end
    end
  end
end

-------------------------------------------------------------------------------
-- sources
-------------------------------------------------------------------------------

local function nothing() return nil end

function source.empty()
  return nothing
end

function source.error(err)
  return function() return nil, err end
end

function source.file(handle, io_err)
  if not handle then return source.error(io_err or "unable to open file") end
  return function()
    local chunk = handle:read(M.BLOCKSIZE)
    if not chunk then handle:close() end
    return chunk
  end
end

-- A source that may answer (chunk, replacement source) becomes a plain one.
function source.simplify(src)
  assert(src)
  return function()
    local chunk, second = src()
    if second then src = second end
    if chunk then return chunk end
    return nil, second
  end
end

function source.string(s)
  if not s then return source.empty() end
  local pos = 1
  return function()
    local size = M.BLOCKSIZE
    local chunk = string.sub(s, pos, pos + size - 1)
    pos = pos + size
    if chunk == "" then return nil end
    return chunk
  end
end

function source.table(t)
  assert(type(t) == "table")
  local i = 0
  return function()
    i = i + 1
    return t[i]
  end
end

-- src(chunk) pushes chunk back; src() gives back the pushed chunks (last first), then
-- reads the underlying source again.
function source.rewind(src)
  assert(src)
  local stack = {}
  return function(chunk)
    if chunk then
      stack[#stack + 1] = chunk
      return
    end
    local top = tremove(stack)
    if top then return top end
    return src()
  end
end

-- A source whose chunks go through filter f (or a chain of filters).
function source.chain(src, f, ...)
  if (...) then f = filter.chain(f, ...) end
  assert(src and f)
  local input, output = "", ""
  local draining = false -- true while f may still hold output for the last input
  local err
  return function()
    if not output then error("source is empty!", 2) end
    while true do
      if not draining then
        input, err = src()
        if err then return nil, err end
        output = f(input)
        if not output then
          if input then error("filter returned inappropriate nil") end
          return nil
        end
        if output ~= "" then
          draining = true
          if input then input = "" end
          return output
        end
      else
        output = f(input)
        if output == "" then
          if input ~= "" then error('filter returned ""') end
          draining = false
        elseif not output then
          if input then error("filter returned inappropriate nil") end
          return nil
        else
          return output
        end
      end
    end
  end
end

-- The chunks of each source in turn; an error stops it.
function source.cat(...)
  local rest = { ... }
  local current = tremove(rest, 1)
  return function()
    while current do
      local chunk, err = current()
      if chunk then return chunk end
      if err then return nil, err end
      current = tremove(rest, 1)
    end
  end
end

-------------------------------------------------------------------------------
-- sinks
-------------------------------------------------------------------------------

function sink.table(t)
  t = t or {}
  local function store(chunk)
    if chunk then t[#t + 1] = chunk end
    return 1
  end
  return store, t
end

-- A sink that may answer (1, replacement sink) becomes a plain one.
function sink.simplify(snk)
  assert(snk)
  return function(chunk, err)
    local ok, second = snk(chunk, err)
    if not ok then return nil, second end
    if second then snk = second end
    return 1
  end
end

function sink.file(handle, io_err)
  if not handle then return sink.error(io_err or "unable to open file") end
  return function(chunk)
    if chunk then return handle:write(chunk) end
    handle:close()
    return 1
  end
end

local function accept() return 1 end

function sink.null()
  return accept
end

function sink.error(err)
  return function() return nil, err end
end

-- A sink that sends its chunks through filter f first. With more arguments, the last one
-- is the sink and all the others are filters, chained in order.
function sink.chain(f, snk, ...)
  if (...) then
    local rest = { snk, ... }
    snk = tremove(rest)
    f = filter.chain(f, unpack(rest))
  end
  assert(f and snk)
  return function(chunk, err)
    if chunk == "" then return 1 end
    local last = chunk and "" -- the filter's answer that means "all given"
    local out = f(chunk)
    while true do
      local ok, snkerr = snk(out, err)
      if not ok then return nil, snkerr end
      if out == last then return 1 end
      out = f(last)
    end
  end
end

-------------------------------------------------------------------------------
-- pumps
-------------------------------------------------------------------------------

function pump.step(src, snk)
  local chunk, srcerr = src()
  local ok, snkerr = snk(chunk, srcerr)
  if chunk and ok then return 1 end
  return nil, srcerr or snkerr
end

function pump.all(src, snk, step)
  assert(src and snk)
  step = step or pump.step
  while true do
    local ok, err = step(src, snk)
    if not ok then
      if err then return nil, err end
      return 1
    end
  end
end

return M
