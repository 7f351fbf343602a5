import { Field, ID, ObjectType } from 'type-graphql';
import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { WarehouseTier } from '../../domain/enums';
import { Node, toGlobalId } from '../../base/node';
import type { Establishment } from './establishment.entity';

@ObjectType({
  implements: Node,
  description: 'The distribution role of an establishment (almacén): its tier and the establishments it supplies.',
})
@Entity('warehouse')
export class Warehouse implements Node {
  @PrimaryGeneratedColumn({ name: 'id' })
  pk: number;

  @Column({ name: 'establishment_id' })
  establishmentId: number;

  /** Loaded with the row (a join), so `clues` and the global ID need no extra query. */
  @Field({ description: 'CLUES of the warehouse establishment.' })
  clues: string;

  /** Its establishment, when the statement that read the warehouse joined it. */
  loadedEstablishment?: Establishment;

  @Field(() => ID, { description: 'Opaque global ID.' })
  get id(): string {
    return toGlobalId('Warehouse', this.clues);
  }

  @Field(() => WarehouseTier)
  @Column({ type: 'text' })
  tier: WarehouseTier;
}

@Entity('sai_status_change')
export class SaiStatusChange {
  @PrimaryGeneratedColumn({ name: 'id' })
  pk: number;

  @Column({ name: 'establishment_id' })
  establishmentId: number;

  @Column({ type: 'text' })
  status: string;

  @Column({ name: 'effective_on', type: 'date' })
  effectiveOn: string;

  @Column({ name: 'recorded_at', type: 'timestamptz', insert: false, update: false })
  recordedAt: Date;

  @Column({ type: 'text', nullable: true })
  actor: string | null;
}
