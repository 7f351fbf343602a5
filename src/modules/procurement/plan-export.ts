import ExcelJS from 'exceljs';
import { groupBy } from '../../domain/collections';
import { csvRecord, neutralizeCell, SpreadsheetCell } from '../../domain/spreadsheet-cell';
import { stateByCode } from '../../domain/states';
import { PlanQuery, PlanRow } from './plan';

export type ExportFormatName = 'CSV' | 'XLSX';

/** Spanish column names, in file order, with how each cell is read off a row. */
const COLUMNS: Array<{ header: string; width: number; value: (r: PlanRow) => string | number }> = [
  { header: 'Entidad', width: 24, value: (r) => (r.stateCode ? `${r.stateCode} ${stateByCode(r.stateCode)?.name ?? ''}` : 'Nacional') },
  { header: 'Clave', width: 17, value: (r) => r.clave },
  { header: 'Descripción', width: 50, value: (r) => r.description },
  { header: 'CPM ratificado', width: 14, value: (r) => r.ratifiedCpm },
  { header: 'CPM calculado (sin ratificar)', width: 16, value: (r) => r.calculatedCpm },
  { header: 'CPM total', width: 12, value: (r) => r.cpm },
  { header: 'Unidades con CPM ratificado', width: 14, value: (r) => r.unitsRatified },
  { header: 'Unidades con CPM calculado', width: 14, value: (r) => r.unitsCalculated },
  { header: 'Meses', width: 8, value: (r) => r.months },
  { header: 'Meses de seguridad', width: 10, value: (r) => r.safetyMonths },
  { header: 'Existencia utilizable', width: 14, value: (r) => r.usable },
  { header: 'Piezas en órdenes de compra abiertas', width: 16, value: (r) => r.onOpenPurchaseOrders },
  { header: 'Existencia nacional (almacenes centrales)', width: 16, value: (r) => r.nationalStock },
  { header: 'Asignado de la existencia nacional', width: 16, value: (r) => r.fromNationalStock },
  { header: 'Necesidad', width: 14, value: (r) => r.need },
  { header: 'Máximo', width: 14, value: (r) => r.maximum },
  { header: 'Mínimo', width: 14, value: (r) => r.minimum },
  { header: 'CPM calculado en lugar de ratificado', width: 14, value: (r) => (r.unitsCalculated > 0 ? 'Sí' : 'No') },
];

/** Columns that add up in a state's total row. */
const SUMMED = new Set(['CPM ratificado', 'CPM calculado (sin ratificar)', 'CPM total', 'Existencia utilizable', 'Piezas en órdenes de compra abiertas', 'Asignado de la existencia nacional', 'Necesidad', 'Máximo', 'Mínimo']);

type Cell = SpreadsheetCell;

/**
 * The plan as a table: its rows in (state, clave) order, each state's rows followed by a "Total" row
 * that adds up its pieces (so the totals match the rows by construction), and a national total.
 */
export function planTable(rows: PlanRow[]): Cell[][] {
  const out: Cell[][] = [COLUMNS.map((c) => c.header)];
  const total = (label: string, group: PlanRow[]): Cell[] =>
    COLUMNS.map((c, i) => (i === 0 ? label : SUMMED.has(c.header) ? group.reduce((s, r) => s + (c.value(r) as number), 0) : ''));
  for (const [state, group] of groupBy(rows, (r) => r.stateCode)) {
    for (const r of group) out.push(COLUMNS.map((c) => c.value(r)));
    if (state) out.push(total(`Total ${state} ${stateByCode(state)?.name ?? ''}`, group));
  }
  out.push(total('Total nacional', rows));
  return out;
}

export async function planFile(rows: PlanRow[], q: PlanQuery, format: ExportFormatName): Promise<{ filename: string; mimeType: string; content: Buffer }> {
  const table = planTable(rows);
  const base = `plan-compras-${q.year}${q.byState ? '-por-entidad' : ''}`;
  if (format === 'CSV') {
    // UTF-8 with a BOM, so Excel opens the accents right; text that reads as a formula gets a leading '.
    const text = '\uFEFF' + table.map((r) => csvRecord(r)).join('\r\n') + '\r\n';
    return { filename: `${base}.csv`, mimeType: 'text/csv; charset=utf-8', content: Buffer.from(text, 'utf8') };
  }
  const book = new ExcelJS.Workbook();
  book.creator = 'Abasto';
  const sheet = book.addWorksheet(`Plan ${q.year}`, { views: [{ state: 'frozen', ySplit: 1 }] });
  sheet.columns = COLUMNS.map((c) => ({ header: neutralizeCell(c.header), width: c.width }));
  // Every cell is a plain value (never `{ formula }`), and text that reads as a formula gets a leading '.
  for (const r of table.slice(1)) {
    const row = sheet.addRow(r.map(neutralizeCell));
    if (String(r[0]).startsWith('Total')) row.font = { bold: true };
  }
  sheet.getRow(1).font = { bold: true };
  sheet.getRow(1).alignment = { wrapText: true, vertical: 'top' };
  const notes = book.addWorksheet('Fórmula');
  notes.columns = [{ width: 110 }];
  for (const line of [
    `Plan de compras del año fiscal ${q.year}, calculado el ${q.today}.`,
    'Por entidad: necesidad = ⌈Σ CPM × 12 + meses de seguridad × Σ CPM − existencia utilizable en la entidad − piezas en órdenes de compra abiertas de sus almacenes⌉ − lo asignado de la existencia nacional.',
    'Existencia nacional: las piezas utilizables de los almacenes centrales y de sus compras abiertas. Sirve a todas las entidades: se reparte entre las que necesitan la clave en proporción a su necesidad, en piezas enteras (mayor residuo), sin pasar de la necesidad de ninguna.',
    'Σ CPM: el CPM ratificado de cada unidad para el año; donde la unidad no ratificó, su último CPM calculado (columna "CPM calculado en lugar de ratificado").',
    `Máximo = max(0, necesidad); mínimo = ⌈${q.minimumRatio} × máximo⌉. Meses de seguridad: ${q.safetyMonths}.`,
    'Nacional = la suma de las entidades: el sobrante de una entidad no cubre la necesidad de otra (mover existencias entre entidades es la redistribución), así que el máximo nacional es la suma de los máximos de las entidades y el plan por entidad y el nacional dan el mismo total.',
  ]) notes.addRow([neutralizeCell(line)]);
  return {
    filename: `${base}.xlsx`,
    mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    content: Buffer.from(await book.xlsx.writeBuffer()),
  };
}
