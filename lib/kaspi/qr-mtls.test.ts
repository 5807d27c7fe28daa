import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createQrGateway } from "./qr-gateway";
import { createQrTlsAgent } from "./qr-transport";

// r2/r3 mutual TLS against a real TLS server, with certificates made by openssl for this run only
// (never committed): a CA, a server and a client certificate it signed, and an untrusted server
// certificate from another CA. The client must refuse the untrusted server, and a server that
// demands a client certificate must get ours.

let dir: string;
const f = (name: string) => path.join(dir, name);
// One string per command, as it would be typed: no argument here has a space in it.
const openssl = (command: string) => execFileSync("openssl", command.split(" "), { cwd: dir, stdio: "pipe" });

function makeCert(name: string, ca: string, cn: string, ext?: string): void {
  openssl(`req -newkey rsa:2048 -nodes -keyout ${name}.key -out ${name}.csr -subj /CN=${cn}`);
  let sign = `x509 -req -in ${name}.csr -CA ${ca}.crt -CAkey ${ca}.key -CAcreateserial -out ${name}.crt -days 2`;
  if (ext) {
    writeFileSync(f(`${name}.ext`), ext);
    sign += ` -extfile ${name}.ext`;
  }
  openssl(sign);
}

function makeCa(name: string): void {
  openssl(`req -x509 -newkey rsa:2048 -nodes -keyout ${name}.key -out ${name}.crt -days 2 -subj /CN=${name}`);
}

const servers: Server[] = [];
async function tlsServer(cert: string, opts: { requireClientCert: boolean }): Promise<string> {
  const server = createServer(
    {
      key: readFileSync(f(`${cert}.key`)),
      cert: readFileSync(f(`${cert}.crt`)),
      ca: readFileSync(f("ca.crt")),
      requestCert: opts.requireClientCert,
      rejectUnauthorized: opts.requireClientCert,
    },
    (req, res) => {
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end(JSON.stringify({ StatusCode: 0, Data: { Status: "Wait" } }));
    },
  );
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  servers.push(server);
  return `https://127.0.0.1:${(server.address() as AddressInfo).port}/r2/v01/`;
}

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), "kaspi-mtls-"));
  makeCa("ca");
  makeCa("evil-ca");
  const san = "subjectAltName=IP:127.0.0.1,DNS:localhost\n";
  makeCert("server", "ca", "127.0.0.1", san);
  makeCert("client", "ca", "merchant-client");
  makeCert("untrusted", "evil-ca", "127.0.0.1", san);
});

afterAll(async () => {
  for (const s of servers) {
    s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
  }
  rmSync(dir, { recursive: true, force: true });
});

function gatewayFor(baseUrl: string, withClientCert = true) {
  const dispatcher = createQrTlsAgent({
    caFile: f("ca.crt"),
    ...(withClientCert ? { certFile: f("client.crt"), keyFile: f("client.key") } : {}),
  });
  return createQrGateway({ baseUrl, scheme: "r2", deviceToken: "t", timeoutMs: 3000, dispatcher });
}

describe("mutual TLS (r2/r3)", () => {
  it("talks to a server whose certificate Kaspi's CA signed, presenting the client certificate", async () => {
    const url = await tlsServer("server", { requireClientCert: true });
    const r = await gatewayFor(url).getPayment("1");
    expect(r).toMatchObject({ ok: true, value: { status: "PENDING", rawStatus: "Wait" } });
  });

  it("refuses a server whose certificate is not signed by the configured CA", async () => {
    const url = await tlsServer("untrusted", { requireClientCert: false });
    const r = await gatewayFor(url).getPayment("1");
    expect(r).toEqual({ ok: false, error: { kind: "unavailable", message: "connection failed" } });
  });

  it("without a client certificate, a server that demands one does not answer", async () => {
    const url = await tlsServer("server", { requireClientCert: true });
    const r = await gatewayFor(url, false).getPayment("1");
    expect(r.ok).toBe(false);
  });
});
