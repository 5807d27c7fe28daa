#!/usr/bin/env node
// Throw-away PostgreSQL databases for tests, e2e runs and benches (one per test file / run):
//   node scripts/pg-database.mjs recreate <postgresql://…/name>   drop (if any) and create it empty
//   node scripts/pg-database.mjs drop <postgresql://…/name>
// As a module: databaseUrlFor(), recreateDatabase(), dropDatabase(). The server is reached through
// its `postgres` maintenance database; names are checked, never interpolated unchecked.
import pg from "pg";

const NAME = /^[a-z_][a-z0-9_]{0,62}$/;

function quoted(name) {
  if (!NAME.test(name)) throw new Error(`not a safe database name: ${name}`);
  return `"${name}"`;
}

/** The same server, another database. */
export function databaseUrlFor(serverUrl, database) {
  const u = new URL(serverUrl);
  u.pathname = `/${database}`;
  return u.toString();
}

export function databaseNameOf(url) {
  return decodeURIComponent(new URL(url).pathname.replace(/^\//, ""));
}

async function onServer(url, fn) {
  const client = new pg.Client({ connectionString: databaseUrlFor(url, "postgres"), connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Drops the URL's database (closing other sessions) and creates it again, empty or from a template. */
export async function recreateDatabase(url, template) {
  const name = databaseNameOf(url);
  await onServer(url, async (c) => {
    await c.query(`DROP DATABASE IF EXISTS ${quoted(name)} WITH (FORCE)`);
    await c.query(`CREATE DATABASE ${quoted(name)}${template ? ` TEMPLATE ${quoted(template)}` : ""}`);
  });
}

export async function dropDatabase(url) {
  const name = databaseNameOf(url);
  await onServer(url, (c) => c.query(`DROP DATABASE IF EXISTS ${quoted(name)} WITH (FORCE)`));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [command, url] = process.argv.slice(2);
  if (!url || !["recreate", "drop"].includes(command ?? "")) {
    console.error("usage: node scripts/pg-database.mjs recreate|drop <postgresql://…/name>");
    process.exit(2);
  }
  await (command === "drop" ? dropDatabase(url) : recreateDatabase(url));
}
