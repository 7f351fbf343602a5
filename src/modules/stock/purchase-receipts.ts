import { EntityManager } from 'typeorm';

/**
 * What a receipt against a PURCHASE order does to that order. The orders module owns it
 * (src/modules/orders/purchase-receipt.ts registers it at start-up), so the ledger never imports orders.
 */
export interface PurchaseReceiptPolicy {
  /** In the receipt's transaction: checks the order (open, this CLUES's, its claves, its remainder), counts the lines on it, returns its id. */
  apply(
    em: EntityManager,
    orderNumber: string,
    establishmentId: number,
    /** `index`: the line's place in the receipt's input, for the field of its error (default: its place here). */
    lines: Array<{ supplyItemId: number; clave: string; acceptedQuantity: number; rejectedQuantity: number; index?: number }>,
  ): Promise<number>;
  /** Once the receipt is recorded: the order's status and its fill-rate rollup. */
  after(em: EntityManager, orderId: number): Promise<void>;
}

let registered: PurchaseReceiptPolicy | null = null;

export function registerPurchaseReceipts(policy: PurchaseReceiptPolicy): void {
  registered = policy;
}

export function purchaseReceipts(): PurchaseReceiptPolicy {
  if (!registered) throw new Error('No purchase-receipt policy is registered: import src/modules/orders/purchase-receipt (the schema does).');
  return registered;
}
