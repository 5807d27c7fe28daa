import http from "node:http";

// A minimal Server-Sent Events client for the bench (what EventSource does, without a browser):
// one plain HTTP connection per watcher, `status` events parsed as they arrive.

export type Watcher = {
  /** Resolves with the first status event (or rejects if the stream is refused). */
  first: Promise<string>;
  /** Resolves with the time (performance.now()) a status event with `status` arrived. */
  until: (status: string) => Promise<number>;
  close: () => void;
};

const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });

export function watch(origin: string, token: string): Watcher {
  const waiters: { status: string; resolve: (t: number) => void }[] = [];
  const seen: { status: string; at: number }[] = [];
  let resolveFirst!: (s: string) => void;
  let rejectFirst!: (e: Error) => void;
  const first = new Promise<string>((resolve, reject) => {
    resolveFirst = resolve;
    rejectFirst = reject;
  });
  first.catch(() => undefined);
  const req = http.get(`${origin}/api/checkout/${token}/events`, { agent }, (res) => {
    if (res.statusCode !== 200) {
      rejectFirst(new Error(`events answered ${res.statusCode}`));
      res.resume();
      return;
    }
    res.setEncoding("utf8");
    let buffer = "";
    res.on("data", (chunk: string) => {
      buffer += chunk;
      let end: number;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = /^data: (.*)$/m.exec(frame)?.[1];
        if (!data || !/^event: status$/m.test(frame)) continue;
        const status = (JSON.parse(data) as { status: string }).status;
        const at = performance.now();
        seen.push({ status, at });
        resolveFirst(status);
        for (const w of waiters.filter((x) => x.status === status)) w.resolve(at);
      }
    });
  });
  req.on("error", (e) => rejectFirst(e));
  return {
    first,
    until: (status) => {
      const already = seen.find((s) => s.status === status);
      if (already) return Promise.resolve(already.at);
      return new Promise((resolve) => waiters.push({ status, resolve }));
    },
    close: () => req.destroy(),
  };
}
