import { bitrixRefundAnswerSchema, bitrixRefundSchema } from "../bitrix-onprem/refund-from-bitrix-use-case";
import { z } from "zod";
import { CHECKOUT_KEY_PARAM } from "../bitrix24/checkout-access";
import { checkoutAnswerSchema, checkoutDataSchema, checkoutErrorsSchema } from "../bitrix24/checkout-request";
import { healthDownSchema, healthSchema } from "../http/health-schemas";
import { checkpayQuerySchema, checkpayReplySchema } from "../kaspi/checkpay-schemas";
import { ecomCallbackAckSchema, ecomCallbackSchema } from "../kaspi/ecom-schemas";
import { checkoutTokenSchema, paymentViewSchema, statusViewSchema } from "../payments/checkout-views";
import { remoteActionSchema, remoteClientInfoSchema, remoteViewSchema } from "../payments/remote-invoice-use-case";
import { startPaymentBodySchema } from "../payments/start-payment-body";
import { externalIdSchema, orderAcceptedSchema, orderIntakeSchema, orderViewSchema } from "../payments/order-schemas";
import { BODY_ERRORS, SIGNATURE_ERRORS, input, output, type Operation } from "./operation";

// The API that Bitrix, Bitrix24, Kaspi, the checkout page and load balancers call.

const orderAccepted = output("OrderAccepted", orderAcceptedSchema);
const paymentView = output("PaymentView", paymentViewSchema);
const checkpayReply = output("CheckpayReply", checkpayReplySchema);

const checkpay = (path: string, operationId: string, summary: string): Operation => ({
  method: "get",
  path,
  operationId,
  summary,
  tag: "kaspi",
  // `store` is the app's own (the provider URL of one store's Service, docs/stores.md); the rest is Kaspi's.
  query: checkpayQuerySchema.extend({
    store: z
      .string()
      .optional()
      .describe(
        "A store with its own check/pay Service (absent: the environment's Service); 404 unless its contract is check/pay",
      ),
  }),
  responses: {
    200: {
      description:
        "The check/pay reply: XML `<response>` with these fields (the default), or JSON when KASPI_CHECKPAY_FORMAT=json. " +
        "Only Kaspi's addresses (KASPI_CHECKPAY_ALLOWED_IPS) are answered.",
      body: checkpayReply,
    },
  },
  errors: ["NOT_FOUND", "FORBIDDEN", "VALIDATION_FAILED"],
});

export const publicOperations: Operation[] = [
  {
    method: "post",
    path: "/api/orders",
    operationId: "intakeOrder",
    summary: "Bitrix sends an order: 201 new; the same externalId and amount 200; a new amount on an unpaid order 200",
    tag: "bitrix",
    auth: "bitrix",
    requestBody: { body: input("OrderIntake", orderIntakeSchema), required: true },
    responses: {
      201: { description: "Order created", body: orderAccepted },
      200: { description: "The same order (repeat), or updated with a new amount", body: orderAccepted },
    },
    errors: [
      ...BODY_ERRORS,
      ...SIGNATURE_ERRORS,
      "INVALID_AMOUNT",
      "INVALID_ITEMS",
      "INVALID_PHONE",
      "ORDER_ALREADY_PAID",
      "RATE_LIMITED",
    ],
  },
  {
    method: "get",
    path: "/api/orders/{externalId}",
    operationId: "getOrder",
    summary: "Bitrix re-checks an order before it marks it paid (signed over an empty body)",
    tag: "bitrix",
    auth: "bitrix",
    pathParams: { externalId: externalIdSchema },
    responses: { 200: { description: "The order", body: output("OrderView", orderViewSchema) } },
    errors: [...SIGNATURE_ERRORS, "NOT_FOUND", "VALIDATION_FAILED", "RATE_LIMITED"],
  },
  {
    method: "post",
    path: "/api/orders/{externalId}/refunds",
    operationId: "refundFromBitrix",
    summary: "A refund started in the Bitrix admin; idempotent on refundId",
    tag: "bitrix",
    auth: "bitrix",
    pathParams: { externalId: externalIdSchema },
    requestBody: { body: input("BitrixRefund", bitrixRefundSchema), required: true },
    responses: {
      200: {
        description: "The refund (SUCCEEDED, PENDING or FAILED); the same refundId again answers the same refund",
        body: output("BitrixRefundAnswer", bitrixRefundAnswerSchema),
      },
    },
    errors: [
      ...BODY_ERRORS,
      ...SIGNATURE_ERRORS,
      "NOT_FOUND",
      "VALIDATION_FAILED",
      "REFUND_NOT_ALLOWED",
      "REFUND_UNSUPPORTED",
      "REFUND_TOO_LARGE",
      "RATE_LIMITED",
    ],
  },
  {
    method: "post",
    path: "/api/checkout/{token}/payment",
    operationId: "startPayment",
    summary: "Create or reuse the Kaspi payment of this checkout (one Kaspi payment per attempt)",
    tag: "checkout",
    pathParams: { token: checkoutTokenSchema },
    requestBody: { body: input("StartPaymentBody", startPaymentBodySchema), required: false },
    responses: { 200: { description: "The attempt, with its link and QR while it is payable", body: paymentView } },
    errors: [...BODY_ERRORS, "NOT_FOUND", "KASPI_UNAVAILABLE", "KASPI_REJECTED", "CONFLICT", "RATE_LIMITED"],
  },
  {
    method: "get",
    path: "/api/checkout/{token}/status",
    operationId: "getCheckoutStatus",
    summary: "The checkout page's poll: our mirror only, never Kaspi",
    tag: "checkout",
    pathParams: { token: checkoutTokenSchema },
    responses: { 200: { description: "The order's status", body: output("StatusView", statusViewSchema) } },
    errors: ["NOT_FOUND", "RATE_LIMITED"],
  },
  {
    method: "get",
    path: "/api/checkout/{token}/events",
    operationId: "checkoutEvents",
    summary:
      "The checkout's status as Server-Sent Events: the current status, then every change and heartbeats, " +
      "ended after a bounded lifetime (reconnect with Last-Event-ID)",
    tag: "checkout",
    pathParams: { token: checkoutTokenSchema },
    responses: {
      200: {
        description: "An event stream; each `data:` is a StatusView",
        raw: { mediaType: "text/event-stream", schema: { type: "string" } },
      },
    },
    // 429: the request rate, or the open streams per token or per address; 503: the instance's ceiling.
    errors: ["NOT_FOUND", "RATE_LIMITED", "BUSY"],
  },
  {
    method: "post",
    path: "/api/checkout/{token}/remote",
    operationId: "checkoutRemoteInvoice",
    summary:
      "Kaspi QR r3, pay by phone number: client-info (whose Kaspi app), send the invoice, check it, or cancel it",
    tag: "checkout",
    pathParams: { token: checkoutTokenSchema },
    requestBody: { body: input("RemoteAction", remoteActionSchema), required: true },
    responses: {
      200: {
        description:
          "client-info: the name on the Kaspi account; send, check, cancel: the invoice's attempt. " +
          "client-info only for a payable (CREATED or PENDING) order, else 409 ORDER_NOT_PAYABLE; at most " +
          "REMOTE_LOOKUPS_PER_TOKEN (3) per token in 24 h and REMOTE_LOOKUPS_PER_ADDRESS (20) per client address " +
          "an hour, else 429 with Retry-After",
        body: output("RemoteAnswer", z.union([remoteClientInfoSchema, remoteViewSchema])),
      },
    },
    errors: [
      ...BODY_ERRORS,
      "NOT_FOUND",
      "INVALID_PHONE",
      "ORDER_NOT_PAYABLE",
      "CONFLICT",
      "KASPI_UNAVAILABLE",
      "KASPI_REJECTED",
      "RATE_LIMITED",
    ],
  },
  {
    method: "post",
    path: "/api/kaspi/callback",
    operationId: "kaspiCallback",
    summary:
      "Kaspi says a payment changed; verified with Kaspi's GET before anything moves. " +
      "Only with KASPI_PROTOCOL=ecom: the QR API and check/pay send no callbacks, so there it is 404",
    tag: "kaspi",
    requestBody: { body: input("KaspiCallback", ecomCallbackSchema), required: true },
    responses: {
      200: {
        description:
          "Handled: verified with Kaspi, or (a repeat within seconds of a verification) joined to the next " +
          "verification round, which the reconciler also covers; also duplicates, callbacks Kaspi's GET contradicts " +
          "and callbacks naming a payment id this app does not know (the same answer: it tells no one which ids exist). " +
          "429 (with Retry-After) when a flood has more callbacks waiting than the app queues",
        body: output("CallbackAck", ecomCallbackAckSchema),
      },
    },
    errors: [...BODY_ERRORS, "NOT_FOUND", "KASPI_UNAVAILABLE", "RATE_LIMITED"],
  },
  checkpay("/api/kaspi/checkpay", "kaspiCheckpay", "Kaspi's check/pay provider protocol (command=check|pay)"),
  {
    method: "get",
    path: "/api/health",
    operationId: "health",
    summary:
      "For load balancers: ok or degraded. With HEALTH_TOKEN (Bearer) or a merchant session also the figures: " +
      "the database, the outbox backlog, the oldest open payment",
    tag: "ops",
    auth: "monitor",
    responses: {
      200: {
        description: "Up; database, outboxBacklog and oldestOpenPaymentAgeSeconds only for a monitor or a merchant",
        body: output("Health", healthSchema),
      },
      503: { description: "The database is unreachable", body: output("HealthDown", healthDownSchema) },
    },
    errors: [],
  },
  {
    method: "post",
    path: "/api/bitrix24/checkout",
    operationId: "bitrix24Checkout",
    summary:
      "Bitrix24's CHECKOUT_DATA request (unsigned; confirmed over REST): form fields PHP-style, or JSON. " +
      "Always 200 once the key is right: Bitrix24 reads only a 200's body",
    tag: "bitrix",
    query: z.object({
      [CHECKOUT_KEY_PARAM]: z.string().meta({
        description:
          "The installation's key (lib/bitrix24/checkout-access.ts, derived from BITRIX_SHARED_SECRET), " +
          "put into the ACTION_URI by bitrix24:register. Missing or wrong: 404.",
      }),
    }),
    requestBody: { body: input("Bitrix24CheckoutData", checkoutDataSchema), required: true, form: true },
    responses: {
      200: {
        description:
          "Where Bitrix24 sends the shopper, or a refusal: PAYMENT_ERRORS holds one uniform text for the shopper " +
          "(the same for every reason), error.code the reason (VALIDATION_FAILED, INVALID_JSON, PAYLOAD_TOO_LARGE, " +
          "INVALID_AMOUNT, PAYMENT_NOT_CONFIRMED, ORDER_ALREADY_PAID, BITRIX24_UNAVAILABLE, ...)",
        body: output("Bitrix24Checkout", z.union([checkoutAnswerSchema, checkoutErrorsSchema])),
      },
    },
    errors: ["NOT_FOUND"],
  },
];
