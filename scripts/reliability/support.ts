// Shared machinery of the reliability suite: the app as a real server.mjs process (killable),
// a Bitrix stand-in that verifies signatures and counts notifications, signed HTTP calls, a
// read-mostly view of the app's SQLite database, and the figures table.
import Database from "better-sqlite3";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { createWriteStream, existsSync, mkdirSync, type WriteStream } from "node:fs";
import { createServer, type IncomingMessage, type Server } from "node:http";
import { createServer as createNetServer } from "node:net";
import path from "node:path";

export const root = path.resolve(import.meta.dirname, "..", "..");
export const bin = (name: string) => path.join(root, "node_modules", ".bin", name);
export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
export const nowSeconds = () => Math.floor(Date.now() / 1000);

// ---------------------------------------------------------------------------------------------
// Figures

export type Figure = { scenario: string; measure: string; expected: string; measured: string; pass: boolean };

export class Figures {
  readonly rows: Figure[] = [];
  readonly timings: { scenario: string; seconds: number; note?: string }[] = [];

  add(scenario: string, measure: string, expected: string, measured: string | number, pass: boolean): void {
    this.rows.push({ scenario, measure, expected, measured: String(measured), pass });
  }

  /** A figure that must equal `expected` exactly. */
  equal(scenario: string, measure: string, expected: number, measured: number): void {
    this.add(scenario, measure, `= ${expected}`, measured, measured === expected);
  }

  /** Informational: printed, never fails the run. */
  info(scenario: string, measure: string, measured: string | number): void {
    this.add(scenario, measure, "(info)", measured, true);
  }

  get failed(): number {
    return this.rows.filter((r) => !r.pass).length;
  }

  table(): string {
    const head = ["scenario", "measure", "expected", "measured", "pass"];
    const body = this.rows.map((r) => [r.scenario, r.measure, r.expected, r.measured, r.pass ? "yes" : "NO"]);
    const widths = head.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
    const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`;
    const rule = `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`;
    return [line(head), rule, ...body.map(line)].join("\n");
  }
}

// ---------------------------------------------------------------------------------------------
// Ports (the suite uses 3300–3399 only)

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createNetServer();
    s.once("error", () => resolve(false));
    s.listen(port, "127.0.0.1", () => s.close(() => resolve(true)));
  });
}

export async function freePort(exclude: number[] = []): Promise<number> {
  const start = 3300 + Math.floor(Math.random() * 90);
  for (let i = 0; i < 100; i++) {
    const port = 3300 + ((start - 3300 + i) % 100);
    if (!exclude.includes(port) && (await portFree(port))) return port;
  }
  throw new Error("no free port in 3300–3399");
}

// ---------------------------------------------------------------------------------------------
// HTTP

export type Answer = { status: number; body: unknown; ms: number };

/** fetch that never throws: status 0 when the app is unreachable or too slow. */
export async function call(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: string; timeoutMs?: number } = {},
): Promise<Answer> {
  const started = performance.now();
  try {
    const res = await fetch(url, {
      method: init.method ?? (init.body === undefined ? "GET" : "POST"),
      headers: init.headers,
      body: init.body,
      signal: AbortSignal.timeout(init.timeoutMs ?? 30_000),
    });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      /* not JSON */
    }
    return { status: res.status, body, ms: performance.now() - started };
  } catch {
    return { status: 0, body: null, ms: performance.now() - started };
  }
}

export type SignOptions = { method?: string; target?: string; at?: number; nonce?: string };

/**
 * Signs like Bitrix: HMAC-SHA256 over "<ts>.<nonce>.<METHOD>.<path?query>.<raw body>" (written out
 * here rather than imported, so the suite does not trust the code it tests). Defaults: POST /api/orders.
 */
export function sign(secret: string, rawBody: string, options: SignOptions = {}): Record<string, string> {
  const ts = String(options.at ?? nowSeconds());
  const nonce = options.nonce ?? randomBytes(18).toString("base64url");
  const method = options.method ?? "POST";
  const target = options.target ?? "/api/orders";
  const hex = createHmac("sha256", secret)
    .update(`${ts}.${nonce}.${method}.${target}.${rawBody}`, "utf8")
    .digest("hex");
  return { "X-Signature-Timestamp": ts, "X-Signature-Nonce": nonce, "X-Signature": `sha256=${hex}` };
}

export const field = (body: unknown, key: string): unknown =>
  body && typeof body === "object" ? (body as Record<string, unknown>)[key] : undefined;

/** Runs `fn` over `items` with at most `limit` in flight. */
export async function pool<T, R>(items: T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    for (;;) {
      const i = next++;
      if (i >= items.length) return;
      out[i] = await fn(items[i]!, i);
    }
  });
  await Promise.all(workers);
  return out;
}

export const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)]!;

export function percentile(values: number[], p: number): number {
  if (!values.length) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

// ---------------------------------------------------------------------------------------------
// Bitrix stand-in: verifies the signature like the Bitrix handler does, counts payment.paid.

export class BitrixReceiver {
  readonly paid = new Map<string, number>();
  rejected = 0;
  private server: Server | undefined;

  constructor(
    readonly port: number,
    private readonly secret: string,
  ) {}

  start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const raw = Buffer.concat(chunks).toString("utf8");
        if (req.method !== "POST" || !this.verify(req, raw)) {
          this.rejected++;
          res.writeHead(401, { "content-type": "application/json" }).end('{"error":{"code":"INVALID_SIGNATURE"}}');
          return;
        }
        try {
          const body = JSON.parse(raw) as { event?: string; externalId?: string };
          if (body.event === "payment.paid" && body.externalId) {
            this.paid.set(body.externalId, (this.paid.get(body.externalId) ?? 0) + 1);
          }
        } catch {
          this.rejected++;
        }
        res.writeHead(200, { "content-type": "application/json" }).end('{"status":"OK"}');
      });
    });
    return new Promise((resolve) => this.server!.listen(this.port, "127.0.0.1", () => resolve()));
  }

  count(externalId: string): number {
    return this.paid.get(externalId) ?? 0;
  }

  close(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private verify(req: IncomingMessage, raw: string): boolean {
    const headers = req.headers;
    const ts = headers["x-signature-timestamp"];
    const nonce = headers["x-signature-nonce"];
    const sig = headers["x-signature"];
    if (typeof ts !== "string" || typeof sig !== "string" || !/^\d{1,12}$/.test(ts)) return false;
    if (typeof nonce !== "string" || !/^[A-Za-z0-9_-]{16,64}$/.test(nonce)) return false;
    if (Math.abs(nowSeconds() - Number(ts)) > 300) return false;
    const m = /^sha256=([0-9a-f]{64})$/i.exec(sig.trim());
    if (!m) return false;
    const given = Buffer.from(m[1]!.toLowerCase(), "hex");
    const signed = `${ts}.${nonce}.${req.method}.${req.url}.${raw}`;
    const expected = createHmac("sha256", this.secret).update(signed, "utf8").digest();
    return timingSafeEqual(given, expected);
  }
}

// ---------------------------------------------------------------------------------------------
// The app under test: server.mjs spawned directly (what `npm start` runs after migrating), so
// SIGKILL hits the server process itself.

export type AppConfig = { port: number; dir: string; env: Record<string, string> };

export class AppProcess {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private readonly log: WriteStream;
  starts = 0;
  kills = 0;
  readonly startMs: number[] = [];

  constructor(readonly config: AppConfig) {
    this.log = createWriteStream(path.join(config.dir, "app.log"), { flags: "a" });
  }

  get base(): string {
    return `http://127.0.0.1:${this.config.port}`;
  }

  url(p: string): string {
    return `${this.base}${p}`;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  async start(timeoutMs = 120_000): Promise<void> {
    const started = performance.now();
    this.starts++;
    this.log.write(`\n=== start #${this.starts} at ${new Date().toISOString()} ===\n`);
    const child = spawn(process.execPath, ["server.mjs", "-H", "127.0.0.1"], {
      cwd: root,
      env: { ...process.env, ...this.config.env, PORT: String(this.config.port) },
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.child = child;
    child.stdout?.pipe(this.log, { end: false });
    child.stderr?.pipe(this.log, { end: false });
    this.exited = new Promise((resolve) => child.once("exit", () => resolve()));
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.running) throw new Error(`the app exited while starting (see ${this.config.dir}/app.log)`);
      const health = await call(this.url("/api/health"), { timeoutMs: 5_000 });
      if (health.status === 200) {
        this.startMs.push(performance.now() - started);
        return;
      }
      await sleep(200);
    }
    throw new Error(`the app did not become healthy within ${timeoutMs} ms`);
  }

  async kill(signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
    if (!this.child || !this.running) return;
    if (signal === "SIGKILL") this.kills++;
    this.log.write(`\n=== ${signal} at ${new Date().toISOString()} ===\n`);
    this.child.kill(signal);
    await this.exited;
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    const timer = setTimeout(() => void this.kill("SIGKILL"), 15_000);
    await this.kill("SIGTERM");
    clearTimeout(timer);
  }

  close(): void {
    this.log.end();
  }
}

/** Builds the app once if there is no production build, and migrates the suite's database. */
export function prepare(databaseUrl: string): void {
  if (!existsSync(path.join(root, ".next", "BUILD_ID"))) {
    console.log("[reliability] no production build yet: next build");
    const res = spawnSync(bin("next"), ["build"], {
      cwd: root,
      stdio: "inherit",
      env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" },
    });
    if (res.status !== 0) throw new Error("next build failed");
  }
  const res = spawnSync(bin("prisma"), ["migrate", "deploy"], {
    cwd: root,
    stdio: "pipe",
    env: { ...process.env, DATABASE_URL: databaseUrl },
  });
  if (res.status !== 0) throw new Error(`prisma migrate deploy failed:\n${res.stderr.toString()}`);
}

/** `npm run reconcile` (one pass) against the suite's database. */
export function reconcileOnce(env: Record<string, string>): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(bin("tsx"), ["scripts/reconcile.ts"], {
      cwd: root,
      env: { ...process.env, ...env, LOG_LEVEL: "silent" },
      stdio: "ignore",
    });
    child.once("exit", (code) => resolve(code ?? 1));
  });
}

export function newRunDir(short: boolean): string {
  const dir = path.join(
    root,
    "data",
    "reliability",
    `${short ? "short" : "full"}-${new Date().toISOString().replace(/[:.]/g, "-")}-${randomBytes(2).toString("hex")}`,
  );
  mkdirSync(dir, { recursive: true });
  return dir;
}

// ---------------------------------------------------------------------------------------------
// The database, read directly: the truth behind the figures (the app's mirror and the sandbox's
// own records of what "Kaspi" knows).

export type PaymentRow = {
  id: string;
  orderId: string;
  attempt: number;
  kaspiExternalId: string;
  kaspiPaymentId: string | null;
  amount: number;
  status: string;
};

/** What the scenarios read from the app's database (Store for SQLite, PgStore for PostgreSQL). */
export type StoreReader = Pick<
  Store,
  "order" | "payments" | "kaspiPayments" | "statusChanges" | "outboxRows" | "setKaspiTruth" | "close"
>;

export class Store {
  readonly db: Database.Database;

  constructor(file: string) {
    this.db = new Database(file, { timeout: 15_000 });
  }

  order(externalId: string): { id: string; status: string; amount: number } | undefined {
    return this.db.prepare('SELECT id, status, amount FROM "Order" WHERE externalId = ?').get(externalId) as
      { id: string; status: string; amount: number } | undefined;
  }

  payments(orderId: string): PaymentRow[] {
    return this.db
      .prepare(
        'SELECT id, orderId, attempt, kaspiExternalId, kaspiPaymentId, amount, status FROM "Payment" WHERE orderId = ? ORDER BY attempt',
      )
      .all(orderId) as PaymentRow[];
  }

  /** What "Kaspi" (the sandbox) holds for an order: attempt 1 uses externalId, later ones externalId#n. */
  kaspiPayments(externalId: string): { id: string; externalId: string; amount: number; status: string }[] {
    return this.db
      .prepare('SELECT id, externalId, amount, status FROM "SandboxPayment" WHERE externalId = ? OR externalId LIKE ?')
      .all(externalId, `${externalId}#%`) as { id: string; externalId: string; amount: number; status: string }[];
  }

  statusChanges(orderId: string): { message: string; paymentId: string | null }[] {
    return this.db
      .prepare(
        "SELECT message, paymentId FROM \"PaymentEvent\" WHERE orderId = ? AND type = 'status.changed' ORDER BY createdAt, rowid",
      )
      .all(orderId) as { message: string; paymentId: string | null }[];
  }

  outboxRows(orderId: string): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM "Outbox" WHERE orderId = ?').get(orderId) as { n: number }).n;
  }

  /** Sandbox: make "Kaspi" hold a different truth (used to forge a paid payment for another amount). */
  setKaspiTruth(kaspiPaymentId: string, status: string, amount: number): void {
    this.db
      .prepare('UPDATE "SandboxPayment" SET status = ?, amount = ? WHERE id = ?')
      .run(status, amount, kaspiPaymentId);
  }

  close(): void {
    this.db.close();
  }
}

/** Our status for what Kaspi says. */
export function expectedStatus(kaspiStatus: string): string {
  switch (kaspiStatus) {
    case "COMPLETED":
      return "PAID";
    case "FAILED":
      return "FAILED";
    case "EXPIRED":
      return "EXPIRED";
    default:
      return "PENDING";
  }
}

/** Rank of a status for "never backwards": a move to a lower rank is a regression (PAID may only be refunded). */
export function rank(status: string): number {
  switch (status) {
    case "CREATED":
      return 0;
    case "PENDING":
      return 1;
    case "FAILED":
    case "EXPIRED":
    case "CANCELLED":
      return 2;
    default:
      return 3; // PAID, REFUNDED, PARTIALLY_REFUNDED
  }
}

/** "FROM → TO" messages of status.changed events that move backwards. */
export function regressions(changes: { message: string }[]): string[] {
  return changes
    .map((c) => c.message)
    .filter((m) => {
      const [from, to] = m.split(" → ").map((s) => s.trim());
      if (!from || !to) return false;
      if (rank(from) === 3) return !(to === "REFUNDED" || to === "PARTIALLY_REFUNDED");
      return rank(to) < rank(from) || (rank(from) === 2 && to !== "PAID");
    });
}
