import { expect } from "vitest";
import { checkoutKey } from "@/lib/bitrix24/checkout-access";
import { registerPaySystem } from "@/lib/bitrix24/register";
import { createBitrix24Client } from "@/lib/bitrix24/rest-client";
import { env, resetEnvForTests } from "@/lib/env";
import { BASE } from "../helpers";
import type { Bitrix24StandIn } from "./rest-stand-in";

/** The installation's key: `bitrix24:register` puts it into the ACTION_URI, the route demands it. */
export const installationKey = () => checkoutKey(env().BITRIX_SHARED_SECRET);

/**
 * Starts the stand-in portal on `port`, points this process's app at its inbound webhook (and sets
 * `extraEnv` beside it), and registers the pay system in CHECKOUT_DATA mode as `bitrix24:register`
 * does. Answers the pay system's id.
 */
export async function connectWebhookPortal(
  portal: Bitrix24StandIn,
  port: number,
  extraEnv: Record<string, string> = {},
): Promise<number> {
  await portal.start(port);
  Object.assign(process.env, { BITRIX_CONNECTOR: "bitrix24", BITRIX24_WEBHOOK_URL: portal.webhookUrl, ...extraEnv });
  resetEnvForTests();
  const registered = await registerPaySystem({
    client: createBitrix24Client({ webhookUrl: portal.webhookUrl }),
    appUrl: BASE,
    mode: "checkout",
    checkoutKey: installationKey(),
  });
  expect(registered.ok).toBe(true);
  return Number(portal.paySystems[0]?.ID);
}
