/**
 * A value as error messages name it. Never throws, whatever it is given: a bigint
 * (which `JSON.stringify` refuses), a symbol or a null-prototype object (which a template
 * literal or string concatenation refuses), an object with a hostile `toString`, a revoked
 * proxy. Every message of the core that shows a value the user gave goes through it.
 *
 * - strings quoted as JSON (`"abc"`; lone surrogates and control characters escaped),
 *   cut after 80 characters (`"aaa..."`)
 * - numbers as written, `-0` included; bigints with their `n` (`5n`); `true`, `false`,
 *   `null`, `undefined`; symbols as `Symbol(description)`
 * - anything else by its kind: `a function`, `an array`, `a Uint8Array of 3 bytes`,
 *   `a Date`, `an object` (a plain or null-prototype object), `a value` when even that
 *   cannot be told
 *
 * @internal
 */
export const describe = (u: unknown): string => {
  try {
    switch (typeof u) {
      case "string":
        return JSON.stringify(u.length > 80 ? u.slice(0, 80) + "..." : u)
      case "number":
        return Object.is(u, -0) ? "-0" : String(u)
      case "bigint":
        return `${u.toString()}n`
      case "boolean":
      case "undefined":
        return String(u)
      case "symbol":
        // String() of a symbol is its descriptive string; a template literal would throw.
        return String(u)
      case "function":
        return "a function"
      case "object":
        return describeObject(u)
      default:
        return "a value"
    }
  } catch {
    return "a value"
  }
}

const describeObject = (u: object | null): string => {
  if (u === null) return "null"
  if (Array.isArray(u)) return "an array"
  if (ArrayBuffer.isView(u)) {
    const name = constructorName(u) ?? "typed array"
    return `${article(name)} ${name} of ${u.byteLength} bytes`
  }
  const name = constructorName(u)
  return name === undefined || name === "Object" ? "an object" : `${article(name)} ${name}`
}

/** The name of the object's constructor, when it has a plain one. */
const constructorName = (u: object): string | undefined => {
  const proto: unknown = Object.getPrototypeOf(u)
  if (proto === null || typeof proto !== "object") return undefined
  const ctor: unknown = Object.getOwnPropertyDescriptor(proto, "constructor")?.value
  if (typeof ctor !== "function") return undefined
  const name: unknown = Object.getOwnPropertyDescriptor(ctor, "name")?.value
  return typeof name === "string" && /^[A-Za-z_$][\w$]{0,40}$/.test(name) ? name : undefined
}

/** "an Error", "an Int8Array", "a Uint8Array", "a Map". */
const article = (name: string): string => (/^[AEIO]/.test(name) ? "an" : "a")
