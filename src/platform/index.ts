/**
 * effect-luasocket/platform: interop with `@effect/platform`'s `Socket` and
 * `SocketServer`, so that code written against the platform's interfaces (channels,
 * RPC protocols, anything taking a `Socket.Socket`) runs over the core's sockets, and
 * the core's receive patterns run over any platform `Socket`. See docs/platform.md.
 *
 * @since 0.1.0
 */
import * as Socket from "@effect/platform/Socket"
import * as SocketServer from "@effect/platform/SocketServer"
import * as Cause from "effect/Cause"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as ExecutionStrategy from "effect/ExecutionStrategy"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as FiberId from "effect/FiberId"
import * as FiberRef from "effect/FiberRef"
import * as FiberSet from "effect/FiberSet"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Scope from "effect/Scope"
import * as NetError from "../core/NetError.js"
import * as ReadBuffer from "../core/ReadBuffer.js"
import * as Tcp from "../core/Tcp.js"
import * as Timeout from "../core/Timeout.js"

// ---- errors -----------------------------------------------------------------------------

/**
 * A core error as the platform's `SocketError`: a `SocketGenericError` whose `cause` is
 * the `NetError` itself (so `fromSocketError` gets it back unchanged).
 *
 * @since 0.1.0
 */
export const toSocketError = (error: NetError.NetError, reason: "Read" | "Write" | "Open"): Socket.SocketError =>
  new Socket.SocketGenericError({ reason, cause: error })

/**
 * A platform `SocketError` as a core error: the `NetError` a `SocketGenericError`
 * carries as its cause when there is one; else the cause's Node error code decides
 * (`ECONNRESET` -> `Closed` with that code, ...); a `SocketCloseError` is `Closed`
 * with the close code in `detail`.
 *
 * @since 0.1.0
 */
export const fromSocketError = (error: Socket.SocketError, operation: string): NetError.NetError => {
  if (error.reason === "Close") {
    return new NetError.Closed({ operation, detail: `the platform socket closed with code ${error.code}${error.closeReason ? ` (${error.closeReason})` : ""}`, cause: error })
  }
  const cause = error.cause
  if (NetError.isNetError(cause)) return cause
  return NetError.fromCause(cause ?? error, { operation })
}

/** A reset (or abort) by the peer: data may be missing, so it is a failure, not an end. */
const isReset = (e: NetError.NetError): boolean => e.code === "ECONNRESET" || e.code === "ECONNABORTED"

// ---- a core socket as a platform Socket ------------------------------------------------------

const available = ReadBuffer.available()
const encoder = new TextEncoder()

/**
 * A connected core `TcpSocket` (TCP or unix) as an `@effect/platform` `Socket`. The
 * socket stays the caller's: closing it (or its scope) ends the platform socket.
 *
 * - `run(handler)` hands the handler every chunk as it arrives (whatever is buffered:
 *   one synchronous poll per chunk, one wait only when nothing is). A handler's
 *   returned Effect is run **before the next chunk is read**, so a slow handler slows
 *   the peer (the core's backpressure), and bytes are handled in order; NodeSocket
 *   forks each into a FiberSet instead. `run` succeeds when the peer closes; it fails
 *   with `SocketGenericError` (`"Read"`, the `NetError` as cause) on a reset, an error or
 *   a timeout of the socket's policy, and with `SocketCloseError` (code 1000) when the
 *   socket is closed locally (e.g. by writing a `CloseEvent`), as NodeSocket does. One
 *   `run` at a time.
 * - `writer` sends with `send` (strings as UTF-8), one write at a time, waiting while
 *   Node's queue is above the write high-water mark; failures are `SocketGenericError`
 *   (`"Write"`). A `CloseEvent` closes the socket. Releasing the writer's scope
 *   half-closes the connection (`shutdown("send")`), as NodeSocket's `end()`.
 *
 * @since 0.1.0
 */
export const toPlatformSocket = (client: Tcp.TcpSocket): Effect.Effect<Socket.Socket> => Effect.sync(() => makeSocket(client))

const makeSocket = (client: Tcp.TcpSocket): Socket.Socket => {
  const onEnd = (e: NetError.NetError): Effect.Effect<void, Socket.SocketError> => {
    if (e._tag === "Closed" && !isReset(e)) {
      return client.isClosed ? Effect.fail(new Socket.SocketCloseError({ reason: "Close", code: 1000 })) : Effect.void
    }
    return Effect.fail(toSocketError(e, "Read"))
  }

  const run = <_, E = never, R = never>(
    handler: (_: Uint8Array) => Effect.Effect<_, E, R> | void,
    options?: { readonly onOpen?: Effect.Effect<void> | undefined }
  ): Effect.Effect<void, Socket.SocketError | E, R> => {
    const loop: Effect.Effect<void, Socket.SocketError | E, R> = Effect.suspend(() => {
      for (;;) {
        const now = client.receivePoll(available)
        if (now === undefined) {
          return Effect.matchEffect(client.receive(available), {
            onFailure: onEnd,
            onSuccess: (chunk) => {
              const result = handler(chunk)
              return Effect.isEffect(result) ? Effect.zipRight(result, loop) : loop
            }
          })
        }
        if (!(now instanceof Uint8Array)) return onEnd(now)
        const result = handler(now)
        if (Effect.isEffect(result)) return Effect.zipRight(result, loop)
      }
    })
    return options?.onOpen !== undefined ? Effect.zipRight(options.onOpen, loop) : loop
  }

  // One write at a time: the core's send may wait for a drain, and a second send must not go out in between.
  const lock = Effect.unsafeMakeSemaphore(1)
  const write = (chunk: Uint8Array | string | Socket.CloseEvent): Effect.Effect<void, Socket.SocketError> => {
    if (Socket.isCloseEvent(chunk)) return client.close
    const bytes = typeof chunk === "string" ? encoder.encode(chunk) : chunk
    return lock.withPermits(1)(Effect.mapError(Effect.asVoid(client.send(bytes)), (e) => toSocketError(e, "Write")))
  }
  const writer = Effect.acquireRelease(
    Effect.succeed(write),
    () => (client.isClosed ? Effect.void : Effect.ignore(client.shutdown("send")))
  )

  return Socket.Socket.of({ [Socket.TypeId]: Socket.TypeId, run, runRaw: run, writer })
}

/**
 * Connects with the core (`Tcp.connect`: every resolved address in order, the core's
 * timeout policy and retry schedule) and gives the connection as a platform `Socket`;
 * it is closed with the scope.
 *
 * @since 0.1.0
 */
export const fromConnect = (host: string, port: number | string, options?: Tcp.ClientOptions): Effect.Effect<Socket.Socket, NetError.NetError, Scope.Scope> =>
  Effect.flatMap(Tcp.connect(host, port, options), toPlatformSocket)

/**
 * `fromConnect` as a `Layer` of the platform's `Socket` tag, a drop-in for NodeSocket's
 * `layerNet`: a failed connect is a `SocketGenericError` (`"Open"`, the `NetError` as cause).
 *
 * @since 0.1.0
 */
export const layerConnect = (host: string, port: number | string, options?: Tcp.ClientOptions): Layer.Layer<Socket.Socket, Socket.SocketError> =>
  Layer.scoped(Socket.Socket, Effect.mapError(fromConnect(host, port, options), (e) => toSocketError(e, "Open")))

// ---- a core server as a platform SocketServer ----------------------------------------------

/** The platform's address of a listening core socket: `TcpAddress`, or `UnixAddress` (`@name` for abstract names). */
const addressOf = (server: Tcp.TcpSocket): Either.Either<SocketServer.Address, NetError.NetError> => {
  if (server.kind !== "server") {
    return Either.left(new NetError.InvalidArgument({ operation: "toSocketServer", detail: `needs a listening tcp{server}, got ${server.className}` }))
  }
  return Either.map(server.getSockName(), (a): SocketServer.Address =>
    a.family === "unix" ? { _tag: "UnixAddress", path: a.address } : { _tag: "TcpAddress", hostname: a.address, port: a.port })
}

/** What NodeSocketServer does with a handler's failure: log it at the unhandled-error level. */
const reportUnhandled = <E>(cause: Cause.Cause<E>): Effect.Effect<void> =>
  Effect.withFiberRuntime<void>((fiber) => {
    const level = fiber.getFiberRef(FiberRef.unhandledErrorLogLevel)
    return level._tag === "Some" ? Effect.logWithLevel(level.value, cause, "Unhandled error in SocketServer") : Effect.void
  })

/**
 * A listening core `TcpSocket` as the platform's `SocketServer`. `run(handler)` accepts
 * connections until it is interrupted and runs `handler` on each, as a platform
 * `Socket` (`toPlatformSocket`), in its own fiber; the connection is closed when the
 * handler's Effect ends (however it ends). A handler's failure is logged, as
 * NodeSocketServer does; an accept failure (the server closed, a listen error) fails
 * `run` with `SocketServerError` (`"Unknown"`, the `NetError` as cause). Interrupting
 * `run` interrupts the handlers and closes their connections; the server socket stays
 * the caller's.
 *
 * @since 0.1.0
 */
export const toSocketServer = (server: Tcp.TcpSocket): Effect.Effect<SocketServer.SocketServer["Type"], NetError.NetError> =>
  Effect.map(addressOf(server), (address) => SocketServer.SocketServer.of({ address, run: (handler) => serve(server, handler) }))

const serve = <R, E, _>(server: Tcp.TcpSocket, handler: (socket: Socket.Socket) => Effect.Effect<_, E, R>): Effect.Effect<never, SocketServer.SocketServerError, R> =>
  Effect.scoped(Effect.gen(function*() {
    const handlers = yield* FiberSet.make<unknown, never>()
    // From the accept to the handler's fiber, uninterruptible: every accepted connection gets
    // a fiber that closes it. The handler itself runs interruptibly (an interruption is not
    // reported as a failure).
    const acceptOne = Effect.uninterruptibleMask((restore) =>
      Effect.flatMap(restore(acquireOwned(server.accept())), (client) =>
        FiberSet.run(
          handlers,
          Effect.ensuring(
            restore(Effect.catchAllCause(Effect.suspend(() => handler(makeSocket(client))), reportUnhandled)),
            client.close
          )
        ))
    )
    return yield* Effect.forever(acceptOne)
  })).pipe(Effect.mapError((cause) => new SocketServer.SocketServerError({ reason: "Unknown", cause })))

/** Acquires a scoped core resource for a caller that closes it itself (closed here only if acquisition fails or is interrupted). */
const acquireOwned = <A, E>(acquire: Effect.Effect<A, E, Scope.Scope>): Effect.Effect<A, E> =>
  Effect.flatMap(Scope.make(), (scope) =>
    Effect.onExit(Scope.extend(acquire, scope), (exit) => (Exit.isFailure(exit) ? Scope.close(scope, exit) : Effect.void)))

/**
 * Listens with the core (`Tcp.listen`: reuseaddr, `"*"`, unix paths, `@abstract`
 * names) and gives the platform's `SocketServer`; the server is closed with the scope.
 *
 * @since 0.1.0
 */
export const makeServer = (host: string, port: number | string = 0, options?: Tcp.ServerOptions): Effect.Effect<SocketServer.SocketServer["Type"], NetError.NetError, Scope.Scope> =>
  Effect.flatMap(Tcp.listen(host, port, options), toSocketServer)

/**
 * `makeServer` as a `Layer` of the platform's `SocketServer` tag, a drop-in for
 * NodeSocketServer's `layer`: a failed listen is a `SocketServerError` (`"Open"`, the
 * `NetError` as cause).
 *
 * @since 0.1.0
 */
export const layerServer = (host: string, port: number | string = 0, options?: Tcp.ServerOptions): Layer.Layer<SocketServer.SocketServer, SocketServer.SocketServerError> =>
  Layer.scoped(SocketServer.SocketServer, Effect.mapError(makeServer(host, port, options), (cause) => new SocketServer.SocketServerError({ reason: "Open", cause })))

// ---- a platform Socket with the core's receive patterns ------------------------------------------

/** @since 0.1.0 */
export interface FromPlatformOptions {
  /** Bytes buffered before the reader asks the platform socket to wait (see `fromPlatformSocket`). Default 256 KiB. */
  readonly readHighWaterMark?: number | undefined
}

/**
 * The core's receive side over a platform `Socket`: a `Streams.StreamSocket` (so
 * `Streams.lines`, `records`, `toSocket`, ... take it) with LuaSocket's patterns.
 *
 * @since 0.1.0
 */
export interface PlatformConnection {
  /** `receive(pattern, prefix?, policy?)`, exactly as `Tcp.TcpSocket#receive`. */
  receive(pattern: ReadBuffer.Pattern, prefix?: Uint8Array, policy?: Timeout.TimeoutPolicy): Effect.Effect<Uint8Array, NetError.NetError>
  /** `receivePoll(pattern, prefix?)`, exactly as `Tcp.TcpSocket#receivePoll`. */
  receivePoll(pattern: ReadBuffer.Pattern, prefix?: Uint8Array): Uint8Array | NetError.NetError | undefined
  /** `receiveLinesPoll(into, max?, maxLength?)`, exactly as `Tcp.TcpSocket#receiveLinesPoll`. */
  receiveLinesPoll(into: Array<Uint8Array>, max?: number, maxLength?: number): number | NetError.NetError
  /**
   * Writes `data[i..j]` (LuaSocket's indices) with the platform socket's writer and
   * succeeds with `j`; a `policy` limits the wait (on `Timeout` the bytes may still go out).
   */
  send(data: Uint8Array, i?: number, j?: number, policy?: Timeout.TimeoutPolicy): Effect.Effect<number, NetError.NetError>
  /** Ends the sending side: releases the writer (NodeSocket: `end()`; `toPlatformSocket`: `shutdown("send")`). */
  readonly shutdown: Effect.Effect<void>
  /** Stops reading and releases the writer; what is buffered stays receivable. Idempotent. */
  readonly close: Effect.Effect<void>
  /** `close`, started without waiting. */
  closeNow(): void
  /** Unread bytes are buffered. */
  readonly dirty: boolean
}

/**
 * Reads a platform `Socket` into a core `ReadBuffer` (by `socket.run`, in a fiber of
 * the scope) and writes with its `writer`: the core's receive patterns (`line`, `all`,
 * `exactly`, `available`, `lineMax`), prefixes, timeout policies and `partial` data
 * on top of any platform socket (NodeSocket, WebSocket, a transform stream...).
 *
 * Limits: no descriptor, no addresses, no options (a platform `Socket` has none). The
 * end of `run` is the end of the stream (`Closed`); its failure is the receive's error
 * (`fromSocketError`). A platform socket pushes bytes: above `readHighWaterMark` the
 * run handler returns an Effect that waits for the reader to drain, which stops a
 * socket that runs handlers in order (`toPlatformSocket`'s) but not one that forks
 * them (NodeSocket's keeps reading: there the buffer is not bounded). Once `run` has
 * ended, `send` fails `Closed`, because a platform socket's writer waits for a running
 * `run` (NodeSocket's would wait forever).
 *
 * @since 0.1.0
 */
export const fromPlatformSocket = (socket: Socket.Socket, options: FromPlatformOptions = {}): Effect.Effect<PlatformConnection, never, Scope.Scope> =>
  Effect.gen(function*() {
    const scope = yield* Effect.scope
    let paused = false
    const drained = Effect.unsafeMakeLatch(true)
    const rb = new ReadBuffer.ReadBuffer({
      pause: () => {
        paused = true
        drained.unsafeClose()
      },
      resume: () => {
        paused = false
        drained.unsafeOpen()
      }
    }, options.readHighWaterMark ?? 256 * 1024)
    let opened = false
    let ended = false
    const end = Deferred.unsafeMake<void>(FiberId.none)
    const writeScope = yield* Scope.fork(scope, ExecutionStrategy.sequential)
    const write = yield* Scope.extend(socket.writer, writeScope)
    const onOpen = Effect.sync(() => {
      opened = true
    })
    const reader = yield* socket.run((chunk) => {
      rb.push(chunk)
      return paused ? drained.await : undefined
    }, { onOpen }).pipe(
      Effect.matchCauseEffect({
        onSuccess: () => Effect.sync(() => rb.pushEnd()),
        onFailure: (cause) =>
          Effect.sync(() => {
            if (Cause.isInterruptedOnly(cause)) return rb.close()
            const failure = Option.getOrUndefined(Cause.failureOption(cause))
            if (failure === undefined) rb.pushError(new NetError.Unknown({ operation: "receive", cause: Cause.squash(cause) }))
            else if (Socket.SocketCloseError.is(failure) && failure.code === 1000) rb.pushEnd()
            else rb.pushError(fromSocketError(failure, "receive"))
          })
      }),
      Effect.ensuring(Effect.sync(() => {
        ended = true
        rb.close()
        Deferred.unsafeDone(end, Exit.void)
      })),
      Effect.forkIn(scope)
    )

    const close: Effect.Effect<void> = Effect.suspend(() => {
      rb.close()
      return Effect.zipRight(Scope.close(writeScope, Exit.void), Fiber.interrupt(reader))
    }).pipe(Effect.asVoid)

    const connection: PlatformConnection = {
      receive: (pattern, prefix, policy) => rb.receive(pattern, prefix, policy),
      receivePoll: (pattern, prefix) => rb.poll(pattern, prefix),
      receiveLinesPoll: (into, max, maxLength) => ReadBuffer.checkPollLines(into, max, maxLength) ?? rb.pollLines(into, max, maxLength),
      send: (data, i = 1, j = -1, policy) =>
        Effect.suspend(() => {
          const range = Tcp.sendRange(data.length, i, j)
          const failed = (e: NetError.NetError) => NetError.make(e._tag, { ...e, cause: e.cause, operation: "send", lastIndex: range.i - 1 })
          const runEnded = () => failed(new NetError.Closed({ operation: "send", detail: "the platform socket's run has ended" }))
          if (ended) return Effect.fail(runEnded())
          if (range.j < range.i) return Effect.succeed(range.i - 1)
          const written = Effect.as(Effect.mapError(write(data.subarray(range.i - 1, range.j)), (e) => failed(fromSocketError(e, "send"))), range.j)
          // Before the socket is open a platform writer waits for it; if it never opens, the end of run ends the wait.
          const sent = opened ? written : Effect.raceFirst(written, Effect.zipRight(Deferred.await(end), Effect.fail(runEnded())))
          if (policy === undefined) return sent
          return Timeout.within(sent, Timeout.budget(policy, Duration.zero), () => failed(new NetError.Timeout({ operation: "send" })))
        }),
      shutdown: Scope.close(writeScope, Exit.void),
      close,
      closeNow: () => {
        rb.close()
        Effect.runFork(close)
      },
      get dirty() {
        return rb.dirty
      }
    }
    return connection
  })
