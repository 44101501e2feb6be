/**
 * `T` without `undefined`: a field whose type admits `undefined` becomes optional and loses `undefined` from its type,
 * so `{ a?: T }` stays `{ a?: T }` and `{ a: T | undefined }` becomes `{ a?: T }`; other fields keep their type.
 */
export type Compact<T extends object> = Flatten<
  { [K in keyof T as undefined extends T[K] ? never : K]: T[K] } & {
    [K in keyof T as undefined extends T[K] ? K : never]?: Exclude<T[K], undefined>;
  }
>;

type Flatten<T> = { [K in keyof T]: T[K] };

/**
 * A shallow copy of `value`'s own enumerable string-keyed fields, leaving out those whose value is `undefined`: the
 * copy's keys are the fields that hold something, so `in` checks, spreads over defaults and `JSON.stringify` see only
 * them. Allocates one object; keep it out of per-chunk paths.
 */
export function compact<T extends object>(value: T): Compact<T> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const field = (value as Record<string, unknown>)[key];
    if (field !== undefined) out[key] = field;
  }
  return out as Compact<T>;
}
