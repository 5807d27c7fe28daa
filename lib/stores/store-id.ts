// Which store a row or a request belongs to (prisma/schema.prisma, model Store). "default" is the
// store the environment configures (BITRIX_*, KASPI_*): every row written before stores existed
// belongs to it (the migration's column default), and a deployment that never adds a store keeps
// working unchanged.

export const DEFAULT_STORE_ID = "default";

/** The store a use case works in: its deps' storeId, or the environment's store. */
export function storeOf(deps: { storeId?: string }): string {
  return deps.storeId ?? DEFAULT_STORE_ID;
}
