import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { db } from "../db";
import { kaspiSettingsOf, saveKaspiSettings, StoreSettingsError } from "./kaspi-settings";
import { parseKeyring } from "./secrets";
import { DEFAULT_STORE_ID } from "./store-id";

// A store's Kaspi choice on the test's own database: validated, the credentials encrypted for
// that store only, live mode only with credentials, the environment's store never through here.

const keyring = parseKeyring(randomBytes(32).toString("hex"));
let seq = 0;

async function store(): Promise<string> {
  seq += 1;
  const id = `sto_ks${process.pid}x${seq}`;
  await db().store.create({ data: { id, kind: "bitrix24", name: `Shop ${seq}`, memberId: `m-${id}` } });
  return id;
}

const ecom = { protocol: "ecom", token: "ecom-token-0123456789" };
const qr = {
  protocol: "qr",
  scheme: "r1",
  apiKey: "api-key-0123456789",
  deviceToken: "device-0123456789",
  baseUrl: "https://qr.kaspi.example:8543/r1/v01/",
};

async function refusal(promise: Promise<unknown>): Promise<StoreSettingsError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(StoreSettingsError);
  return error as StoreSettingsError;
}

describe("a store's Kaspi settings", () => {
  it("saves the protocol, the mode and the credentials, encrypted, and reads them back", async () => {
    const id = await store();
    const saved = await saveKaspiSettings(db(), keyring, {
      storeId: id,
      protocol: "qr",
      mode: "live",
      credentials: qr,
    });
    expect(saved).toEqual({ storeId: id, protocol: "qr", mode: "live", credentials: qr });
    const row = await db().store.findUniqueOrThrow({ where: { id } });
    expect(row.kaspiSecrets).toMatch(/^v1\./);
    expect(row.kaspiSecrets).not.toContain("api-key-0123456789");
    expect(kaspiSettingsOf(row, keyring)).toEqual(saved);
  });

  it("test mode may have no credentials (the built-in sandbox); live mode may not", async () => {
    const id = await store();
    expect(
      await saveKaspiSettings(db(), keyring, { storeId: id, protocol: "checkpay", mode: "test", credentials: null }),
    ).toEqual({
      storeId: id,
      protocol: "checkpay",
      mode: "test",
      credentials: null,
    });
    const live = await refusal(
      saveKaspiSettings(db(), keyring, { storeId: id, protocol: "checkpay", mode: "live", credentials: null }),
    );
    expect(live.code).toBe("INVALID");
    expect((await db().store.findUniqueOrThrow({ where: { id } })).mode).toBe("test");
  });

  it("refuses credentials that do not validate or are for another protocol, naming the field", async () => {
    const id = await store();
    const short = await refusal(
      saveKaspiSettings(db(), keyring, {
        storeId: id,
        protocol: "ecom",
        mode: "live",
        credentials: { protocol: "ecom", token: "x" },
      }),
    );
    expect(short.message).toContain("token");
    const plain = await refusal(
      saveKaspiSettings(db(), keyring, {
        storeId: id,
        protocol: "qr",
        mode: "live",
        credentials: { ...qr, baseUrl: "http://qr.example/" },
      }),
    );
    expect(plain.message).toContain("baseUrl");
    const other = await refusal(
      saveKaspiSettings(db(), keyring, { storeId: id, protocol: "qr", mode: "live", credentials: ecom }),
    );
    expect(other.message).toContain("another protocol");
  });

  it("the environment's store and an unknown store are refused; credentials need STORE_SECRETS_KEY", async () => {
    expect(
      (
        await refusal(
          saveKaspiSettings(db(), keyring, {
            storeId: DEFAULT_STORE_ID,
            protocol: "ecom",
            mode: "live",
            credentials: ecom,
          }),
        )
      ).code,
    ).toBe("DEFAULT_STORE");
    expect(
      (
        await refusal(
          saveKaspiSettings(db(), keyring, { storeId: "sto_nope", protocol: "ecom", mode: "live", credentials: ecom }),
        )
      ).code,
    ).toBe("NOT_FOUND");
    const id = await store();
    expect(
      (await refusal(saveKaspiSettings(db(), null, { storeId: id, protocol: "ecom", mode: "live", credentials: ecom })))
        .code,
    ).toBe("NO_KEY");
  });

  it("credentials copied into another store's row, or read with another key, read as none", async () => {
    const a = await store();
    const b = await store();
    await saveKaspiSettings(db(), keyring, { storeId: a, protocol: "ecom", mode: "live", credentials: ecom });
    await saveKaspiSettings(db(), keyring, { storeId: b, protocol: "ecom", mode: "test", credentials: null });
    const rowA = await db().store.findUniqueOrThrow({ where: { id: a } });
    const rowB = await db().store.update({ where: { id: b }, data: { kaspiSecrets: rowA.kaspiSecrets } });
    expect(kaspiSettingsOf(rowB, keyring).credentials).toBeNull();
    expect(kaspiSettingsOf(rowA, parseKeyring(randomBytes(32).toString("hex"))).credentials).toBeNull();
    expect(kaspiSettingsOf(rowA, keyring).credentials).toEqual(ecom);
  });
});
