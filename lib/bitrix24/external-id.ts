// Orders that come from Bitrix24 carry their portal ids in our externalId, so the outbox knows which
// payment and pay system to mark paid without a table of its own: "b24-<paySystemId>-<paymentId>".

const PATTERN = /^b24-(\d{1,18})-(\d{1,18})$/;

export type Bitrix24PaymentRef = { paySystemId: string; paymentId: string };

export function bitrix24ExternalId(ref: Bitrix24PaymentRef): string {
  return `b24-${ref.paySystemId}-${ref.paymentId}`;
}

export function parseBitrix24ExternalId(externalId: string): Bitrix24PaymentRef | null {
  const m = PATTERN.exec(externalId);
  return m?.[1] && m[2] ? { paySystemId: m[1], paymentId: m[2] } : null;
}
