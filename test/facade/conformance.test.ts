/**
 * Conformance of every facade to its manual (the reference manuals in test/facade/manuals,
 * copied unmodified from the project's seeds):
 *
 * 1. Names: every function, constant, method and field a manual names exists on its
 *    facade's spec: a namespace function or constant, or a method of the object type whose
 *    classes include the class the manual names it for (LuaSocket's `client:receive` on the
 *    `tcp` type, which has `tcp{client}`). Existence on the type is what is checked: which
 *    class may call it follows the real library and is documented in the spec (the Defold
 *    manual lists `master:getstats`, which LuaSocket raises for).
 * 2. Return conventions: a real loopback exchange through each TypeScript facade checks the
 *    arity and shape of its results (LuaSocket's `nil, err, partial`; lsocket's `false` for
 *    would-block and `nil` for end of stream; nixio's `false, errno, message`; lunatik's
 *    raised errno names).
 *
 * A facade not yet in src/facade/all.ts is reported as skipped, with the reason.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { facades } from "../../src/facade/all.js"
import { indexOf } from "../../src/facade/derive.js"
import type { FacadeSpec } from "../../src/facade/spec.js"
import inet, { LuaRaise } from "../../src/inet/index.js"
import socket from "../../src/luasocket/index.js"

const manual = (file: string): string => fs.readFileSync(path.join(import.meta.dirname, "manuals", file), "utf8")

// ---- what the manuals name --------------------------------------------------------------------

/** One name a manual gives: a namespace function or constant, a method of some classes, or a field. */
type Entry =
  | { readonly kind: "name"; readonly name: string }
  | { readonly kind: "method" | "field"; readonly name: string; readonly classes: ReadonlyArray<string> }

const show = (e: Entry): string => (e.kind === "name" ? e.name : `${e.kind === "field" ? "field " : ""}${e.classes.join("|")}:${e.name}`)

const unique = (entries: Array<Entry>): Array<Entry> => {
  const seen = new Map<string, Entry>()
  for (const e of entries) seen.set(show(e), e)
  return [...seen.values()].sort((a, b) => show(a).localeCompare(show(b)))
}

const matches = (text: string, re: RegExp): Array<RegExpExecArray> => [...text.matchAll(re)]

/** LuaSocket's object classes as the manuals name them. */
const luasocketClasses: Readonly<Record<string, string>> = {
  master: "tcp{master}",
  client: "tcp{client}",
  server: "tcp{server}",
  connected: "udp{connected}",
  unconnected: "udp{unconnected}"
}

/** `socket.x`, `socket.dns.x`, and `socket.connect[46]` (connect, connect4, connect6). */
const luasocketNames = (text: string): Array<Entry> =>
  matches(text, /\bsocket\.([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)(?:\[(\d+)\])?/g).flatMap(([, name, variants]) => [
    { kind: "name", name: name! } as Entry,
    ...[...(variants ?? "")].map((d): Entry => ({ kind: "name", name: `${name}${d}` }))
  ])

interface ManualCase {
  readonly file: string
  readonly facade: string
  /** What the manual names. */
  readonly extract: (text: string) => Array<Entry>
  /** Fewer than this many names means the regexes no longer fit the manual. */
  readonly minimum: number
  /** Names that must be among the extracted ones (the regexes see what they should). */
  readonly sample: ReadonlyArray<string>
}

const manuals: ReadonlyArray<ManualCase> = [
  {
    file: "luasocket-socket-namespace.txt",
    facade: "luasocket",
    extract: luasocketNames,
    minimum: 18,
    sample: ["bind", "connect4", "connect6", "headers.canonic", "_SOCKETINVALID", "try"]
  },
  {
    file: "luasocket-defold-reference.txt",
    facade: "luasocket",
    // The reference's headings: `client:receive`, `socket.dns.toip`, ... each on its own line.
    extract: (text) =>
      matches(text, /^(client|connected|master|server|unconnected|socket)([:.])([\w.]+)$/gm).map(([, owner, sep, name]): Entry =>
        sep === "." ? { kind: "name", name: name! } : { kind: "method", name: name!, classes: [luasocketClasses[owner!]!] }
      ),
    minimum: 70,
    sample: ["tcp{client}:receive", "tcp{master}:getstats", "udp{unconnected}:receivefrom", "udp{connected}:setpeername", "dns.getnameinfo", "tcp6"]
  },
  {
    file: "lsocket-readme.txt",
    facade: "lsocket",
    // `lsocket.bind(...)`, `lsocket.INADDR_ANY`, and methods as `socket:recv(...)`.
    extract: (text) => [
      ...matches(text, /\blsocket\.([A-Za-z_]\w*)/g).map(([, name]): Entry => ({ kind: "name", name: name! })),
      ...matches(text, /\bsocket:(\w+)\s*\(/g).map(([, name]): Entry => ({ kind: "method", name: name!, classes: ["socket"] }))
    ],
    minimum: 18,
    sample: ["bind", "select", "getinterfaces", "IN6ADDR_ANY", "_VERSION", "socket:recvfrom", "socket:setfd", "socket:info"]
  },
  {
    file: "nixio-socket.txt",
    facade: "nixio",
    // `Socket:recv (length)`: methods of nixio's socket objects (class `nixio.socket`)
    extract: (text) => matches(text, /\bSocket:(\w+)\s*\(/g).map(([, name]): Entry => ({ kind: "method", name: name!, classes: ["nixio.socket"] })),
    minimum: 18,
    sample: ["nixio.socket:getopt", "nixio.socket:setblocking", "nixio.socket:read", "nixio.socket:write", "nixio.socket:fileno", "nixio.socket:shutdown"]
  },
  {
    file: "lunatik-socket-inet.txt",
    facade: "inet",
    extract: (text) => {
      const inetClasses = ["inet.tcp", "inet.udp"]
      return [
        // `inet.tcp:accept (flags)`, `inet:bind (addr, port)`: `inet:x` is every inet object's, except
        // the class table's own `__call` / `new`, which lunatik calls on the class: namespace functions.
        ...matches(text, /\binet(\.tcp|\.udp)?:(\w+)\s*\(/g).map(([, cls, name]): Entry =>
          cls === undefined
            ? name === "__call" || name === "new" ? { kind: "name", name: name } : { kind: "method", name: name!, classes: inetClasses }
            : { kind: "method", name: name!, classes: [`inet${cls}`] }
        ),
        // `inet.tcp()`, `inet.udp()` and the class tables' headings
        ...matches(text, /\binet\.(\w+)\b(?![:\w])/g).map(([, name]): Entry => ({ kind: "name", name: name! })),
        // `socket.sock.STREAM`, `socket.ipproto.TCP`: the constants the fields take
        ...matches(text, /\bsocket\.((?:sock|ipproto|msg|af)\.[A-Z]+)/g).map(([, name]): Entry => ({ kind: "name", name: name! })),
        // `net.aton`, `net.ntoa`
        ...matches(text, /\bnet\.(aton|ntoa)\b/g).map(([, name]): Entry => ({ kind: "name", name: `net.${name}` })),
        // "Fields:" bullets (`• type The socket type ...`; parameter bullets have a `(type)`)
        ...matches(text, /^\s*•\s+(\w+) (?!\()/gm).map(([, name]): Entry => ({ kind: "field", name: name!, classes: inetClasses }))
      ]
    },
    minimum: 20,
    sample: ["inet.tcp:accept", "inet.udp:sendto", "inet.tcp|inet.udp:bind", "__call", "new", "tcp", "udp", "sock.STREAM", "ipproto.UDP", "net.ntoa", "field inet.tcp|inet.udp:proto"]
  }
]

// ---- checking a name against a spec -------------------------------------------------------------

/** Why an entry is not on the spec, or undefined when it is. */
const missing = (spec: FacadeSpec, e: Entry): string | undefined => {
  const index = indexOf(spec)
  switch (e.kind) {
    case "name":
      return index.functions.has(e.name) || spec.constants.some((c) => c.name === e.name) ? undefined : "no such function or constant"
    case "method": {
      for (const c of e.classes) {
        const t = index.typeOfClass.get(c)
        if (t === undefined) return `no object type has class ${c}`
        if (!index.methods.get(t)?.has(e.name)) return `not a method of ${t} (classes ${spec.types.find((x) => x.name === t)!.classes.join(", ")})`
      }
      return undefined
    }
    case "field":
      for (const c of e.classes) {
        const t = spec.types.find((x) => x.classes.includes(c))
        if (t === undefined) return `no object type has class ${c}`
        if (!(t.fields ?? []).some((f) => f.name === e.name)) return `not a field of ${t.name}`
      }
      return undefined
  }
}

const facadeNamed = (name: string) => facades.find((f) => f.spec.name === name)

describe("conformance: every name the manuals give exists on its facade", () => {
  for (const m of manuals) {
    const f = facadeNamed(m.facade)
    if (f === undefined) {
      it.skip(`${m.file}: the ${m.facade} facade is not in src/facade/all.ts yet: skipped until it is`, () => {})
      continue
    }
    const entries = unique(m.extract(manual(m.file)))
    it(`${m.file}: the extraction finds the manual's names (${entries.length})`, () => {
      // SHOW_MANUAL_NAMES=1 npx vitest run test/facade/conformance.test.ts: what the regexes find
      if (process.env.SHOW_MANUAL_NAMES) console.log(m.file, entries.map(show).join(" "))
      const names = entries.map(show)
      expect(entries.length, `only ${entries.length} names found: ${names.join(", ")}`).toBeGreaterThanOrEqual(m.minimum)
      for (const s of m.sample) expect(names, `${s} not extracted`).toContain(s)
    })
    it(`${m.file}: each exists on the ${m.facade} facade`, () => {
      const absent = entries.flatMap((e) => {
        const why = missing(f.spec, e)
        return why === undefined ? [] : [`${show(e)}: ${why}`]
      })
      expect(absent).toEqual([])
    })
  }
})

// ---- return conventions over loopback ------------------------------------------------------------

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Calls `f` until `done` accepts its result (at most ~2 s). */
const until = async <A>(f: () => Promise<A> | A, done: (a: A) => boolean): Promise<A> => {
  for (let i = 0; ; i++) {
    const r = await f()
    if (done(r) || i >= 400) return r
    await sleep(5)
  }
}

type Obj = Record<string, (...args: Array<unknown>) => any>

/** The TypeScript facade module of a facade (`src/<name>/index.ts`): its default export, the namespace. */
const facadeModule = async (name: string): Promise<Obj> => {
  const file = path.resolve(import.meta.dirname, "../../src", name, "index.ts")
  expect(fs.existsSync(file), `${name} is in src/facade/all.ts but ${file} is missing`).toBe(true)
  return ((await import(/* @vite-ignore */ file)) as { default: Obj }).default
}

const conventions: ReadonlyArray<readonly [string, string, (ns: Obj) => Promise<void>]> = [
  [
    "luasocket",
    "receive gives exactly 3 results on failure (nil, \"timeout\", partial), send (nil, \"closed\", lastIndex)",
    async () => {
      const [srv] = await socket.bind("127.0.0.1", 0)
      const [, port] = srv!.getsockname()
      const [c] = await socket.connect("127.0.0.1", port!)
      const [a] = await srv!.accept()
      a!.settimeout(0.05)
      expect(await a!.receive(10)).toStrictEqual([undefined, "timeout", ""])
      expect(await c!.send("abc")).toStrictEqual([3, undefined, undefined])
      expect(await a!.receive(5)).toStrictEqual([undefined, "timeout", "abc"])
      expect(await a!.receive("*l", "pre")).toStrictEqual([undefined, "timeout", "pre"])
      c!.close()
      expect(await c!.send("xyz")).toStrictEqual([undefined, "closed", 0])
      expect(await c!.send("xyz", 2)).toStrictEqual([undefined, "closed", 1])
      expect(await a!.receive("*a")).toStrictEqual([undefined, "closed", ""])
      expect(srv!.close()).toStrictEqual([1])
      a!.close()
    }
  ],
  [
    "lsocket",
    "false when a call would block, nil at the end of the stream, nil + message on errors",
    async (lsocket) => {
      const [srv] = await lsocket.bind!("tcp", "127.0.0.1", 0)
      const [info] = await srv.info("socket")
      const [c] = await lsocket.connect!("tcp", "127.0.0.1", info.port)
      const [a] = await until(() => srv.accept(), (r: Array<any>) => r[0] !== false)
      expect(a).toBeTruthy()
      expect(await a.recv()).toStrictEqual([false])
      await until(() => c.send("hi"), (r: Array<any>) => r[0] !== false)
      expect(await until(() => a.recv(), (r: Array<any>) => r[0] !== false)).toStrictEqual(["hi"])
      c.close()
      expect(await until(() => a.recv(), (r: Array<any>) => r[0] !== false)).toStrictEqual([undefined])
      const [none, err] = await lsocket.connect!("tcp", "127.0.0.1", 0)
      if (none === undefined) expect(typeof err).toBe("string")
      else none.close()
      a.close()
      srv.close()
    }
  ],
  [
    "nixio",
    "false, errno, message when a non-blocking call would block",
    async (nixio) => {
      const [srv] = await nixio.socket!("inet", "stream")
      await srv.bind("127.0.0.1", 0)
      await srv.listen(8)
      const [, port] = await srv.getsockname()
      const [c] = await nixio.socket!("inet", "stream")
      await c.connect("127.0.0.1", port)
      const [a] = await srv.accept()
      await a.setblocking(false)
      expect(await a.recv(10)).toStrictEqual([false, 11, "Resource temporarily unavailable"])
      for (const s of [a, c, srv]) await s.close()
    }
  ],
  [
    "inet",
    "failures raise errno names; results are lunatik's (nothing for bind / connect / close, the count for send)",
    async () => {
      const [srv] = inet.tcp()
      expect(srv.bind("127.0.0.1", 0)).toStrictEqual([])
      expect(await srv.listen()).toStrictEqual([])
      const [, port] = srv.getsockname()
      const [c] = inet.tcp()
      expect(await c.connect("127.0.0.1", port)).toStrictEqual([])
      const [a] = await srv.accept()
      expect(await c.send("abc")).toStrictEqual([3])
      expect(await a.receive(10)).toStrictEqual(["abc"])
      const e = await a.receive(10, inet.msg.DONTWAIT).then(() => undefined, (x: unknown) => x)
      expect(e).toBeInstanceOf(LuaRaise)
      expect((e as Error).message).toBe("EAGAIN")
      c.close()
      expect(await a.receive(10)).toStrictEqual([""])
      await expect(c.send("x")).rejects.toThrow(/^EBADF$/)
      a.close()
      expect(srv.close()).toStrictEqual([])
    }
  ]
]

describe("conformance: each facade's return conventions over loopback", () => {
  for (const [name, what, scenario] of conventions) {
    if (facadeNamed(name) === undefined) {
      it.skip(`${name}: the facade is not in src/facade/all.ts yet: skipped until it is`, () => {})
      continue
    }
    it(`${name}: ${what}`, async () => {
      await scenario(await facadeModule(name))
    })
  }
})
