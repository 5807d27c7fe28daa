import { afterAll, beforeEach } from "vitest";
import { setKaspiGatewayForTests } from "@/lib/container";
import { createFakeKaspiGateway, type FakeKaspiGateway } from "./fake-kaspi-gateway";

/**
 * Each test of the calling file gets a fresh in-memory Kaspi behind the container (so no test sees
 * another's payments or faults); the configured gateway is restored after the file. The returned
 * object always speaks for the current test's fake.
 */
export function withFakeKaspi(): FakeKaspiGateway {
  let current = createFakeKaspiGateway();
  beforeEach(() => {
    current = createFakeKaspiGateway();
    setKaspiGatewayForTests(current);
  });
  afterAll(() => setKaspiGatewayForTests(undefined));
  return new Proxy({} as FakeKaspiGateway, {
    get: (_target, key) => {
      const value: unknown = Reflect.get(current, key);
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(current) : value;
    },
  });
}
