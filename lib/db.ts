import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaClient } from "./generated/sqlite/client";
import { env } from "./env";

// One Prisma client per process, built from DATABASE_URL through a driver adapter.

export type Db = PrismaClient;
export type Tx = Parameters<Parameters<PrismaClient["$transaction"]>[0]>[0];

const holder = globalThis as unknown as { __checkoutDb?: PrismaClient };

function sqliteUrl(databaseUrl: string): string {
  return databaseUrl.replace(/^file:/, "");
}

export function db(): PrismaClient {
  if (!holder.__checkoutDb) {
    const url = env().DATABASE_URL;
    if (!url.startsWith("file:")) {
      throw new Error("DATABASE_URL: only file: (SQLite) URLs are supported by this build");
    }
    // busy timeout: several processes may share one SQLite file (tests, npm run scripts).
    const adapter = new PrismaBetterSQLite3({ url: sqliteUrl(url), timeout: 10_000 });
    holder.__checkoutDb = new PrismaClient({ adapter });
  }
  return holder.__checkoutDb;
}

export async function disconnectDb(): Promise<void> {
  await holder.__checkoutDb?.$disconnect();
  holder.__checkoutDb = undefined;
}

export function isUniqueViolation(e: unknown): boolean {
  return typeof e === "object" && e !== null && "code" in e && (e as { code: unknown }).code === "P2002";
}
