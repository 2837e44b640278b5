/**
 * The LuaSocket functions that take or return functions: `try`, `newtry`, `protect`,
 * `sink`, `source`, `choose`, `sinkt` / `sourcet` and `headers.canonic`. The Lua runtime
 * defines them in Lua (`luaNative`); these entries are their TypeScript versions, over
 * the objects' own `send` / `receive` / `close` (as LuaSocket's socket.lua does).
 *
 * @since 0.1.0
 */
import { ArgError, type Constant, D, type Fn, PlainRaise, type Results } from "./spec.js"

/** What `try` raises: `protect` turns it into `nil, value`. @since 0.1.0 */
export class LuaTryError extends Error {
  readonly _tag = "LuaTryError"
  constructor(readonly value: unknown) {
    super(typeof value === "string" ? value : `try failed: ${String(value)}`)
    this.name = "LuaTryError"
  }
}

const truthy = (v: unknown): boolean => v !== undefined && v !== null && v !== false

type AnyFn = (...args: Array<any>) => any

const fnArg = (v: unknown, present: boolean): AnyFn => {
  if (typeof v === "function") return v as AnyFn
  throw new ArgError(`function expected, got ${present ? (v === undefined ? "nil" : typeof v) : "no value"}`)
}

const tryWith = (finalizer: AnyFn | undefined) => (...args: Array<unknown>): Results => {
  if (truthy(args[0])) return args
  finalizer?.()
  throw new LuaTryError(args[1])
}

const protect = (f: AnyFn) => (...args: Array<unknown>): unknown => {
  const caught = (e: unknown) => {
    if (e instanceof LuaTryError) return [undefined, e.value]
    throw e
  }
  try {
    const r = f(...args)
    return r instanceof Promise ? r.catch(caught) : r
  } catch (e) {
    return caught(e)
  }
}

interface SockLike {
  send(data: unknown, i?: number, j?: number): Promise<Results>
  receive(pattern?: unknown, prefix?: unknown): Promise<Results>
  close(): Results
}

const sockArg = (v: unknown, present: boolean): SockLike => {
  const s = v as Partial<SockLike> | undefined
  if (s !== undefined && s !== null && typeof s.send === "function" && typeof s.receive === "function") return s as SockLike
  return D.table(v, present) as never
}

type Sink = (chunk?: unknown, err?: unknown) => Promise<Results>
type Source = () => Promise<Results>

const sinks: Record<string, (sock: SockLike) => Sink> = {
  "keep-open": (sock) => async (chunk) => (chunk === undefined || chunk === null ? [1] : sendAll(sock, chunk)),
  "close-when-done": (sock) => async (chunk) => {
    if (chunk === undefined || chunk === null) {
      sock.close()
      return [1]
    }
    return sendAll(sock, chunk)
  },
  "http-chunked": (sock) => async (chunk) => {
    if (chunk === undefined || chunk === null) return sendAll(sock, "0\r\n\r\n")
    const len = typeof chunk === "string" ? chunk.length : (chunk as Uint8Array).length
    const head = await sendAll(sock, `${len.toString(16).toUpperCase()}\r\n`)
    if (head[0] === undefined) return head
    const body = await sendAll(sock, chunk)
    if (body[0] === undefined) return body
    return sendAll(sock, "\r\n")
  }
}

const sendAll = async (sock: SockLike, chunk: unknown): Promise<Results> => {
  const r = await sock.send(chunk)
  return r[0] === undefined ? [undefined, r[1]] : [1]
}

const sources: Record<string, (sock: SockLike, length?: number) => Source> = {
  "until-closed": (sock) => {
    let done = false
    return async () => {
      if (done) return []
      const [chunk, err, partial] = await sock.receive(2048)
      if (chunk !== undefined) return [chunk]
      if (err === "closed") {
        sock.close()
        done = true
        return [partial]
      }
      return [undefined, err]
    }
  },
  "by-length": (sock, length = 0) => {
    let left = length
    return async () => {
      if (left <= 0) return []
      const [chunk, err] = await sock.receive(Math.min(2048, left))
      if (chunk === undefined) return [undefined, err]
      left -= typeof chunk === "string" ? chunk.length : (chunk as Uint8Array).length
      return [chunk]
    }
  },
  "http-chunked": (sock) => {
    let done = false
    return async () => {
      if (done) return []
      const [line, err] = await sock.receive()
      if (line === undefined) return [undefined, err]
      const size = Number.parseInt(String(line).split(";")[0]!.trim(), 16)
      if (!Number.isInteger(size) || size < 0) return [undefined, "invalid chunk size"]
      if (size === 0) {
        done = true
        // trailer headers until the empty line
        for (;;) {
          const [h, e] = await sock.receive()
          if (h === undefined) return [undefined, e]
          if (h === "" || (h instanceof Uint8Array && h.length === 0)) return []
        }
      }
      const [chunk, e2] = await sock.receive(size)
      if (chunk === undefined) return [undefined, e2]
      const [crlf, e3] = await sock.receive()
      if (crlf === undefined) return [undefined, e3]
      return [chunk]
    }
  }
}

const modeArg = (table: Record<string, unknown>, fallback: string) => (v: unknown, present: boolean): string => {
  const m = v === undefined || v === null ? fallback : D.string(v, present)
  if (!(m in table)) throw new ArgError(`invalid mode '${m}'`)
  return m
}

/** Header names in their canonic capitalisation, keyed by lower case (our own list). */
const canonic: Record<string, string> = Object.fromEntries(
  [
    "Accept", "Accept-Charset", "Accept-Encoding", "Accept-Language", "Accept-Ranges", "Age", "Allow", "Authorization",
    "Cache-Control", "Connection", "Content-Disposition", "Content-Encoding", "Content-Language", "Content-Length",
    "Content-Location", "Content-MD5", "Content-Range", "Content-Type", "Cookie", "Date", "ETag", "Expect", "Expires",
    "From", "Host", "If-Match", "If-Modified-Since", "If-None-Match", "If-Range", "If-Unmodified-Since", "Last-Modified",
    "Location", "Max-Forwards", "Pragma", "Proxy-Authenticate", "Proxy-Authorization", "Range", "Referer", "Retry-After",
    "Server", "Set-Cookie", "TE", "Trailer", "Transfer-Encoding", "Upgrade", "User-Agent", "Vary", "Via", "Warning",
    "WWW-Authenticate", "MIME-Version", "Content-ID", "Content-Description", "Content-Transfer-Encoding", "Reply-To",
    "Sender", "Subject", "To", "Cc", "Bcc", "Message-ID", "In-Reply-To", "References", "Received", "Return-Path"
  ].map((h) => [h.toLowerCase(), h])
)

/** The function-valued entries of the LuaSocket namespace. @since 0.1.0 */
export const extras: Array<Fn<undefined>> = [
  {
    name: "try",
    params: [],
    varargs: true,
    luaNative: true,
    returns: [{ name: "...", type: "any" }],
    doc: "Returns its arguments when the first is truthy; else raises the second, for `protect` to catch.",
    run: (_, args) => tryWith(undefined)(...args)
  },
  {
    name: "newtry",
    params: [{ name: "finalizer", type: "function", optional: true, decode: D.opt(fnArg, undefined) }],
    luaNative: true,
    returns: [{ name: "try", type: "function" }],
    doc: "A `try` that calls `finalizer` (not awaited in TypeScript) before raising.",
    run: (_, [fin]) => [tryWith(fin)]
  },
  {
    name: "protect",
    params: [{ name: "f", type: "function", decode: fnArg }],
    luaNative: true,
    returns: [{ name: "protected", type: "function" }],
    doc: "Wraps `f` so that errors raised by `try` come back as `nil, err` (other errors pass through).",
    run: (_, [f]) => [protect(f)]
  },
  {
    name: "sink",
    params: [
      { name: "mode", type: '"keep-open"|"close-when-done"|"http-chunked"', optional: true, decode: modeArg(sinks, "keep-open") },
      { name: "socket", type: "tcp{client}", decode: sockArg }
    ],
    luaNative: true,
    returns: [{ name: "sink", type: "function" }],
    doc: "An ltn12 sink that sends each chunk to the socket.",
    run: (_, [mode, sock]) => [sinks[mode]!(sock)]
  },
  {
    name: "source",
    params: [
      { name: "mode", type: '"until-closed"|"by-length"|"http-chunked"', optional: true, decode: modeArg(sources, "until-closed") },
      { name: "socket", type: "tcp{client}", decode: sockArg },
      { name: "length", type: "number", optional: true, decode: D.opt(D.number, 0) }
    ],
    luaNative: true,
    returns: [{ name: "source", type: "function" }],
    doc: "An ltn12 source that receives from the socket (2048-byte chunks).",
    run: (_, [mode, sock, length]) => [sources[mode]!(sock, length)]
  },
  {
    name: "choose",
    params: [{ name: "table", type: "table", decode: D.table }],
    luaNative: true,
    returns: [{ name: "chooser", type: "function" }],
    doc: "`choose(t)(name, ...)` calls `t[name or \"default\"](...)`.",
    run: (_, [t]) => [
      (name: unknown, ...rest: Array<unknown>) => {
        const key = name === undefined || name === null ? "default" : name
        if (typeof key !== "string") throw new PlainRaise("invalid key")
        const f = (t as Record<string, unknown>)[key]
        if (typeof f !== "function") throw new PlainRaise(`unknown key (${key})`)
        return f(...rest)
      }
    ]
  }
]

/** Table-valued constants: the sink / source factories by mode and the canonic header names. @since 0.1.0 */
export const extraConstants: Array<Constant> = [
  { name: "sinkt", type: "table", value: sinks, doc: "The sink factories by mode." },
  { name: "sourcet", type: "table", value: sources, doc: "The source factories by mode." },
  { name: "headers.canonic", type: "table", value: canonic, doc: "Lower-case header names to their canonic spelling." }
]
