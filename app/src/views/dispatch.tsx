import { gql } from '@urql/core';
import { useClient } from '@urql/preact';
import { useState } from 'preact/hooks';
import { errorMessage, recordWrite } from '../client';
import type { Me } from '../main';
import { fmtDate, fmtInt, ReadState, useRead, uuid } from '../ui';

const TO_DISPATCH = gql`
  query ToDispatch($clues: String!) {
    orders(filter: { supplyingClues: $clues, kinds: [REPLENISHMENT], statuses: [APPROVED, PARTIALLY_FULFILLED] }, first: 50) {
      edges {
        node {
          id number status approvedAt requestingClues
          requesting { id name }
          lines { clave approved dispatched pending }
        }
      }
    }
  }
`;
const PICK_LIST = gql`
  query PickList($number: String!) {
    order(number: $number) {
      id number status
      pickList {
        asOf
        lines { clave lotNumber expiresOn quantity onHand expiresSoon supplyItem { id description presentation } }
        leftBehind { clave requested sent left reason message }
      }
    }
  }
`;
export const DISPATCH = gql`
  mutation DispatchAvailable($input: ShipmentDispatchInput!) {
    shipmentDispatch(input: $input) {
      shipment { id number status dispatchedAt lines { line clave lotNumber expiresOn quantity } }
      leftBehind { clave requested sent left reason message }
      userErrors { code field message }
      userWarnings { code field message }
    }
  }
`;

interface Sent {
  number: string;
  lines: Array<{ clave: string; lotNumber: string; expiresOn: string | null; quantity: number }>;
  leftBehind: Array<{ clave: string; message: string }>;
  warnings: string[];
}

/** What a shortfall will be, said before sending (the server's message speaks of a dispatch already made). */
function willStay(s: { clave: string; requested: number; sent: number; left: number; reason: string }): string {
  if (s.reason === 'PARTIAL_STOCK') return `${s.clave}: solo hay ${fmtInt(s.sent)} piezas utilizables; quedan ${fmtInt(s.left)} de ${fmtInt(s.requested)} por enviar.`;
  if (s.reason === 'ONLY_EXPIRED_STOCK') return `${s.clave}: toda su existencia está caducada; quedan ${fmtInt(s.left)} por enviar. Dé de baja los caducados en «Caducados».`;
  return `${s.clave}: sin existencia; quedan ${fmtInt(s.left)} por enviar.`;
}

const pieces = (lines: Array<{ quantity: number }>) => lines.reduce((n, l) => n + l.quantity, 0);
const pzs = (n: number) => `${fmtInt(n)} pieza${n === 1 ? '' : 's'}`;

function PickList({ number, onSent }: { number: string; onSent: (s: Sent) => void }) {
  const client = useClient();
  const [result, refresh] = useRead<any, any>(PICK_LIST, { number });
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const pick = result.data?.order?.pickList;
  const lines: any[] = pick?.lines ?? [];
  async function send() {
    if (!navigator.onLine) return setError('Enviar un pedido necesita conexión con el servidor: espere a que vuelva la red e intente de nuevo.');
    setBusy(true);
    setError('');
    // one key for this confirmation: a retry of the same request is applied once
    const idempotencyKey = uuid();
    recordWrite({ key: idempotencyKey, field: 'shipmentDispatch', label: `Envío del pedido ${number}`, ref: number });
    const r = await client.mutation(DISPATCH, { input: { idempotencyKey, orderNumber: number, fromAvailable: true } }, { requestPolicy: 'network-only' }).toPromise();
    setBusy(false);
    const p = r.data?.shipmentDispatch;
    const errors = r.error ? [errorMessage(r.error)] : ((p?.userErrors ?? []) as Array<{ message: string }>).map((e) => e.message);
    if (errors.length || !p?.shipment) {
      setError(errors.join(' ') || 'El servidor no devolvió la remisión. Revise «Mis registros» e intente de nuevo.');
      refresh();
      return;
    }
    onSent({ number: p.shipment.number, lines: p.shipment.lines, leftBehind: p.leftBehind, warnings: p.userWarnings.map((w: any) => w.message) });
  }
  if (!pick) return <ReadState result={result} />;
  // one clave per tbody: its lots in the order to take them (soonest expiry first)
  const claves = [...new Set(lines.map((l) => l.clave))];
  return (
    <div class="picklist" data-picklist={number}>
      <ReadState result={result} />
      <p class="muted print-only">Lista de surtido del pedido {number} · existencia al {fmtDate(pick.asOf)}</p>
      {lines.length === 0 ? (
        <p class="empty" role="status">No hay existencia utilizable de ninguna clave pendiente de este pedido: no hay nada que surtir hoy. Cuando reciba existencia, vuelva a abrirlo.</p>
      ) : (
        <table class="pick">
          <caption>
            Tome del anaquel estos lotes, en este orden (el que caduca primero, primero): {lines.length} lote{lines.length > 1 ? 's' : ''}, {pzs(pieces(lines))}.
          </caption>
          <thead>
            <tr>
              <th scope="col">Clave y lote</th>
              <th scope="col">Caduca</th>
              <th scope="col" class="num">Piezas a surtir</th>
              <th scope="col" class="num">En el anaquel</th>
            </tr>
          </thead>
          {claves.map((clave) => (
            <tbody data-clave={clave}>
              {lines.filter((l) => l.clave === clave).map((l, i) => (
                <tr data-lot={l.lotNumber}>
                  <th scope="row">
                    {i === 0 && <span class="clave">{clave}</span>}
                    {i === 0 && <span class="desc">{l.supplyItem.description}</span>}
                    <span class="lot">Lote <strong>{l.lotNumber}</strong></span>
                  </th>
                  <td>
                    {fmtDate(l.expiresOn)}
                    {l.expiresSoon && <small class="soon block">caduca pronto: que la unidad lo use primero</small>}
                  </td>
                  <td class="num" data-quantity={l.quantity}><strong>{fmtInt(l.quantity)}</strong></td>
                  <td class="num">{fmtInt(l.onHand)}</td>
                </tr>
              ))}
            </tbody>
          ))}
        </table>
      )}
      {pick.leftBehind.length > 0 && (
        <div class="notice left-behind">
          <p><strong>Se queda sin enviar</strong> (seguirá pendiente en el pedido):</p>
          <ul>{pick.leftBehind.map((s: any) => <li data-clave={s.clave}>{willStay(s)}</li>)}</ul>
        </div>
      )}
      {error && <p class="error" role="alert">{error}</p>}
      <div class="pager no-print">
        <button type="button" class="secondary" onClick={() => window.print()}>Imprimir lista</button>
        <button type="button" id="dispatch-available" disabled={busy || lines.length === 0} onClick={send}>
          {busy ? 'Enviando…' : 'Enviar lo disponible'}
        </button>
      </div>
    </div>
  );
}

function SentPanel({ sent }: { sent: Sent }) {
  return (
    <div class="ok sent" role="status" data-shipment={sent.number}>
      <p>
        <strong>Remisión {sent.number} enviada</strong>: {sent.lines.length} lote{sent.lines.length > 1 ? 's' : ''}, {pzs(pieces(sent.lines))}. La unidad la verá en «Por recibir».
      </p>
      <ul class="sent-lines">
        {sent.lines.map((l) => (
          <li data-lot={l.lotNumber}>
            <span class="clave-inline">{l.clave}</span> lote {l.lotNumber} (caduca {fmtDate(l.expiresOn)}): {pzs(l.quantity)}
          </li>
        ))}
      </ul>
      {sent.leftBehind.length > 0 && (
        <>
          <p>Lo que se quedó sin enviar sigue pendiente en el pedido:</p>
          <ul class="left-behind">{sent.leftBehind.map((s) => <li data-clave={s.clave}>{s.message}</li>)}</ul>
        </>
      )}
      {sent.warnings.length > 0 && (
        <>
          <p>Avisos:</p>
          <ul class="warnings">{sent.warnings.map((m) => <li>{m}</li>)}</ul>
        </>
      )}
    </div>
  );
}

/** Surtir pedidos: approved orders this warehouse supplies with pieces still to send, each with its pick list by lot. */
export function DispatchView({ me }: { me: Me }) {
  const [result, refresh] = useRead<any, any>(TO_DISPATCH, { clues: me.clues });
  const [open, setOpen] = useState<string | null>(null);
  const [sent, setSent] = useState<Record<string, Sent>>({});
  const orders: any[] = (result.data?.orders?.edges.map((e: any) => e.node) ?? []).filter(
    (o: any) => o.lines.some((l: any) => l.pending > 0) || sent[o.number],
  );
  const gone = Object.keys(sent).filter((n) => !orders.some((o) => o.number === n));
  return (
    <section>
      <p class="muted no-print">Pedidos aprobados que su almacén surte y que aún tienen piezas por enviar. Abra uno para ver qué lotes tomar del anaquel y envíe lo disponible.</p>
      {gone.map((n) => <SentPanel sent={sent[n]} />)}
      <ReadState result={result} />
      {result.data && orders.length === 0 && (
        <p class="empty" role="status">No hay pedidos aprobados pendientes de surtir. Cuando la coordinación apruebe un pedido de una unidad que usted surte, aparecerá aquí.</p>
      )}
      <ul class="cards">
        {orders.map((o) => {
          const pending = o.lines.reduce((n: number, l: any) => n + l.pending, 0);
          const isOpen = open === o.number;
          return (
            <li class={`card${isOpen ? ' printing' : ''}`} data-order={o.number}>
              <h2>Pedido {o.number}</h2>
              <p>
                Para {o.requesting.name} ({o.requestingClues}) · aprobado {o.approvedAt ? new Date(o.approvedAt).toLocaleDateString('es-MX') : ''} ·{' '}
                {o.lines.filter((l: any) => l.pending > 0).length} clave{o.lines.filter((l: any) => l.pending > 0).length === 1 ? '' : 's'}, {pzs(pending)} por enviar
              </p>
              {sent[o.number] && <SentPanel sent={sent[o.number]} />}
              {pending > 0 && (
                <button type="button" class="secondary no-print" data-open={o.number} aria-expanded={isOpen} onClick={() => setOpen(isOpen ? null : o.number)}>
                  {isOpen ? 'Cerrar lista de surtido' : `Lista de surtido de ${o.number}`}
                </button>
              )}
              {isOpen && pending > 0 && (
                <PickList
                  number={o.number}
                  onSent={(s) => {
                    setSent({ ...sent, [o.number]: s });
                    setOpen(null);
                    refresh();
                  }}
                />
              )}
            </li>
          );
        })}
      </ul>
    </section>
  );
}
