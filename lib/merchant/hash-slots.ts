// A cap on password hashes running at once in this process: each scrypt takes 128 MiB and most of
// a core for about a second, so a flood of sign-ins must queue (briefly) or be turned away rather
// than exhaust memory. One client address holds at most two places (running or queued) — two
// colleagues behind one office address sign in together — so a single attacker cannot fill the
// queue and keep the owner (from another address) out. Per instance by design: it protects this
// process's CPU and memory.

export const MAX_CONCURRENT_HASHES = 2;
export const MAX_WAITING_HASHES = 8;
export const MAX_HASHES_PER_ADDRESS = 2;

let running = 0;
const waiting: (() => void)[] = [];
const perKey = new Map<string, number>();

/** Runs `work` in a hash slot; null when the key holds its share already or the queue is full ("busy"). */
export async function withHashSlot<T>(key: string, work: () => Promise<T>): Promise<T | null> {
  const held = perKey.get(key) ?? 0;
  if (held >= MAX_HASHES_PER_ADDRESS) return null;
  if (running >= MAX_CONCURRENT_HASHES && waiting.length >= MAX_WAITING_HASHES) return null;
  perKey.set(key, held + 1);
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
    const left = (perKey.get(key) ?? 1) - 1;
    if (left > 0) perKey.set(key, left);
    else perKey.delete(key);
  }
}
