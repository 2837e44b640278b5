/**
 * A UDP multicast chat on loopback with the Effect API: three members share one port, join the
 * group 239.255.42.99 on 127.0.0.1, each says one line to the group, and each hears all three
 * (its own too: multicast loop is on). The options are LuaSocket's names.
 *
 * Where the kernel has no multicast route over loopback (some containers), it says so and
 * exits with status 0 (the examples test then skips it).
 *
 * Run: npm run build && node dist/examples/udp-multicast-chat.js
 */
import { Effect, Either } from "effect"
import { Udp } from "effect-luasocket"

const GROUP = "239.255.42.99"
const LOOPBACK = "127.0.0.1"
const members = ["alice", "bob", "carol"] as const

/** A member's socket: bound to the chat port (0: any free port, for the first member). */
const join = (port: number) =>
  Effect.gen(function*() {
    const socket = yield* Udp.open({ family: "inet" }) // socket.udp4()
    yield* socket.setTimeout(5) // at most 5 s per receive
    yield* socket.setOption("reuseaddr", true) // several members on one port
    yield* socket.setOption("ip-add-membership", { multiaddr: GROUP, interface: LOOPBACK })
    yield* socket.setOption("ip-multicast-if", LOOPBACK) // send over loopback
    yield* socket.setOption("ip-multicast-loop", true) // deliver to this host's members
    yield* socket.setOption("ip-multicast-ttl", 1) // one hop (the default)
    yield* socket.setsockname("*", port) // options set before are applied here
    return socket
  })

/** Says one line to the group, then listens until it has heard every member once. */
const chat = (name: string, socket: Udp.UdpSocket, port: number) =>
  Effect.gen(function*() {
    yield* socket.sendto(new TextEncoder().encode(`${name}: hello from ${name}`), GROUP, port)
    const heard = new Set<string>()
    while (heard.size < members.length) {
      const { data } = yield* socket.receivefrom()
      heard.add(new TextDecoder().decode(data))
    }
    return [...heard].sort()
  })

const program = Effect.scoped(Effect.gen(function*() {
  const first = yield* join(0)
  const port = Either.getOrThrow(first.getSockName()).port
  const sockets = [first, yield* join(port), yield* join(port)]
  console.log(`chat: ${members.length} members on ${GROUP}:${port} over ${LOOPBACK}`)
  const heard = yield* Effect.all(members.map((name, i) => chat(name, sockets[i]!, port)), { concurrency: "unbounded" })
  members.forEach((name, i) => console.log(`${name} heard: ${heard[i]!.join(" | ")}`))
}))

/** Where multicast over loopback cannot work, the first symptom is one of these. */
const unavailable = (why: string) => Effect.sync(() => console.log(`multicast on loopback is not available here: ${why}`))

await Effect.runPromise(program.pipe(
  Effect.catchAll((e) =>
    e._tag === "Timeout"
      ? unavailable(`nothing came back from ${GROUP} within 5 s`)
      : ["setoption", "setsockname", "sendto"].includes(e.operation ?? "")
      ? unavailable(e.message)
      : Effect.fail(e)
  )
))
