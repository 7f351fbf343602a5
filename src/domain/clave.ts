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
