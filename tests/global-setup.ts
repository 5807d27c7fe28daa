import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { databaseUrlFor, dropDatabase, recreateDatabase } from "../scripts/pg-database.mjs";

// Runs once per `vitest run`: migrates a template database that every test file copies, so each
// file gets a fresh, fully migrated database without running migrations again.
// SQLite (the unit and integration projects): data/test-template-<pid>.db, copied per file.
// PostgreSQL (the postgres projects, there when TEST_DATABASE_URL_PG names a server, e.g.
// postgresql://postgres@127.0.0.1:5433/postgres): a template database, cloned per file with
// CREATE DATABASE … TEMPLATE (tests/setup-env.ts); made only when one of them is in the run.

// One template per run (its process id in the name): two `vitest run`s at once (a maintainer's
// quick loop beside a full run) never delete each other's template.
const TEMPLATE_NAME = `data/test-template-${process.pid}.db`;
const TEMPLATE_DB = path.resolve(TEMPLATE_NAME);

declare module "vitest" {
  export interface ProvidedContext {
    pgTemplate: string;
    sqliteTemplate: string;
  }
}

function removeTemplate(): void {
  for (const suffix of ["", "-journal", "-wal", "-shm"]) rmSync(`${TEMPLATE_DB}${suffix}`, { force: true });
}

function migrate(databaseUrl: string): void {
  execFileSync(path.resolve("node_modules/.bin/prisma"), ["migrate", "deploy"], {
    env: { ...process.env, DATABASE_URL: databaseUrl },
    stdio: "pipe",
  });
}

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | void> {
  const inRun = new Set(project.vitest.projects.map((p) => p.name));
  if (inRun.has("unit") || inRun.has("integration")) {
    mkdirSync(path.dirname(TEMPLATE_DB), { recursive: true });
    removeTemplate();
    migrate(`file:./${TEMPLATE_NAME}`);
    project.provide("sqliteTemplate", TEMPLATE_DB);
  }

  const server = process.env.TEST_DATABASE_URL_PG;
  if (!server || !(inRun.has("postgres") || inRun.has("postgres-integration"))) return async () => removeTemplate();
  const template = `kc_tpl_${process.pid}`;
  const templateUrl = databaseUrlFor(server, template);
  await recreateDatabase(templateUrl);
  migrate(templateUrl);
  project.provide("pgTemplate", template);
  return async () => {
    removeTemplate();
    await dropDatabase(templateUrl);
  };
}
