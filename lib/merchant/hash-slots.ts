// A cap on password hashes running at once in this process: each scrypt takes 128 MiB and most of
// a core for about a second, so a flood of sign-ins must queue (briefly) or be turned away rather
// than exhaust memory. Per instance by design: it protects this process's CPU and memory.

export const MAX_CONCURRENT_HASHES = 2;
export const MAX_WAITING_HASHES = 8;

let running = 0;
const waiting: (() => void)[] = [];

/** Runs `work` in a hash slot; null when the queue is full (the caller answers "busy"). */
export async function withHashSlot<T>(work: () => Promise<T>): Promise<T | null> {
  if (running >= MAX_CONCURRENT_HASHES) {
    if (waiting.length >= MAX_WAITING_HASHES) return null;
    await new Promise<void>((resolve) => waiting.push(resolve));
  } else {
    running++;
  }
  try {
    return await work();
  } finally {
    const next = waiting.shift();
    if (next) next();
    else running--;
  }
}
