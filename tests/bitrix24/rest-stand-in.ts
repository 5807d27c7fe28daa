import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

// A stand-in Bitrix24 portal for tests: real HTTP on an inbound webhook URL
// (/rest/<user>/<code>/<method>[.json]), the documented method names and parameters of the pay
// system and payment REST API, the documented answer shapes ({ result, time } and, with a 4xx/5xx,
// { error, error_description }), and fault injection. It also plays the portal's side of a
// CHECKOUT_DATA pay system: checkout() posts BX_SYSTEM_PARAMS to the handler's ACTION_URI.

type Json = Record<string, unknown>;
export type StandInPayment = {
  id: number;
  orderId: number;
  accountNumber: string;
  sum: number;
  currency: string;
  paid: "Y" | "N";
  paySystemId: number;
  /** The order's phone property (what CODES' DEFAULT PROPERTY PHONE resolves to). */
  phone: string;
  fields: Json;
  /** How many times the payment went from unpaid to paid. */
  paidTransitions: number;
  /** The order's basket (sale.basketitem.list) and shipments (sale.shipment.list), as the portal answers them. */
  basket: Json[];
  shipments: Json[];
};
type Fault = { method: string; error: string; description: string; status: number; remaining: number };
class RestError extends Error {
  constructor(
    readonly error: string,
    readonly description: string,
    readonly status = 400,
  ) {
    super(error);
  }
}

const METHOD_NOT_FOUND = new RestError("ERROR_METHOD_NOT_FOUND", "Method not found!", 404);

export class Bitrix24StandIn {
  readonly user = 1;
  readonly code = "standinwebhookcode";
  private server: Server | undefined;
  private port = 0;
  private nextId = 100;
  readonly calls: { method: string; params: Json }[] = [];
  /** Every form the portal posted to a CHECKOUT_DATA ACTION_URI. */
  readonly checkoutPosts: URLSearchParams[] = [];
  readonly handlers: { ID: string; NAME: string; CODE: string; SORT: number; SETTINGS: Json }[] = [];
  readonly paySystems: { ID: string; NAME: string; PERSON_TYPE_ID: string; ACTION_FILE: string; ACTIVE: string }[] = [];
  readonly personTypes = [
    { id: "3", name: "Контакт", code: "CRM_CONTACT", active: "Y" },
    { id: "4", name: "Компания", code: "CRM_COMPANY", active: "Y" },
    // A person type of another registry: sale.paysystem.add refuses an ORDER pay system for it.
    { id: "5", name: "Счёт", code: "CRM_INVOICE", active: "Y", entityRegistryType: "CRM_INVOICE" },
  ];
  readonly payments = new Map<number, StandInPayment>();
  private faults: Fault[] = [];

  async start(port = 0): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server?.listen(port, "127.0.0.1", resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  get webhookUrl(): string {
    return `http://127.0.0.1:${this.port}/rest/${this.user}/${this.code}/`;
  }

  addPayment(p: {
    id: number;
    sum: number;
    paySystemId: number;
    currency?: string;
    accountNumber?: string;
    phone?: string;
    basket?: Json[];
    shipments?: Json[];
  }): StandInPayment {
    const payment: StandInPayment = {
      id: p.id,
      orderId: p.id + 1000,
      accountNumber: p.accountNumber ?? `${p.id + 1000}/1`,
      sum: p.sum,
      currency: p.currency ?? "KZT",
      paid: "N",
      paySystemId: p.paySystemId,
      phone: p.phone ?? "",
      fields: {},
      paidTransitions: 0,
      basket: p.basket ?? [],
      shipments: p.shipments ?? [],
    };
    this.payments.set(p.id, payment);
    return payment;
  }

  /** The next `count` calls of `method` answer this error instead. */
  fail(method: string, f: { error: string; description?: string; status?: number; count?: number }): void {
    this.faults.push({
      method,
      error: f.error,
      description: f.description ?? "",
      status: f.status ?? 400,
      remaining: f.count ?? 1,
    });
  }

  callsOf(method: string): Json[] {
    return this.calls.filter((c) => c.method === method).map((c) => c.params);
  }

  private handlerOf(payment: StandInPayment) {
    const system = this.paySystems.find((s) => s.ID === String(payment.paySystemId));
    const handler = this.handlers.find((h) => h.CODE === system?.ACTION_FILE);
    if (!handler) throw new Error("the payment's pay system has no REST handler");
    return handler;
  }

  /**
   * What the portal sends ACTION_URI: the mode's FIELDS, each the business value of its CODES
   * entry (here only DEFAULT PROPERTY PHONE resolves), then BX_SYSTEM_PARAMS, with
   * EXTERNAL_PAYMENT_ID once PS_INVOICE_ID is set. Nothing else: values posted by the shopper
   * count only for declared FIELDS. (RestHandler::getCheckoutPayParams, getIframePayParams,
   * getQueryDataFromFields, getSystemParams — sale/lib/paysystem/resthandler.php.)
   */
  private payParams(payment: StandInPayment, data: { FIELDS?: Json }, posted: Record<string, string>): Json {
    const handler = this.handlerOf(payment);
    const codes = (handler.SETTINGS.CODES ?? {}) as Record<
      string,
      { DEFAULT?: { PROVIDER_KEY?: string; PROVIDER_VALUE?: string } }
    >;
    const params: Json = {};
    for (const [key, field] of Object.entries(data.FIELDS ?? {})) {
      const code = (field as { CODE?: unknown }).CODE;
      if (typeof code !== "string" || !code) continue;
      const d = codes[code]?.DEFAULT;
      params[key] = d?.PROVIDER_KEY === "PROPERTY" && d.PROVIDER_VALUE === "PHONE" ? payment.phone : null;
      if (key in posted) params[key] = posted[key];
    }
    params.BX_SYSTEM_PARAMS = {
      RETURN_URL: "https://portal.example.kz/pub/payment/ok/",
      PAYSYSTEM_ID: payment.paySystemId,
      PAYMENT_ID: payment.id,
      SUM: payment.sum,
      CURRENCY: payment.currency,
      ...(payment.fields.psInvoiceId ? { EXTERNAL_PAYMENT_ID: payment.fields.psInvoiceId } : {}),
    };
    return params;
  }

  /**
   * A shopper picks the pay system in CHECKOUT_DATA mode (RestHandler::initiateCheckoutPay): the
   * portal POSTs the params as a form to ACTION_URI and decodes the body only on HTTP 200
   * (Rest\Http::sendRequest, sale/lib/helpers/rest/http.php), keys upper-cased. Without both
   * PAYMENT_URL and PAYMENT_ID it shows PAYMENT_ERRORS, else "data missing"; with them it stores
   * PAYMENT_ID as PS_INVOICE_ID and sends the shopper to PAYMENT_URL. `override` replaces posted
   * system params (a forged request); `posted` are values the shopper's form carried.
   */
  async checkout(
    paymentId: number,
    options: { override?: Record<string, string>; posted?: Record<string, string> } = {},
  ): Promise<
    | { ok: true; paymentUrl: string; status: number; body: Json }
    | { ok: false; errors: string[]; status: number; body: Json }
  > {
    const payment = this.payments.get(paymentId);
    if (!payment) throw new Error(`no stand-in payment ${paymentId}`);
    const data = this.handlerOf(payment).SETTINGS.CHECKOUT_DATA as { ACTION_URI?: string; FIELDS?: Json } | undefined;
    if (!data?.ACTION_URI) throw new Error("the payment's pay system is not in CHECKOUT_DATA mode");
    const form = new URLSearchParams();
    for (const [k, v] of Object.entries(this.payParams(payment, data, options.posted ?? {}))) {
      if (k === "BX_SYSTEM_PARAMS") {
        for (const [sk, sv] of Object.entries(v as Json)) form.set(`BX_SYSTEM_PARAMS[${sk}]`, String(sv));
      } else {
        form.set(k, v === null ? "" : String(v as string));
      }
    }
    for (const [k, v] of Object.entries(options.override ?? {})) form.set(k, v);
    this.checkoutPosts.push(form);
    const res = await fetch(data.ACTION_URI, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: form.toString(),
    });
    const text = await res.text();
    let body: Json = {};
    if (res.status === 200) {
      try {
        body = Object.fromEntries(Object.entries(JSON.parse(text) as Json).map(([k, v]) => [k.toUpperCase(), v]));
      } catch {
        return { ok: false, errors: ["Response decoding error"], status: res.status, body };
      }
    }
    if (!body.PAYMENT_URL || !body.PAYMENT_ID) {
      const errors = Array.isArray(body.PAYMENT_ERRORS) ? body.PAYMENT_ERRORS.map(String) : ["data missing"];
      return { ok: false, errors, status: res.status, body };
    }
    payment.fields.psInvoiceId = String(body.PAYMENT_ID as string);
    return { ok: true, paymentUrl: String(body.PAYMENT_URL as string), status: res.status, body };
  }

  /**
   * IFRAME_DATA mode (RestHandler::getIframeTemplate): the portal frames ACTION_URI and posts this
   * message to it once the frame loads; it resizes the frame on { width, height } messages whose
   * origin has ACTION_URI's host.
   */
  iframe(paymentId: number): { actionUri: string; message: Json } {
    const payment = this.payments.get(paymentId);
    if (!payment) throw new Error(`no stand-in payment ${paymentId}`);
    const data = this.handlerOf(payment).SETTINGS.IFRAME_DATA as { ACTION_URI?: string; FIELDS?: Json } | undefined;
    if (!data?.ACTION_URI) throw new Error("the payment's pay system is not in IFRAME_DATA mode");
    return { actionUri: data.ACTION_URI, message: this.payParams(payment, data, {}) };
  }

  /**
   * The portal's payment page in IFRAME_DATA mode, as RestHandler::getIframeTemplate renders it:
   * an iframe on ACTION_URI that, once loaded, gets the FIELDS and BX_SYSTEM_PARAMS by postMessage
   * (target: ACTION_URI), and takes width/height from messages whose origin has ACTION_URI's host.
   */
  private sendHostPage(res: ServerResponse, paymentId: number): void {
    let frame: { actionUri: string; message: Json };
    try {
      frame = this.iframe(paymentId);
    } catch {
      res.writeHead(404).end("no such payment");
      return;
    }
    const html = `<!doctype html><html><head><meta charset="utf-8"><title>Stand-in Bitrix24 payment page</title></head>
<body><div id="wrapper"><iframe id="rest-payment-frame" src="${frame.actionUri}" style="border:none;height:350px;width:100%"
sandbox="allow-forms allow-scripts allow-modals allow-top-navigation allow-same-origin"></iframe></div>
<script>
var iframe = document.getElementById("rest-payment-frame");
var data = ${JSON.stringify(frame.message).replace(/</g, "\\u003c")};
var host = new URL(${JSON.stringify(frame.actionUri)}).hostname;
window.__resizes = [];
iframe.onload = function () { if (iframe.contentWindow) iframe.contentWindow.postMessage(data, ${JSON.stringify(frame.actionUri)}); };
window.addEventListener("message", function (event) {
  var originHost; try { originHost = new URL(event.origin).hostname; } catch (e) { return; }
  if (originHost !== host) return;
  if (event.data.width && parseInt(event.data.width) > 0) iframe.style.width = event.data.width + "px";
  if (event.data.height && parseInt(event.data.height) > 0) { iframe.style.height = event.data.height + "px"; window.__resizes.push(event.data.height); }
}, false);
</script></body></html>`;
    res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" });
    res.end(html);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString("utf8");
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { "Content-Type": "application/json; charset=utf-8" });
      res.end(JSON.stringify(body));
    };
    const hostPage = /^\/pub\/payment\/(\d+)$/.exec(new URL(req.url ?? "/", "http://x").pathname);
    if (hostPage) return this.sendHostPage(res, Number(hostPage[1]));
    const m = /^\/rest\/(\d+)\/([^/]+)\/([a-z0-9_.]+?)(?:\.json)?$/i.exec(new URL(req.url ?? "/", "http://x").pathname);
    if (!m) return send(404, { error: "ERROR_METHOD_NOT_FOUND", error_description: "Method not found!" });
    if (m[1] !== String(this.user) || m[2] !== this.code) {
      return send(401, { error: "NO_AUTH_FOUND", error_description: "Wrong authorization data" });
    }
    const method = (m[3] ?? "").toLowerCase();
    let params: Json = {};
    try {
      params = raw
        ? /json/i.test(req.headers["content-type"] ?? "")
          ? (JSON.parse(raw) as Json)
          : formToJson(raw)
        : {};
    } catch {
      return send(400, { error: "INVALID_REQUEST", error_description: "Invalid JSON" });
    }
    this.calls.push({ method, params });
    const fault = this.faults.find((f) => f.method === method && f.remaining > 0);
    if (fault) {
      fault.remaining--;
      return send(fault.status, { error: fault.error, error_description: fault.description });
    }
    try {
      const result = this.dispatch(method, params);
      send(200, { result, time: { start: Date.now() / 1000, finish: Date.now() / 1000, duration: 0.01 } });
    } catch (e) {
      if (e instanceof RestError) return send(e.status, { error: e.error, error_description: e.description });
      send(500, { error: "INTERNAL_SERVER_ERROR", error_description: "Internal server error" });
    }
  }

  private dispatch(method: string, p: Json): unknown {
    switch (method) {
      case "sale.paysystem.handler.list":
        return this.handlers;
      case "sale.paysystem.handler.add": {
        const name = str(param(p, "NAME"));
        const code = str(param(p, "CODE"));
        const settings = param(p, "SETTINGS") as Json | undefined;
        if (!name || !code) throw new RestError("ERROR_CHECK_FAILURE", "Empty fields: NAME, CODE");
        if (!settings || typeof settings.CODES !== "object")
          throw new RestError("ERROR_CHECK_FAILURE", "Empty field SETTINGS[CODES]");
        if (!settings.FORM_DATA && !settings.CHECKOUT_DATA && !settings.IFRAME_DATA) {
          throw new RestError("ERROR_CHECK_FAILURE", "One of FORM_DATA, CHECKOUT_DATA, IFRAME_DATA is required");
        }
        if (this.handlers.some((h) => h.CODE === code))
          throw new RestError("ERROR_CHECK_FAILURE", `Handler ${code} already exists!`);
        const id = String(this.nextId++);
        this.handlers.push({
          ID: id,
          NAME: name,
          CODE: code,
          SORT: Number(param(p, "SORT") ?? 100),
          SETTINGS: settings,
        });
        return id;
      }
      case "sale.paysystem.handler.update": {
        const handler = this.handlers.find((h) => h.ID === str(param(p, "ID")));
        if (!handler) throw new RestError("ERROR_HANDLER_NOT_FOUND", "Handler not found");
        const fields = (param(p, "FIELDS") ?? {}) as Json;
        if (fields.NAME) handler.NAME = str(fields.NAME);
        if (fields.SETTINGS) handler.SETTINGS = fields.SETTINGS as Json;
        return true;
      }
      case "sale.persontype.list":
        return { personTypes: this.personTypes };
      case "sale.paysystem.list": {
        const filter = (param(p, "FILTER") ?? {}) as Json;
        return this.paySystems.filter(
          (s) =>
            (filter.ACTION_FILE === undefined || s.ACTION_FILE === filter.ACTION_FILE) &&
            (filter.ID === undefined || s.ID === str(filter.ID)),
        );
      }
      case "sale.paysystem.add": {
        const handlerCode = str(param(p, "BX_REST_HANDLER"));
        const personTypeId = str(param(p, "PERSON_TYPE_ID"));
        if (!str(param(p, "NAME"))) throw new RestError("ERROR_CHECK_FAILURE", "Empty field NAME");
        if (!this.handlers.some((h) => h.CODE === handlerCode)) {
          throw new RestError("ERROR_CHECK_FAILURE", `Handler ${handlerCode} not found`);
        }
        const personType = this.personTypes.find((t) => t.id === personTypeId);
        if (!personType) {
          throw new RestError("ERROR_CHECK_FAILURE", `Person type ${personTypeId} not found`);
        }
        const registry = str(param(p, "ENTITY_REGISTRY_TYPE")) || "ORDER";
        if ((personType.entityRegistryType ?? "ORDER") !== registry) {
          throw new RestError("ERROR_CHECK_FAILURE", `Person type ${personTypeId} is not of registry ${registry}`);
        }
        const id = String(this.nextId++);
        this.paySystems.push({
          ID: id,
          NAME: str(param(p, "NAME")),
          PERSON_TYPE_ID: personTypeId,
          ACTION_FILE: handlerCode,
          ACTIVE: "Y",
        });
        return id;
      }
      case "sale.payment.get":
        return { payment: view(this.paymentOf(param(p, "id"))) };
      // One page of 50 under the key the docs give (b24restdocs api-reference/sale/basket-item/
      // sale-basket-item-list.md: result.basketItems; shipment/sale-shipment-list.md: result.shipments).
      case "sale.basketitem.list":
        return { basketItems: this.ofOrder(p).flatMap((x) => x.basket).slice(0, 50) };
      case "sale.shipment.list":
        return { shipments: this.ofOrder(p).flatMap((x) => x.shipments).slice(0, 50) };
      case "sale.payment.update": {
        const payment = this.paymentOf(param(p, "id"));
        const fields = (param(p, "fields") ?? {}) as Json;
        // PAY_SYSTEM_ID carries Attributes::Required on update too (sale/lib/rest/entity/payment.php).
        if (fields.paySystemId === undefined || fields.paySystemId === null || fields.paySystemId === "") {
          throw new RestError("ERROR_CHECK_FAILURE", "Required fields: paySystemId");
        }
        // Returning a REST handler's payment to its pay system fails: RestHandler implements no
        // IRefund, so Payment::onFieldModify(IS_RETURN) answers RETURN_NO_SUPPORTED (sale/lib/payment.php).
        if (fields.isReturn === "P") {
          throw new RestError("ERROR_CHECK_FAILURE", "SALE_ORDER_PAYMENT_RETURN_NO_SUPPORTED");
        }
        const { paySystemId: _ps, ...rest } = fields;
        payment.fields = { ...payment.fields, ...rest };
        return { payment: view(payment) };
      }
      case "sale.paysystem.pay.payment": {
        const payment = this.paymentOf(param(p, "PAYMENT_ID"));
        const paySystemId = str(param(p, "PAY_SYSTEM_ID"));
        if (!this.paySystems.some((s) => s.ID === paySystemId)) {
          throw new RestError("ERROR_CHECK_FAILURE", `Pay system ${paySystemId} not found`);
        }
        if (String(payment.paySystemId) !== paySystemId) {
          throw new RestError("ERROR_CHECK_FAILURE", "Payment does not belong to the pay system");
        }
        if (payment.paid === "N") {
          payment.paid = "Y";
          payment.paidTransitions++;
        }
        // RestHandler::processRequest → getPsData reads these from the request that
        // sale.paysystem.pay.payment builds out of its own parameters (sale/lib/paysystem/resthandler.php).
        payment.fields = { ...payment.fields, psStatus: "Y", psStatusCode: "Y" };
        for (const [key, field] of Object.entries(PS_FIELDS)) {
          const value = param(p, key);
          if (value !== undefined && value !== null && value !== "") payment.fields[field] = value;
        }
        return true;
      }
      default:
        throw METHOD_NOT_FOUND;
    }
  }

  /** The payments of the order `filter.orderId` names (one order per payment in this stand-in). */
  private ofOrder(p: Json): StandInPayment[] {
    const filter = (param(p, "filter") ?? {}) as Json;
    return [...this.payments.values()].filter((x) => String(x.orderId) === str(filter.orderId));
  }

  private paymentOf(id: unknown): StandInPayment {
    const payment = this.payments.get(Number(id));
    if (!payment) throw new RestError("ERROR_CHECK_FAILURE", `Payment with id ${str(id)} not found`);
    return payment;
  }
}

const PS_FIELDS = {
  PS_INVOICE_ID: "psInvoiceId",
  PS_STATUS_CODE: "psStatusCode",
  PS_STATUS_DESCRIPTION: "psStatusDescription",
  PS_STATUS_MESSAGE: "psStatusMessage",
  PS_SUM: "psSum",
  PS_CURRENCY: "psCurrency",
} as const;

/** sale.payment.get's resource: ids and sums as strings, like the portal answers them. */
function view(p: StandInPayment): Json {
  return {
    id: String(p.id),
    orderId: String(p.orderId),
    accountNumber: p.accountNumber,
    paid: p.paid,
    paySystemId: String(p.paySystemId),
    sum: p.sum.toFixed(4),
    currency: p.currency,
    psStatus: null,
    psInvoiceId: null,
    ...p.fields,
  };
}

function str(v: unknown): string {
  return typeof v === "string" ? v : typeof v === "number" ? String(v) : "";
}

/** REST parameter names: exact first, then case-insensitively (old docs spell them lowercase). */
function param(p: Json, name: string): unknown {
  if (name in p) return p[name];
  const key = Object.keys(p).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : p[key];
}

function formToJson(raw: string): Json {
  const out: Json = {};
  for (const [k, v] of new URLSearchParams(raw)) out[k] = v;
  return out;
}
