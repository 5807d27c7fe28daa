import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { db } from "../db";
import { reencryptStoreSecrets } from "./reencrypt";
import { decryptSecret, encryptSecret, parseKeyring } from "./secrets";

// Rotating STORE_SECRETS_KEY on the test's own database: secrets made with the old key are
// encrypted again with the new one (and still open), those already on it are left alone, one no
// configured key opens is reported and kept, and a row changed meanwhile is not overwritten.

const oldHex = randomBytes(32).toString("hex");
const newHex = randomBytes(32).toString("hex");
const oldRing = parseKeyring(oldHex);
const rotated = parseKeyring(newHex, oldHex);
let seq = 0;

async function storeWith(secrets: { accessToken?: string; kaspiSecrets?: string }): Promise<string> {
  const id = `sto_rk${process.pid}x${++seq}`;
  await db().store.create({ data: { id, kind: "bitrix24", name: id, memberId: `m-${id}`, ...secrets } });
  return id;
}

describe("re-encrypting store secrets after a key rotation", () => {
  it("moves old-key secrets to the new key, leaves current ones, reports unreadable ones", async () => {
    const id = `sto_rk${process.pid}x${++seq}`;
    await db().store.create({
      data: {
        id,
        kind: "bitrix24",
        name: id,
        memberId: `m-${id}`,
        accessToken: encryptSecret("access-old", { storeId: id, field: "accessToken" }, oldRing),
        kaspiSecrets: encryptSecret('{"protocol":"ecom"}', { storeId: id, field: "kaspiSecrets" }, rotated),
      },
    });
    const lost = await storeWith({
      accessToken: encryptSecret(
        "x",
        { storeId: "whatever", field: "accessToken" },
        parseKeyring(randomBytes(32).toString("hex")),
      ),
    });

    const report = await reencryptStoreSecrets(db(), rotated);
    expect(report.unreadable).toEqual([{ storeId: lost, field: "accessToken", reason: "UNKNOWN_KEY" }]);
    const row = await db().store.findUniqueOrThrow({ where: { id } });
    // Opens with the new key alone now; the old key is no longer needed for it.
    expect(decryptSecret(row.accessToken!, { storeId: id, field: "accessToken" }, parseKeyring(newHex))).toBe(
      "access-old",
    );
    expect(report.reencrypted).toBeGreaterThanOrEqual(1);

    // A second run finds nothing to do for this store.
    const again = await reencryptStoreSecrets(db(), rotated);
    expect(again.reencrypted).toBe(0);
    expect((await db().store.findUniqueOrThrow({ where: { id } })).accessToken).toBe(row.accessToken);
  });

  it("a secret written meanwhile (a token refresh) is not overwritten with the older one", async () => {
    const id = await storeWith({});
    const old = encryptSecret("access-1", { storeId: id, field: "accessToken" }, oldRing);
    await db().store.update({ where: { id }, data: { accessToken: old } });
    const refreshed = encryptSecret("access-2", { storeId: id, field: "accessToken" }, rotated);
    // The refresh lands between the pass's read and its write: simulated by a database whose row
    // changes as soon as the pass has read it.
    const original = db();
    const racing = new Proxy(original, {
      get(target, prop, receiver) {
        if (prop !== "store") return Reflect.get(target, prop, receiver) as unknown;
        const store = target.store;
        return new Proxy(store, {
          get(s, method, r) {
            if (method !== "findMany") return Reflect.get(s, method, r) as unknown;
            return async (args: Parameters<typeof store.findMany>[0]) => {
              const rows = await store.findMany(args);
              await store.update({ where: { id }, data: { accessToken: refreshed } });
              return rows;
            };
          },
        });
      },
    });
    const report = await reencryptStoreSecrets(racing, rotated);
    expect(report.skipped).toBeGreaterThanOrEqual(1);
    expect((await original.store.findUniqueOrThrow({ where: { id } })).accessToken).toBe(refreshed);
  });
});
