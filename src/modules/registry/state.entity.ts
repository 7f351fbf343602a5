import { Field, ID, ObjectType } from 'type-graphql';
import { Column, Entity, PrimaryColumn } from 'typeorm';
import { DateScalar } from '../../base/scalars';
import { Node, toGlobalId } from '../../base/node';
import { STATES as STATE_RECORDS } from '../../domain/states';

@ObjectType({ implements: Node, description: 'A federal entity (entidad federativa).' })
@Entity('state')
export class State implements Node {
  @Field(() => ID, { description: 'Opaque global ID.' })
  get id(): string {
    return toGlobalId('State', this.code);
  }

  @Field({ description: 'INEGI code, 01–32.' })
  @PrimaryColumn({ type: 'char', length: 2 })
  code: string;

  @Field()
  @Column()
  name: string;

  @Field({ description: 'The two letters every CLUES of this state starts with.' })
  @Column({ name: 'clues_prefix', type: 'char', length: 2 })
  cluesPrefix: string;

  @Field(() => DateScalar, {
    nullable: true,
    description: 'Date by which the state federalized its health services into IMSS-BIENESTAR (null if it has not).',
  })
  @Column({ name: 'federalized_by', type: 'date', nullable: true })
  federalizedBy: string | null;

  @Field(() => String, { nullable: true, description: 'Federalization wave, e.g. 2022 or 2023-Q2.' })
  @Column({ name: 'federalization_wave', type: 'text', nullable: true })
  federalizationWave: string | null;
}

/**
 * The 32 states as objects, from the reference data every database is migrated with (domain/states,
 * data/states.csv; a test keeps the table equal to it): a state is never read from the database.
 */
const STATES = new Map(STATE_RECORDS.map((s) => [s.code, Object.assign(new State(), s)]));

export function stateOf(code: string): State | null {
  return STATES.get(code) ?? null;
}

export function allStates(): State[] {
  return [...STATES.values()];
}
