import { execFileSync } from "node:child_process";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";

// The committed migrations must build exactly the schema in prisma/schema.prisma: several
// features add migrations side by side, and a migration that rebuilds a table can silently drop
// another's column.

type Shape = { tables: Record<string, string[]>; indexes: string[] };

function shapeOf(db: Database.Database): Shape {
  const tables: Record<string, string[]> = {};
  const names = db
    .prepare("select name from sqlite_master where type='table' and name not like '_prisma%' and name not like 'sqlite%'")
    .all() as { name: string }[];
  for (const { name } of names) {
    const cols = db.prepare(`pragma table_info("${name}")`).all() as {
      name: string;
      type: string;
      notnull: number;
      dflt_value: string | null;
    }[];
    tables[name] = cols.map((c) => `${c.name} ${c.type} ${c.notnull} ${c.dflt_value}`).sort();
  }
  const indexes = (
    db.prepare("select name from sqlite_master where type='index' and name not like 'sqlite%'").all() as {
      name: string;
    }[]
  )
    .map((i) => i.name)
    .sort();
  return { tables, indexes };
}

describe("migrations", () => {
  it("applied in order, they give the same tables, columns and indexes as schema.prisma", () => {
    const migrated = new Database(process.env.DATABASE_URL?.replace(/^file:/, "") ?? "", { readonly: true });
    const script = execFileSync(
      "npx",
      ["prisma", "migrate", "diff", "--from-empty", "--to-schema-datamodel", "prisma/schema.prisma", "--script"],
      { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] },
    );
    const fromSchema = new Database(":memory:");
    fromSchema.exec(script);
    expect(shapeOf(migrated)).toEqual(shapeOf(fromSchema));
    migrated.close();
    fromSchema.close();
  });
});
