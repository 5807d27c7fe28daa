// Several app instances (real server.mjs processes) on one database, with one Bitrix stand-in:
// what a deployment behind a load balancer looks like. Used by tests/instances/ and
// `npm run bench:instances`. The database is PostgreSQL (a fresh database per cluster on the
// server TEST_DATABASE_URL_PG / the bench's URL names) or one SQLite file.
import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import path from "node:path";
import pg from "pg";
import { databaseUrlFor, dropDatabase, recreateDatabase } from "../pg-database.mjs";
import type { Ctx } from "../reliability/client";
import { AppProcess, BitrixReceiver, newRunDir, prepare } from "../reliability/support";

export type ClusterOptions = {
  /** PostgreSQL server URL (its database part is replaced), or undefined for SQLite. */
  postgresServer?: string;
  instances: number;
  /** instances use ports[0..n-1], the Bitrix stand-in ports[n]. */
  ports: number[];
  env?: Record<string, string>;
};

export class Cluster {
  readonly secret = randomBytes(24).toString("hex");
  readonly apps: AppProcess[] = [];
  readonly bitrix: BitrixReceiver;
  readonly databaseUrl: string;
  readonly dir: string;

  constructor(readonly options: ClusterOptions) {
    this.dir = newRunDir(true);
    this.databaseUrl = options.postgresServer
      ? databaseUrlFor(options.postgresServer, `kc_cluster_${process.pid}_${randomBytes(3).toString("hex")}`)
      : `file:${path.join(this.dir, "checkout.db")}`;
    const bitrixPort = options.ports[options.instances];
    if (bitrixPort === undefined) throw new Error("one port per instance plus one for the Bitrix stand-in");
    this.bitrix = new BitrixReceiver(bitrixPort, this.secret);
    for (let i = 0; i < options.instances; i++) {
      const port = options.ports[i]!;
      this.apps.push(
        new AppProcess({
          port,
          dir: this.dir,
          env: {
            NODE_ENV: "production",
            NEXT_TELEMETRY_DISABLED: "1",
            PORT: String(port),
            APP_URL: `http://127.0.0.1:${port}`,
            DATABASE_URL: this.databaseUrl,
            BITRIX_SHARED_SECRET: this.secret,
            BITRIX_NOTIFY_URL: `http://127.0.0.1:${bitrixPort}/notify`,
            BITRIX_ORIGINS: `http://127.0.0.1:${bitrixPort}`,
            KASPI_SANDBOX: "auto",
            KASPI_TOKEN: "",
            KASPI_BASE_URL: "",
            WORKER_ENABLED: "true",
            WORKER_INTERVAL_MS: "300",
            RATE_LIMIT_INTAKE: "0",
            RATE_LIMIT_CHECKOUT: "0",
            RATE_LIMIT_CALLBACK: "0",
            LOG_LEVEL: "warn",
            ...options.env,
          },
        }),
      );
    }
  }

  get postgres(): boolean {
    return this.databaseUrl.startsWith("postgres");
  }

  /** Creates and migrates the database (building the app first if there is no build), starts all. */
  async start(): Promise<void> {
    if (this.postgres) await recreateDatabase(this.databaseUrl);
    prepare(this.databaseUrl);
    await this.bitrix.start();
    await Promise.all(this.apps.map((a) => a.start()));
  }

  /** What the reliability client needs to act on one instance (Bitrix, shopper and Kaspi calls). */
  on(i: number): Ctx {
    return { app: this.apps[i]!, secret: this.secret } as Pick<Ctx, "app" | "secret"> as Ctx;
  }

  /** One SQL query on the cluster's PostgreSQL database (tests read the truth behind the HTTP answers). */
  async query<T extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<T[]> {
    const client = new pg.Client({ connectionString: this.databaseUrl });
    await client.connect();
    try {
      return (await client.query<T>(sql, params)).rows;
    } finally {
      await client.end();
    }
  }

  /** keep (or KEEP_CLUSTER_DIR=1): leave the database and each instance's app.log for a look. */
  async stop(keep = process.env.KEEP_CLUSTER_DIR === "1"): Promise<void> {
    await Promise.all(this.apps.map((a) => a.stop()));
    for (const a of this.apps) a.close();
    await this.bitrix.close();
    if (keep) {
      console.log(`[cluster] kept ${this.dir}`);
      return;
    }
    if (this.postgres) await dropDatabase(this.databaseUrl);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
