// A small concurrency gate for work that arrives in floods (Kaspi callbacks, their verification
// rounds): a few run at once, the rest wait their turn in order, each turn on a later pass of the
// event loop so that a queue never drains in one pass while other requests wait.

/** Runs at most `size` tasks at once, queueing up to `queue` more (FIFO); false when full. */
export class Slots {
  private busy = 0;
  private readonly waiting: (() => Promise<void>)[] = [];

  constructor(
    private readonly size: number,
    private readonly queue: number,
  ) {}

  run(task: () => Promise<void>): boolean {
    if (this.busy < this.size) {
      this.start(task);
      return true;
    }
    if (this.waiting.length >= this.queue) return false;
    this.waiting.push(task);
    return true;
  }

  private start(task: () => Promise<void>): void {
    this.busy++;
    void task()
      .catch(() => undefined)
      .finally(() => {
        // The next one starts on a later turn of the event loop, never in this one's microtasks:
        // otherwise a queue of ready callbacks drains in one turn and everything else waits.
        setImmediate(() => {
          this.busy--;
          const next = this.waiting.shift();
          if (next) this.start(next);
        });
      });
  }
}
