import { afterEach, describe, expect, it } from "vitest";
import { db } from "../db";
import { CHANGE_CHANNEL, createPostgresFeed, type PostgresFeed, type PostgresFeedOptions } from "./postgres-feed";

// The PostgreSQL change feed. Two feeds with their own instance ids stand for two app instances on
// one database server: what one publishes reaches the other through NOTIFY, a killed listening
// connection comes back and says "anything may have changed", and the last unsubscribe closes it.
// The database part runs with TEST_DATABASE_URL_PG (tests/setup-env.ts points DATABASE_URL at it).

const url = process.env.DATABASE_URL ?? "";
const onPostgres = /^postgres(ql)?:\/\//.test(url);

type Heard = (string | null)[];
const warnings: string[] = [];
let cleanUp: (() => void)[] = [];

function feed(instanceId: string, over: Partial<PostgresFeedOptions> = {}) {
  return createPostgresFeed({
    url,
    instanceId,
    execute: (sql, params) => db().$executeRawUnsafe(sql, ...params),
    warn: (_fields, message) => void warnings.push(message),
    backoff: { firstMs: 50, maxMs: 400 },
    ...over,
  });
}

function listen(f: PostgresFeed): Heard {
  const heard: Heard = [];
  cleanUp.push(f.subscribe((orderId) => void heard.push(orderId)));
  return heard;
}

async function until(check: () => boolean | Promise<boolean>, ms = 5_000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return check();
}

const sessionsOf = async (f: PostgresFeed) =>
  db().$queryRawUnsafe<{ pid: number }[]>(
    `SELECT pid FROM pg_stat_activity WHERE application_name = $1`,
    `kaspi-checkout-listen-${f.instanceId}`,
  );

afterEach(() => {
  for (const unsubscribe of cleanUp) unsubscribe();
  cleanUp = [];
  warnings.length = 0;
});

describe("PostgreSQL change feed, database unreachable", () => {
  it("still rings this instance's listeners at once; a failed NOTIFY and a refused connection are warnings", async () => {
    let statements = 0;
    const f = feed("0a", {
      url: "postgresql://postgres@127.0.0.1:1/nothing-listens-here",
      execute: () => {
        statements++;
        throw new Error("no database client"); // synchronously, as a client that cannot be built
      },
    });
    const heard = listen(f);
    expect(() => {
      f.publish("ord_1");
      f.publish("ord_2");
      f.publish("ord_1");
    }).not.toThrow();
    expect(heard).toEqual(["ord_1", "ord_2", "ord_1"]);
    expect(await until(() => warnings.includes("change feed: NOTIFY failed"))).toBe(true);
    expect(statements).toBe(1); // one statement for the rings published in one synchronous run
    // It keeps trying (50 ms, 100 ms, …) and never claims to be listening.
    expect(await until(() => warnings.filter((w) => w === "change feed: listening connection lost").length >= 2)).toBe(
      true,
    );
    expect(heard).not.toContain(null);
  });

  it("refuses an instance id that could not be told apart in the payload", () => {
    expect(() => feed("a:b")).toThrow();
  });
});

describe.skipIf(!onPostgres)("PostgreSQL change feed (LISTEN/NOTIFY)", () => {
  it("a ring published on one instance reaches the other, and not the publisher twice", async () => {
    const a = feed("0a0a");
    const b = feed("0b0b");
    const heardA = listen(a);
    const heardB = listen(b);
    // Each says "anything may have changed" once it is listening.
    expect(await until(() => heardA.includes(null) && heardB.includes(null))).toBe(true);
    heardA.length = 0;
    heardB.length = 0;

    a.publish("ord_from_a");
    expect(heardA).toEqual(["ord_from_a"]); // at once, before any round trip
    expect(await until(() => heardB.includes("ord_from_a"))).toBe(true);
    b.publish("ord_from_b");
    expect(await until(() => heardA.includes("ord_from_b"))).toBe(true);
    // Garbage on the channel is ignored; a later ring shows that it has been processed.
    await db().$executeRawUnsafe(`SELECT pg_notify($1, $2)`, CHANGE_CHANNEL, "not a ring");
    await db().$executeRawUnsafe(`SELECT pg_notify($1, $2)`, CHANGE_CHANNEL, "0c0c:ord;drop");
    await db().$executeRawUnsafe(`SELECT pg_notify($1, $2)`, CHANGE_CHANNEL, "0c0c:ord_last");
    expect(await until(() => heardA.includes("ord_last") && heardB.includes("ord_last"))).toBe(true);
    expect(heardA).toEqual(["ord_from_a", "ord_from_b", "ord_last"]);
    expect(heardB).toEqual(["ord_from_a", "ord_from_b", "ord_last"]);
  });

  it("a killed listening connection reconnects, says anything may have changed, and hears rings again", async () => {
    const a = feed("1a1a");
    const b = feed("1b1b");
    listen(a);
    const heardB = listen(b);
    expect(await until(() => heardB.includes(null))).toBe(true);
    expect(await until(async () => (await sessionsOf(a)).length === 1)).toBe(true);
    const [session] = await sessionsOf(b);
    expect(session).toBeDefined();
    heardB.length = 0;

    await db().$executeRawUnsafe(`SELECT pg_terminate_backend($1)`, session?.pid);
    expect(await until(() => heardB.includes(null))).toBe(true);
    expect(warnings).toContain("change feed: listening connection lost");
    const [again] = await sessionsOf(b);
    expect(again?.pid).not.toBe(session?.pid);

    a.publish("ord_after_reconnect");
    expect(await until(() => heardB.includes("ord_after_reconnect"))).toBe(true);
  });

  it("the last unsubscribe closes the listening connection; a new subscriber opens it again", async () => {
    const f = feed("2f2f");
    const stopFirst = f.subscribe(() => undefined);
    const heard: Heard = [];
    const stopSecond = f.subscribe((id) => void heard.push(id));
    expect(await until(() => heard.includes(null))).toBe(true);
    expect(await sessionsOf(f)).toHaveLength(1);
    stopFirst();
    expect(await sessionsOf(f)).toHaveLength(1);
    stopSecond();
    expect(await until(async () => (await sessionsOf(f)).length === 0)).toBe(true);
    const again = listen(f);
    expect(await until(() => again.includes(null))).toBe(true);
    expect(await sessionsOf(f)).toHaveLength(1);
  });
});
