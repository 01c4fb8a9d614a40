/**
 * Brands: how vscmi's error classes are recognised across copies of the API. Each class marks
 * its prototype with a `Symbol.for("vscmi.<Class>")` key; two copies of the same class (a
 * plugin importing its own `mod.ts`) share the key though not the class.
 * @module
 */

/**
 * Whether `e` carries `brand` (a `Symbol.for` key, on the instance or its prototype chain).
 * Shared by the error classes that subclass {@linkcode ScmiError}.
 *
 * @param e A caught value.
 * @param brand The class's `Symbol.for("vscmi.<Class>")` key.
 * @returns true when `e` is an object whose `brand` property is `true`.
 */
export function hasBrand(e: unknown, brand: symbol): boolean {
  return typeof e === "object" && e !== null && (e as Record<symbol, unknown>)[brand] === true;
}

/**
 * Marks `cls.prototype` with `brand` (non-enumerable, read-only), so every instance, and
 * every instance of a class from another copy of the API marked with the same key, carries it.
 *
 * @param cls The error class to mark.
 * @param brand Its `Symbol.for("vscmi.<Class>")` key.
 */
export function brand(cls: { prototype: object }, brand: symbol): void {
  Object.defineProperty(cls.prototype, brand, { value: true });
}

/**
 * `instanceof` for a branded class: for the class itself, the brand decides (so it holds
 * across copies of the API); for a subclass a vendor writes, the ordinary prototype check.
 *
 * @param self The class on the right of `instanceof`.
 * @param own The branded class whose static `[Symbol.hasInstance]` runs.
 * @param test The brand test of `own`.
 * @param e The value on the left of `instanceof`.
 * @returns Whether `e` counts as an instance of `self`.
 */
export function brandedInstance(
  self: unknown,
  own: unknown,
  test: (e: unknown) => boolean,
  e: unknown,
): boolean {
  return self === own ? test(e) : Function.prototype[Symbol.hasInstance].call(self, e);
}
