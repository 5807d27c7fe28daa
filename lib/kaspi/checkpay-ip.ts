// The check/pay protocol carries no signature: the caller's address is the only guard. The
// address rules live in lib/http/ip-list.ts, shared with every other per-address decision.
export { addressList, clientAddress, inList } from "../http/ip-list";
