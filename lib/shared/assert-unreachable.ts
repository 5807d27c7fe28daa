/** The end of an exhaustive switch: the compiler proves it is never reached. */
export function assertUnreachable(x: never): never {
  throw new Error(`Unexpected value: ${String(x)}`);
}
