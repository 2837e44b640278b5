/**
 * Typed socket errors and the one table that maps Node's error codes to them and to
 * LuaSocket's message strings (spec/reference-semantics.md section 1, "Error strings").
 * Nobody else in the project spells an error message.
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"
import * as Predicate from "effect/Predicate"

/**
 * What every socket error carries: what was being done (`operation`), to what
 * (`address`), the underlying cause and OS/resolver code, and the data already
 * received (`partial`) or the index of the last byte sent (`lastIndex`).
 *
 * @since 0.1.0
 */
export interface NetErrorFields {
  /** The operation that failed, e.g. `"receive"`, `"connect"`, `"setoption"`. */
  readonly operation: string
  /** The address involved, as the user gave it or as the socket knows it. */
  readonly address?: string | undefined
  /** The OS or resolver code behind the error, e.g. `"ECONNRESET"`, `"EAI_AGAIN"`. */
  readonly code?: string | undefined
  /** The underlying exception, if any. */
  readonly cause?: unknown
  /** Bytes already received (and consumed) when a receive failed; includes the prefix. */
  readonly partial?: Uint8Array | undefined
  /** For send: the index (1-based, LuaSocket's) of the last byte that was sent. */
  readonly lastIndex?: number | undefined
  /** A sentence with specifics (which argument was bad, which option is unsupported). */
  readonly detail?: string | undefined
  /** Set on errors of UDP objects, whose strings differ from TCP's in one place (see `udpMessages`). */
  readonly transport?: "udp" | undefined
}

/** glibc's strerror texts for the codes a socket can meet; LuaSocket prints these. */
const strerror: Record<string, string> = {
  EPERM: "Operation not permitted",
  ENOENT: "No such file or directory",
  EINTR: "Interrupted system call",
  EIO: "Input/output error",
  ENXIO: "No such device or address",
  E2BIG: "Argument list too long",
  ENODEV: "No such device",
  ENOSYS: "Function not implemented",
  ELOOP: "Too many levels of symbolic links",
  EBUSY: "Device or resource busy",
  ENOTEMPTY: "Directory not empty",
  EPROTO: "Protocol error",
  EOVERFLOW: "Value too large for defined data type",
  EDOM: "Numerical argument out of domain",
  ETOOMANYREFS: "Too many references: cannot splice",
  EBADF: "Bad file descriptor",
  EAGAIN: "Resource temporarily unavailable",
  EWOULDBLOCK: "Resource temporarily unavailable",
  ENOMEM: "Cannot allocate memory",
  EACCES: "Permission denied",
  EFAULT: "Bad address",
  EEXIST: "File exists",
  ENOTDIR: "Not a directory",
  EISDIR: "Is a directory",
  EINVAL: "Invalid argument",
  ENFILE: "Too many open files in system",
  EMFILE: "Too many open files",
  ENOSPC: "No space left on device",
  EROFS: "Read-only file system",
  EPIPE: "Broken pipe",
  ENAMETOOLONG: "File name too long",
  ENOTSOCK: "Socket operation on non-socket",
  EDESTADDRREQ: "Destination address required",
  EMSGSIZE: "Message too long",
  EPROTOTYPE: "Protocol wrong type for socket",
  ENOPROTOOPT: "Protocol not available",
  EPROTONOSUPPORT: "Protocol not supported",
  EOPNOTSUPP: "Operation not supported",
  ENOTSUP: "Operation not supported",
  EAFNOSUPPORT: "Address family not supported by protocol",
  EADDRINUSE: "Address already in use",
  EADDRNOTAVAIL: "Cannot assign requested address",
  ENETDOWN: "Network is down",
  ENETUNREACH: "Network is unreachable",
  ENETRESET: "Network dropped connection on reset",
  ECONNABORTED: "Software caused connection abort",
  ECONNRESET: "Connection reset by peer",
  ENOBUFS: "No buffer space available",
  EISCONN: "Transport endpoint is already connected",
  ENOTCONN: "Transport endpoint is not connected",
  ESHUTDOWN: "Cannot send after transport endpoint shutdown",
  ETIMEDOUT: "Connection timed out",
  ECONNREFUSED: "Connection refused",
  EHOSTDOWN: "Host is down",
  EHOSTUNREACH: "No route to host",
  EALREADY: "Operation already in progress",
  EINPROGRESS: "Operation now in progress"
}

/**
 * Linux's errno numbers of the codes in `strerror` (generic architectures: x86-64, arm64),
 * for the facades whose failures carry the number (nixio's `nil, errno, message`).
 */
const errnoNumbers: Record<string, number> = {
  EPERM: 1, ENOENT: 2, EINTR: 4, EIO: 5, ENXIO: 6, E2BIG: 7, EBADF: 9, EAGAIN: 11, EWOULDBLOCK: 11, ENOMEM: 12,
  EACCES: 13, EFAULT: 14, EBUSY: 16, EEXIST: 17, ENODEV: 19, ENOTDIR: 20, EISDIR: 21, EINVAL: 22, ENFILE: 23,
  EMFILE: 24, ENOSPC: 28, EROFS: 30, EPIPE: 32, EDOM: 33, ENAMETOOLONG: 36, ENOSYS: 38, ENOTEMPTY: 39, ELOOP: 40, EPROTO: 71,
  EOVERFLOW: 75, ENOTSOCK: 88, EDESTADDRREQ: 89, EMSGSIZE: 90, EPROTOTYPE: 91, ENOPROTOOPT: 92,
  EPROTONOSUPPORT: 93, EOPNOTSUPP: 95, ENOTSUP: 95, EAFNOSUPPORT: 97, EADDRINUSE: 98, EADDRNOTAVAIL: 99,
  ENETDOWN: 100, ENETUNREACH: 101, ENETRESET: 102, ECONNABORTED: 103, ECONNRESET: 104, ENOBUFS: 105,
  EISCONN: 106, ENOTCONN: 107, ESHUTDOWN: 108, ETOOMANYREFS: 109, ETIMEDOUT: 110, ECONNREFUSED: 111,
  EHOSTDOWN: 112, EHOSTUNREACH: 113, EALREADY: 114, EINPROGRESS: 115
}

/** LuaSocket's getaddrinfo messages (its own table, not gai_strerror). Node reports EAI_NONAME and EAI_NODATA as ENOTFOUND. */
const gaiMessages: Record<string, string> = {
  EAI_AGAIN: "temporary failure in name resolution",
  EAI_BADFLAGS: "invalid value for ai_flags",
  EAI_FAIL: "non-recoverable failure in name resolution",
  EAI_FAMILY: "ai_family not supported",
  EAI_MEMORY: "memory allocation failure",
  EAI_NONAME: "host or service not provided, or not known",
  ENOTFOUND: "host or service not provided, or not known",
  EAI_NODATA: "host or service not provided, or not known",
  EAI_SERVICE: "service not supported for socket type",
  EAI_SOCKTYPE: "ai_socktype not supported",
  EAI_OVERFLOW: "argument buffer overflow",
  EAI_PROTOCOL: "resolved protocol is unknown",
  EAI_BADHINTS: "invalid value for hints"
}

/**
 * What LuaSocket's `dns.toip` / `dns.tohostname` print (`socket_hoststrerror`): its own
 * `"host not found"` for HOST_NOT_FOUND, glibc's hstrerror for the other h_errno values.
 * Only those two functions use these (spec section 1, "Error strings").
 */
const hostMessages: Record<string, string> = {
  HOST_NOT_FOUND: "host not found",
  TRY_AGAIN: "Host name lookup failure",
  NO_RECOVERY: "Unknown server error",
  NO_DATA: "No address associated with name"
}

/** The h_errno gethostbyname/gethostbyaddr set where getaddrinfo/getnameinfo report a code (Node has only the latter). */
const hostErrnoOfResolverCode: Record<string, string> = {
  ENOTFOUND: "HOST_NOT_FOUND",
  EAI_NONAME: "HOST_NOT_FOUND",
  EAI_NODATA: "NO_DATA",
  EAI_AGAIN: "TRY_AGAIN",
  EAI_FAIL: "NO_RECOVERY"
}

/**
 * glibc's gai_strerror texts. LuaSocket prints them raw where its own table has no row
 * (socket_gaistrerror's default, e.g. EAI_ADDRFAMILY) and always in UDP's sendto, which
 * calls gai_strerror directly (spec section 6: a host name gives "Name or service not known").
 */
const glibcGaiMessages: Record<string, string> = {
  EAI_ADDRFAMILY: "Address family for hostname not supported",
  EAI_AGAIN: "Temporary failure in name resolution",
  EAI_BADFLAGS: "Bad value for ai_flags",
  EAI_FAIL: "Non-recoverable failure in name resolution",
  EAI_FAMILY: "ai_family not supported",
  EAI_MEMORY: "Memory allocation failure",
  EAI_NONAME: "Name or service not known",
  EAI_NODATA: "No address associated with hostname",
  EAI_SERVICE: "Servname not supported for ai_socktype",
  EAI_SOCKTYPE: "ai_socktype not supported",
  EAI_OVERFLOW: "Result too large for supplied buffer",
  EAI_SYSTEM: "System error"
}

/** glibc's getaddrinfo return values (negative), as nixio returns them in place of an errno. */
const gaiNumbers: Record<string, number> = {
  EAI_BADFLAGS: -1, EAI_NONAME: -2, EAI_AGAIN: -3, EAI_FAIL: -4, EAI_NODATA: -5, EAI_FAMILY: -6, EAI_SOCKTYPE: -7,
  EAI_SERVICE: -8, EAI_ADDRFAMILY: -9, EAI_MEMORY: -10, EAI_SYSTEM: -11, EAI_OVERFLOW: -12
}

/**
 * Where LuaSocket's UDP objects print another string than the kind's own (udp.c's
 * udp_strerror): a closed UDP object's send/sendto says `refused` (spec section 6).
 * ECONNREFUSED itself still prints `connection refused` on lua5.4 + lua-socket 3.1.0.
 */
const udpMessages: Partial<Record<string, string>> = {
  Closed: "refused"
}

/**
 * The tags of all socket errors, with the sentence each one prints and the
 * string LuaSocket returns for it. One row per error kind: the table.
 */
const kinds = {
  Timeout: { sentence: "timed out", lua: "timeout" },
  Closed: { sentence: "connection closed", lua: "closed" },
  ConnectionRefused: { sentence: "connection refused (is anything listening there?)", lua: "connection refused" },
  AddressInUse: { sentence: "address already in use", lua: "address already in use" },
  AddressNotAvailable: { sentence: "cannot assign the requested address (is it an address of this host?)", lua: strerror.EADDRNOTAVAIL },
  PermissionDenied: { sentence: "permission denied", lua: "permission denied" },
  HostNotFound: { sentence: "host name could not be resolved", lua: gaiMessages.EAI_NONAME },
  Unreachable: { sentence: "network or host unreachable", lua: strerror.ENETUNREACH },
  NotConnected: { sentence: "socket is not connected", lua: strerror.ENOTCONN },
  AlreadyConnected: { sentence: "socket is already connected", lua: "already connected" },
  InvalidArgument: { sentence: "invalid argument", lua: strerror.EINVAL },
  Unsupported: { sentence: "not supported by Node.js on this platform", lua: "unsupported" },
  LineTooLong: { sentence: "line longer than the allowed maximum", lua: "line too long" },
  Unknown: { sentence: "unexpected error", lua: "unknown error" }
} as const satisfies Record<string, { sentence: string; lua: string }>

/** @since 0.1.0 */
export type NetErrorTag = keyof typeof kinds

const luaMessageOf = (tag: NetErrorTag, fields: NetErrorFields): string => {
  const code = fields.code
  const udp = fields.transport === "udp" ? udpMessages[tag] : undefined
  if (udp !== undefined) return udp
  switch (tag) {
    case "HostNotFound":
      return (code !== undefined && (gaiMessages[code] || hostMessages[code] || glibcGaiMessages[code])) || kinds.HostNotFound.lua
    case "Unreachable":
    case "NotConnected":
    case "Unknown":
    case "AddressNotAvailable":
      return (code !== undefined && strerror[code]) || kinds[tag].lua
    case "PermissionDenied":
      // LuaSocket spells only EACCES itself; EPERM prints as strerror.
      return code === "EPERM" ? strerror.EPERM : kinds[tag].lua
    case "InvalidArgument":
      // A resolver code on an InvalidArgument is a numeric-only lookup that failed (UDP's sendto): gai_strerror's text.
      if (code !== undefined && glibcGaiMessages[code] !== undefined) return glibcGaiMessages[code]
      return fields.detail ?? ((code !== undefined && strerror[code]) || kinds[tag].lua)
    case "Unsupported":
    case "LineTooLong":
      return fields.detail ?? ((code !== undefined && strerror[code]) || kinds[tag].lua)
    default:
      return kinds[tag].lua
  }
}

const messageOf = (tag: NetErrorTag, fields: NetErrorFields): string => {
  const where = fields.address !== undefined ? ` ${fields.address}` : ""
  const what = fields.detail !== undefined ? `${kinds[tag].sentence}: ${fields.detail}` : kinds[tag].sentence
  const code = fields.code !== undefined ? ` [${fields.code}]` : ""
  return `${fields.operation}${where}: ${what}${code}`
}

/**
 * Whether socket errors capture a stack trace (`EFFECT_LUASOCKET_ERROR_STACKS=1`; default:
 * no). A socket error is a value, as LuaSocket's `nil, "timeout"`: a would-block receive,
 * a peer's close, a timeout are answers, made inside Node's callbacks and Effect's run
 * loop, whose frames say nothing about the caller. Capturing them (`new Error` walks the
 * stack) costs ~10-14 us per would-block call through the luasocket facade, 5-8x the call
 * itself (`npm run bench -- micro`). Set the variable, before the module loads, to get them
 * back when debugging.
 *
 * @since 0.1.0
 */
export const captureStacks: boolean = process.env.EFFECT_LUASOCKET_ERROR_STACKS === "1"

type AnyConstructor = new(...args: Array<any>) => object

/** A `Data.TaggedError` class whose instances capture no stack trace (unless `captureStacks`). */
const stackless = <C extends AnyConstructor>(Base: C): C => {
  if (captureStacks) return Base
  return class extends (Base as AnyConstructor) {
    constructor(...args: Array<any>) {
      const limit = Error.stackTraceLimit
      Error.stackTraceLimit = 0
      try {
        super(...args)
      } finally {
        Error.stackTraceLimit = limit
      }
    }
  } as C
}

/** The operation could not complete within its timeout budget. @since 0.1.0 */
export class Timeout extends stackless(Data.TaggedError("Timeout"))<NetErrorFields> {}
/** The connection is closed (by us, by the peer, or reset: see `code`). @since 0.1.0 */
export class Closed extends stackless(Data.TaggedError("Closed"))<NetErrorFields> {}
/** @since 0.1.0 */
export class ConnectionRefused extends stackless(Data.TaggedError("ConnectionRefused"))<NetErrorFields> {}
/** @since 0.1.0 */
export class AddressInUse extends stackless(Data.TaggedError("AddressInUse"))<NetErrorFields> {}
/** @since 0.1.0 */
export class AddressNotAvailable extends stackless(Data.TaggedError("AddressNotAvailable"))<NetErrorFields> {}
/** @since 0.1.0 */
export class PermissionDenied extends stackless(Data.TaggedError("PermissionDenied"))<NetErrorFields> {}
/** @since 0.1.0 */
export class HostNotFound extends stackless(Data.TaggedError("HostNotFound"))<NetErrorFields> {}
/** @since 0.1.0 */
export class Unreachable extends stackless(Data.TaggedError("Unreachable"))<NetErrorFields> {}
/** @since 0.1.0 */
export class NotConnected extends stackless(Data.TaggedError("NotConnected"))<NetErrorFields> {}
/** @since 0.1.0 */
export class AlreadyConnected extends stackless(Data.TaggedError("AlreadyConnected"))<NetErrorFields> {}
/** A bad value was passed; `detail` names it. @since 0.1.0 */
export class InvalidArgument extends stackless(Data.TaggedError("InvalidArgument"))<NetErrorFields> {}
/** Node.js cannot do this (e.g. an option it does not expose). @since 0.1.0 */
export class Unsupported extends stackless(Data.TaggedError("Unsupported"))<NetErrorFields> {}
/** A line exceeded the maximum length given to receive; `partial` holds what was consumed. @since 0.1.0 */
export class LineTooLong extends stackless(Data.TaggedError("LineTooLong"))<NetErrorFields> {}
/** Any other OS error; `code` says which. @since 0.1.0 */
export class Unknown extends stackless(Data.TaggedError("Unknown"))<NetErrorFields> {}

/** @since 0.1.0 */
export type NetError =
  | Timeout
  | Closed
  | ConnectionRefused
  | AddressInUse
  | AddressNotAvailable
  | PermissionDenied
  | HostNotFound
  | Unreachable
  | NotConnected
  | AlreadyConnected
  | InvalidArgument
  | Unsupported
  | LineTooLong
  | Unknown

const constructors: { readonly [K in NetErrorTag]: new(fields: NetErrorFields) => NetError } = {
  Timeout,
  Closed,
  ConnectionRefused,
  AddressInUse,
  AddressNotAvailable,
  PermissionDenied,
  HostNotFound,
  Unreachable,
  NotConnected,
  AlreadyConnected,
  InvalidArgument,
  Unsupported,
  LineTooLong,
  Unknown
}

// Every error prints a sentence (what failed, where, why) as its message; one definition for all.
for (const [tag, C] of Object.entries(constructors)) {
  Object.defineProperty(C.prototype, "message", {
    get(this: NetErrorFields) {
      return messageOf(tag as NetErrorTag, this)
    },
    configurable: true
  })
}

/**
 * The string LuaSocket returns for this error (`"timeout"`, `"closed"`, ...).
 *
 * @since 0.1.0
 */
export const luaMessage = (error: NetError): string => luaMessageOf(error._tag, error)

/** Builds the error of the given tag. @since 0.1.0 */
export const make = (tag: NetErrorTag, fields: NetErrorFields): NetError => new constructors[tag](fields)

/** Which error kind a Node/OS/resolver code becomes (spec section 1, "Error strings"). */
const codeToTag: Record<string, NetErrorTag> = {
  ETIMEDOUT: "Timeout",
  ECONNRESET: "Closed",
  ECONNABORTED: "Closed",
  EPIPE: "Closed",
  ERR_STREAM_DESTROYED: "Closed",
  ERR_STREAM_WRITE_AFTER_END: "Closed",
  ERR_SOCKET_CLOSED: "Closed",
  ECONNREFUSED: "ConnectionRefused",
  EADDRINUSE: "AddressInUse",
  EADDRNOTAVAIL: "AddressNotAvailable",
  EACCES: "PermissionDenied",
  EPERM: "PermissionDenied",
  ENOTFOUND: "HostNotFound",
  HOST_NOT_FOUND: "HostNotFound",
  TRY_AGAIN: "HostNotFound",
  NO_RECOVERY: "HostNotFound",
  NO_DATA: "HostNotFound",
  EHOSTUNREACH: "Unreachable",
  ENETUNREACH: "Unreachable",
  ENOTCONN: "NotConnected",
  EISCONN: "AlreadyConnected",
  EINVAL: "InvalidArgument",
  EAFNOSUPPORT: "Unsupported",
  EOPNOTSUPP: "Unsupported",
  ENOTSUP: "Unsupported"
}

/** The error kind for a Node error code (`EAI_*` are resolver failures). @since 0.1.0 */
export const tagOfCode = (code: string | undefined): NetErrorTag => {
  if (code === undefined) return "Unknown"
  const tag = codeToTag[code]
  if (tag !== undefined) return tag
  if (code.startsWith("EAI_")) return "HostNotFound"
  return "Unknown"
}

const codeOf = (cause: unknown): string | undefined =>
  Predicate.hasProperty(cause, "code") && typeof cause.code === "string" ? cause.code : undefined

/**
 * Turns whatever Node threw or emitted into a typed error, keeping the cause.
 * A value that already is a NetError passes through with the extra fields added.
 *
 * @since 0.1.0
 */
export const fromCause = (
  cause: unknown,
  fields: Omit<NetErrorFields, "cause" | "code">
): NetError => {
  if (isNetError(cause)) {
    return make(cause._tag, { ...fieldsOf(cause), ...definedOnly(fields), operation: cause.operation })
  }
  const code = codeOf(cause)
  return make(tagOfCode(code), { ...fields, code, cause })
}

const definedOnly = <A extends object>(a: A): Partial<A> => {
  const out: Partial<A> = {}
  for (const k of Object.keys(a) as Array<keyof A>) if (a[k] !== undefined) out[k] = a[k]
  return out
}

/** @since 0.1.0 */
export const isNetError = (u: unknown): u is NetError =>
  Predicate.hasProperty(u, "_tag") && typeof u._tag === "string" && u._tag in constructors && u instanceof Error

/**
 * LuaSocket's message for a raw code (what `socket_strerror` / `io_strerror` print).
 *
 * @since 0.1.0
 */
export const luaMessageForCode = (code: string): string => luaMessage(make(tagOfCode(code), { operation: "", code }))

/**
 * A resolver failure as `dns.toip` / `dns.tohostname` report it: a `HostNotFound` gets the
 * h_errno code gethostbyname would have set (`HOST_NOT_FOUND` -> `"host not found"`); other
 * errors pass unchanged. The original error stays as the `cause`.
 *
 * @since 0.1.0
 */
export const asHostLookupError = (error: NetError): NetError => {
  if (error._tag !== "HostNotFound" || (error.code !== undefined && error.code in hostMessages)) return error
  const code = (error.code !== undefined && hostErrnoOfResolverCode[error.code]) || "HOST_NOT_FOUND"
  return make("HostNotFound", { ...fieldsOf(error), code, cause: error.cause ?? error })
}

/** Returns a copy of the error with `partial` (and nothing else) replaced. @since 0.1.0 */
export const withPartial = (error: NetError, partial: Uint8Array): NetError => make(error._tag, { ...fieldsOf(error), partial })

/** An error's fields, `cause` included: Error keeps `cause` non-enumerable, so a spread alone drops it. */
const fieldsOf = (error: NetError): NetErrorFields => (error.cause === undefined ? { ...error } : { ...error, cause: error.cause })

/**
 * An error as a C socket library reports it: the errno (or getaddrinfo) code, its number
 * and its text. lsocket returns `nil, message`, nixio `nil, errno, message` (spec sections
 * 2 and 3).
 *
 * @since 0.1.0
 */
export interface OsError {
  /** `"ECONNREFUSED"`, `"EAI_NONAME"`, ... */
  readonly code: string
  /** Linux's errno number, or glibc's negative `EAI_*` value for resolver failures. */
  readonly errno: number
  /** strerror / gai_strerror text; for `Unsupported`, followed by what Node.js lacks. */
  readonly message: string
}

/** The code an OS call would have failed with, for errors that carry none (or a non-OS one). */
const osCodeOfTag: { readonly [K in NetErrorTag]: string } = {
  Timeout: "ETIMEDOUT",
  Closed: "EPIPE",
  ConnectionRefused: "ECONNREFUSED",
  AddressInUse: "EADDRINUSE",
  AddressNotAvailable: "EADDRNOTAVAIL",
  PermissionDenied: "EACCES",
  HostNotFound: "EAI_NONAME",
  Unreachable: "ENETUNREACH",
  NotConnected: "ENOTCONN",
  AlreadyConnected: "EISCONN",
  InvalidArgument: "EINVAL",
  Unsupported: "EOPNOTSUPP",
  LineTooLong: "EMSGSIZE",
  Unknown: "EIO"
}

/** Resolver codes Node or h_errno use, as getaddrinfo's own. */
const gaiCodeOf: Record<string, string> = {
  ENOTFOUND: "EAI_NONAME",
  HOST_NOT_FOUND: "EAI_NONAME",
  NO_DATA: "EAI_NODATA",
  TRY_AGAIN: "EAI_AGAIN",
  NO_RECOVERY: "EAI_FAIL"
}

/**
 * The C view of an error (`OsError`): its own code when it is an errno or getaddrinfo
 * code, else the usual code of its kind (a refused connect is ECONNREFUSED, a Node.js
 * limit EOPNOTSUPP, ...).
 *
 * @since 0.1.0
 */
export const osError = (error: NetError): OsError => {
  const own = error.code === undefined ? undefined : gaiCodeOf[error.code] ?? error.code
  const code = own !== undefined && (errnoNumbers[own] !== undefined || gaiNumbers[own] !== undefined) ? own : osCodeOfTag[error._tag]
  const errno = errnoNumbers[code] ?? gaiNumbers[code]!
  const text = strerror[code] ?? glibcGaiMessages[code] ?? "Unknown error"
  const message = error._tag === "Unsupported" && error.detail !== undefined ? `${text}: ${error.detail}` : text
  return { code, errno, message }
}

/**
 * `osError` of a bare code (`"EAGAIN"`, `"EAI_NONAME"`, ...).
 *
 * @since 0.1.0
 */
export const osErrorOfCode = (code: string, operation = ""): OsError => osError(make(tagOfCode(code), { operation, code }))
