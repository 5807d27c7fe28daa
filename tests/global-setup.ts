import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { databaseUrlFor, dropDatabase, recreateDatabase } from "../scripts/pg-database.mjs";

// Runs once per `vitest run`: migrates a template database that every test file copies, so each
// file gets a fresh, fully migrated database without running migrations again.
// SQLite (default): data/test-template.db, copied per file. PostgreSQL (TEST_DATABASE_URL_PG set
// to a server URL, e.g. postgresql://postgres@127.0.0.1:5433/postgres): a template database,
// cloned per file with CREATE DATABASE … TEMPLATE (tests/setup-env.ts).

const TEMPLATE_DB = path.resolve("data/test-template.db");

declare module "vitest" {
  export interface ProvidedContext {
    pgTemplate: string;
  }
}

function migrate(databaseUrl: string): void {
  execFileSync("npx", ["prisma", "migrate", "deploy"], {
    env: { ...process.env, DATABASE_URL: databaseUrl },
    stdio: "pipe",
  });
}

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | void> {
  mkdirSync(path.dirname(TEMPLATE_DB), { recursive: true });
  for (const suffix of ["", "-journal", "-wal", "-shm"]) rmSync(`${TEMPLATE_DB}${suffix}`, { force: true });
  migrate("file:./data/test-template.db");

  const server = process.env.TEST_DATABASE_URL_PG;
  if (!server) return;
  const template = `kc_tpl_${process.pid}`;
  const templateUrl = databaseUrlFor(server, template);
  await recreateDatabase(templateUrl);
  migrate(templateUrl);
  project.provide("pgTemplate", template);
  return () => dropDatabase(templateUrl);
}
