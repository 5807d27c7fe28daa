import type { Db } from "../db";
import { needsReencryption, reencryptSecret, SecretDecryptError, type SecretKeyring } from "./secrets";
import type { StoreSecretField } from "./store-repository";

// Key rotation, the last step (docs/stores.md "Secrets at rest"): after STORE_SECRETS_KEY is the new
// key and the old one is in STORE_SECRETS_KEY_PREVIOUS, every stored secret made with an old key
// is encrypted again with the new one, so the old key can be dropped. Values already on the new key
// are left as they are; each row is updated only if it is still what was read (compare-and-set),
// so a secret written meanwhile (a token refresh) is never overwritten with an older one.

export const SECRET_FIELDS: readonly StoreSecretField[] = [
  "accessToken",
  "refreshToken",
  "applicationToken",
  "kaspiSecrets",
  "bitrixSecret",
];

export type ReencryptReport = {
  /** Secrets encrypted again with the current key. */
  reencrypted: number;
  /** Secrets already on the current key. */
  current: number;
  /** Secrets no configured key opens (lost key or tampered value), by store and field: left as they are. */
  unreadable: { storeId: string; field: StoreSecretField; reason: string }[];
  /** Rows changed by someone else while this ran (their new value is on the current key). */
  skipped: number;
};

export async function reencryptStoreSecrets(db: Db, keyring: SecretKeyring): Promise<ReencryptReport> {
  const report: ReencryptReport = { reencrypted: 0, current: 0, unreadable: [], skipped: 0 };
  const stores = await db.store.findMany({ orderBy: { id: "asc" } });
  for (const store of stores) {
    for (const field of SECRET_FIELDS) {
      const value = store[field];
      if (!value) continue;
      let fresh: string;
      try {
        if (!needsReencryption(value, keyring)) {
          report.current++;
          continue;
        }
        fresh = reencryptSecret(value, { storeId: store.id, field }, keyring);
      } catch (e) {
        const reason = e instanceof SecretDecryptError ? e.code : "UNREADABLE";
        report.unreadable.push({ storeId: store.id, field, reason });
        continue;
      }
      const changed = await db.store.updateMany({ where: { id: store.id, [field]: value }, data: { [field]: fresh } });
      if (changed.count === 1) report.reencrypted++;
      else report.skipped++;
    }
  }
  return report;
}
