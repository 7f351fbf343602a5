import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import { DateScalar, DateTimeScalar } from '../../base/scalars';
import { UserError } from '../../base/errors';

@ObjectType({ description: 'A hold of a lot after an alerta sanitaria (COFEPRIS): its pieces are not usable where it reaches, until it is released. Never deleted.' })
export class LotHold {
  id: number;

  lotId: number;

  @Field(() => ID, { name: 'id' })
  get globalId(): string {
    return `LotHold:${this.id}`;
  }

  @Field()
  clave: string;

  @Field()
  lotNumber: string;

  @Field(() => DateScalar, { nullable: true })
  expiresOn: string | null;

  @Field(() => String, { nullable: true, description: 'The state it reaches (INEGI code); null: the whole network.' })
  stateCode: string | null;

  @Field({ description: 'Why, as the one who held it wrote it.' })
  reason: string;

  @Field({ description: 'The alert\'s reference (e.g. the COFEPRIS alert number).' })
  reference: string;

  @Field(() => DateTimeScalar)
  heldAt: Date;

  @Field()
  heldBy: string;

  @Field({ description: 'The lot\'s last ledger movement when the hold took its balances: every movement after it that used held pieces would be a hole (there is none).' })
  ledgerMark: string;

  @Field(() => DateTimeScalar, { nullable: true })
  releasedAt: Date | null;

  @Field(() => String, { nullable: true })
  releasedBy: string | null;

  @Field(() => String, { nullable: true })
  releaseReason: string | null;
}

@ObjectType({ description: 'A location that still has pieces of a held lot, on the shelf or on the road to it: who must act.' })
export class LotHolder {
  @Field()
  clues: string;

  @Field()
  name: string;

  @Field()
  stateCode: string;

  @Field(() => Int, { description: 'Pieces of the lot it holds (held: not usable).' })
  onHand: number;

  @Field(() => Int, { description: 'Pieces of the lot on shipments to it not yet received (it may reject them as RECALLED).' })
  inTransit: number;
}

@ObjectType({ description: 'A held lot at one location, with its pieces and why.' })
export class HeldLot {
  @Field()
  clave: string;

  @Field()
  description: string;

  @Field()
  lotNumber: string;

  @Field(() => DateScalar, { nullable: true })
  expiresOn: string | null;

  @Field(() => Int)
  pieces: number;

  @Field()
  reference: string;

  @Field()
  reason: string;

  @Field(() => DateTimeScalar)
  heldAt: Date;

  @Field(() => String, { nullable: true })
  stateCode: string | null;
}

@InputType({ description: 'Holds a lot: central for the network (or one state); a state coordinator for its state.' })
export class LotHoldSetInput {
  @Field()
  idempotencyKey: string;

  @Field()
  clave: string;

  @Field()
  lotNumber: string;

  @Field({ description: 'Why (required).' })
  reason: string;

  @Field({ description: 'The alert\'s reference, e.g. the COFEPRIS alert number (required).' })
  reference: string;

  @Field(() => String, { nullable: true, description: 'Hold it in one state only; a coordinator\'s hold is always its state\'s.' })
  stateCode?: string | null;
}

@InputType({ description: 'Releases the open hold of a lot in the caller\'s reach (the network, or a state).' })
export class LotHoldReleaseInput {
  @Field()
  idempotencyKey: string;

  @Field()
  clave: string;

  @Field()
  lotNumber: string;

  @Field({ description: 'Why it is released (required), e.g. the alert was lifted.' })
  reason: string;

  @Field(() => String, { nullable: true })
  stateCode?: string | null;
}

@ObjectType()
export class LotHoldPayload {
  @Field(() => LotHold, { nullable: true })
  hold: LotHold | null;

  @Field(() => [UserError])
  userErrors: UserError[];
}

@ObjectType({ description: 'A lot on a shipment that is on hold where the shipment goes: the receiving unit may reject it as RECALLED.' })
export class LotRecallNotice {
  @Field()
  clave: string;

  @Field()
  lotNumber: string;

  @Field(() => Int, { description: 'Pieces of the lot on the shipment.' })
  quantity: number;

  @Field({ description: 'The alert\'s reference.' })
  reference: string;

  @Field()
  reason: string;
}
