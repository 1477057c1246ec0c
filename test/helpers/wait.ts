/** Waiting with deadlines: for a callback to fire, or for a check to start holding. Never a bare sleep. */

/** Resolves with the value `register`'s callback first receives; rejects after `ms`. */
export function waitFor<T>(
  what: string,
  register: (done: (value: T) => void) => void,
  ms = 10_000,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
    register((value) => {
      clearTimeout(timer);
      resolve(value);
    });
  });
}

/**
 * Re-checks `check` until it holds (it may throw meanwhile), failing after `ms` with its last error. For
 * state with no event to wait on (an API read, a metric), polled every 100 ms.
 */
export async function eventually<T>(what: string, check: () => Promise<T>, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${String(last)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Re-checks `check` every 20 ms until it holds, failing after `ms`. For state the test's own listeners
 * collect (the frames a client received so far), where no single event marks the moment.
 */
export async function until(
  what: string,
  check: () => boolean | Promise<boolean>,
  ms = 30_000,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
