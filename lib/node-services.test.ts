import http from "node:http";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { EntryHandlers, ServerEntry } from "./http/server-entry";
import { startNodeServices } from "./node-services";

// What instrumentation.ts runs at start: it hands server.mjs the handlers through the entry record
// and changes nothing global (no patched http.Server.prototype); outside server.mjs it refuses.

const ENTRY = Symbol.for("kaspi-checkout.server-entry");
const holder = globalThis as { [ENTRY]?: ServerEntry };

afterEach(() => {
  delete holder[ENTRY];
  vi.restoreAllMocks();
});

describe("startNodeServices", () => {
  it("provides serve, listening and close to server.mjs's entry record, patching nothing", () => {
    const emit = http.Server.prototype.emit;
    let provided: EntryHandlers | undefined;
    holder[ENTRY] = { welcome: false, provide: (handlers) => void (provided = handlers) };
    startNodeServices();
    expect(provided && Object.keys(provided).sort()).toEqual(["close", "listening", "serve"]);
    expect(http.Server.prototype.emit).toBe(emit);
  });

  it("refuses to serve when the process was not started by server.mjs (next start, next dev)", () => {
    const exit = vi.spyOn(process, "exit").mockImplementation((() => {
      throw new Error("exit");
    }) as never);
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    expect(() => startNodeServices()).toThrow("exit");
    expect(exit).toHaveBeenCalledWith(1);
    expect(String(error.mock.calls[0]?.[0])).toContain("npm start");
  });
});
