import ExcelJS from 'exceljs';
import { PassThrough } from 'node:stream';
import { BUSINESS_TIME_ZONE } from '../../domain/dates';
import { RejectionReason } from '../../domain/enums';
import { neutralizeCell, SpreadsheetCell } from '../../domain/spreadsheet-cell';
import { ExportFile } from '../procurement/procurement.types';
import { ADJUSTMENT_REASON_LABEL, AdjustmentReason, MovementKind, ReceiptSource } from '../stock/stock.types';
import { LotTrace, LotTraceSource } from './recall.types';

/**
 * A lot's trace as the workbook central supply attaches to its answer to an alerta sanitaria (Spanish):
 * a sheet of places (where the lot came from, what became of it, the folios it was dispensed on) with
 * their total, and a sheet of every movement in order. Every text cell goes through neutralizeCell: a lot
 * number, folio, supplier document or name that starts like a formula stays text.
 */

const MOVEMENT_LABEL: Readonly<Record<MovementKind, string>> = {
  RECEIPT: 'Entrada (recepción)',
  DISPATCH: 'Salida por remisión',
  TRANSFER_IN: 'Entrada por remisión',
  DISPENSE: 'Dispensación a receta',
  CONSUMPTION: 'Consumo',
  ADJUSTMENT: 'Ajuste',
  COUNT_CORRECTION: 'Corrección por conteo físico',
  EXPIRY_WRITE_OFF: 'Baja por caducidad',
  REVERSAL: 'Reversión',
};

const REJECTION_LABEL: Readonly<Record<RejectionReason, string>> = {
  DAMAGED: 'dañadas',
  EXPIRED: 'caducadas',
  SHORT_SHIPPED: 'faltantes',
  WRONG_ITEM: 'insumo equivocado',
  LOST_IN_TRANSIT: 'extraviadas en el traslado',
  OTHER: 'otro motivo',
  RECALLED: 'lote retenido por alerta sanitaria',
};

const SOURCE_LABEL: Readonly<Record<ReceiptSource, string>> = {
  PURCHASE: 'compra',
  DONATION: 'donación',
  RETURN: 'devolución',
  OTHER: 'otro origen',
};

const stamp = new Intl.DateTimeFormat('sv-SE', { timeZone: BUSINESS_TIME_ZONE, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' });

/** An instant as Mexico City reads it, AAAA-MM-DD hh:mm. */
const local = (d: Date) => stamp.format(d);

const safe = (cells: SpreadsheetCell[]) => cells.map((c) => neutralizeCell(c));

/** Where one delivery of the lot came from, in words. */
function sourceText(s: LotTraceSource): string {
  const what =
    s.kind === 'SHIPMENT'
      ? `Remisión ${s.document} de ${s.fromClues} ${s.fromName}${s.orderNumber ? ` (orden ${s.orderNumber})` : ''}`
      : `Recepción${s.document ? ` ${s.document}` : ''}${s.receiptSource ? ` (${SOURCE_LABEL[s.receiptSource] ?? s.receiptSource}${s.supplier ? `, ${s.supplier}` : ''})` : ''}${s.orderNumber ? `, orden ${s.orderNumber}` : ''}`;
  if (s.status === 'IN_TRANSIT') return `${what}: ${s.pieces} piezas en camino desde ${local(s.at)}`;
  const rejected = s.rejected ? `, ${s.rejected} rechazadas${s.rejectionReason ? ` (${REJECTION_LABEL[s.rejectionReason] ?? s.rejectionReason})` : ''}` : '';
  return `${what}: ${s.accepted} aceptadas${rejected}, el ${local(s.at)}`;
}

export const lotTraceFilename = (t: LotTrace) => `rastreo-lote-${t.clave}-${t.lotNumber.replace(/[^A-Za-z0-9._-]+/g, '_')}.xlsx`;

export async function lotTraceFile(t: LotTrace): Promise<ExportFile> {
  const chunks: Buffer[] = [];
  const sink = new PassThrough();
  sink.on('data', (c: Buffer) => chunks.push(c));
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: sink, useStyles: true, useSharedStrings: false });
  const bold = { bold: true };
  const title = `Rastreo del lote ${t.lotNumber} · clave ${t.clave} ${t.supplyItem.description} · caducidad ${t.expiresOn ?? 'sin caducidad'} · al ${local(t.asOf)}`;

  const places = workbook.addWorksheet('Lugares');
  places.columns = [14, 34, 8, 60, 11, 12, 11, 12, 12, 9, 12, 11, 12, 11, 40].map((width) => ({ width }));
  places.addRow(safe([title])).commit();
  const header = places.addRow([
    'CLUES', 'Establecimiento', 'Entidad', 'Procedencia', 'Recibidas', 'Encontradas', 'Enviadas', 'Consumidas', 'Dispensadas', 'Bajas',
    'Rechazadas al recibir', 'Existencia', 'En tránsito (enviadas)', 'Por llegar', 'Recetas (folio: piezas)',
  ]);
  header.font = bold;
  header.commit();
  for (const p of t.places) {
    const folios = p.prescriptions === null ? 'no visibles' : p.prescriptions.map((rx) => `${rx.folio}: ${rx.pieces}`).join('; ');
    places
      .addRow(safe([p.clues, p.name, p.stateCode, p.sources.map(sourceText).join('; '), p.received, p.found, p.sentOn, p.consumed, p.dispensed, p.writtenOff, p.rejected, p.onHand, p.inTransit, p.incoming, folios]))
      .commit();
  }
  const s = t.totals;
  const total = places.addRow(['Total', `${s.places} lugares`, '', '', s.received, s.found, s.sentOn, s.consumed, s.dispensed, s.writtenOff, s.rejected, s.onHand, s.inTransit, '', '']);
  total.font = bold;
  total.commit();
  places.addRow(['Existencia = recibidas + encontradas − enviadas − consumidas − dispensadas − bajas. Bajas: por caducidad, ajustes negativos y correcciones por conteo a la baja.']).commit();
  places.commit();

  const timeline = workbook.addWorksheet('Movimientos');
  timeline.columns = [17, 14, 34, 30, 9, 22, 18, 14, 20].map((width) => ({ width }));
  timeline.addRow(safe([title])).commit();
  const head = timeline.addRow(['Fecha y hora', 'CLUES', 'Establecimiento', 'Movimiento', 'Piezas', 'Documento', 'Orden', 'Otra CLUES', 'Motivo']);
  head.font = bold;
  head.commit();
  for (const e of t.timeline) {
    const kind = e.reversesKind ? `${MOVEMENT_LABEL[e.kind]} de ${MOVEMENT_LABEL[e.reversesKind].toLowerCase()}` : MOVEMENT_LABEL[e.kind];
    timeline.addRow(safe([local(e.occurredAt), e.clues, e.name, kind, e.quantity, e.document ?? '', e.orderNumber ?? '', e.counterpartClues ?? '', e.reason ? ADJUSTMENT_REASON_LABEL[e.reason as AdjustmentReason] ?? e.reason : ''])).commit();
  }
  timeline.commit();
  await workbook.commit();
  return {
    filename: lotTraceFilename(t),
    mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    rows: t.places.length + t.timeline.length,
    contentBase64: Buffer.concat(chunks).toString('base64'),
  };
}
