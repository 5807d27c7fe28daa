import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { GET as getOrder } from "@/app/api/orders/[externalId]/route";
import { POST as postOrder } from "@/app/api/orders/route";
import { signatureHeaders } from "@/lib/bitrix-onprem/signature";
import { env } from "@/lib/env";
import { BASE, createOrder, errorCodeOf, nowSeconds, orderBody, params, read, signedRequest } from "../helpers";

// Issue "every signature says what it is for": a captured request cannot be replayed, a
// read-back signature cannot read another order, and the first "<ts>.<body>" form is refused.

describe("signature binding and replay", () => {
  it("an intake replayed with the same nonce is refused (401 REPLAYED_SIGNATURE)", async () => {
    const raw = JSON.stringify(orderBody());
    const first = signedRequest("/api/orders", raw, { nonce: "replay-nonce-intake-0001" });
    const copy = new Request(first.url, { method: "POST", headers: first.headers, body: raw });
    expect((await read(await postOrder(first))).status).toBe(201);
    const again = await read(await postOrder(copy));
    expect(again.status).toBe(401);
    expect(errorCodeOf(again)).toBe("REPLAYED_SIGNATURE");
  });

  it("a replayed intake cannot roll back an amount change", async () => {
    const order = orderBody({ amount: 10_000 });
    const raw = JSON.stringify(order);
    const captured = signedRequest("/api/orders", raw, { nonce: "replay-nonce-rollback-01" });
    const replay = new Request(captured.url, { method: "POST", headers: captured.headers, body: raw });
    expect((await read(await postOrder(captured))).status).toBe(201);
    const changed = await read(
      await postOrder(signedRequest("/api/orders", JSON.stringify({ ...order, amount: 20_000 }))),
    );
    expect(changed.status).toBe(200);
    expect(errorCodeOf(await read(await postOrder(replay)))).toBe("REPLAYED_SIGNATURE");
    const now = await read(
      await getOrder(
        signedRequest(`/api/orders/${order.externalId as string}`, null),
        params({ externalId: order.externalId as string }),
      ),
    );
    expect(now.body).toMatchObject({ amount: 20_000 });
  });

  it("a read-back signature made for one order does not read another", async () => {
    const a = await createOrder();
    const b = await createOrder();
    const forA = signedRequest(`/api/orders/${a.externalId}`, null, { nonce: "read-back-nonce-a-0001" });
    const ok = await read(await getOrder(forA, params({ externalId: a.externalId })));
    expect(ok.status).toBe(200);
    // The same headers (a fresh nonce, so only the target differs) sent for order B.
    const reused = signedRequest(`/api/orders/${b.externalId}`, null, { signedTarget: `/api/orders/${a.externalId}` });
    const answer = await read(await getOrder(reused, params({ externalId: b.externalId })));
    expect(answer.status).toBe(401);
    expect(errorCodeOf(answer)).toBe("INVALID_SIGNATURE");
  });

  it("a read-back signature is single-use", async () => {
    const a = await createOrder();
    const first = signedRequest(`/api/orders/${a.externalId}`, null);
    const copy = new Request(first.url, { headers: first.headers });
    expect((await read(await getOrder(first, params({ externalId: a.externalId })))).status).toBe(200);
    expect(errorCodeOf(await read(await getOrder(copy, params({ externalId: a.externalId }))))).toBe(
      "REPLAYED_SIGNATURE",
    );
  });

  it("a GET signature does not sign a POST, and a query is part of the target", async () => {
    const a = await createOrder();
    const withQuery = signedRequest(`/api/orders/${a.externalId}?x=1`, null, {
      signedTarget: `/api/orders/${a.externalId}`,
    });
    expect(errorCodeOf(await read(await getOrder(withQuery, params({ externalId: a.externalId }))))).toBe(
      "INVALID_SIGNATURE",
    );
    const raw = JSON.stringify(orderBody());
    const asGet = signatureHeaders(env().BITRIX_SHARED_SECRET, { method: "GET", target: "/api/orders", body: raw });
    const post = new Request(`${BASE}/api/orders`, {
      method: "POST",
      headers: { "Content-Type": "application/json", ...asGet },
      body: raw,
    });
    expect(errorCodeOf(await read(await postOrder(post)))).toBe("INVALID_SIGNATURE");
  });

  it("the first form HMAC('<ts>.<body>') is refused", async () => {
    const raw = JSON.stringify(orderBody());
    const ts = String(nowSeconds());
    const hex = createHmac("sha256", env().BITRIX_SHARED_SECRET).update(`${ts}.${raw}`).digest("hex");
    const request = new Request(`${BASE}/api/orders`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-Signature-Timestamp": ts, "X-Signature": `sha256=${hex}` },
      body: raw,
    });
    const answer = await read(await postOrder(request));
    expect(answer.status).toBe(401);
    expect(errorCodeOf(answer)).toBe("MISSING_SIGNATURE");
  });
});
