import { Field, ID, Float, ObjectType } from 'type-graphql';
import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { EstablishmentKind, LevelOfCare, SaiStatus } from '../../domain/enums';
import { Node, toGlobalId } from '../../base/node';
import { DateScalar, DateTimeScalar } from '../../base/scalars';
import type { Warehouse } from './warehouse.entity';
import { State, stateOf } from './state.entity';

const decimal = { to: (v: number | null) => v, from: (v: string | null) => (v === null ? null : Number(v)) };

@ObjectType({ description: 'Typology of an establishment as DGIS classifies it (e.g. ALM almacén, UMM unidad móvil).' })
export class Typology {
  @Field()
  code: string;

  @Field(() => String, { nullable: true })
  name: string | null;
}

@ObjectType({ description: 'One change of an establishment\'s SAI rollout status, in force from a day on.' })
export class SaiStatusChange {
  @Field(() => SaiStatus)
  status: SaiStatus;

  @Field(() => DateScalar)
  effectiveOn: string;

  @Field(() => DateTimeScalar, { description: 'When it was recorded.' })
  recordedAt: Date;

  @Field(() => String, {
    nullable: true,
    description: "Who recorded it (token subject, or the importer): shown to national roles and to the state's coordinator; null for everyone else.",
  })
  actor: string | null;
}

@ObjectType({
  implements: Node,
  description: 'A health establishment identified by its CLUES: a unit that treats patients, a mobile unit, or a support establishment such as a warehouse (almacén).',
})
@Entity('establishment')
export class Establishment implements Node {
  @PrimaryGeneratedColumn({ name: 'id' })
  pk: number;

  @Field(() => ID, { description: 'Opaque global ID.' })
  get id(): string {
    return toGlobalId('Establishment', this.clues);
  }

  @Field({ description: 'Clave Única de Establecimientos de Salud, e.g. DFSSA004936.' })
  @Column({ type: 'char', length: 11, unique: true })
  clues: string;

  @Field()
  @Column()
  name: string;

  @Column({ name: 'state_code', type: 'char', length: 2 })
  stateCode: string;

  @Field(() => State, { description: 'Its federal entity (from its CLUES prefix).' })
  get state(): State {
    return stateOf(this.stateCode)!;
  }

  @Field({ description: 'Institution code inside the CLUES (SSA, IMB…).' })
  @Column({ name: 'institution_code', type: 'char', length: 3, insert: false, update: false })
  institutionCode: string;

  @Field(() => String, { nullable: true, description: 'Municipio.' })
  @Column({ type: 'text', nullable: true })
  municipality: string | null;

  @Field(() => String, { nullable: true, description: 'Localidad (DGIS LOCALIDAD).' })
  @Column({ type: 'text', nullable: true })
  locality: string | null;

  @Field(() => String, { nullable: true, description: 'Jurisdicción sanitaria.' })
  @Column({ type: 'text', nullable: true })
  jurisdiction: string | null;

  @Field(() => String, { nullable: true, description: 'DGIS "nombre tipo establecimiento", e.g. DE CONSULTA EXTERNA.' })
  @Column({ name: 'establishment_type', type: 'text', nullable: true })
  establishmentType: string | null;

  @Field(() => EstablishmentKind)
  @Column({ type: 'text' })
  kind: EstablishmentKind;

  @Field(() => LevelOfCare, { nullable: true, description: 'Level of care; null for mobile and support establishments.' })
  @Column({ name: 'level_of_care', type: 'text', nullable: true })
  levelOfCare: LevelOfCare | null;

  @Column({ name: 'typology_code', type: 'text', nullable: true })
  typologyCode: string | null;

  @Column({ name: 'typology_name', type: 'text', nullable: true })
  typologyName: string | null;

  @Field(() => Typology, { nullable: true })
  get typology(): Typology | null {
    return this.typologyCode ? { code: this.typologyCode, name: this.typologyName } : null;
  }

  @Field({ description: 'Whether the establishment is in operation (en operación).' })
  @Column()
  operating: boolean;

  @Field(() => DateScalar, {
    nullable: true,
    description: 'Date DGIS created this CLUES (FECHA ULTIMO MOVIMIENTO of its ALTA): it does not exist before. Null when the catalogue does not say.',
  })
  @Column({ name: 'operating_since', type: 'date', nullable: true })
  operatingSince: string | null;

  @Field(() => DateScalar, {
    nullable: true,
    description: 'Date DGIS closed this CLUES (FECHA EFECTIVA DE BAJA): it operated until the day before. Null while it operates.',
  })
  @Column({ name: 'closed_on', type: 'date', nullable: true })
  closedOn: string | null;

  @Column({ name: 'closure_reason', type: 'text', nullable: true })
  closureReason: string | null;

  @Field({ description: 'Whether the establishment belongs to the IMSS-BIENESTAR network.' })
  @Column({ name: 'in_network' })
  inNetwork: boolean;

  @Field(() => DateScalar, {
    nullable: true,
    description: "Date it passed to IMSS-BIENESTAR; defaults to its state's federalization date.",
  })
  @Column({ name: 'in_network_since', type: 'date', nullable: true })
  inNetworkSince: string | null;

  @Column({ name: 'supplying_warehouse_id', type: 'integer', nullable: true })
  supplyingWarehouseId: number | null;

  /** Its supplying warehouse, when a list read it in the same statement (undefined: not read). */
  loadedSupplyingWarehouse?: Warehouse | null;

  @Field(() => Float, { nullable: true })
  @Column({ type: 'numeric', precision: 9, scale: 6, nullable: true, transformer: decimal })
  latitude: number | null;

  @Field(() => Float, { nullable: true })
  @Column({ type: 'numeric', precision: 9, scale: 6, nullable: true, transformer: decimal })
  longitude: number | null;

  @Column({ name: 'created_at', type: 'timestamptz', insert: false, update: false })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', insert: false })
  updatedAt: Date;
}
