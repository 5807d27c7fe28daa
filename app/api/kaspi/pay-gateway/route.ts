// GET /api/kaspi/pay-gateway — the first address of the check/pay endpoint, kept because Kaspi is
// configured with it on existing contracts; it is the same handler as /api/kaspi/checkpay.
export { GET } from "../checkpay/route";
