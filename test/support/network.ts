import { TestApi } from './api';
import { Role } from '../../src/domain/enums';

/**
 * A small network built through the API, small enough to count by hand:
 *
 *   DFSSA004936  Almacén central           SUPPORT  CENTRAL warehouse
 *   GRSSA000010  Almacén Estatal Guerrero  SUPPORT  STATE warehouse, supplied by DFSSA004936
 *   GRSSA000001  Centro de Salud Tixtla    FIXED FIRST     → GRSSA000010
 *   GRSSA000002  Hospital General Iguala   FIXED SECOND    → GRSSA000010
 *   GRSSA000003  Unidad Médica Móvil Ñuu   MOBILE          → GRSSA000010
 *   GRIMB000004  UMR Cochoapa (fuera de operación) FIXED FIRST
 *   OCSSA000001  Centro de Salud Etla      FIXED FIRST
 *   OCSSA000002  Hospital de Especialidades Oaxaca FIXED THIRD
 *   JCSSA000001  Centro de Salud Tonalá    FIXED FIRST, not in the network (Jalisco did not federalize)
 */
export const NETWORK_SIZE = 9;

const UPSERT = `mutation($i: EstablishmentUpsertInput!) {
  establishmentUpsert(input: $i) { establishment { clues } userErrors { code field message } } }`;
const WAREHOUSE = `mutation($i: WarehouseUpsertInput!) {
  warehouseUpsert(input: $i) { warehouse { clues } userErrors { code field message } } }`;

export async function buildNetwork(api: TestApi): Promise<void> {
  const admin = await api.token(Role.ADMIN);
  const est = async (i: Record<string, unknown>) => {
    const r = await api.gql(UPSERT, { i }, admin);
    if (r.errors || r.data.establishmentUpsert.userErrors.length) throw new Error(JSON.stringify(r));
  };
  const wh = async (i: Record<string, unknown>) => {
    const r = await api.gql(WAREHOUSE, { i }, admin);
    if (r.errors || r.data.warehouseUpsert.userErrors.length) throw new Error(JSON.stringify(r));
  };
  await est({ clues: 'DFSSA004936', name: 'Almacén central', kind: 'SUPPORT', typologyCode: 'ALM', typologyName: 'ALMACEN' });
  await wh({ clues: 'DFSSA004936', tier: 'CENTRAL' });
  await est({ clues: 'GRSSA000010', name: 'Almacén Estatal Guerrero', kind: 'SUPPORT', supplyingWarehouseClues: 'DFSSA004936' });
  await wh({ clues: 'GRSSA000010', tier: 'STATE' });
  await est({ clues: 'GRSSA000001', name: 'Centro de Salud Tixtla', kind: 'FIXED', levelOfCare: 'FIRST', municipality: 'Tixtla de Guerrero', jurisdiction: 'CENTRO', supplyingWarehouseClues: 'GRSSA000010' });
  await est({ clues: 'GRSSA000002', name: 'Hospital General Iguala', kind: 'FIXED', levelOfCare: 'SECOND', supplyingWarehouseClues: 'GRSSA000010' });
  await est({ clues: 'GRSSA000003', name: 'Unidad Médica Móvil Ñuu Savi', kind: 'MOBILE', typologyCode: 'UMM', typologyName: 'UNIDAD MOVIL', supplyingWarehouseClues: 'GRSSA000010' });
  await est({ clues: 'GRIMB000004', name: 'UMR Cochoapa', kind: 'FIXED', levelOfCare: 'FIRST', operating: false });
  await est({ clues: 'OCSSA000001', name: 'Centro de Salud Etla', kind: 'FIXED', levelOfCare: 'FIRST' });
  await est({ clues: 'OCSSA000002', name: 'Hospital de Especialidades Oaxaca', kind: 'FIXED', levelOfCare: 'THIRD' });
  await est({ clues: 'JCSSA000001', name: 'Centro de Salud Tonalá', kind: 'FIXED', levelOfCare: 'FIRST', inNetwork: false });
}

/** Claves for stock tests: a first-level medicine, a high-cost one, and healing material without expiry. */
export const CLAVES = {
  paracetamol: '010.000.0104.00',
  trastuzumab: '010.000.5432.00',
  gasa: '060.066.0028.00',
};

export async function addClaves(api: TestApi): Promise<void> {
  const central = await api.token(Role.CENTRAL);
  const items = [
    { clave: CLAVES.paracetamol, description: 'Paracetamol. Tableta 500 mg', kind: 'MEDICINE', piecesPerPackage: 10, authorizedLevels: ['FIRST', 'SECOND', 'THIRD'] },
    { clave: CLAVES.trastuzumab, description: 'Trastuzumab 440 mg', kind: 'MEDICINE', highCost: true, coldChain: true, authorizedLevels: ['THIRD'] },
    { clave: CLAVES.gasa, description: 'Gasa 10 x 10 cm', kind: 'HEALING_MATERIAL', authorizedLevels: ['FIRST', 'SECOND', 'THIRD'] },
  ];
  for (const i of items) {
    const r = await api.gql(`mutation($i: SupplyItemUpsertInput!) { supplyItemUpsert(input: $i) { userErrors { code } } }`, { i }, central);
    if (r.errors || r.data.supplyItemUpsert.userErrors.length) throw new Error(JSON.stringify(r));
  }
}
