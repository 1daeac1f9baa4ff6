/**
 * `true` when A and B have the same keys and each is assignable to the other: used as
 * `const same: SameShape<z.infer<typeof schema>, Type> = true` so that a runtime schema and the
 * TypeScript type it describes cannot drift apart (a field added to one fails the type check).
 */
export type SameShape<A, B> = [A] extends [B]
  ? [B] extends [A]
    ? [keyof A] extends [keyof B]
      ? [keyof B] extends [keyof A]
        ? true
        : false
      : false
    : false
  : false;
