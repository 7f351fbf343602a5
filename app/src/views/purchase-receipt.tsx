import { gql } from '@urql/core';
import { useClient } from '@urql/preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { errorMessage, recordWrite } from '../client';
import { Gs1Box, parseGs1 } from '../gs1';
import type { Me } from '../main';
import { Field, fmtDate, fmtInt, ReadState, useRead, useWrites, uuid } from '../ui';
import { Outcome } from './outcome';

/**
 * Recibir de proveedor: a delivery against one of the warehouse's open PURCHASE orders, box by box with
 * a GS1 scanner (keyboard wedge: it types the code and Enter into the scan field), the camera where the
 * browser has BarcodeDetector, or by hand. A GTIN the catalogue does not know is linked to its clave
 * once (supplyItemGtinLink) and recognised from then on. The receipt goes as stockReceive, recorded
 * with its idempotency key like every write of the app.
 */

const ORDERS = gql`
  query PurchasesToReceive($clues: String!) {
    orders(filter: { kinds: [PURCHASE], statuses: [APPROVED, PARTIALLY_FULFILLED], requestingClues: $clues }, first: 50) {
      edges {
        node {
          id number status supplier promisedOn
          lines { clave approved accepted rejected remaining supplyItem { id clave description presentation piecesPerPackage gtins } }
        }
      }
    }
  }
`;
const BY_GTIN = gql`
  query ClaveOfGtin($gtin: String!) {
    supplyItems(filter: { gtin: $gtin }, first: 1) { edges { node { id clave description gtins } } }
  }
`;
const LINK = gql`
  mutation LinkGtin($input: SupplyItemGtinLinkInput!) {
    supplyItemGtinLink(input: $input) { supplyItem { id clave gtins } userErrors { code field message } }
  }
`;
export const RECEIVE_PURCHASE = gql`
  mutation ReceivePurchase($input: StockReceiveInput!) {
    stockReceive(input: $input) {
      receipt { id orderNumber supplierDocument lines { line clave lotNumber expiresOn acceptedQuantity rejectedQuantity } }
      userErrors { code field message }
      userWarnings { code field message }
    }
  }
`;

interface OrderLine {
  clave: string;
  approved: number | null;
  accepted: number;
  remaining: number;
  supplyItem: { id: string; clave: string; description: string; presentation: string | null; piecesPerPackage: number; gtins: string[] };
}
interface PurchaseOrder { number: string; status: string; supplier: string | null; promisedOn: string | null; lines: OrderLine[] }
interface Draft { id: string; clave: string; gtin: string | null; lot: string; expiresOn: string; pieces: string }
type Note = { kind: 'ok' | 'error'; text: string } | null;

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const hasCamera = () => typeof window !== 'undefined' && 'BarcodeDetector' in window && !!navigator.mediaDevices?.getUserMedia;

/** Scans with the camera through the browser's BarcodeDetector (GS1 DataMatrix and GS1-128). */
function CameraScan({ onCode }: { onCode: (code: string) => void }) {
  const [on, setOn] = useState(false);
  const [problem, setProblem] = useState('');
  const video = useRef<HTMLVideoElement>(null);
  const handler = useRef(onCode);
  handler.current = onCode;
  useEffect(() => {
    if (!on) return;
    let stream: MediaStream | null = null;
    let timer = 0;
    let last = { code: '', at: 0 };
    let detector: { detect(source: HTMLVideoElement): Promise<Array<{ rawValue: string }>> };
    try {
      detector = new (window as any).BarcodeDetector({ formats: ['data_matrix', 'code_128'] });
    } catch {
      setProblem('Este navegador no lee DataMatrix ni GS1-128 con la cámara: use el lector de códigos o capture a mano.');
      setOn(false);
      return;
    }
    navigator.mediaDevices
      .getUserMedia({ video: { facingMode: 'environment' } })
      .then((s) => {
        stream = s;
        if (!video.current) return;
        video.current.srcObject = s;
        void video.current.play();
        timer = window.setInterval(async () => {
          if (!video.current || video.current.readyState < 2) return;
          const found: Array<{ rawValue: string }> = await detector.detect(video.current).catch(() => []);
          const code = found[0]?.rawValue;
          // the same box held in front of the camera is read once, not every 300 ms
          if (!code || (code === last.code && Date.now() - last.at < 2500)) return;
          last = { code, at: Date.now() };
          handler.current(code);
        }, 300);
      })
      .catch(() => setProblem('No se pudo usar la cámara: permita el acceso en el navegador o use el lector de códigos.'));
    return () => {
      window.clearInterval(timer);
      stream?.getTracks().forEach((t) => t.stop());
    };
  }, [on]);
  return (
    <div class="camera">
      <button type="button" class="secondary" id="camera" aria-pressed={on} onClick={() => { setProblem(''); setOn(!on); }}>
        {on ? 'Apagar la cámara' : 'Escanear con la cámara'}
      </button>
      {on && <video ref={video} muted playsInline aria-label="Vista de la cámara: acerque el código de la caja" />}
      {problem && <p class="error" role="alert">{problem}</p>}
    </div>
  );
}

export function PurchaseReceiptView({ me }: { me: Me }) {
  const client = useClient();
  const [result] = useRead<any, any>(ORDERS, { clues: me.clues });
  const orders: PurchaseOrder[] = result.data?.orders?.edges.map((e: any) => e.node) ?? [];
  const [chosen, setChosen] = useState('');
  const order = orders.find((o) => o.number === chosen) ?? orders[0];
  const [lines, setLines] = useState<Draft[]>([]);
  const [scan, setScan] = useState('');
  const [note, setNote] = useState<Note>(null);
  const [ask, setAsk] = useState<{ box: Gs1Box; clave: string } | null>(null);
  const [known, setKnown] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const [document_, setDocument] = useState('');
  const [error, setError] = useState('');
  const [sent, setSent] = useState<{ key: string; order: string; lines: Draft[]; document: string } | null>(null);
  const writes = useWrites();
  const scanRef = useRef<HTMLInputElement>(null);
  const askRef = useRef<HTMLSelectElement>(null);
  const focusScan = () => setTimeout(() => scanRef.current?.focus(), 0);

  const orderLine = (clave: string) => order?.lines.find((l) => l.clave === clave);
  const claveOfGtin = (gtin: string) => known[gtin] ?? order?.lines.find((l) => l.supplyItem.gtins.includes(gtin))?.clave;

  // a new order starts an empty receipt (or the refused one being corrected), with the cursor in the scan field
  const restoring = useRef<typeof sent>(null);
  useEffect(() => {
    const back = restoring.current?.order === order?.number ? restoring.current : null;
    restoring.current = null;
    setLines(back?.lines ?? []);
    if (back) setDocument(back.document);
    setNote(null);
    setAsk(null);
    setError('');
    if (order) focusScan();
  }, [order?.number]);
  useEffect(() => {
    if (ask) askRef.current?.focus();
  }, [ask?.box.gtin]);

  /** One box more: the line of the same clave, GTIN, lot and expiry grows by a package; otherwise a new line. */
  function addBox(box: Gs1Box, clave: string, how: string) {
    const per = orderLine(clave)?.supplyItem.piecesPerPackage ?? 1;
    const lot = box.lot ?? '';
    const expiresOn = box.expiresOn ?? '';
    setLines((prev) => {
      const same = prev.find((l) => l.clave === clave && l.gtin === box.gtin && l.lot.trim() === lot && l.expiresOn === expiresOn && lot !== '');
      if (same) return prev.map((l) => (l === same ? { ...l, pieces: String((Number(l.pieces) || 0) + per) } : l));
      return [...prev, { id: uuid(), clave, gtin: box.gtin, lot, expiresOn, pieces: String(per) }];
    });
    const missing = [!box.lot && 'el lote', !box.expiresOn && 'la caducidad'].filter(Boolean).join(' y ');
    setNote({
      kind: 'ok',
      text: `${how}${clave}${lot ? ` · lote ${lot}` : ''}${expiresOn ? ` · caduca ${fmtDate(expiresOn)}` : ''} · +${fmtInt(per)} piezas (un envase).${missing ? ` El código no trae ${missing}: escríbalo en su línea.` : ''}`,
    });
  }

  async function onScan(raw: string) {
    if (!order) return;
    const read = parseGs1(raw);
    if (!read.ok) {
      setNote({ kind: 'error', text: read.message });
      return focusScan();
    }
    const box = read.box;
    const clave = claveOfGtin(box.gtin);
    if (clave) {
      addBox(box, clave, 'Leído: ');
      return focusScan();
    }
    // not known here: the catalogue may know it for a clave of another order
    setBusy(true);
    const found = await client.query(BY_GTIN, { gtin: box.gtin }, { requestPolicy: 'network-only' }).toPromise();
    setBusy(false);
    const item = found.data?.supplyItems?.edges[0]?.node;
    if (item && orderLine(item.clave)) {
      setKnown((k) => ({ ...k, [box.gtin]: item.clave }));
      addBox(box, item.clave, 'Leído: ');
      return focusScan();
    }
    if (item) {
      setNote({
        kind: 'error',
        text: `El GTIN ${box.gtin} es de la clave ${item.clave} (${item.description}), que no está en la orden ${order.number}. Aparte esa caja: no se recibe contra esta orden.`,
      });
      return focusScan();
    }
    setNote(null);
    setAsk({ box, clave: order.lines[0].clave });
  }

  async function link(e: Event) {
    e.preventDefault();
    if (!ask) return;
    setBusy(true);
    const r = await client.mutation(LINK, { input: { clave: ask.clave, gtin: ask.box.gtin } }).toPromise();
    setBusy(false);
    const payload = r.data?.supplyItemGtinLink;
    if (payload?.userErrors?.length) {
      setNote({ kind: 'error', text: payload.userErrors.map((x: { message: string }) => x.message).join(' ') });
      setAsk(null);
      return focusScan();
    }
    setKnown((k) => ({ ...k, [ask.box.gtin]: ask.clave }));
    addBox(ask.box, ask.clave, payload ? `GTIN ${ask.box.gtin} ligado a la clave ${ask.clave}: la próxima vez se reconoce solo. Leído: ` : `${r.error ? errorMessage(r.error) : ''} En este equipo el GTIN queda como ${ask.clave} hasta que vuelva la conexión. Leído: `);
    setAsk(null);
    focusScan();
  }

  const set = (id: string, patch: Partial<Draft>) => setLines(lines.map((l) => (l.id === id ? { ...l, ...patch } : l)));
  const inReceipt = (clave: string) => lines.filter((l) => l.clave === clave).reduce((n, l) => n + (Number(l.pieces) || 0), 0);

  function submit(e: Event) {
    e.preventDefault();
    if (!order) return;
    const doc = document_.trim();
    if (!doc) return setError('Escriba el número de la remisión o factura del proveedor: es el documento con el que se rastrea esta entrada.');
    if (lines.length === 0) return setError('Escanee al menos una caja o agregue una línea a mano.');
    const input = [];
    for (const [i, l] of lines.entries()) {
      const pieces = Number(l.pieces);
      if (!l.lot.trim()) return setError(`Línea ${i + 1} (${l.clave}): escriba el lote como viene en la caja.`);
      if (l.expiresOn && !DATE.test(l.expiresOn)) return setError(`Línea ${i + 1} (${l.clave}): la caducidad es una fecha AAAA-MM-DD.`);
      if (!Number.isInteger(pieces) || pieces < 1) return setError(`Línea ${i + 1} (${l.clave}): las piezas son un número entero de 1 o más.`);
      input.push({ clave: l.clave, lotNumber: l.lot.trim(), expiresOn: l.expiresOn || null, acceptedQuantity: pieces });
    }
    setError('');
    const idempotencyKey = uuid();
    recordWrite({ key: idempotencyKey, field: 'stockReceive', label: `Recepción de la orden ${order.number} (documento ${doc})`, ref: order.number });
    client.mutation(RECEIVE_PURCHASE, { input: { idempotencyKey, clues: me.clues, orderNumber: order.number, source: 'PURCHASE', supplierDocument: doc, lines: input } }).toPromise();
    setSent({ key: idempotencyKey, order: order.number, lines, document: doc });
    setLines([]);
    setDocument('');
    setNote(null);
    focusScan();
  }

  const last = sent ? writes.find((w) => w.key === sent.key) : undefined;
  return (
    <section class="purchase-receipt">
      <Outcome write={last} />
      {last?.status === 'failed' && sent && (
        <button
          type="button"
          class="secondary"
          id="restore"
          onClick={() => {
            if (sent.order === order?.number) {
              setLines(sent.lines);
              setDocument(sent.document);
            } else {
              restoring.current = sent;
              setChosen(sent.order);
            }
            setSent(null);
          }}
        >
          Recuperar las líneas para corregirlas
        </button>
      )}
      <ReadState result={result} />
      {result.data && orders.length === 0 && (
        <p class="empty" role="status">
          No hay órdenes de compra aprobadas por recibir en su almacén. Cuando la Coordinación de Abasto apruebe una orden de compra para su almacén, aparecerá aquí.
        </p>
      )}
      {order && (
        <>
          <Field label="Orden de compra">
            <select id="order" value={order.number} onChange={(e) => setChosen(e.currentTarget.value)}>
              {orders.map((o) => (
                <option value={o.number}>
                  {o.number} · {o.supplier ?? 'proveedor sin nombre'} · {o.lines.length} clave{o.lines.length > 1 ? 's' : ''}
                </option>
              ))}
            </select>
          </Field>
          <p class="muted">
            {order.status === 'PARTIALLY_FULFILLED' ? 'Parcialmente surtida' : 'Aprobada'}
            {order.promisedOn ? ` · entrega prometida ${fmtDate(order.promisedOn)}` : ''}
          </p>
          <table class="order-lines">
            <caption class="sr-only">Claves de la orden {order.number}</caption>
            <thead>
              <tr>
                <th scope="col">Clave</th>
                <th scope="col" class="num">Aprobadas</th>
                <th scope="col" class="num">Ya aceptadas</th>
                <th scope="col" class="num">Por recibir</th>
                <th scope="col" class="num">En esta entrada</th>
              </tr>
            </thead>
            <tbody>
              {order.lines.map((l) => {
                const now = inReceipt(l.clave);
                return (
                  <tr data-clave={l.clave}>
                    <th scope="row">
                      <span class="clave">{l.clave}</span>
                      <span class="desc">{l.supplyItem.description}</span>
                      {l.supplyItem.piecesPerPackage > 1 && <span class="lot-of">{l.supplyItem.piecesPerPackage} piezas por envase</span>}
                    </th>
                    <td class="num">{fmtInt(l.approved)}</td>
                    <td class="num">{fmtInt(l.accepted)}</td>
                    <td class="num" data-remaining={l.remaining}>{fmtInt(l.remaining)}</td>
                    <td class={now > l.remaining ? 'num error' : 'num'} data-now={now}>
                      {fmtInt(now)}
                      {now > l.remaining && <span class="block">excede lo pendiente</span>}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>

          <form
            id="scan-form"
            class="scan"
            onSubmit={(e) => {
              e.preventDefault();
              const code = scan;
              setScan('');
              if (code.trim()) void onScan(code);
            }}
          >
            <Field label="Escanee aquí cada caja" hint="Lector de códigos GS1 (DataMatrix o GS1-128): lee GTIN, lote y caducidad; cada lectura suma un envase. También puede escribir el código, p. ej. (01)07501234567893(17)270600(10)AB123, y Enter.">
              <input
                id="scan"
                ref={scanRef}
                value={scan}
                onInput={(e) => setScan(e.currentTarget.value)}
                onKeyDown={(e) => {
                  // scanners in keyboard mode often type the GS separator (FNC1) as Ctrl+]
                  if (e.ctrlKey && (e.key === ']' || e.code === 'BracketRight')) {
                    e.preventDefault();
                    const el = e.currentTarget;
                    const at = el.selectionStart ?? el.value.length;
                    setScan(el.value.slice(0, at) + '\u001d' + el.value.slice(el.selectionEnd ?? at));
                  }
                }}
                autocomplete="off"
                spellcheck={false}
                disabled={busy || !!ask}
              />
            </Field>
            <div class="toolbar">
              <button type="submit" class="secondary" disabled={busy || !!ask}>Leer código</button>
              {hasCamera() && <CameraScan onCode={(c) => void onScan(c)} />}
              <button
                type="button"
                class="secondary"
                id="add-manual"
                onClick={() => {
                  setLines([...lines, { id: uuid(), clave: order.lines[0].clave, gtin: null, lot: '', expiresOn: '', pieces: '' }]);
                  setTimeout(() => (document.querySelector('.draft:last-of-type select') as HTMLSelectElement | null)?.focus(), 0);
                }}
              >
                Agregar línea a mano
              </button>
            </div>
            {note && (
              <p class={note.kind === 'error' ? 'error' : 'ok'} role={note.kind === 'error' ? 'alert' : 'status'} id="scan-note">
                {note.text}
              </p>
            )}
          </form>

          {ask && (
            <form id="gtin-form" class="notice ask" onSubmit={link} aria-labelledby="gtin-title">
              <h2 id="gtin-title">GTIN nuevo: ¿qué clave es?</h2>
              <p>
                El código {ask.box.gtin}
                {ask.box.lot ? ` (lote ${ask.box.lot}` : ''}
                {ask.box.expiresOn ? `${ask.box.lot ? ', ' : ' ('}caduca ${fmtDate(ask.box.expiresOn)}` : ''}
                {ask.box.lot || ask.box.expiresOn ? ')' : ''} no está ligado a ninguna clave. Elija la clave que dice la caja; se recordará para las siguientes lecturas.
              </p>
              <Field label="Clave de la caja">
                <select id="gtin-clave" ref={askRef} value={ask.clave} onChange={(e) => setAsk({ ...ask, clave: e.currentTarget.value })}>
                  {order.lines.map((l) => (
                    <option value={l.clave}>{l.clave} — {l.supplyItem.description.length > 120 ? `${l.supplyItem.description.slice(0, 119)}…` : l.supplyItem.description}</option>
                  ))}
                </select>
              </Field>
              <div class="toolbar">
                <button type="submit" id="gtin-link" disabled={busy}>Ligar el GTIN y agregar la caja</button>
                <button type="button" class="secondary" onClick={() => { setAsk(null); focusScan(); }}>Cancelar</button>
              </div>
            </form>
          )}

          <form id="receipt-form" onSubmit={submit}>
            <fieldset>
              <legend>Lo que llegó ({lines.length} línea{lines.length === 1 ? '' : 's'})</legend>
              {lines.length === 0 && <p class="muted">Aún no hay cajas. Escanee la primera o agregue una línea a mano.</p>}
              {lines.map((l, i) => (
                <div class="row line draft" data-draft={i} data-clave={l.clave} data-lot={l.lot}>
                  {l.gtin ? (
                    <div class="field scanned">
                      <span>Clave {i + 1}</span>
                      <span class="clave" data-fixed-clave>{l.clave}</span>
                      <small class="muted">Escaneada · GTIN {l.gtin}</small>
                    </div>
                  ) : (
                    <Field label={`Clave ${i + 1}`} hint="Capturada a mano">
                      <select name="clave" value={l.clave} onChange={(e) => set(l.id, { clave: e.currentTarget.value })}>
                        {order.lines.map((o) => <option value={o.clave}>{o.clave}</option>)}
                      </select>
                    </Field>
                  )}
                  <Field label="Lote"><input name="lot" value={l.lot} onInput={(e) => set(l.id, { lot: e.currentTarget.value })} maxLength={60} autocomplete="off" /></Field>
                  <Field label="Caducidad" hint="Vacía si no caduca"><input name="expiresOn" type="date" value={l.expiresOn} onInput={(e) => set(l.id, { expiresOn: e.currentTarget.value })} /></Field>
                  <Field label="Piezas" hint={`${orderLine(l.clave)?.supplyItem.piecesPerPackage ?? 1} por envase`}>
                    <input name="pieces" type="number" min={1} value={l.pieces} onInput={(e) => set(l.id, { pieces: e.currentTarget.value })} />
                  </Field>
                  <button type="button" class="secondary" onClick={() => setLines(lines.filter((x) => x.id !== l.id))}>Quitar línea {i + 1}</button>
                </div>
              ))}
            </fieldset>
            <Field label="Remisión o factura del proveedor">
              <input id="supplier-document" value={document_} onInput={(e) => setDocument(e.currentTarget.value)} maxLength={100} autocomplete="off" />
            </Field>
            {error && <p class="error" role="alert">{error}</p>}
            <p class="muted">El servidor revisa que cada clave esté en la orden y que no se reciba más de lo aprobado; si algo no cuadra, no registra nada y dice qué corregir.</p>
            <button type="submit" id="register">Registrar recepción</button>
          </form>
        </>
      )}
    </section>
  );
}
