import "dotenv/config";
import { defineConfig } from "prisma/config";
import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaPg } from "@prisma/adapter-pg";

// Prisma's CLI (migrate deploy/status/diff, generate) for whichever database DATABASE_URL names:
// SQLite (file:…, the embedded default) or PostgreSQL (postgresql://…), each with its own schema
// file and migrations (prisma/postgres/ is generated from prisma/schema.prisma; see
// scripts/db-new-migration.mjs). Prisma skips .env when a config file exists, hence dotenv first.
process.env.DATABASE_URL ??= "file:./data/checkout.db";
const url = process.env.DATABASE_URL;
const isPg = /^postgres(ql)?:\/\//.test(url);

export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  schema: isPg ? "prisma/postgres/schema.prisma" : "prisma/schema.prisma",
  migrations: { path: isPg ? "prisma/postgres/migrations" : "prisma/migrations" },
  async adapter() {
    // 7.10.1's pg adapter: 6.19.3's breaks `migrate deploy` (prisma/orm#27403), pinned by
    // tests/schema/pg-adapter.test.ts, which runs migrate deploy through both.
    return isPg
      ? new PrismaPg({ connectionString: url, idleTimeoutMillis: 200 })
      : new PrismaBetterSQLite3({ url: url.replace(/^file:/, "") });
  },
});
