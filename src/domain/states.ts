/**
 * The 32 federal entities with their INEGI code, CLUES prefix and the date by which they had
 * federalized their health services into IMSS-BIENESTAR (null for the 9 that had not by 2023).
 * Source: data/states.csv (copied from the official documents); a test keeps the two equal.
 */
export interface StateRecord {
  code: string;
  name: string;
  cluesPrefix: string;
  federalizedBy: string | null;
  federalizationWave: string | null;
}

const rows: Array<[string, string, string, string | null, string | null]> = [
  ['01', 'Aguascalientes', 'AS', null, null],
  ['02', 'Baja California', 'BC', '2023-12-31', '2023-Q4'],
  ['03', 'Baja California Sur', 'BS', '2022-12-31', '2022'],
  ['04', 'Campeche', 'CC', '2022-12-31', '2022'],
  ['05', 'Coahuila de Zaragoza', 'CL', null, null],
  ['06', 'Colima', 'CM', '2022-12-31', '2022'],
  ['07', 'Chiapas', 'CS', '2023-12-31', '2023-Q4'],
  ['08', 'Chihuahua', 'CH', null, null],
  ['09', 'Ciudad de México', 'DF', '2023-06-30', '2023-Q2'],
  ['10', 'Durango', 'DG', null, null],
  ['11', 'Guanajuato', 'GT', null, null],
  ['12', 'Guerrero', 'GR', '2022-12-31', '2022'],
  ['13', 'Hidalgo', 'HG', '2023-06-30', '2023-Q2'],
  ['14', 'Jalisco', 'JC', null, null],
  ['15', 'México', 'MC', '2023-12-31', '2023-Q4'],
  ['16', 'Michoacán de Ocampo', 'MN', '2023-03-31', '2023-Q1'],
  ['17', 'Morelos', 'MS', '2023-03-31', '2023-Q1'],
  ['18', 'Nayarit', 'NT', '2022-12-31', '2022'],
  ['19', 'Nuevo León', 'NL', null, null],
  ['20', 'Oaxaca', 'OC', '2023-06-30', '2023-Q2'],
  ['21', 'Puebla', 'PL', '2023-12-31', '2023-Q4'],
  ['22', 'Querétaro', 'QT', null, null],
  ['23', 'Quintana Roo', 'QR', '2023-06-30', '2023-Q2'],
  ['24', 'San Luis Potosí', 'SP', '2023-06-30', '2023-Q2'],
  ['25', 'Sinaloa', 'SL', '2022-12-31', '2022'],
  ['26', 'Sonora', 'SR', '2022-12-31', '2022'],
  ['27', 'Tabasco', 'TC', '2023-12-31', '2023-Q4'],
  ['28', 'Tamaulipas', 'TS', '2023-06-30', '2023-Q2'],
  ['29', 'Tlaxcala', 'TL', '2022-12-31', '2022'],
  ['30', 'Veracruz de Ignacio de la Llave', 'VZ', '2022-12-31', '2022'],
  ['31', 'Yucatán', 'YN', null, null],
  ['32', 'Zacatecas', 'ZS', '2023-06-30', '2023-Q2'],
];

export const STATES: readonly StateRecord[] = rows.map(([code, name, cluesPrefix, federalizedBy, federalizationWave]) => ({
  code,
  name,
  cluesPrefix,
  federalizedBy,
  federalizationWave,
}));

const byPrefix = new Map(STATES.map((s) => [s.cluesPrefix, s]));
const byCode = new Map(STATES.map((s) => [s.code, s]));

export function stateByCluesPrefix(prefix: string): StateRecord | undefined {
  return byPrefix.get(prefix);
}

export function stateByCode(code: string): StateRecord | undefined {
  return byCode.get(code);
}
