import { defineConfig } from "prisma/config";

// Offline config for `prisma migrate diff` on the PostgreSQL schema only (scripts/db-twins.mjs).
// Prisma 6.19.3's JS schema engine wants a driver adapter even to diff two schema files, and
// sends it one probe before diffing — observed: `SELECT EXISTS(SELECT 1 FROM pg_namespace WHERE
// nspname = $1), version(), current_setting('server_version_num')::integer`. This adapter answers
// that probe as a PostgreSQL 15 server would and refuses everything else, so generating a
// PostgreSQL migration needs no server (checked against a real one: identical SQL).

type Query = { sql: string };
const refuse = (what: string) => async (): Promise<never> => {
  throw new Error(`offline diff config: ${what} needs a real database (set DATABASE_URL instead)`);
};
// Column type codes of @prisma/driver-adapter-utils' ColumnTypeEnum: Int32 0, Boolean 5, Text 7.
const probeAnswer = {
  columnNames: ["exists", "version", "numeric_version"],
  columnTypes: [5, 7, 0],
  rows: [[true, "PostgreSQL 15 (offline diff)", 150000]],
};

const adapter = {
  provider: "postgres",
  adapterName: "offline-diff",
  queryRaw: async (q: Query) => {
    if (q.sql.includes("server_version_num")) return probeAnswer;
    return refuse(`the query "${q.sql.slice(0, 60)}"`)();
  },
  executeRaw: refuse("executeRaw"),
  executeScript: refuse("executeScript"),
  startTransaction: refuse("a transaction"),
  getConnectionInfo: () => ({ supportsRelationJoins: true }),
  dispose: async () => undefined,
};

export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  schema: "schema.prisma",
  migrations: { path: "migrations" },
  async adapter() {
    return {
      provider: "postgres",
      adapterName: "offline-diff",
      connect: async () => adapter,
      connectToShadowDb: refuse("a shadow database"),
    } as never;
  },
});
