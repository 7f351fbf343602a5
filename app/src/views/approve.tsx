import { gql } from '@urql/core';
import { useClient } from '@urql/preact';
import { useState } from 'preact/hooks';
import { errorMessage } from '../client';
import type { Me } from '../main';
import { fmtDate, fmtInt, ReadState, useOnline, useRead } from '../ui';

/**
 * Por aprobar (state coordinator): the orders of my state waiting for approval, oldest first, each line
 * with what its supplying warehouse holds (usable) and can still promise (available = usable − what is
 * approved and not yet sent), the pieces to approve editable (a cut), «Recortar a lo disponible», and
 * «Aprobar» or «Rechazar» with a reason. Approving needs the network: the warehouse's figures must be
 * today's, and the server caps at what is available when asked to.
 */
const WAITING = gql`
  query WaitingForApproval($after: String) {
    orders(filter: { statuses: [SUBMITTED], kinds: [REPLENISHMENT] }, first: 20, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges {
        node {
          id number status submittedAt requestingClues supplyingClues
          requesting { id name } supplying { id name }
          lines { clave requested approved supplierUsable supplierAvailable supplyItem { id description } }
        }
      }
    }
  }
`;
const APPROVE = gql`
  mutation Approve($input: OrderApproveInput!) {
    orderApprove(input: $input) {
      order { id number status approvedAt lines { clave requested approved supplierUsable supplierAvailable } }
      userErrors { code field message }
    }
  }
`;
const CANCEL = gql`
  mutation Reject($input: OrderEndInput!) {
    orderCancel(input: $input) { order { id number status endReason } userErrors { code field message } }
  }
`;

interface Line { clave: string; requested: number; supplierUsable: number | null; supplierAvailable: number | null; supplyItem: { description: string } }

function OrderToApprove({ order, onDone }: { order: any; onDone: (message: string) => void }) {
  const client = useClient();
  const online = useOnline();
  const lines: Line[] = order.lines;
  const [cut, setCut] = useState<Record<string, string>>({});
  const [capped, setCapped] = useState(false);
  const [rejecting, setRejecting] = useState(false);
  const [reason, setReason] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const value = (l: Line) => cut[l.clave] ?? String(l.requested);
  const short = lines.filter((l) => l.supplierAvailable !== null && l.supplierAvailable < Number(value(l)));

  async function send(doc: any, input: object, field: string): Promise<any | null> {
    setBusy(true);
    setError('');
    const r = await client.mutation(doc, { input }, { requestPolicy: 'network-only' }).toPromise();
    setBusy(false);
    const errors = r.error ? [errorMessage(r.error)] : ((r.data?.[field]?.userErrors ?? []) as Array<{ message: string }>).map((e) => e.message);
    if (errors.length) {
      setError(errors.join(' '));
      return null;
    }
    return r.data[field].order;
  }
  async function approve() {
    const bad = lines.find((l) => !/^\d+$/.test(value(l)) || Number(value(l)) > l.requested);
    if (bad) return setError(`${bad.clave}: las piezas a aprobar van de 0 a ${fmtInt(bad.requested)} (lo pedido).`);
    const edited = lines.filter((l) => Number(value(l)) !== l.requested).map((l) => ({ clave: l.clave, approvedQuantity: Number(value(l)) }));
    const done = await send(APPROVE, { number: order.number, ...(edited.length ? { lines: edited } : {}), ...(capped ? { capToAvailable: true } : {}) }, 'orderApprove');
    if (done) {
      const pieces = done.lines.reduce((n: number, l: any) => n + (l.approved ?? 0), 0);
      const asked = done.lines.reduce((n: number, l: any) => n + l.requested, 0);
      onDone(`Orden ${done.number} aprobada: ${fmtInt(pieces)} de ${fmtInt(asked)} piezas pedidas. El almacén ${order.supplyingClues} ya la ve en «Surtir pedidos».`);
    }
  }
  async function reject() {
    if (!reason.trim()) return setError('Escriba el motivo del rechazo: la unidad lo verá en su pedido.');
    const done = await send(CANCEL, { number: order.number, reason: reason.trim() }, 'orderCancel');
    if (done) onDone(`Orden ${done.number} rechazada: ${reason.trim()}`);
  }
  return (
    <li class="card" data-order={order.number}>
      <h2 class="order-title">Pedido {order.number}</h2>
      <p>
        De <strong>{order.requesting.name}</strong> ({order.requestingClues}) a su almacén {order.supplying?.name ?? ''} ({order.supplyingClues}) · enviado el{' '}
        {fmtDate(order.submittedAt?.slice(0, 10))}
      </p>
      <table class="approve">
        <caption class="sr-only">Renglones del pedido {order.number} con la existencia del almacén</caption>
        <thead>
          <tr>
            <th scope="col">Clave</th>
            <th scope="col" class="num">Pedidas</th>
            <th scope="col" class="num">Existencia del almacén</th>
            <th scope="col" class="num">Disponible</th>
            <th scope="col" class="num">A aprobar</th>
          </tr>
        </thead>
        <tbody>
          {lines.map((l) => (
            <tr data-clave={l.clave} class={l.supplierAvailable !== null && l.supplierAvailable < Number(value(l)) ? 'short' : undefined}>
              <th scope="row"><span class="clave">{l.clave}</span><span class="desc">{l.supplyItem.description}</span></th>
              <td class="num" data-label="Pedidas">{fmtInt(l.requested)}</td>
              <td class="num" data-label="Existencia del almacén" data-usable={l.supplierUsable ?? ''}>{fmtInt(l.supplierUsable)}</td>
              <td class="num" data-label="Disponible" data-available={l.supplierAvailable ?? ''}>{fmtInt(l.supplierAvailable)}</td>
              <td class="num" data-label="A aprobar">
                <input type="number" min={0} max={l.requested} name="approved" aria-label={`Piezas a aprobar de ${l.clave}`} value={value(l)} onInput={(e) => { setCut({ ...cut, [l.clave]: e.currentTarget.value }); setCapped(false); }} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <p class="muted">
        Disponible = existencia utilizable del almacén menos lo ya aprobado a otras unidades y aún no enviado.
        {short.length > 0 && ` ${short.length} clave${short.length > 1 ? 's piden' : ' pide'} más de lo disponible: recorte, o apruebe y el almacén enviará lo que tenga.`}
      </p>
      {rejecting && (
        <label class="field">
          <span>Motivo del rechazo</span>
          <input name="reason" value={reason} maxLength={500} onInput={(e) => setReason(e.currentTarget.value)} />
        </label>
      )}
      {error && <p class="error" role="alert">{error}</p>}
      {!online && <p class="notice">Sin conexión: aprobar necesita la existencia de hoy del almacén. Vuelva a intentarlo cuando regrese la red.</p>}
      <div class="pager">
        {!rejecting && (
          <button type="button" class="secondary" name="cut" disabled={busy || short.length === 0} onClick={() => {
            setCut(Object.fromEntries(lines.map((l) => [l.clave, String(Math.min(l.requested, l.supplierAvailable ?? l.requested))])));
            setCapped(true);
          }}>
            Recortar a lo disponible
          </button>
        )}
        <button type="button" class="secondary" name="reject" disabled={busy || !online} onClick={() => (rejecting ? reject() : setRejecting(true))}>
          {rejecting ? 'Confirmar rechazo' : 'Rechazar'}
        </button>
        {rejecting && <button type="button" class="secondary" onClick={() => { setRejecting(false); setError(''); }}>Cancelar</button>}
        {!rejecting && <button type="button" name="approve" disabled={busy || !online} onClick={approve}>Aprobar</button>}
      </div>
    </li>
  );
}

export function ApproveView(_: { me: Me }) {
  const [after, setAfter] = useState<string | null>(null);
  const [result, refresh] = useRead<any, any>(WAITING, { after });
  const [done, setDone] = useState<string[]>([]);
  const orders: any[] = result.data?.orders?.edges.map((e: any) => e.node) ?? [];
  const page = result.data?.orders;
  return (
    <section>
      <ReadState result={result} />
      {done.length > 0 && (
        <div class="ok" role="status" id="approve-done">
          {done.map((m) => <p>{m}</p>)}
        </div>
      )}
      {page && <p class="muted" id="waiting-count">{page.totalCount === 0 ? '' : `${fmtInt(page.totalCount)} pedido${page.totalCount > 1 ? 's esperan' : ' espera'} su aprobación, el más antiguo primero.`}</p>}
      {page && orders.length === 0 && <p class="empty">No hay pedidos por aprobar en su estado. Cuando una unidad envíe uno aparecerá aquí.</p>}
      <ul class="cards">
        {orders.map((o) => (
          <OrderToApprove key={o.number} order={o} onDone={(m) => { setDone([m, ...done].slice(0, 5)); refresh(); }} />
        ))}
      </ul>
      {page?.pageInfo.hasNextPage && (
        <div class="pager">
          <button type="button" class="secondary" onClick={() => setAfter(page.pageInfo.endCursor)}>Siguientes pedidos</button>
        </div>
      )}
    </section>
  );
}
