import type { KaspiGateway } from "./gateway";

// A flood of callbacks for the same payment (Kaspi's duplicates, or forged ones) must not become a
// flood of status reads at Kaspi. Concurrent callers share reads, but each caller still gets a
// read that STARTED AFTER it asked: a read already in flight may predate the event the caller is
// about (a confirm that happened a moment ago), so later callers wait for one follow-up read that
// all of them share. At most two reads per payment are outstanding; no lock is held meanwhile.

export function coalesceFreshReads<V>(read: (key: string) => Promise<V>): (key: string) => Promise<V> {
  const slots = new Map<string, { running: Promise<V>; queued?: Promise<V> }>();

  const launch = (key: string): Promise<V> => {
    const running = read(key);
    const settle = () => {
      const slot = slots.get(key);
      if (slot?.running === running && !slot.queued) slots.delete(key);
    };
    running.then(settle, settle);
    return running;
  };

  return (key) => {
    const slot = slots.get(key);
    if (!slot) {
      const running = launch(key);
      slots.set(key, { running });
      return running;
    }
    slot.queued ??= slot.running
      .then(
        () => undefined,
        () => undefined,
      )
      .then(() => {
        const next = launch(key);
        slot.running = next;
        slot.queued = undefined;
        return next;
      });
    return slot.queued;
  };
}

/** The gateway with getPayment coalesced per Kaspi payment id; everything else untouched. */
export function withCoalescedStatusReads(gateway: KaspiGateway): KaspiGateway {
  const getPayment = coalesceFreshReads((id) => gateway.getPayment(id));
  return new Proxy(gateway, {
    get(target, prop, receiver) {
      if (prop === "getPayment") return getPayment;
      return Reflect.get(target, prop, receiver) as unknown;
    },
  });
}
