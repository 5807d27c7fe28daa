import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { db } from "@/lib/db";
import { simulateWebkassa, simulatorResponse } from "@/lib/sandbox/webkassa/webkassa-simulator";

// The Webkassa simulator (lib/sandbox/webkassa/) on its own port, over real HTTP, with this test
// file's database as "Webkassa's" records: what the app's own /sandbox/webkassa/api/v4 route
// serves, for tests that run the adapter or whole app instances against it. A dropped answer
// really breaks the connection off mid-body.

function bodyOf(req: IncomingMessage): Promise<string> {
  return new Promise((done, fail) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => done(Buffer.concat(chunks).toString("utf8")));
    req.on("error", fail);
  });
}

export class WebkassaServer {
  private server: Server | undefined;
  port = 0;

  async start(port = 0): Promise<this> {
    this.server = createServer((req, res) => {
      void (async () => {
        const path = (req.url ?? "").replace(/^\/api\/v4\//, "").replace(/\?.*$/, "");
        if (req.method !== "POST" || !(req.url ?? "").startsWith("/api/v4/")) {
          res.writeHead(404).end();
          return;
        }
        const header = req.headers["x-api-key"];
        const answer = await simulateWebkassa(
          { db: db(), publicUrl: this.url },
          { path, apiKey: typeof header === "string" ? header : null, body: await bodyOf(req) },
        );
        const response = simulatorResponse(answer);
        res.writeHead(response.status, Object.fromEntries(response.headers));
        if (!response.body) return void res.end();
        const reader = response.body.getReader();
        try {
          for (;;) {
            const { done, value } = await reader.read();
            if (done) break;
            res.write(value);
          }
          res.end();
        } catch {
          res.destroy(); // the dropped answer: the connection breaks off mid-body
        }
      })().catch(() => res.destroy());
    });
    await new Promise<void>((r) => this.server?.listen(port, "127.0.0.1", r));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}
