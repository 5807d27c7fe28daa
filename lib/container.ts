import { db } from "./db";
import { env } from "./env";
import { createEcomGateway } from "./kaspi/ecom-gateway";
import type { KaspiGateway } from "./kaspi/gateway";

// The one place where concrete dependencies are wired. Tests swap the Kaspi gateway for a fake.

const holder = globalThis as unknown as { __kaspiGateway?: KaspiGateway };

export function kaspiGateway(): KaspiGateway {
  if (!holder.__kaspiGateway) {
    const e = env();
    holder.__kaspiGateway = createEcomGateway({
      baseUrl: e.kaspiBaseUrl,
      token: e.kaspiToken,
      timeoutMs: e.KASPI_TIMEOUT_MS,
      presentation: e.KASPI_ECOM_PRESENTATION,
    });
  }
  return holder.__kaspiGateway;
}

export function setKaspiGatewayForTests(gateway: KaspiGateway | undefined): void {
  holder.__kaspiGateway = gateway;
}

export function startPaymentDeps() {
  const e = env();
  return {
    db: db(),
    gateway: kaspiGateway(),
    appUrl: e.appUrl,
    paymentTtlSeconds: e.PAYMENT_TTL_SECONDS,
    kaspiTimeoutMs: e.KASPI_TIMEOUT_MS,
    merchantName: e.MERCHANT_NAME,
  };
}
