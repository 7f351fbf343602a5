import { SupplyKind } from './enums';

/**
 * A Compendio Nacional de Insumos key: GGG.GGG.GGGG.VV, e.g. 010.000.0104.00.
 * The first group tells the kind: 010 medicines, 060 healing material (material de curación).
 */
export const CLAVE_PATTERN = /^[0-9]{3}\.[0-9]{3}\.[0-9]{4}\.[0-9]{2}$/;

export function isClaveFormat(value: string): boolean {
  return CLAVE_PATTERN.test(value);
}

/** The kind a clave's group suggests, or undefined when the group says nothing. */
export function kindOfClaveGroup(clave: string): SupplyKind | undefined {
  switch (clave.slice(0, 3)) {
    case '010':
      return SupplyKind.MEDICINE;
    case '060':
      return SupplyKind.HEALING_MATERIAL;
    default:
      return undefined;
  }
}

/**
 * How long the catalogue's texts may be: as long as the Compendio's own (the longest medicine
 * description, name, form and formula together, is 1,712 characters), with room to spare. The database
 * checks the same limits (migrations/1765200000000-CatalogueAsPublished.ts).
 */
export const CATALOGUE_TEXT_LIMITS = { description: 4000, presentation: 2000, name: 500 } as const;

/** Why a text is not a clave, in words a person can act on (the Compendio export has 040.000.3305.0). */
export function claveProblem(value: string): string {
  if (value === '') return 'falta la clave';
  const groups = value.split('.');
  const sizes = [3, 3, 4, 2];
  if (groups.length === 4 && groups.every((g) => /^[0-9]+$/.test(g))) {
    const wrong = groups.findIndex((g, i) => g.length !== sizes[i]);
    if (wrong >= 0) {
      const names = ['primer', 'segundo', 'tercer', 'último'];
      return `el ${names[wrong]} grupo tiene ${groups[wrong].length} dígitos y debe tener ${sizes[wrong]}; se espera GGG.GGG.GGGG.VV, p. ej. 010.000.0104.00`;
    }
  }
  return 'formato inválido; se espera GGG.GGG.GGGG.VV, p. ej. 010.000.0104.00';
}
