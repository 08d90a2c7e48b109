/** Shared by the format tests: the error a call throws. */

/** Calls `fn` and returns the error it throws; fails the test if it returns. */
export function error(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (e) {
    return e as { code: string; message: string };
  }
  throw new Error('expected an error');
}
