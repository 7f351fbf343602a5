import { Field, Int, ObjectType, registerEnumType } from 'type-graphql';
import type { UserWarning } from '../../base/warnings';
import type { Shipment } from './order.types';

/** Why part of an order's approved remainder stayed behind when a shipment was sent from what is available. */
export enum ShortfallReason {
  /** The supplying CLUES holds no piece of the clave at all. */
  NO_STOCK = 'NO_STOCK',
  /** It holds pieces, but every one is in an expired lot. */
  ONLY_EXPIRED_STOCK = 'ONLY_EXPIRED_STOCK',
  /** Its usable pieces covered part of the remainder: they were all sent. */
  PARTIAL_STOCK = 'PARTIAL_STOCK',
  /** It holds pieces, but none usable and some in lots on hold (alerta sanitaria). */
  ONLY_HELD_STOCK = 'ONLY_HELD_STOCK',
}

registerEnumType(ShortfallReason, {
  name: 'ShortfallReason',
  description: 'Why approved pieces stayed behind: NO_STOCK (none at all), ONLY_EXPIRED_STOCK (only expired lots), PARTIAL_STOCK (every usable piece was sent), ONLY_HELD_STOCK (none usable, some in lots on hold after an alerta sanitaria).',
});

@ObjectType({ description: 'A clave of which a dispatch from what is available (fromAvailable) could not send the whole approved remainder.' })
export class DispatchShortfall {
  @Field()
  clave: string;

  @Field(() => Int, { description: 'The approved remainder the order still asked for (approved − accepted − in transit).' })
  requested: number;

  @Field(() => Int, { description: 'Pieces sent on this shipment (FEFO, usable lots only).' })
  sent: number;

  @Field(() => Int, { description: 'requested − sent: still to be sent on the order.' })
  left: number;

  @Field(() => ShortfallReason)
  reason: ShortfallReason;

  @Field({ description: 'The same in Spanish, for the person at the counter.' })
  message: string;
}

/** What a shipment mutation answers besides the shipment: what stayed behind (dispatch) and its warnings. */
export interface ShipmentResult {
  shipment: Shipment;
  leftBehind: DispatchShortfall[];
  warnings: UserWarning[];
}
