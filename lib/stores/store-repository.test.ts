import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db, isPostgresUrl, type Db } from "../db";
import { postgresClient } from "../db-postgres";
import { parseKeyring } from "./secrets";
import { DEFAULT_STORE_ID } from "./store-id";
import {
  currentAccessToken,
  ensureDefaultStore,
  findStoreByCheckoutKey,
  findStoreById,
  findStoreByMemberId,
  markUninstalled,
  openField,
  refreshWithLease,
  saveInstall,
  StoreTokenError,
  type InstalledPortal,
  type RefreshedTokens,
} from "./store-repository";

// The Store rows on the test's own database (SQLite, and PostgreSQL in the postgres project):
// the default store, installs by member_id, encrypted tokens, uninstall, and the one refresh per
// expiry under concurrency — two callers in one instance, and two "instances" (on PostgreSQL each
// with its own client and pool, as two app processes have).

const keyring = parseKeyring(randomBytes(32).toString("hex"));
let seq = 0;

function portal(over: Partial<InstalledPortal> = {}): InstalledPortal {
  seq += 1;
  return {
    memberId: `member-${process.pid}-${Date.now()}-${seq}`,
    domain: `p${seq}.bitrix24.kz`,
    restBase: `https://p${seq}.bitrix24.kz/rest/`,
    lang: "ru",
    scope: ["sale", "pay_system"],
    accessToken: `access-${seq}-aaaaaaaa`,
    refreshToken: `refresh-${seq}-aaaaaaaa`,
    expiresAt: Date.now() + 3_600_000,
    applicationToken: `app-${seq}-aaaaaaaa`,
    ...over,
  };
}

/** A refresh grant that counts its calls and takes `delayMs`, like a round trip to the server. */
function countingRefresh(delayMs = 60) {
  const calls: string[] = [];
  const refresh = async (refreshToken: string): Promise<RefreshedTokens> => {
    calls.push(refreshToken);
    await new Promise((r) => setTimeout(r, delayMs));
    return {
      accessToken: `new-access-${calls.length}`,
      refreshToken: `new-refresh-${calls.length}`,
      expiresAt: Date.now() + 3_600_000,
    };
  };
  return { calls, refresh };
}

describe("ensureDefaultStore", () => {
  it("makes the default store from the environment's settings, copying no secret, and updates it at the next start", async () => {
    const first = await ensureDefaultStore(db(), {
      BITRIX_CONNECTOR: "onpremise",
      MERCHANT_NAME: "Shop",
      KASPI_PROTOCOL: "ecom",
      paymentMode: "sandbox",
    });
    expect(first).toMatchObject({
      id: DEFAULT_STORE_ID,
      kind: "onpremise",
      name: "Shop",
      mode: "test",
      status: "active",
    });
    expect([first.kaspiSecrets, first.bitrixSecret, first.accessToken, first.refreshToken, first.checkoutKey]).toEqual([
      null,
      null,
      null,
      null,
      null,
    ]);
    const again = await ensureDefaultStore(db(), {
      BITRIX_CONNECTOR: "bitrix24",
      MERCHANT_NAME: "Shop",
      KASPI_PROTOCOL: "qr",
      paymentMode: "live",
    });
    expect(again).toMatchObject({ id: DEFAULT_STORE_ID, kind: "bitrix24", kaspiProtocol: "qr", mode: "live" });
    expect(await db().store.count({ where: { id: DEFAULT_STORE_ID } })).toBe(1);
  });
});

describe("saveInstall / find / markUninstalled", () => {
  it("keeps the tokens encrypted, finds the store by id, member_id and key, and a reinstall keeps the store and its key", async () => {
    const p = portal();
    const store = await saveInstall(db(), p, keyring);
    expect(store.accessToken).not.toContain(p.accessToken);
    expect(store.refreshToken).not.toContain(p.refreshToken);
    expect(store.applicationToken).not.toContain(p.applicationToken);
    expect(openField(store, "accessToken", keyring)).toBe(p.accessToken);
    expect(openField(store, "applicationToken", keyring)).toBe(p.applicationToken);
    expect(store.checkoutKey).toMatch(/^[A-Za-z0-9_-]{32}$/);

    expect((await findStoreById(db(), store.id))?.memberId).toBe(p.memberId);
    expect((await findStoreByMemberId(db(), p.memberId))?.id).toBe(store.id);
    expect((await findStoreByCheckoutKey(db(), store.checkoutKey!))?.id).toBe(store.id);
    expect(await findStoreByCheckoutKey(db(), "not a key")).toBeNull();

    const again = await saveInstall(
      db(),
      { ...p, accessToken: "access-second-aaaa", domain: "renamed.bitrix24.kz" },
      keyring,
    );
    expect(again.id).toBe(store.id);
    expect(again.checkoutKey).toBe(store.checkoutKey);
    expect(again.domain).toBe("renamed.bitrix24.kz");
    expect(await currentAccessToken(db(), store.id, keyring)).toBe("access-second-aaaa");
  });

  it("a token copied into another store's row does not decrypt there", async () => {
    const a = await saveInstall(db(), portal(), keyring);
    const b = await saveInstall(db(), portal(), keyring);
    await db().store.update({ where: { id: b.id }, data: { accessToken: a.accessToken } });
    await expect(currentAccessToken(db(), b.id, keyring)).rejects.toMatchObject({ code: "AUTHENTICATION_FAILED" });
  });

  it("uninstall drops the tokens, keeps the row, and refuses any further token or refresh", async () => {
    const p = portal();
    const store = await saveInstall(db(), p, keyring);
    expect(await markUninstalled(db(), store.id)).toBe(true);
    expect(await markUninstalled(db(), store.id)).toBe(false);
    const row = await findStoreById(db(), store.id);
    expect(row).toMatchObject({ status: "uninstalled", accessToken: null, refreshToken: null, applicationToken: null });
    expect(row?.uninstalledAt).toBeInstanceOf(Date);
    await expect(currentAccessToken(db(), store.id, keyring)).rejects.toMatchObject({ code: "UNINSTALLED" });
    const { calls, refresh } = countingRefresh();
    await expect(
      refreshWithLease(db(), store.id, refresh, { keyring, expiredAccessToken: p.accessToken }),
    ).rejects.toBeInstanceOf(StoreTokenError);
    expect(calls).toEqual([]);
  });
});

describe("refreshWithLease", () => {
  it("two concurrent callers in one instance: one refresh, both get the new token, the new pair is stored and the lease cleared", async () => {
    const p = portal();
    const store = await saveInstall(db(), p, keyring);
    const { calls, refresh } = countingRefresh();
    const got = await Promise.all([
      refreshWithLease(db(), store.id, refresh, { keyring, expiredAccessToken: p.accessToken, pollMs: 10 }),
      refreshWithLease(db(), store.id, refresh, { keyring, expiredAccessToken: p.accessToken, pollMs: 10 }),
    ]);
    expect(calls).toEqual([p.refreshToken]);
    expect(got).toEqual(["new-access-1", "new-access-1"]);
    const row = (await findStoreById(db(), store.id))!;
    expect(openField(row, "refreshToken", keyring)).toBe("new-refresh-1");
    expect([row.tokenLockedUntil, row.tokenLockedBy]).toEqual([null, null]);
    // A caller that met the expiry late finds the new token without refreshing.
    expect(await refreshWithLease(db(), store.id, refresh, { keyring, expiredAccessToken: p.accessToken })).toBe(
      "new-access-1",
    );
    expect(calls).toHaveLength(1);
  });

  describe("two instances on one database", () => {
    const url = process.env.DATABASE_URL ?? "";
    let second: { client: Db; close: () => Promise<void> };
    beforeAll(() => {
      if (isPostgresUrl(url)) {
        const client = postgresClient({
          url,
          poolSize: 3,
          statementTimeoutMs: 10_000,
          connectTimeoutMs: 10_000,
          transactionTimeoutMs: 30_000,
        });
        second = { client: client as unknown as Db, close: () => client.$disconnect() };
      } else {
        // SQLite: better-sqlite3 waits for a busy file synchronously, so two writer connections in
        // one thread would block each other (as tests/db/concurrent-claims.test.ts says); the two
        // instances share the client and still race the lease at every await.
        second = { client: db(), close: async () => undefined };
      }
    });
    afterAll(async () => {
      await second.close();
    });

    it("five callers on each instance meet the expiry at once: one refresh, all ten get its token", async () => {
      const p = portal();
      const store = await saveInstall(db(), p, keyring);
      const { calls, refresh } = countingRefresh(120);
      const run = (client: Db, holder: string) =>
        refreshWithLease(client, store.id, refresh, { keyring, expiredAccessToken: p.accessToken, holder, pollMs: 10 });
      const got = await Promise.all([
        ...Array.from({ length: 5 }, (_, i) => run(db(), `instance-a-${i}`)),
        ...Array.from({ length: 5 }, (_, i) => run(second.client, `instance-b-${i}`)),
      ]);
      expect(calls).toEqual([p.refreshToken]);
      expect(new Set(got)).toEqual(new Set(["new-access-1"]));
    });
  });

  it("a failed refresh releases the lease: the next caller refreshes", async () => {
    const p = portal();
    const store = await saveInstall(db(), p, keyring);
    await expect(
      refreshWithLease(db(), store.id, () => Promise.reject(new Error("invalid_grant")), {
        keyring,
        expiredAccessToken: p.accessToken,
      }),
    ).rejects.toMatchObject({ code: "REFRESH_FAILED" });
    const row = (await findStoreById(db(), store.id))!;
    expect(row.tokenLockedBy).toBeNull();
    const { calls, refresh } = countingRefresh(1);
    expect(await refreshWithLease(db(), store.id, refresh, { keyring, expiredAccessToken: p.accessToken })).toBe(
      "new-access-1",
    );
    expect(calls).toHaveLength(1);
  });

  it("a lease held by a crashed instance is taken over once it runs out", async () => {
    const p = portal();
    const store = await saveInstall(db(), p, keyring);
    await db().store.update({
      where: { id: store.id },
      data: { tokenLockedUntil: new Date(Date.now() + 150), tokenLockedBy: "crashed" },
    });
    const { calls, refresh } = countingRefresh(1);
    expect(
      await refreshWithLease(db(), store.id, refresh, { keyring, expiredAccessToken: p.accessToken, pollMs: 20 }),
    ).toBe("new-access-1");
    expect(calls).toHaveLength(1);
  });

  it("uninstalled while refreshing: the new tokens are not kept", async () => {
    const p = portal();
    const store = await saveInstall(db(), p, keyring);
    const refresh = async (): Promise<RefreshedTokens> => {
      await markUninstalled(db(), store.id);
      return { accessToken: "late-access", refreshToken: "late-refresh", expiresAt: Date.now() + 3_600_000 };
    };
    await expect(
      refreshWithLease(db(), store.id, refresh, { keyring, expiredAccessToken: p.accessToken }),
    ).rejects.toMatchObject({ code: "UNINSTALLED" });
    const row = (await findStoreById(db(), store.id))!;
    expect([row.accessToken, row.refreshToken]).toEqual([null, null]);
  });
});
