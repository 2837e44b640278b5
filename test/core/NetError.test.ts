/**
 * The error table against a model written from spec/reference-semantics.md section 1,
 * "Error strings" (LuaSocket's usocket.c `socket_strerror`, inet.c gai table).
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import * as NetError from "../../src/core/NetError.js"
import { runTs } from "../programs.js"

// ---- the model ------------------------------------------------------------------

/** LuaSocket's own strings for a few errno values (usocket.c `socket_strerror`). */
const luaSocketErrno: Record<string, string> = {
  EADDRINUSE: "address already in use",
  EISCONN: "already connected",
  EACCES: "permission denied",
  ECONNREFUSED: "connection refused",
  ECONNABORTED: "closed",
  ECONNRESET: "closed",
  ETIMEDOUT: "timeout",
  // send maps EPIPE to IO_CLOSED
  EPIPE: "closed",
  // Node's own codes for a destroyed socket: the connection is closed
  ERR_STREAM_DESTROYED: "closed",
  ERR_SOCKET_CLOSED: "closed"
}

/** LuaSocket's getaddrinfo strings (inet.c); Node reports EAI_NONAME as ENOTFOUND. */
const luaSocketGai: Record<string, string> = {
  EAI_AGAIN: "temporary failure in name resolution",
  EAI_BADFLAGS: "invalid value for ai_flags",
  EAI_FAIL: "non-recoverable failure in name resolution",
  EAI_FAMILY: "ai_family not supported",
  EAI_MEMORY: "memory allocation failure",
  EAI_NONAME: "host or service not provided, or not known",
  ENOTFOUND: "host or service not provided, or not known",
  EAI_SERVICE: "service not supported for socket type",
  EAI_SOCKTYPE: "ai_socktype not supported",
  EAI_OVERFLOW: "argument buffer overflow",
  EAI_PROTOCOL: "resolved protocol is unknown",
  EAI_BADHINTS: "invalid value for hints"
}

/** glibc strerror for errno values a socket meets (read with Python's os.strerror on Linux). */
const glibc: Record<string, string> = {
  EPERM: "Operation not permitted",
  ENOENT: "No such file or directory",
  EBADF: "Bad file descriptor",
  EAGAIN: "Resource temporarily unavailable",
  EINVAL: "Invalid argument",
  EMFILE: "Too many open files",
  ENOTCONN: "Transport endpoint is not connected",
  EHOSTUNREACH: "No route to host",
  ENETUNREACH: "Network is unreachable",
  EADDRNOTAVAIL: "Cannot assign requested address",
  EAFNOSUPPORT: "Address family not supported by protocol",
  EOPNOTSUPP: "Operation not supported",
  ENOBUFS: "No buffer space available",
  EHOSTDOWN: "Host is down",
  EALREADY: "Operation already in progress",
  EINPROGRESS: "Operation now in progress",
  EMSGSIZE: "Message too long",
  ENOPROTOOPT: "Protocol not available",
  ESHUTDOWN: "Cannot send after transport endpoint shutdown",
  ENETDOWN: "Network is down",
  ENETRESET: "Network dropped connection on reset",
  EPROTONOSUPPORT: "Protocol not supported",
  ENOTSOCK: "Socket operation on non-socket",
  EDESTADDRREQ: "Destination address required",
  EPROTOTYPE: "Protocol wrong type for socket"
}

/** The string LuaSocket prints for a code. */
const modelLua = (code: string): string => luaSocketErrno[code] ?? luaSocketGai[code] ?? glibc[code] ?? "unknown error"

/** The typed error a code must become: the ones the spec names, and the catch-alls. */
const modelTag = (code: string): NetError.NetErrorTag | undefined => {
  switch (code) {
    case "ECONNREFUSED":
      return "ConnectionRefused"
    case "EADDRINUSE":
      return "AddressInUse"
    case "EISCONN":
      return "AlreadyConnected"
    case "EACCES":
      return "PermissionDenied"
    case "ECONNRESET":
    case "ECONNABORTED":
    case "EPIPE":
    case "ERR_STREAM_DESTROYED":
    case "ERR_SOCKET_CLOSED":
      return "Closed"
    case "ETIMEDOUT":
      return "Timeout"
    case "ENOTCONN":
      return "NotConnected"
    case "EADDRNOTAVAIL":
      return "AddressNotAvailable"
    case "EHOSTUNREACH":
    case "ENETUNREACH":
      return "Unreachable"
    case "ENOTFOUND":
      return "HostNotFound"
  }
  if (code.startsWith("EAI_")) return "HostNotFound"
  if (code.startsWith("EZ")) return "Unknown" // no real errno starts with EZ
  return undefined // a kind of the implementation's choosing (Unknown, InvalidArgument, ...)
}

const allTags: ReadonlyArray<NetError.NetErrorTag> = [
  "Timeout",
  "Closed",
  "ConnectionRefused",
  "AddressInUse",
  "AddressNotAvailable",
  "PermissionDenied",
  "HostNotFound",
  "Unreachable",
  "NotConnected",
  "AlreadyConnected",
  "InvalidArgument",
  "Unsupported",
  "LineTooLong",
  "Unknown"
]

// ---- arbitraries ----------------------------------------------------------------

const knownCode = fc.constantFrom(
  ...Object.keys(luaSocketErrno),
  ...Object.keys(luaSocketGai),
  ...Object.keys(glibc)
)
const unknownCode = fc.stringMatching(/^EZ[A-Z]{1,10}$/)
const code = fc.oneof({ weight: 4, arbitrary: knownCode }, { weight: 1, arbitrary: unknownCode })
const operation = fc.constantFrom("connect", "bind", "receive", "send", "accept", "getaddrinfo", "setoption")
const address = fc.option(fc.oneof(fc.ipV4().map((ip) => `${ip}:80`), fc.domain(), fc.constant("/tmp/sock")), { nil: undefined })

/** A Node-style error object carrying a code. */
const nodeError = (code: string): Error & { code: string } => Object.assign(new Error(`${code} from node`), { code })

describe("NetError table", () => {
  it.prop("fromCause maps every code to the right kind and LuaSocket string", [code, operation, address], ([c, op, addr]) => {
    const cause = nodeError(c)
    const e = NetError.fromCause(cause, { operation: op, address: addr })
    const want = modelTag(c)
    if (want !== undefined) expect(e._tag).toBe(want)
    expect(NetError.tagOfCode(c)).toBe(e._tag)
    expect(NetError.luaMessage(e)).toBe(modelLua(c))
    expect(NetError.luaMessageForCode(c)).toBe(modelLua(c))
    // keeps the cause and the code
    expect(e.cause).toBe(cause)
    expect(e.code).toBe(c)
    expect(e.operation).toBe(op)
    expect(e.address).toBe(addr)
  }, { fastCheck: { numRuns: 300 } })

  it.prop("message is a sentence naming the operation, the address and the code", [code, operation, address], ([c, op, addr]) => {
    const e = NetError.fromCause(nodeError(c), { operation: op, address: addr })
    expect(typeof e.message).toBe("string")
    expect(e.message.startsWith(addr === undefined ? `${op}: ` : `${op} ${addr}: `)).toBe(true)
    expect(e.message).toContain(c)
    // says what went wrong, not just where
    expect(e.message.length).toBeGreaterThan((addr === undefined ? `${op}: ` : `${op} ${addr}: `).length + c.length + 3)
    expect(String(e)).toContain(e.message)
  }, { fastCheck: { numRuns: 200 } })

  it("the spec's table, row by row", () => {
    const row = (c: string) => {
      const e = NetError.fromCause(nodeError(c), { operation: "connect", address: "127.0.0.1:1" })
      return [e._tag, NetError.luaMessage(e)]
    }
    expect(row("ECONNREFUSED")).toStrictEqual(["ConnectionRefused", "connection refused"])
    expect(row("EADDRINUSE")).toStrictEqual(["AddressInUse", "address already in use"])
    expect(row("EISCONN")).toStrictEqual(["AlreadyConnected", "already connected"])
    expect(row("EACCES")).toStrictEqual(["PermissionDenied", "permission denied"])
    expect(row("ECONNRESET")).toStrictEqual(["Closed", "closed"])
    expect(row("ECONNABORTED")).toStrictEqual(["Closed", "closed"])
    expect(row("EPIPE")).toStrictEqual(["Closed", "closed"])
    expect(row("ETIMEDOUT")).toStrictEqual(["Timeout", "timeout"])
    expect(row("ENOTCONN")).toStrictEqual(["NotConnected", "Transport endpoint is not connected"])
    expect(row("EAI_AGAIN")).toStrictEqual(["HostNotFound", "temporary failure in name resolution"])
    expect(row("ENOTFOUND")).toStrictEqual(["HostNotFound", "host or service not provided, or not known"])
    expect(row("EAI_FAIL")[1]).toBe("non-recoverable failure in name resolution")
    expect(row("EAI_FAMILY")[1]).toBe("ai_family not supported")
    expect(row("EAI_MEMORY")[1]).toBe("memory allocation failure")
    expect(row("EAI_SERVICE")[1]).toBe("service not supported for socket type")
    expect(row("EAI_SOCKTYPE")[1]).toBe("ai_socktype not supported")
    expect(row("EAI_BADFLAGS")[1]).toBe("invalid value for ai_flags")
    expect(row("EAI_OVERFLOW")[1]).toBe("argument buffer overflow")
    expect(row("EAI_PROTOCOL")[1]).toBe("resolved protocol is unknown")
    expect(row("EAI_BADHINTS")[1]).toBe("invalid value for hints")
    expect(row("EZZZ")).toStrictEqual(["Unknown", "unknown error"])
    expect(row("EBADF")[1]).toBe("Bad file descriptor")
    expect(row("EPERM")[1]).toBe("Operation not permitted")
    expect(row("EAFNOSUPPORT")[1]).toBe("Address family not supported by protocol")
    const connect = NetError.fromCause(nodeError("ECONNREFUSED"), { operation: "connect", address: "127.0.0.1:1" })
    expect(connect.message).toBe("connect 127.0.0.1:1: connection refused (is anything listening there?) [ECONNREFUSED]")
  })

  it("causes without a code, and non-errors, become Unknown / unknown error", () => {
    for (const cause of [new Error("boom"), "a string", 42, null, undefined, { code: 5 }, { code: undefined }]) {
      const e = NetError.fromCause(cause, { operation: "send" })
      expect(e._tag).toBe("Unknown")
      expect(e.code).toBeUndefined()
      expect(e.cause).toBe(cause)
      expect(NetError.luaMessage(e)).toBe("unknown error")
      expect(e.message).toBe("send: unexpected error")
    }
    expect(NetError.tagOfCode(undefined)).toBe("Unknown")
  })
})

describe("NetError values", () => {
  const partial = fc.uint8Array({ maxLength: 32 })
  const lastIndex = fc.integer({ min: 0, max: 1_000_000 })

  it.prop("every kind is an Error with a _tag, keeps partial / lastIndex, and isNetError", [fc.constantFrom(...allTags), operation, address, partial, lastIndex], ([tag, op, addr, p, last]) => {
    const cause = nodeError("EZCAUSE")
    const e = NetError.make(tag, { operation: op, address: addr, partial: p, lastIndex: last, cause })
    expect(e).toBeInstanceOf(Error)
    expect(e.cause).toBe(cause)
    expect(e._tag).toBe(tag)
    expect(NetError.isNetError(e)).toBe(true)
    expect(e.partial).toBe(p)
    expect(e.lastIndex).toBe(last)
    expect(e.message.startsWith(addr === undefined ? `${op}: ` : `${op} ${addr}: `)).toBe(true)
    // withPartial replaces partial and nothing else
    const other = new Uint8Array([1, 2, 3])
    const w = NetError.withPartial(e, other)
    expect(w._tag).toBe(tag)
    expect(w.partial).toBe(other)
    expect(w.lastIndex).toBe(last)
    expect(w.operation).toBe(op)
    expect(w.address).toBe(addr)
    expect(w.cause).toBe(cause)
    expect(w.message).toBe(e.message)
    expect(NetError.luaMessage(w)).toBe(NetError.luaMessage(e))
  }, { fastCheck: { numRuns: 200 } })

  it.prop("the classes build the same values as make", [fc.constantFrom(...allTags), operation], ([tag, op]) => {
    const classes = {
      Timeout: NetError.Timeout,
      Closed: NetError.Closed,
      ConnectionRefused: NetError.ConnectionRefused,
      AddressInUse: NetError.AddressInUse,
      AddressNotAvailable: NetError.AddressNotAvailable,
      PermissionDenied: NetError.PermissionDenied,
      HostNotFound: NetError.HostNotFound,
      Unreachable: NetError.Unreachable,
      NotConnected: NetError.NotConnected,
      AlreadyConnected: NetError.AlreadyConnected,
      InvalidArgument: NetError.InvalidArgument,
      Unsupported: NetError.Unsupported,
      LineTooLong: NetError.LineTooLong,
      Unknown: NetError.Unknown
    } as const
    const e = new classes[tag]({ operation: op })
    expect(e).toBeInstanceOf(classes[tag])
    expect(NetError.make(tag, { operation: op })).toBeInstanceOf(classes[tag])
    expect(e._tag).toBe(tag)
  }, { fastCheck: { numRuns: 50 } })

  it.prop("isNetError is false for anything that is not one of the error classes", [fc.anything()], ([u]) => {
    expect(NetError.isNetError(u)).toBe(false)
  }, { fastCheck: { numRuns: 200 } })

  it("isNetError rejects look-alikes", () => {
    expect(NetError.isNetError({ _tag: "Closed" })).toBe(false)
    expect(NetError.isNetError(Object.assign(new Error("x"), { _tag: "NotAKind" }))).toBe(false)
    expect(NetError.isNetError(Object.assign(new Error("x"), { _tag: "Closed" }))).toBe(true)
    expect(NetError.isNetError(new NetError.Closed({ operation: "receive" }))).toBe(true)
  })

  it.prop("fromCause of a NetError keeps its kind, operation, code and cause, adding the given fields", [code, operation, address], ([c, op, addr]) => {
    const inner = NetError.fromCause(nodeError(c), { operation: "recv" })
    const outer = NetError.fromCause(inner, { operation: op, address: addr })
    expect(outer._tag).toBe(inner._tag)
    expect(outer.operation).toBe("recv")
    expect(outer.code).toBe(c)
    expect(outer.cause).toBe(inner.cause)
    expect(outer.address).toBe(addr)
  }, { fastCheck: { numRuns: 100 } })

  it("InvalidArgument / Unsupported / LineTooLong say their detail to Lua", () => {
    const e = new NetError.InvalidArgument({ operation: "settimeout", detail: "invalid timeout mode \"x\"" })
    expect(NetError.luaMessage(e)).toBe("invalid timeout mode \"x\"")
    expect(e.message).toBe("settimeout: invalid argument: invalid timeout mode \"x\"")
    expect(NetError.luaMessage(new NetError.Unsupported({ operation: "setoption", detail: "unsupported option `x'" }))).toBe("unsupported option `x'")
  })
})

describe("stack traces", () => {
  it("socket errors capture none by default (stack = name and message); EFFECT_LUASOCKET_ERROR_STACKS=1 brings them back", async () => {
    expect(NetError.captureStacks).toBe(process.env["EFFECT_LUASOCKET_ERROR_STACKS"] === "1")
    if (!NetError.captureStacks) {
      const e = new NetError.Closed({ operation: "receive", code: "ECONNRESET" })
      expect(e.stack).toBe("Closed: receive: connection closed [ECONNRESET]")
      expect(Error.stackTraceLimit).toBeGreaterThan(0) // restored after the construction
    }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "effect-luasocket-stacks-"))
    const file = path.join(dir, "stacks.ts")
    fs.writeFileSync(
      file,
      `import { NetError } from "effect-luasocket"\nconst e = new NetError.Timeout({ operation: "receive" })\nconsole.log(JSON.stringify({ capture: NetError.captureStacks, frames: (e.stack ?? "").split("\\n").filter((l) => l.trim().startsWith("at ")).length }))\n`
    )
    const saved = process.env["EFFECT_LUASOCKET_ERROR_STACKS"]
    process.env["EFFECT_LUASOCKET_ERROR_STACKS"] = "1"
    try {
      const ran = await runTs(file, [], 30_000)
      expect(ran.code).toBe(0)
      const got = JSON.parse(ran.stdout.trim().split("\n").pop()!) as { capture: boolean; frames: number }
      expect(got.capture).toBe(true)
      expect(got.frames).toBeGreaterThan(0)
    } finally {
      if (saved === undefined) delete process.env["EFFECT_LUASOCKET_ERROR_STACKS"]
      else process.env["EFFECT_LUASOCKET_ERROR_STACKS"] = saved
      fs.rmSync(dir, { recursive: true, force: true })
    }
  }, 40_000)
})
