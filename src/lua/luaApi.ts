/**
 * The slice of wasmoon's emscripten module the worker calls directly: the exported Lua C API
 * (`_lua_*`, `_luaL_*`, called without wasmoon's `ccall` string conversion, which goes through
 * UTF-8 C strings and stops at NUL), the heap views and `addFunction` to register C functions.
 * Pointers are numbers (wasm32); `lua_Integer` is a 64-bit `bigint`.
 *
 * @since 0.1.0
 */

export type Ptr = number
export type State = number

export interface LuaModule {
  readonly HEAPU8: Uint8Array
  readonly HEAPU32: Uint32Array
  _malloc(size: number): Ptr
  _free(ptr: Ptr): void
  readonly HEAP32: Int32Array
  addFunction(fn: (L: State) => number, signature: "ii"): Ptr
  addFunction(fn: (L: State, status: number, ctx: number) => number, signature: "iiii"): Ptr

  _luaL_newstate(): State
  _luaL_openlibs(L: State): void
  _lua_close(L: State): void

  _lua_gettop(L: State): number
  _lua_settop(L: State, idx: number): void
  _lua_absindex(L: State, idx: number): number
  _lua_checkstack(L: State, n: number): number
  _luaL_checkstack(L: State, n: number, msg: Ptr): void
  _lua_rotate(L: State, idx: number, n: number): void
  _lua_pushvalue(L: State, idx: number): void

  _lua_type(L: State, idx: number): number
  _lua_toboolean(L: State, idx: number): number
  _lua_isinteger(L: State, idx: number): number
  _lua_tointegerx(L: State, idx: number, isnum: Ptr): bigint
  _lua_tonumberx(L: State, idx: number, isnum: Ptr): number
  _lua_tolstring(L: State, idx: number, len: Ptr): Ptr
  _luaL_tolstring(L: State, idx: number, len: Ptr): Ptr
  _luaL_checklstring(L: State, arg: number, len: Ptr): Ptr
  _luaL_optinteger(L: State, arg: number, def: bigint): bigint
  _luaL_checkinteger(L: State, arg: number): bigint
  _lua_topointer(L: State, idx: number): Ptr
  _lua_touserdata(L: State, idx: number): Ptr
  _lua_newuserdatauv(L: State, size: number, nuvalue: number): Ptr
  _lua_stringtonumber(L: State, s: Ptr): number

  _lua_pushnil(L: State): void
  _lua_pushboolean(L: State, b: number): void
  _lua_pushinteger(L: State, n: bigint): void
  _lua_pushnumber(L: State, n: number): void
  _lua_pushlstring(L: State, s: Ptr, len: number): Ptr
  _lua_pushcclosure(L: State, fn: Ptr, n: number): void

  _lua_createtable(L: State, narr: number, nrec: number): void
  _lua_next(L: State, idx: number): number
  _lua_rawset(L: State, idx: number): void
  _lua_rawseti(L: State, idx: number, n: bigint): void
  _lua_getfield(L: State, idx: number, k: Ptr): number
  _lua_setfield(L: State, idx: number, k: Ptr): void
  _lua_getglobal(L: State, name: Ptr): number
  _lua_setglobal(L: State, name: Ptr): void
  _lua_setupvalue(L: State, funcindex: number, n: number): Ptr
  _lua_concat(L: State, n: number): void

  _lua_error(L: State): number
  _luaL_argerror(L: State, arg: number, extramsg: Ptr): number
  _luaL_where(L: State, level: number): void
  _luaL_traceback(L: State, L1: State, msg: Ptr, level: number): void
  _luaL_callmeta(L: State, obj: number, e: Ptr): number

  _luaL_loadbufferx(L: State, buff: Ptr, size: number, name: Ptr, mode: Ptr): number
  _lua_pcallk(L: State, nargs: number, nresults: number, errfunc: number, ctx: number, k: Ptr): number
  _lua_callk(L: State, nargs: number, nresults: number, ctx: number, k: Ptr): void

  _lua_newthread(L: State): State
  _lua_tothread(L: State, idx: number): State
  /** Pushes field `e` of the metatable of the value at `obj` (raw) and returns its type, or returns LUA_TNIL pushing nothing. */
  _luaL_getmetafield(L: State, obj: number, e: Ptr): number
  _lua_pushthread(L: State): number
  _lua_xmove(from: State, to: State, n: number): void
  _lua_resume(L: State, from: State, nargs: number, nresults: Ptr): number
  _lua_yieldk(L: State, nresults: number, ctx: number, k: Ptr): number
  _lua_isyieldable(L: State): number
  _lua_status(L: State): number
  _lua_resetthread(L: State): number
  _luaL_typeerror(L: State, arg: number, tname: Ptr): number
}

export const LUA_REGISTRYINDEX = -1001000
export const LUA_MULTRET = -1
export const LUA_OK = 0
export const LUA_YIELD = 1
export const LUA_ERRMEM = 4
export const upvalueIndex = (i: number): number => LUA_REGISTRYINDEX - i

export const LuaType = {
  None: -1,
  Nil: 0,
  Boolean: 1,
  LightUserdata: 2,
  Number: 3,
  String: 4,
  Table: 5,
  Function: 6,
  Userdata: 7,
  Thread: 8
} as const

export const typeName = (t: number): string =>
  ["no value", "nil", "boolean", "userdata", "number", "string", "table", "function", "userdata", "thread"][t + 1] ?? "?"
