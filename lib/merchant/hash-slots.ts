// A cap on password hashes running at once in this process: each scrypt takes 128 MiB and most of
// a core for about a second, so a flood of sign-ins must queue (briefly) or be turned away rather
// than exhaust memory. One client address gets one hash at a time, so a single attacker cannot
// fill the queue and keep the owner (from another address) out. Per instance by design: it
// protects this process's CPU and memory.

export const MAX_CONCURRENT_HASHES = 2;
export const MAX_WAITING_HASHES = 8;

let running = 0;
const waiting: (() => void)[] = [];
const busyKeys = new Set<string>();

/** Runs `work` in a hash slot; null when the key already has one or the queue is full ("busy"). */
export async function withHashSlot<T>(key: string, work: () => Promise<T>): Promise<T | null> {
  if (busyKeys.has(key)) return null;
  if (running >= MAX_CONCURRENT_HASHES && waiting.length >= MAX_WAITING_HASHES) return null;
  busyKeys.add(key);
  try {
    if (running >= MAX_CONCURRENT_HASHES) await new Promise<void>((resolve) => waiting.push(resolve));
    else running++;
    try {
      return await work();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else running--;
    }
  } finally {
    busyKeys.delete(key);
  }
}
