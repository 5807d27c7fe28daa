import { readFileSync } from "node:fs";
import pg from "pg";
import { describe, expect, it } from "vitest";
import {
  PG_SCHEMA,
  SQLITE_SCHEMA,
  comparable,
  migrateDiff,
  missingTwins,
  postgresSchemaFrom,
  sqliteSchemaFrom,
} from "@/scripts/db-twins.mjs";
import { databaseUrlFor, dropDatabase, recreateDatabase } from "@/scripts/pg-database.mjs";

// SQLite and PostgreSQL must not drift apart: prisma/postgres/schema.prisma is generated from
// prisma/schema.prisma, and every migration exists for both. Several features add migrations side
// by side; a merge that brings a SQLite migration without its PostgreSQL twin fails here, and
// `npm run db:pg-twins` makes the twin. (tests/schema/migrations.test.ts checks the SQLite side.)

describe("PostgreSQL twins", () => {
  it("the PostgreSQL schema file is the SQLite one except provider, output and url", () => {
    const sqlite = readFileSync(SQLITE_SCHEMA, "utf8");
    const postgres = readFileSync(PG_SCHEMA, "utf8");
    expect(comparable(postgres), "prisma/postgres/schema.prisma is stale: run `npm run db:pg-twins`").toBe(
      comparable(sqlite),
    );
    expect(postgres).toContain('provider = "postgresql"');
    expect(comparable(postgresSchemaFrom(sqlite))).toBe(comparable(sqlite));
    // The PostgreSQL file is also the snapshot the next migration is diffed from (both databases).
    expect(sqliteSchemaFrom(postgresSchemaFrom(sqlite))).toBe(sqlite);
  });

  it("every migration exists for both databases", () => {
    const missing = missingTwins();
    expect(missing.postgres, "SQLite migrations without a PostgreSQL twin: run `npm run db:pg-twins`").toEqual([]);
    expect(missing.sqlite, "PostgreSQL migrations without a SQLite twin").toEqual([]);
  });
});

type Shape = { columns: string[]; indexes: string[] };

async function shapeOf(url: string): Promise<Shape> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const cols = await c.query<{ t: string }>(
      `select table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable || ' ' || coalesce(column_default, '') as t
       from information_schema.columns where table_schema = 'public' and table_name <> '_prisma_migrations'`,
    );
    const idx = await c.query<{ t: string }>(
      `select indexdef as t from pg_indexes where schemaname = 'public' and tablename <> '_prisma_migrations'`,
    );
    return { columns: cols.rows.map((r) => r.t).sort(), indexes: idx.rows.map((r) => r.t).sort() };
  } finally {
    await c.end();
  }
}

describe.skipIf(!process.env.TEST_DATABASE_URL_PG)("PostgreSQL migrations (TEST_DATABASE_URL_PG)", () => {
  it("applied in order, they give the same tables, columns and indexes as prisma/postgres/schema.prisma", async () => {
    const migrated = process.env.DATABASE_URL ?? "";
    const fromSchema = databaseUrlFor(process.env.TEST_DATABASE_URL_PG ?? "", `kc_shape_${process.pid}`);
    await recreateDatabase(fromSchema);
    try {
      const script = migrateDiff(["--from-empty", "--to-schema-datamodel", PG_SCHEMA], { postgres: true });
      const c = new pg.Client({ connectionString: fromSchema });
      await c.connect();
      await c.query(script);
      await c.end();
      expect(await shapeOf(migrated)).toEqual(await shapeOf(fromSchema));
    } finally {
      await dropDatabase(fromSchema);
    }
  }, 60_000);
});
