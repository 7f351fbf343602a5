import { Field, Float, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { StockStatus } from '../../domain/stock';
import { CpmSource, RejectionReason } from '../../domain/enums';
import { Node, toGlobalId } from '../../base/node';
import { DateScalar, DateTimeScalar } from '../../base/scalars';

export enum MovementKind {
  RECEIPT = 'RECEIPT',
  DISPATCH = 'DISPATCH',
  TRANSFER_IN = 'TRANSFER_IN',
  DISPENSE = 'DISPENSE',
  CONSUMPTION = 'CONSUMPTION',
  ADJUSTMENT = 'ADJUSTMENT',
  COUNT_CORRECTION = 'COUNT_CORRECTION',
  EXPIRY_WRITE_OFF = 'EXPIRY_WRITE_OFF',
  REVERSAL = 'REVERSAL',
}

export enum ReceiptSource {
  PURCHASE = 'PURCHASE',
  DONATION = 'DONATION',
  RETURN = 'RETURN',
  OTHER = 'OTHER',
}

export { RejectionReason };

export enum AdjustmentReason {
  DAMAGE = 'DAMAGE',
  LOSS = 'LOSS',
  THEFT = 'THEFT',
  FOUND = 'FOUND',
  RECLASSIFICATION = 'RECLASSIFICATION',
  OTHER = 'OTHER',
  /** Pieces of a lot on hold returned to the supplier (issue 21). */
  RECALL_RETURN = 'RECALL_RETURN',
  /** Pieces of a lot on hold destroyed (issue 21). */
  RECALL_DESTRUCTION = 'RECALL_DESTRUCTION',
}

/** How an adjustment's reason reads in a Spanish message. */
export const ADJUSTMENT_REASON_LABEL: Readonly<Record<AdjustmentReason, string>> = {
  DAMAGE: 'daño',
  LOSS: 'pérdida',
  THEFT: 'robo',
  FOUND: 'piezas encontradas',
  RECLASSIFICATION: 'reclasificación',
  OTHER: 'otro motivo',
  RECALL_RETURN: 'devolución al proveedor por alerta sanitaria',
  RECALL_DESTRUCTION: 'destrucción por alerta sanitaria',
};

registerEnumType(MovementKind, { name: 'MovementKind', description: 'What moved the pieces.' });
registerEnumType(ReceiptSource, { name: 'ReceiptSource', description: 'Where received pieces come from.' });
registerEnumType(AdjustmentReason, { name: 'AdjustmentReason', description: 'Why stock was adjusted by hand.' });
registerEnumType(StockStatus, {
  name: 'StockStatus',
  description: 'STOCKED_OUT: no usable piece; UNDERSTOCKED / ADEQUATE / OVERSTOCKED against the months-of-stock band; NO_CPM: no CPM to judge by.',
});

export { DateTimeScalar };

/** A stock level's global id: its location × clave (a CLUES holds no ':', so the key splits at the first one). */
export const stockLevelId = (clues: string, clave: string): string => toGlobalId('StockLevel', `${clues}:${clave}`);

@ObjectType({ implements: Node, description: 'One entry of the append-only stock ledger (movimiento de inventario).' })
export class StockMovement implements Node {
  /** Numeric id, as text (bigint). */
  pk: string;
  establishmentId: number;
  supplyItemId: number;
  reversesPk: string | null;
  reversedByPk: string | null;

  @Field(() => ID)
  get id(): string {
    return toGlobalId('StockMovement', this.pk);
  }

  @Field({ description: 'CLUES of the location whose stock moved.' })
  clues: string;

  @Field()
  clave: string;

  @Field()
  lotNumber: string;

  @Field(() => DateScalar, { nullable: true })
  expiresOn: string | null;

  @Field(() => Int, { description: 'Signed pieces: positive in, negative out.' })
  quantity: number;

  @Field(() => MovementKind)
  kind: MovementKind;

  @Field(() => String, { nullable: true, description: 'Reason code (receipt source, adjustment reason, reversal reason…).' })
  reason: string | null;

  @Field(() => String, { nullable: true })
  note: string | null;

  @Field(() => String, { nullable: true, description: 'Reference document: supplier document, count sheet, folio…' })
  document: string | null;

  @Field(() => DateTimeScalar, { description: 'Business time: when it happened (may be back-dated).' })
  occurredAt: Date;

  @Field(() => DateTimeScalar, { description: 'When it was recorded.' })
  recordedAt: Date;

  @Field({ description: 'Who recorded it (token subject).' })
  actor: string;

  @Field({ description: 'The idempotency key of the request that wrote it.' })
  idempotencyKey: string;

  @Field(() => ID, { nullable: true, description: 'The movement this reversal undoes.', deprecationReason: 'Use reversesMovement (its id is reversesMovement { id }).' })
  get reverses(): string | null {
    return this.reversesPk ? toGlobalId('StockMovement', this.reversesPk) : null;
  }

  @Field(() => ID, { nullable: true, description: 'The reversal that undid this movement, if any.', deprecationReason: 'Use reversedByMovement (its id is reversedByMovement { id }).' })
  get reversedBy(): string | null {
    return this.reversedByPk ? toGlobalId('StockMovement', this.reversedByPk) : null;
  }
}

@ObjectType({ description: 'Pieces of one lot at a location.' })
export class LotLevel {
  @Field()
  lotNumber: string;

  @Field(() => DateScalar, { nullable: true, description: 'Expiry date (caducidad); null when the lot does not expire.' })
  expiresOn: string | null;

  @Field(() => Int)
  quantity: number;

  @Field({ description: 'Whether the lot has expired today (its pieces count as zero usable).' })
  expired: boolean;

  @Field({ description: 'Whether the lot is on hold here after an alerta sanitaria (its pieces count as zero usable; see heldLots for the alert).' })
  held: boolean;
}

@ObjectType({
  implements: Node,
  description:
    'Stock of one clave at one location, with the inputs of every computed figure: usable = pieces in lots not expired today; ' +
    'monthsOfStock = usable / cpm; status from monthsOfStock against minMonths–maxMonths. ' +
    'Its id is the location × clave: `node(id:)` reads it again at today’s date.',
})
export class StockLevel implements Node {
  establishmentId: number;
  supplyItemId: number;
  /** The location's CLUES (set by whoever reads the level: the page statement knows the location by id). */
  clues: string;
  /** Its lots, when the page's statement read them (undefined: not read). */
  loadedLots?: LotLevel[];

  @Field(() => ID)
  get id(): string {
    return stockLevelId(this.clues, this.clave);
  }

  @Field()
  clave: string;

  @Field(() => Int, { description: 'All pieces on the shelf, expired included.' })
  onHand: number;

  @Field(() => Int, { description: 'Pieces in lots whose expiry is today or later (or none) and that are not on hold.' })
  usable: number;

  @Field(() => Int, { description: 'Pieces in expired lots not on hold (not usable).' })
  expired: number;

  @Field(() => Int, { description: 'Pieces in lots on hold after an alerta sanitaria (not usable, whether expired or not): onHand = usable + expired + held.' })
  held: number;

  @Field(() => Int, { description: 'Pieces dispatched to this location and not yet received.' })
  inTransit: number;

  @Field(() => Int, { description: 'Pieces approved on open replenishment orders to this location and not yet dispatched (approved − dispatched).' })
  pendingIn: number;

  @Field(() => Int, { description: 'Pieces approved on open replenishment orders supplied by this location and not yet dispatched.' })
  pendingOut: number;

  @Field(() => Int, { nullable: true, description: 'Consumo promedio mensual used for the figures below (null: none yet).' })
  cpm: number | null;

  @Field(() => CpmSource, { nullable: true, description: 'Where the CPM comes from: RATIFIED (the year’s ratified submission) or CALCULATED (the latest stored calculation).' })
  cpmSource: CpmSource | null;

  @Field(() => Float, { nullable: true, description: 'usable / cpm (null without a CPM or with a CPM of 0).' })
  monthsOfStock: number | null;

  @Field(() => Float, { description: 'Minimum months of stock for this location (units 1, warehouses 2 by default).' })
  minMonths: number;

  @Field(() => Float, { description: 'Maximum months of stock for this location (units 3, warehouses 6 by default).' })
  maxMonths: number;

  @Field(() => StockStatus)
  status: StockStatus;

  @Field(() => Int, {
    nullable: true,
    description:
      'Suggested replenishment (SPEC §4): max(0, ⌈cpm × maxMonths⌉ − usable − inTransit − pendingIn); null without a CPM. suggestedOrder offers it for the claves authorised for the location.',
  })
  suggestedQuantity: number | null;

  @Field(() => DateScalar, { description: 'Day the figures are taken at (today in Mexico City).' })
  asOf: string;
}

@ObjectType({ description: 'A balance that does not equal the sum of its ledger movements.' })
export class LedgerMismatch {
  @Field()
  clues: string;

  @Field()
  clave: string;

  @Field()
  lotNumber: string;

  @Field(() => Int)
  balance: number;

  @Field(() => Int)
  ledgerSum: number;
}

@ObjectType({ description: 'Every balance compared with the sum of its movements.' })
export class LedgerCheck {
  @Field(() => Int, { description: 'Balances (location × lot) compared.' })
  checked: number;

  @Field(() => [LedgerMismatch])
  mismatches: LedgerMismatch[];
}

@ObjectType({ description: 'One line of a receipt: a lot, the pieces accepted into stock and those rejected.' })
export class ReceiptLine {
  @Field(() => Int)
  line: number;

  @Field()
  clave: string;

  @Field()
  lotNumber: string;

  @Field(() => DateScalar, { nullable: true })
  expiresOn: string | null;

  @Field(() => Int)
  acceptedQuantity: number;

  @Field(() => Int)
  rejectedQuantity: number;

  @Field(() => RejectionReason, { nullable: true })
  rejectionReason: RejectionReason | null;
}

@ObjectType({ implements: Node, description: 'A receipt (entrada): the document received pieces are traceable to.' })
export class Receipt implements Node {
  pk: number;

  @Field(() => ID)
  get id(): string {
    return toGlobalId('Receipt', this.pk);
  }

  @Field()
  clues: string;

  @Field(() => ReceiptSource)
  source: ReceiptSource;

  @Field(() => String, { nullable: true })
  supplierDocument: string | null;

  @Field(() => String, { nullable: true, description: 'Order (orden de suministro) the pieces arrive against.' })
  orderNumber: string | null;

  @Field(() => DateTimeScalar)
  receivedAt: Date;

  @Field(() => DateTimeScalar)
  recordedAt: Date;

  @Field()
  actor: string;

  @Field(() => [ReceiptLine])
  lines: ReceiptLine[];
}
