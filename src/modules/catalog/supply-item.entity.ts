import { Field, ID, Int, ObjectType } from 'type-graphql';
import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { LevelOfCare, SupplyKind } from '../../domain/enums';
import { Node, toGlobalId } from '../../base/node';

@ObjectType({
  implements: Node,
  description: 'One clave of the Compendio Nacional de Insumos para la Salud: a medicine, healing material, vaccine or other supply.',
})
@Entity('supply_item')
export class SupplyItem implements Node {
  @PrimaryGeneratedColumn({ name: 'id' })
  pk: number;

  @Field(() => ID, { description: 'Opaque global ID.' })
  get id(): string {
    return toGlobalId('SupplyItem', this.clave);
  }

  @Field({ description: 'Compendio key GGG.GGG.GGGG.VV, e.g. 010.000.0104.00.' })
  @Column({ type: 'char', length: 15, unique: true })
  clave: string;

  @Field()
  @Column()
  description: string;

  @Field(() => String, { nullable: true, description: 'Generic name (nombre genérico) as the Compendio gives it, e.g. "Paracetamol"; null when the catalogue was loaded from a file without it.' })
  @Column({ name: 'generic_name', type: 'text', nullable: true })
  genericName: string | null;

  @Field(() => String, { nullable: true, description: 'Pharmaceutical form (forma farmacéutica) as the Compendio gives it, e.g. "Tableta".' })
  @Column({ name: 'pharmaceutical_form', type: 'text', nullable: true })
  pharmaceuticalForm: string | null;

  @Field(() => [String], { description: 'Every therapeutic group (grupo terapéutico) the Compendio lists the clave under, in the order it does.' })
  @Column({ name: 'therapeutic_groups', type: 'text', array: true })
  therapeuticGroups: string[];

  @Field(() => SupplyKind)
  @Column({ type: 'text' })
  kind: SupplyKind;

  @Field(() => String, { nullable: true, description: 'Presentation (presentación), e.g. "Envase con 10 tabletas".' })
  @Column({ type: 'text', nullable: true })
  presentation: string | null;

  @Field(() => Int, { description: 'Pieces in one package (piezas por envase).' })
  @Column({ name: 'pieces_per_package', type: 'integer' })
  piecesPerPackage: number;

  @Field({ description: 'High-cost medicine (alto costo, FONSABI).' })
  @Column({ name: 'high_cost' })
  highCost: boolean;

  @Field({ description: 'Needs the cold chain (red fría).' })
  @Column({ name: 'cold_chain' })
  coldChain: boolean;

  @Field(() => [LevelOfCare], { description: 'Levels of care the clave is authorised for.' })
  @Column({ name: 'authorized_levels', type: 'text', array: true })
  authorizedLevels: LevelOfCare[];

  @Field(() => [String], {
    description: 'DGIS typology codes (CLAVE DE TIPOLOGIA, e.g. CSR) the clave is authorised for besides its levels: the institution\'s list of claves by typology.',
  })
  @Column({ name: 'authorized_typologies', type: 'text', array: true })
  authorizedTypologies: string[];

  @Field(() => Int, { nullable: true, description: 'First year of the authorisation (null: since always).' })
  @Column({ name: 'authorized_from_year', type: 'smallint', nullable: true })
  authorizedFromYear: number | null;

  @Field(() => Int, { nullable: true, description: 'Last year of the authorisation (null: still authorised).' })
  @Column({ name: 'authorized_to_year', type: 'smallint', nullable: true })
  authorizedToYear: number | null;

  @Column({ name: 'updated_at', type: 'timestamptz', insert: false })
  updatedAt: Date;
}
