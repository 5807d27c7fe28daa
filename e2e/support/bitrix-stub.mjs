// A stand-in for a 1C-Bitrix store, for the Playwright e2e suite.
//   POST /notify                   the app's signed payment notifications (verified like Bitrix would)
//   GET  /notifications?externalId= what arrived: { count, notifications, rejected }
//   GET  /host?src=<url>           a "Bitrix checkout" page that iframes the checkout and records
//                                  every postMessage it receives in window.__messages
//   GET  /health                   readiness for Playwright's webServer
// Plain node:http on purpose: no dependency on the app under test.
import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer } from "node:http";

const PORT = Number(process.env.BITRIX_STUB_PORT ?? 3199);
const SECRET = process.env.BITRIX_SHARED_SECRET;
const TOLERANCE_SECONDS = 300;
const MAX_BODY = 1024 * 1024;

if (!SECRET) {
  console.error("bitrix-stub: BITRIX_SHARED_SECRET is required");
  process.exit(1);
}

/** @type {{ receivedAt: string, body: any }[]} */
const notifications = [];
/** @type {{ receivedAt: string, reason: string }[]} */
const rejected = [];

/** Nonces seen in the last 10 minutes: a replayed notification is refused like the handler would. */
const seenNonces = new Map();

function verify(req, rawBody) {
  const headers = req.headers;
  const timestamp = headers["x-signature-timestamp"];
  const nonce = headers["x-signature-nonce"];
  const signature = headers["x-signature"];
  if (typeof timestamp !== "string" || typeof signature !== "string" || typeof nonce !== "string") {
    return "missing signature";
  }
  if (!/^\d{1,12}$/.test(timestamp)) return "bad timestamp";
  if (!/^[A-Za-z0-9_-]{16,64}$/.test(nonce)) return "bad nonce";
  if (Math.abs(Math.floor(Date.now() / 1000) - Number(timestamp)) > TOLERANCE_SECONDS) return "stale timestamp";
  const match = /^sha256=([0-9a-fA-F]{64})$/.exec(signature.trim());
  if (!match) return "malformed signature";
  const given = Buffer.from(match[1].toLowerCase(), "hex");
  // "<ts>.<nonce>.<METHOD>.<path?query as sent>.<raw body>" (the HTTP contract).
  const signed = `${timestamp}.${nonce}.${req.method}.${req.url}.${rawBody}`;
  const expected = createHmac("sha256", SECRET).update(signed, "utf8").digest();
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return "signature mismatch";
  const now = Date.now();
  for (const [n, at] of seenNonces) if (now - at > 2 * TOLERANCE_SECONDS * 1000) seenNonces.delete(n);
  if (seenNonces.has(nonce)) return "replayed nonce";
  seenNonces.set(nonce, now);
  return null;
}

function send(res, status, body, type = "application/json; charset=utf-8") {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  res.writeHead(status, { "content-type": type, "cache-control": "no-store" });
  res.end(text);
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on("data", (c) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new Error("body too large"));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

const escapeHtml = (s) =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);

function hostPage(src) {
  return `<!doctype html>
<html lang="ru">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Bitrix checkout (mock)</title>
<style>
  body { font-family: system-ui, sans-serif; margin: 0; padding: 16px; background: #f4f5f7; }
  iframe { width: 100%; max-width: 480px; border: 1px solid #ccd; height: 600px; background: #fff; display: block; }
  pre { font-size: 12px; background: #fff; padding: 8px; border: 1px solid #ccd; white-space: pre-wrap; }
</style></head>
<body>
  <h1>Bitrix checkout (mock)</h1>
  <p>Order payment: Kaspi Pay</p>
  <iframe id="checkout" data-testid="checkout-frame" title="Kaspi Pay" src="${escapeHtml(src)}"></iframe>
  <h2>Messages from the checkout</h2>
  <pre id="messages" data-testid="host-messages"></pre>
  <script>
    window.__messages = [];
    var frame = document.getElementById("checkout");
    var log = document.getElementById("messages");
    window.addEventListener("message", function (event) {
      window.__messages.push({ origin: event.origin, data: event.data });
      log.textContent += event.origin + " " + JSON.stringify(event.data) + "\\n";
      var d = event.data;
      if (d && d.type === "kaspi-checkout:height" && typeof d.height === "number" && d.height > 0) {
        frame.style.height = Math.min(Math.ceil(d.height), 4000) + "px";
      }
    });
  </script>
</body>
</html>`;
}

async function handle(req, res) {
  try {
    const url = new URL(req.url ?? "/", `http://${req.headers.host ?? "localhost"}`);
    if (req.method === "GET" && url.pathname === "/health") return send(res, 200, { status: "ok" });

    if (req.method === "POST" && url.pathname === "/notify") {
      const raw = await readBody(req);
      const failure = verify(req, raw);
      if (failure) {
        rejected.push({ receivedAt: new Date().toISOString(), reason: failure });
        return send(res, 401, { error: { code: "INVALID_SIGNATURE", message: failure } });
      }
      let body;
      try {
        body = JSON.parse(raw);
      } catch {
        return send(res, 400, { error: { code: "INVALID_JSON", message: "body is not JSON" } });
      }
      notifications.push({ receivedAt: new Date().toISOString(), body });
      return send(res, 200, { status: "OK" });
    }

    if (req.method === "GET" && url.pathname === "/notifications") {
      const externalId = url.searchParams.get("externalId");
      const list = externalId ? notifications.filter((n) => n.body?.externalId === externalId) : notifications;
      return send(res, 200, { count: list.length, notifications: list, rejected: rejected.length });
    }

    if (req.method === "GET" && url.pathname === "/host") {
      const src = url.searchParams.get("src");
      if (!src || !/^https?:\/\//.test(src))
        return send(res, 400, { error: { code: "BAD_SRC", message: "src must be an http(s) URL" } });
      return send(res, 200, hostPage(src), "text/html; charset=utf-8");
    }

    return send(res, 404, { error: { code: "NOT_FOUND", message: `${req.method} ${url.pathname}` } });
  } catch (e) {
    return send(res, 500, { error: { code: "INTERNAL", message: String(e instanceof Error ? e.message : e) } });
  }
}

// Loopback only, on both names: the app calls 127.0.0.1, the browser opens localhost, which may
// resolve to ::1 first. A machine without IPv6 just gets the IPv4 listener.
const v4 = createServer(handle);
const v6 = createServer(handle);
v4.listen(PORT, "127.0.0.1", () => console.log(`bitrix-stub listening on http://127.0.0.1:${PORT}`));
v6.on("error", (e) => console.log(`bitrix-stub: no IPv6 loopback listener (${e.code ?? e.message})`));
v6.listen(PORT, "::1");
for (const sig of ["SIGINT", "SIGTERM"]) {
  process.on(sig, () => {
    v6.close();
    v4.close(() => process.exit(0));
  });
}
