// The two databases' schema files and migrations, kept twins: prisma/schema.prisma (SQLite) is
// the one people edit; prisma/postgres/schema.prisma is derived from it (provider, output and the
// placeholder url differ, nothing else), and every folder in prisma/migrations has a same-named
// folder in prisma/postgres/migrations. Used by `npm run db:new-migration` and by the drift test
// (tests/schema/postgres-twins.test.ts).
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const SQLITE_SCHEMA = path.join(root, "prisma", "schema.prisma");
export const PG_SCHEMA = path.join(root, "prisma", "postgres", "schema.prisma");
export const SQLITE_MIGRATIONS = path.join(root, "prisma", "migrations");
export const PG_MIGRATIONS = path.join(root, "prisma", "postgres", "migrations");

const HEADER = [
  "// GENERATED from prisma/schema.prisma by `npm run db:new-migration` (or `npm run db:pg-twins`):",
  "// do not edit. It differs from the SQLite schema only in provider, output and the placeholder url.",
  "",
].join("\n");

/** The PostgreSQL schema file that belongs to a SQLite schema file's text. */
export function postgresSchemaFrom(sqliteText) {
  const out = sqliteText
    .replace(/^(\s*output\s*=\s*)"\.\.\/lib\/generated\/sqlite"/m, '$1"../../lib/generated/postgres"')
    .replace(/^(\s*provider\s*=\s*)"sqlite"/m, '$1"postgresql"')
    .replace(/^(\s*url\s*=\s*)"file:[^"]*"/m, '$1"postgresql://placeholder@localhost:5432/placeholder"');
  return HEADER + out;
}

/**
 * The SQLite schema a PostgreSQL schema file was generated from. prisma/postgres/schema.prisma is
 * thus also the snapshot of the schema as the committed migrations leave it: the "from" side of
 * the next migration's diff on both databases (`migrate diff --from-migrations` fails on SQLite
 * with the driver adapter: it sends a whole migration as one statement).
 */
export function sqliteSchemaFrom(postgresText) {
  return postgresText
    .replace(HEADER, "")
    .replace(/^(\s*output\s*=\s*)"\.\.\/\.\.\/lib\/generated\/postgres"/m, '$1"../lib/generated/sqlite"')
    .replace(/^(\s*provider\s*=\s*)"postgresql"/m, '$1"sqlite"')
    .replace(/^(\s*url\s*=\s*)"postgresql:[^"]*"/m, '$1"file:./placeholder.db"');
}

/** A schema file without what may differ between the two (header comment, provider, output, url). */
export function comparable(text) {
  return text
    .split("\n")
    .filter((line) => !/^\s*(provider|output|url)\s*=/.test(line))
    .join("\n")
    .replace(/^(\/\/.*\n|\s*\n)*/, "");
}

/** Migration folder names (timestamp_name), oldest first. */
export function migrationNames(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(path.join(dir, d.name, "migration.sql")))
    .map((d) => d.name)
    .sort();
}

/** SQLite migrations without a PostgreSQL twin, and the reverse. */
export function missingTwins() {
  const sqlite = migrationNames(SQLITE_MIGRATIONS);
  const pg = migrationNames(PG_MIGRATIONS);
  return {
    postgres: sqlite.filter((n) => !pg.includes(n)),
    sqlite: pg.filter((n) => !sqlite.includes(n)),
  };
}

/**
 * `prisma migrate diff … --script` between schema files, offline: SQLite diffs run in memory; PostgreSQL diffs between schema files run with prisma/postgres/diff.config.ts, whose
 * stand-in adapter answers Prisma's one version probe, so no server is needed.
 */
export function migrateDiff(args, { postgres = false } = {}) {
  const config = postgres ? ["--config", path.join(root, "prisma", "postgres", "diff.config.ts")] : [];
  return execFileSync(
    path.join(root, "node_modules", ".bin", "prisma"),
    ["migrate", "diff", ...config, ...args, "--script"],
    {
      cwd: root,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, DATABASE_URL: "file:./data/migrate-diff.db" },
    },
  );
}

export const isEmptyMigration = (sql) => sql.replace(/--.*$/gm, "").trim() === "";
