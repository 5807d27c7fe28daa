import { z } from "zod";
import {
  loginAnswerSchema,
  loginBodySchema,
  paymentsPageSchema,
  recheckAnswerSchema,
  returnQrViewSchema,
  signedOutSchema,
  userBodySchema,
  userDisabledBodySchema,
  userDisabledSchema,
  userSavedSchema,
  usersSchema,
} from "../merchant/api-schemas";
import { filtersSchema } from "../merchant/payment-filters";
import { receiptViewSchema } from "../fiscal/receipt-schemas";
import { refundBodySchema, refundViewSchema } from "../payments/refund-schemas";
import { BODY_ERRORS, MERCHANT_ERRORS, MERCHANT_WRITE_ERRORS, input, output, type Operation } from "./operation";

// The merchant JSON API (/api/merchant/*): a session cookie on every call but sign-in; writes also
// need the app's own Origin and the session's X-CSRF-Token; admin-only calls answer 403 to viewers.

const id = { id: z.string().min(1) };
const refundView = output("RefundView", refundViewSchema);
const refundAnswers = {
  200: { description: "Kaspi confirmed (SUCCEEDED) or refused (FAILED) the refund", body: refundView },
  202: { description: "Kaspi did not answer: the refund is PENDING, its amount held until a retry", body: refundView },
};
const refundErrors = [
  ...MERCHANT_WRITE_ERRORS,
  "NOT_FOUND",
  "REFUND_UNSUPPORTED",
  "REFUND_NOT_ALLOWED",
  "REFUND_TOO_LARGE",
  "CONFLICT",
] as const;

export const merchantOperations: Operation[] = [
  {
    method: "post",
    path: "/api/merchant/login",
    operationId: "merchantLogin",
    summary: "Sign in: a session cookie (HttpOnly, 8 hours); only from the app's own sign-in page (Origin)",
    tag: "merchant",
    requestBody: { body: input("LoginBody", loginBodySchema), required: true },
    responses: {
      200: {
        description: "Signed in",
        body: output("LoginAnswer", loginAnswerSchema),
        headers: { "Set-Cookie": "merchant_session=<token>; HttpOnly; SameSite=Lax" },
      },
    },
    errors: [...BODY_ERRORS, "CSRF_REJECTED", "INVALID_CREDENTIALS", "RATE_LIMITED"],
  },
  {
    method: "post",
    path: "/api/merchant/logout",
    operationId: "merchantLogout",
    summary: "End the session everywhere and clear the cookie",
    tag: "merchant",
    auth: "merchantWrite",
    responses: { 200: { description: "Signed out", body: output("SignedOut", signedOutSchema) } },
    errors: MERCHANT_WRITE_ERRORS,
  },
  {
    method: "get",
    path: "/api/merchant/payments",
    operationId: "merchantPayments",
    summary: "One page (50, newest first) of the filtered payments and the totals of the whole filtered set",
    tag: "merchant",
    auth: "merchant",
    query: filtersSchema,
    responses: { 200: { description: "A page of payments", body: output("PaymentsPage", paymentsPageSchema) } },
    errors: MERCHANT_ERRORS,
  },
  {
    method: "get",
    path: "/api/merchant/payments/export",
    operationId: "merchantPaymentsExport",
    summary: "The filtered payments as CSV (UTF-8 with BOM), streamed; delimiter=semicolon for Excel in Russian",
    tag: "merchant",
    auth: "merchant",
    query: filtersSchema.omit({ cursor: true }).extend({ delimiter: z.enum(["comma", "semicolon"]).optional() }),
    responses: { 200: { description: "CSV file", raw: { mediaType: "text/csv", schema: { type: "string" } } } },
    errors: MERCHANT_ERRORS,
  },
  {
    method: "post",
    path: "/api/merchant/payments/{id}/recheck",
    operationId: "merchantRecheck",
    summary: "Ask Kaspi for the status now and apply it through the guarded transition (admin)",
    tag: "merchant",
    auth: "merchantWrite",
    pathParams: id,
    responses: {
      200: { description: "What Kaspi said and what changed", body: output("RecheckAnswer", recheckAnswerSchema) },
    },
    errors: [...MERCHANT_WRITE_ERRORS, "NOT_FOUND", "CONFLICT", "KASPI_UNAVAILABLE", "KASPI_REJECTED"],
  },
  {
    method: "post",
    path: "/api/merchant/payments/{id}/refund",
    operationId: "merchantRefund",
    summary: "Refund a paid payment, fully or partly, through Kaspi (admin)",
    tag: "merchant",
    auth: "merchantWrite",
    pathParams: id,
    requestBody: { body: input("RefundBody", refundBodySchema), required: true },
    responses: refundAnswers,
    errors: [...BODY_ERRORS, ...refundErrors, "INVALID_AMOUNT"],
  },
  {
    method: "post",
    path: "/api/merchant/refunds/{id}/retry",
    operationId: "merchantRefundRetry",
    summary: "Send a pending refund to Kaspi again with the same refund id (admin)",
    tag: "merchant",
    auth: "merchantWrite",
    pathParams: id,
    responses: refundAnswers,
    errors: [...refundErrors],
  },
  {
    method: "post",
    path: "/api/merchant/receipts/{id}/retry",
    operationId: "merchantReceiptRetry",
    summary:
      "Send a refused (FAILED) or held (HELD: the cash register stopped) fiscal receipt again, with the same external number; a held one also lifts the register's stop (admin)",
    tag: "merchant",
    auth: "merchantWrite",
    pathParams: id,
    responses: {
      200: {
        description: "The receipt, queued again (PENDING) or already ISSUED",
        body: output("ReceiptView", receiptViewSchema),
      },
    },
    errors: [...MERCHANT_WRITE_ERRORS, "NOT_FOUND", "CONFLICT"],
  },
  {
    method: "post",
    path: "/api/merchant/payments/{id}/return-qr",
    operationId: "merchantReturnQr",
    summary:
      "Kaspi QR r2: make a return QR for the customer to scan in the Kaspi app; a refund needs a scanned one (admin)",
    tag: "merchant",
    auth: "merchantWrite",
    pathParams: id,
    responses: { 201: { description: "The return QR", body: output("ReturnQr", returnQrViewSchema) } },
    errors: [
      ...MERCHANT_WRITE_ERRORS,
      "NOT_FOUND",
      "REFUND_UNSUPPORTED",
      "REFUND_NOT_ALLOWED",
      "KASPI_UNAVAILABLE",
      "KASPI_REJECTED",
    ],
  },
  {
    method: "get",
    path: "/api/merchant/return-qrs/{id}",
    operationId: "merchantReturnQrStatus",
    summary: "A return QR and whether the customer scanned it (Kaspi asked at most once per its interval) (admin)",
    tag: "merchant",
    auth: "merchant",
    pathParams: id,
    responses: { 200: { description: "The return QR", body: output("ReturnQr", returnQrViewSchema) } },
    errors: [...MERCHANT_ERRORS, "FORBIDDEN", "NOT_FOUND"],
  },
  {
    method: "get",
    path: "/api/merchant/users",
    operationId: "merchantUsers",
    summary: "The merchant users of the admin's store (admin)",
    tag: "merchant",
    auth: "merchant",
    responses: { 200: { description: "Users", body: output("MerchantUsers", usersSchema) } },
    errors: [...MERCHANT_ERRORS, "FORBIDDEN"],
  },
  {
    method: "post",
    path: "/api/merchant/users",
    operationId: "merchantSaveUser",
    summary:
      "Add a user to the admin's store, or give one of its users a new password; the generated password is shown once (admin). An e-mail of another store's user: 409",
    tag: "merchant",
    auth: "merchantWrite",
    requestBody: { body: input("UserBody", userBodySchema), required: true },
    responses: {
      201: { description: "Created", body: output("UserSaved", userSavedSchema) },
      200: { description: "Existing user: new password", body: output("UserSaved", userSavedSchema) },
    },
    errors: [...BODY_ERRORS, ...MERCHANT_WRITE_ERRORS, "CONFLICT"],
  },
  {
    method: "post",
    path: "/api/merchant/users/{id}",
    operationId: "merchantDisableUser",
    summary: "Disable (ends the user's sessions at once) or re-enable a user (admin)",
    tag: "merchant",
    auth: "merchantWrite",
    pathParams: id,
    requestBody: { body: input("UserDisabledBody", userDisabledBodySchema), required: true },
    responses: { 200: { description: "Saved", body: output("UserDisabled", userDisabledSchema) } },
    errors: [...BODY_ERRORS, ...MERCHANT_WRITE_ERRORS, "NOT_FOUND", "CONFLICT"],
  },
];
