/**
 * A yieldable `table.sort` for the main-thread runtime (see yieldable.ts): Lua 5.4's ltablib.c
 * `sort` / `auxsort` / `partition` / `choosePivot` written in Lua, so a comparator (or an
 * `__index` / `__newindex` / `__len` / `__lt` metamethod) may yield, e.g. wait on a socket.
 *
 * Indistinguishable from the C function in what a script sees, for any comparator (even an
 * inconsistent one): the same comparator calls with the same arguments in the same order, the
 * same reads and writes of `t[i]` in the same order (metamethods honoured, as `lua_geti` /
 * `lua_seti`), the same final array, the same errors (`bad argument` messages named and
 * positioned like lauxlib's `luaL_argerror`, "object length is not an integer", "array too
 * big", "invalid order function for sorting" at the caller's position, "attempt to compare ..."
 * without a position), and the same pivots (as in C, only an array of more than 258 elements
 * can have a partition so unbalanced that the next pivot is drawn from `clock()` and `time()`).
 *
 * The function is one flat Lua function: the recursion of `auxsort` is an explicit stack and
 * every comparison is inline, so between the sort and a comparator there is no other frame. The
 * comparator is called through a register that holds a parameter, so it is unnamed in
 * tracebacks, as when C calls it.
 *
 * Running the chunk (its argument: the helper table of yieldAux.ts, for lauxlib's messages)
 * returns the sort function; everything it uses is captured when the chunk runs. yieldable.ts
 * (`installSource`) compiles it as `=[C]`, dumps it stripped of debug information, writes the
 * source name `=[C]` back into the dump (`string.dump(f, true)` drops it) and loads it back
 * (yieldAux.ts, `strippedLoader`), then wraps the function the chunk returns with
 * `host.cfunction`: a C closure that calls it with `lua_callk` and a continuation (so a
 * comparator may still yield).
 * `table.sort` is that closure, so `debug.getinfo(table.sort)` reads `what = "C"`, `string.dump`
 * refuses it, and as a C function it keeps its caller's frame when called in tail position
 * (`return table.sort(t)`): the name and position an error reports are the caller's, as in C.
 * Seen from the sort, level 2 is the closure and level 3 the script's call: errors are raised
 * from the function's own frame with `error(msg, 3)` (or `0`), the message built by helpers that
 * have returned by then, and a `bad argument` message is named from the closure's frame (by the
 * script's call, else `table.sort` from its place in `package.loaded`). On the main thread the
 * engine removes the inner frame (`[C]: in function <[C]:N>`) from tracebacks, with the `error`
 * frame just above it (engine.ts, `hideStandIns`), so they read like C's.
 *
 * What the wrapping cannot hide (pinned in the tests): from a comparator (or a metamethod the
 * sort calls) the inner Lua function is one more stack level, so `debug.getinfo(2)` sees it
 * (unnamed, `what = "Lua"`) where C has the sort, and the levels beyond are one further out
 * (`error(msg, 3)` in a comparator gets no position; in C, the sort's caller's); `luaL_traceback`
 * counts the hidden frames in its first 10 and last 11 levels, so a long traceback shows fewer
 * frames before its `...`; the closure has an upvalue (`debug.getupvalue(table.sort, 1)` is the
 * Lua function); hooks see the Lua function's own calls and instructions; a traceback inside a
 * metamethod the sort calls names it `metamethod 'index'` (C: unnamed); a Lua VM error in the
 * sort's frame (a proxy whose `__len` or `__index` is not callable or indexable, an `__lt` that is
 * not callable) gets a `[C]:-1:` position (and a call error a name, `(metamethod 'len')`).
 * Nested sorts hit C's limit of 200 C calls at the same depth as C (`lua_callk` counts as C's
 * `lua_call` of the comparator does).
 *
 * The source is generated from one template of the algorithm, instantiated three times: with
 * the comparator (`comp(a, b)`), with a plain `a < b` (no comparator and every element a number,
 * or every element a string: no metamethod and no error is possible), and with a checked
 * `a < b` (no comparator, anything else: a comparison that has no `__lt` to call raises C's
 * "attempt to compare ..." message itself, without a position, as `lua_compare` does in C).
 *
 * @since 0.1.0
 */

/** `if <x less than y> then`, for one variant of the algorithm. */
type Less = (x: string, y: string) => string

/**
 * The body of `sort` after the argument checks (n > 1): `auxsort(1, n)` with `partition` inlined.
 * Each read and write of `t` is placed as ltablib.c's `lua_geti` / `lua_seti` (values kept on
 * the C stack are locals here).
 */
const algorithm = (less: Less): string => String.raw`
      local lo, up, rnd = 1, n, 0
      local sp, stack = 0, nil
      while true do
        while lo < up do -- one activation of auxsort (the loop is its tail call)
          local a, b = t[lo], t[up]
          ${less("b", "a")} -- a[up] < a[lo]?
            t[lo] = b
            t[up] = a
          end
          if up - lo == 1 then break end -- only 2 elements: this activation returns
          local p
          if up - lo < 100 or rnd == 0 then -- RANLIMIT
            p = (lo + up) // 2
          else -- choosePivot
            local r4 = (up - lo) // 4
            p = rnd % (r4 * 2) + (lo + r4)
          end
          a, b = t[p], t[lo]
          ${less("a", "b")} -- a[p] < a[lo]?
            t[p] = b
            t[lo] = a
          else
            b = t[up]
            ${less("b", "a")} -- a[up] < a[p]?
              t[p] = b
              t[up] = a
            end
          end
          if up - lo == 2 then break end -- only 3 elements
          local P = t[p] -- the pivot
          a = t[up - 1]
          t[p] = a
          t[up - 1] = P
          -- partition: a[lo .. i - 1] <= P == a[i] <= a[i + 1 .. up]
          local i, j = lo, up - 1
          while true do
            i = i + 1
            a = t[i]
            while true do
              ${less("a", "P")} -- a[i] < P?
                if i == up - 1 then error("invalid order function for sorting", 3) end
                i = i + 1
                a = t[i]
              else
                break
              end
            end
            j = j - 1
            b = t[j]
            while true do
              ${less("P", "b")} -- P < a[j]?
                if j < i then error("invalid order function for sorting", 3) end
                j = j - 1
                b = t[j]
              else
                break
              end
            end
            if j < i then
              t[up - 1] = a
              t[i] = P
              break
            end
            t[i] = b
            t[j] = a
          end
          -- sort the smaller side first (C: a recursive call), then the larger (C: the loop);
          -- the stack keeps the larger side, with rnd, or -1 when C would take a new random
          -- pivot after the call returns because the partition was too imbalanced
          if stack == nil then stack = {} end
          if i - lo < up - i then
            stack[sp + 1] = i + 1
            stack[sp + 2] = up
            stack[sp + 3] = (up - i - 1) // 128 > i - lo and -1 or rnd
            up = i - 1
          else
            stack[sp + 1] = lo
            stack[sp + 2] = i - 1
            stack[sp + 3] = (i - 1 - lo) // 128 > up - i and -1 or rnd
            lo = i + 1
          end
          sp = sp + 3
        end
        if sp == 0 then break end
        lo, up, rnd = stack[sp - 2], stack[sp - 1], stack[sp]
        sp = sp - 3
        if rnd < 0 then rnd = randomizePivot() end
      end`

/** With a comparator: called with exactly two arguments, its first result taken as a boolean. */
const byComparator: Less = (x, y) => `if comp(${x}, ${y}) then`
/** Numbers only or strings only: `<` never calls a metamethod and never fails. */
const byPlainLess: Less = (x, y) => `if ${x} < ${y} then`
/** Anything: raise C's comparison error when neither operand has `__lt`, else `<`. */
const byCheckedLess: Less = (x, y) =>
  `tx, ty = type(${x}), type(${y})
          if (tx ~= ty or (tx ~= "number" and tx ~= "string")) and noLt(${x}) and noLt(${y}) then
            error(orderError(${x}, ${y}), 0)
          end
          if ${x} < ${y} then`

/** Lua 5.4 chunk: running it returns the yieldable `sort(t [, comp])`. @since 0.1.0 */
export const sortSource: string = String.raw`
local aux = ...
local type, select, error, rawget, tonumber = type, select, error, rawget, tonumber
local mathtype, tointeger, floor = math.type, math.tointeger, math.floor
local getmetatable = debug.getmetatable
local clock, time = os and os.clock, os and os.time
local argmsg, typemsg, objtypename = aux.argmsg, aux.typemsg, aux.objtypename

-- no __lt metamethod for v (luaT_gettmbyobj: the raw field of the metatable of v or of its type)
local function noLt(v)
  local mt = getmetatable(v)
  return mt == nil or rawget(mt, "__lt") == nil
end

-- luaG_ordererror
local function orderError(x, y)
  local t1, t2 = objtypename(x), objtypename(y)
  if t1 == t2 then return "attempt to compare two " .. t1 .. " values" end
  return "attempt to compare " .. t1 .. " with " .. t2
end

-- l_randomizePivot: the sum of the 32-bit halves of clock() (CLOCKS_PER_SEC = 1000000) and time()
local function randomizePivot()
  local c = clock and tointeger(floor(clock() * 1000000)) or 0
  local s = time and tointeger(time()) or 0
  return ((c & 0xffffffff) + ((c >> 32) & 0xffffffff) + (s & 0xffffffff) + ((s >> 32) & 0xffffffff)) & 0xffffffff
end

return function(...)
  local t, comp = ...
  -- checktab(1, TAB_RW | TAB_L): a table, or a value whose metatable has the three fields
  if type(t) ~= "table" then
    local mt = getmetatable(t)
    if mt == nil or rawget(mt, "__index") == nil or rawget(mt, "__newindex") == nil or rawget(mt, "__len") == nil then
      error(typemsg(2, 1, "table", t, select("#", ...) == 0), 3)
    end
  end
  -- luaL_len
  local n = #t
  if mathtype(n) ~= "integer" then
    local v = n
    if type(v) == "string" then v = tonumber(v) end
    if type(v) == "number" then v = tointeger(v) else v = nil end
    if v == nil then error("object length is not an integer", 3) end
    n = v
  end
  if n > 1 then
    if n >= 2147483647 then error(argmsg(2, 1, "array too big"), 3) end -- INT_MAX
    if comp ~= nil then
      if type(comp) ~= "function" then error(typemsg(2, 2, "function", comp, false), 3) end
${algorithm(byComparator)}
    else
      -- every element a number, or every element a string (raw values: then reading and
      -- writing t calls no metamethod either)
      local plain = false
      if type(t) == "table" then
        local kind = type(rawget(t, 1))
        if kind == "number" or kind == "string" then
          plain = true
          for k = 2, n do
            if type(rawget(t, k)) ~= kind then
              plain = false
              break
            end
          end
        end
      end
      if plain then
${algorithm(byPlainLess)}
      else
        local tx, ty
${algorithm(byCheckedLess)}
      end
    end
  end
end
`
