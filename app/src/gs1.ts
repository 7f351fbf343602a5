/// <reference path="./gs1-barcode-parser-mod.d.ts" />
import { parseBarcode } from 'gs1-barcode-parser-mod';
import { gtinProblemMessage, normalizeGtin } from '../../src/domain/gtin';

/**
 * What a scanned GS1 code says about a box: the product (AI 01, GTIN), its lot (AI 10), its expiry
 * (AI 17) and serial (AI 21). The element string is split by gs1-barcode-parser-mod, which knows the AI
 * table, the FNC1 separator as a keyboard-wedge scanner types it (GS, ASCII 29), the symbology
 * identifiers (]d2 GS1 DataMatrix, ]C1 GS1-128, ]Q3, ]e0) and the human-readable form with parentheses.
 * This module adds what the library leaves to its caller: the GTIN's check digit, a date that does not
 * exist (month 13, 31 February: the library rolls it over), and messages in Spanish.
 * A plain EAN/UPC (8, 12, 13 or 14 digits, no AIs) reads as a GTIN alone.
 */
export interface Gs1Box {
  /** 14-digit form */
  gtin: string;
  lot: string | null;
  /** AAAA-MM-DD; a day 00 in the code is the last day of its month */
  expiresOn: string | null;
  serial: string | null;
  /** the symbology the scanner named, when it did ("GS1 DataMatrix", "GS1-128") */
  symbology: string | null;
}

export type Gs1Result = { ok: true; box: Gs1Box } | { ok: false; message: string };

const GS = '\u001d';

const LIBRARY_ERRORS: Array<[RegExp, string]> = [
  [/date|year|month|day/, 'la fecha del código no es válida'],
  [/truncated/, 'el código está incompleto (se cortó la lectura)'],
  [/bracketed/, 'los identificadores entre paréntesis no coinciden con los datos'],
  [/invalid AI|no valid AI|unrecognised AI/, 'contiene un identificador de aplicación (AI) desconocido'],
];

function fail(why: string): Gs1Result {
  return { ok: false, message: `No se pudo leer el código: ${why}. Escanéelo de nuevo o capture los datos a mano.` };
}

/** Reads one scan as the scanner typed it (with or without symbology identifier and GS separators). */
export function parseGs1(scanned: string): Gs1Result {
  // a scanner may end with CR/LF and some send an FNC1 (GS) before or after the symbology identifier
  let code = scanned.replace(/[\r\n]+$/g, '').trim();
  code = code.replace(/^\u001d+/, '').replace(/^(\][A-Za-z][0-9])\u001d+/, '$1');
  if (code === '') return fail('no llegó ningún dato');
  if (/^[0-9]{8}$|^[0-9]{12,14}$/.test(code)) {
    const plain = normalizeGtin(code);
    if (!plain.ok) return { ok: false, message: gtinProblemMessage(plain.problem, code) };
    return { ok: true, box: { gtin: plain.gtin, lot: null, expiresOn: null, serial: null, symbology: null } };
  }
  let parsed;
  try {
    parsed = parseBarcode(code);
  } catch (err) {
    const text = String(err);
    return fail(LIBRARY_ERRORS.find(([re]) => re.test(text))?.[1] ?? 'no es un código GS1');
  }
  const element = (ai: string) => parsed.parsedCodeItems.find((i) => i.ai === ai);
  const product = element('01') ?? element('02');
  if (!product) return fail('no trae el GTIN del producto (AI 01)');
  const gtin = normalizeGtin(String(product.data));
  if (!gtin.ok) return { ok: false, message: gtinProblemMessage(gtin.problem, String(product.data)) };
  let expiresOn: string | null = null;
  const expiry = element('17');
  if (expiry) {
    expiresOn = checkedDate(expiry.raw ?? '', expiry.isoDate);
    if (!expiresOn) return fail(`la caducidad ${expiry.raw ?? ''} (AAMMDD) no es una fecha real`);
  }
  const text = (ai: string) => {
    const v = element(ai)?.data;
    return typeof v === 'string' && v.replace(new RegExp(GS, 'g'), '').trim() !== '' ? v.replace(new RegExp(GS, 'g'), '').trim() : null;
  };
  return { ok: true, box: { gtin: gtin.gtin, lot: text('10'), expiresOn, serial: text('21'), symbology: parsed.codeName || null } };
}

/**
 * The library's day for a YYMMDD, or null when the code's date does not exist: it takes the century
 * from GS1's sliding window and turns day 00 into the month's last day, but rolls month 13 or
 * 31 February over into a later date; a real date keeps the code's month (and day, unless 00).
 */
function checkedDate(raw: string, iso: string): string | null {
  if (!/^[0-9]{6}$/.test(raw) || !/^[0-9]{4}-[0-9]{2}-[0-9]{2}$/.test(iso)) return null;
  const month = raw.slice(2, 4);
  const day = raw.slice(4, 6);
  if (month < '01' || month > '12' || iso.slice(5, 7) !== month) return null;
  if (day !== '00' && iso.slice(8, 10) !== day) return null;
  return iso;
}
