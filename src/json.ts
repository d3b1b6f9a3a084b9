// JSON.stringify, taken when the library loads and shielded from pages that give
// Object.prototype or Array.prototype a `toJSON` (old Prototype.js does, and turns every array
// into a string). JSON.stringify consults `toJSON` only on objects, so removing the two
// inherited ones for the duration of the call is enough.
const nativeStringify = JSON.stringify;
const prototypes = [Object.prototype, Array.prototype] as { toJSON?: unknown }[];

export function stringify(value: unknown): string {
  if (!prototypes[0].toJSON && !prototypes[1].toJSON) return nativeStringify(value);
  const saved = prototypes.map((p) => p.toJSON);
  try {
    saved.forEach((f, i) => f && delete prototypes[i].toJSON);
    return nativeStringify(value);
  } finally {
    saved.forEach((f, i) => f && (prototypes[i].toJSON = f));
  }
}
