import { gql } from '@urql/core';
import { useClient } from '@urql/preact';
import { useState } from 'preact/hooks';
import { recordWrite } from '../client';
import type { Me } from '../main';
import { fmtDate, fmtInt, ReadState, REASONS, useRead, useWrites, uuid } from '../ui';
import { Outcome } from './outcome';

const SHIPMENTS = gql`
  query ComingToMe($clues: String!) {
    shipments(filter: { toClues: $clues, statuses: [IN_TRANSIT] }, first: 50) {
      totalCount
      edges {
        node {
          id number orderNumber dispatchedAt status fromClues
          from { id name }
          lines { line clave lotNumber expiresOn quantity }
          recalls { clave lotNumber quantity reference reason }
        }
      }
    }
  }
`;
/**
 * The unit's rounds of Rutas de la Salud with its own orders in them (distributionRound.orders is scoped
 * to the caller): which shipment carries a kit, and of which round. Shipment has only orderNumber.
 */
const MY_ROUNDS = gql`
  query MyKitRounds {
    distributionRounds { id number month kitTemplate { id code name } orders { id number origin } }
  }
`;
export const RECEIVE = gql`
  mutation Receive($input: ShipmentReceiveInput!) {
    shipmentReceive(input: $input) {
      shipment { id status receivedAt lines { line clave lotNumber quantity acceptedQuantity rejectedQuantity rejectionReason } }
      userErrors { code field message }
      userWarnings { code field message }
    }
  }
`;

const monthName = (m: string) => new Date(`${m}-01T12:00:00`).toLocaleDateString('es-MX', { month: 'long', year: 'numeric' });

interface Diff { accepted: string; reason: string }

function ReceiveForm({ shipment, onDone }: { shipment: any; onDone: () => void }) {
  const client = useClient();
  // a lot on hold where it arrives is marked already: none accepted, rejected as recalled
  const recalled = (l: any) => (shipment.recalls ?? []).some((r: any) => r.clave === l.clave && r.lotNumber === l.lotNumber);
  const [diffs, setDiffs] = useState<Record<number, Diff>>(() =>
    Object.fromEntries(shipment.lines.filter(recalled).map((l: any) => [l.line, { accepted: '0', reason: 'RECALLED' }])),
  );
  const [error, setError] = useState('');
  const toggle = (line: number, on: boolean) => {
    const next = { ...diffs };
    if (on) next[line] = { accepted: '0', reason: 'DAMAGED' };
    else delete next[line];
    setDiffs(next);
  };
  function submit(e: Event) {
    e.preventDefault();
    const lines = [];
    for (const l of shipment.lines) {
      const d = diffs[l.line];
      if (!d) continue;
      const accepted = Number(d.accepted);
      if (!Number.isInteger(accepted) || accepted < 0 || accepted > l.quantity)
        return setError(`Lote ${l.lotNumber}: las piezas aceptadas van de 0 a ${l.quantity}.`);
      if (accepted < l.quantity) lines.push({ clave: l.clave, lotNumber: l.lotNumber, acceptedQuantity: accepted, rejectionReason: d.reason });
      else lines.push({ clave: l.clave, lotNumber: l.lotNumber, acceptedQuantity: accepted });
    }
    setError('');
    const idempotencyKey = uuid();
    recordWrite({ key: idempotencyKey, field: 'shipmentReceive', label: `Recepción de ${shipment.number}`, ref: shipment.number });
    client.mutation(RECEIVE, { input: { idempotencyKey, shipmentNumber: shipment.number, acceptAllAsShipped: true, lines } }).toPromise();
    onDone();
  }
  const marked = Object.keys(diffs).length;
  return (
    <form onSubmit={submit} class="receive" data-shipment={shipment.number}>
      <p class="muted">Todo se recibe como se envió. Marque solo los lotes que llegaron con diferencia y diga cuántas piezas acepta y por qué.{(shipment.recalls ?? []).length > 0 && ' Los lotes retenidos por alerta sanitaria ya van marcados como rechazados.'}</p>
      <table>
        <caption class="sr-only">Lotes de la remisión {shipment.number}</caption>
        <thead>
          <tr><th scope="col">Clave y lote</th><th scope="col" class="num">Enviadas</th><th scope="col">¿Con diferencia?</th></tr>
        </thead>
        <tbody>
          {shipment.lines.map((l: any) => {
            const d = diffs[l.line];
            return (
              <tr data-lot={l.lotNumber}>
                <th scope="row"><span class="clave">{l.clave}</span> <span class="desc">Lote {l.lotNumber} · caduca {fmtDate(l.expiresOn)}</span></th>
                <td class="num">{fmtInt(l.quantity)}</td>
                <td>
                  <label class="check">
                    <input type="checkbox" name="diff" checked={!!d} onChange={(e) => toggle(l.line, e.currentTarget.checked)} /> Diferencia
                  </label>
                  {d && (
                    <div class="diff">
                      <label class="field"><span>Piezas aceptadas</span>
                        <input type="number" name="accepted" min={0} max={l.quantity} value={d.accepted} onInput={(e) => setDiffs({ ...diffs, [l.line]: { ...d, accepted: e.currentTarget.value } })} />
                      </label>
                      <label class="field"><span>Motivo del rechazo</span>
                        <select name="reason" value={d.reason} onChange={(e) => setDiffs({ ...diffs, [l.line]: { ...d, reason: e.currentTarget.value } })}>
                          {Object.entries(REASONS).map(([k, v]) => <option value={k}>{v}</option>)}
                        </select>
                      </label>
                    </div>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {error && <p class="error" role="alert">{error}</p>}
      <button type="submit" name="receive">{marked ? `Recibir (${marked} lote${marked > 1 ? 's' : ''} con diferencia)` : 'Recibir todo como se envió'}</button>
    </form>
  );
}

export function ReceiveView({ me }: { me: Me }) {
  const [result] = useRead<any, any>(SHIPMENTS, { clues: me.clues });
  // only a unit is a stop of a route; asked only when something is on its way
  const [rounds] = useRead<any, any>(MY_ROUNDS, {}, me.role !== 'PHARMACY' || !result.data?.shipments?.totalCount);
  const kitOf = new Map<string, { number: string; month: string; kit: string }>();
  for (const r of rounds.data?.distributionRounds ?? [])
    for (const o of r.orders) if (o.origin === 'DISTRIBUTION') kitOf.set(o.number, { number: r.number, month: r.month, kit: r.kitTemplate.name });
  const [openNumber, setOpenNumber] = useState<string | null>(null);
  const list = useWrites();
  const shipments: any[] = result.data?.shipments?.edges.map((e: any) => e.node) ?? [];
  const writeFor = (number: string) => [...list].reverse().find((w) => w.field === 'shipmentReceive' && w.ref === number);
  const shown = new Set(shipments.map((s) => s.number));
  const recent = list.filter((w) => w.field === 'shipmentReceive' && w.ref && !shown.has(w.ref)).slice(-3).reverse();
  return (
    <section>
      {recent.map((w) => <Outcome write={w} />)}
      <ReadState result={result} />
      {result.data && shipments.length === 0 && (
        <p class="empty" role="status">No hay remisiones en camino a su unidad. Cuando su almacén despache un pedido, aparecerá aquí para recibirlo.</p>
      )}
      <ul class="cards">
        {shipments.map((s) => {
          const w = writeFor(s.number);
          const open = openNumber === s.number && (!w || w.status === 'failed');
          const pieces = s.lines.reduce((n: number, l: any) => n + l.quantity, 0);
          const kit = kitOf.get(s.orderNumber);
          return (
            <li class="card" data-number={s.number} data-kit-round={kit?.number}>
              <h2>Remisión {s.number}</h2>
              {kit && (
                <p class="kit-label">
                  <strong>Kit de Rutas de la Salud</strong> · ronda {kit.number} ({monthName(kit.month)}) · {kit.kit}
                </p>
              )}
              {(s.recalls ?? []).length > 0 && (
                <div class="recall" role="alert" data-recalls={s.number}>
                  <strong>Lote retenido por alerta sanitaria:</strong>{' '}
                  {s.recalls.map((r: any) => `lote ${r.lotNumber} de ${r.clave} (${fmtInt(r.quantity)} piezas, alerta ${r.reference})`).join('; ')}. Al recibir ya va marcado como rechazado con el motivo «{REASONS.RECALLED}»: sepárelo y no lo acepte en su existencia.
                </div>
              )}
              <p>
                Pedido {s.orderNumber} · de {s.from.name} ({s.fromClues}) · despachada {new Date(s.dispatchedAt).toLocaleDateString('es-MX')} · {s.lines.length} lote{s.lines.length > 1 ? 's' : ''}, {fmtInt(pieces)} piezas
              </p>
              <Outcome write={w} />
              {(!w || w.status === 'failed') && !open && (
                <button type="button" data-open={s.number} onClick={() => setOpenNumber(s.number)}>Recibir {s.number}</button>
              )}
              {open && <ReceiveForm shipment={s} onDone={() => setOpenNumber(null)} />}
            </li>
          );
        })}
      </ul>
    </section>
  );
}
