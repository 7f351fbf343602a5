import { gql } from '@urql/core';
import { useClient } from '@urql/preact';
import { useState } from 'preact/hooks';
import { errorMessage } from '../client';
import type { Me } from '../main';
import { fmtInt, ReadState, useRead, uuid } from '../ui';

const ORDERS = gql`
  query MyOrders($clues: String!) {
    orders(filter: { requestingClues: $clues, kinds: [REPLENISHMENT], statuses: [DRAFT, SUBMITTED, APPROVED, PARTIALLY_FULFILLED] }, first: 20) {
      edges {
        node {
          id number status createdAt submittedAt approvedAt supplyingClues
          lines { clave requested approved dispatched accepted inTransit supplyItem { id description } }
        }
      }
    }
  }
`;
const SUGGESTION = gql`
  query Suggestion($clues: String!) {
    suggestedOrder(clues: $clues) { clave usable cpm inTransit quantity supplierAvailable supplyItem { id description } }
  }
`;
const CREATE = gql`
  mutation DraftFromSuggestion($input: OrderCreateInput!) {
    orderCreate(input: $input) { order { id number status } userErrors { code field message } }
  }
`;
const UPDATE = gql`
  mutation DraftUpdate($input: OrderUpdateInput!) {
    orderUpdate(input: $input) { order { id status lines { clave requested approved dispatched accepted inTransit supplyItem { id description } } } userErrors { code field message } }
  }
`;
const SUBMIT = gql`
  mutation DraftSubmit($input: OrderNumberInput!) {
    orderSubmit(input: $input) { order { id status submittedAt } userErrors { code field message } }
  }
`;
export const ORDER_STATUS: Record<string, string> = {
  DRAFT: 'Borrador',
  SUBMITTED: 'Enviado: espera la aprobación de su coordinación',
  APPROVED: 'Aprobado: espera el despacho del almacén',
  PARTIALLY_FULFILLED: 'Surtido en parte: lo demás sigue en camino o pendiente',
  FULFILLED: 'Surtido',
  CANCELLED: 'Cancelado',
  CLOSED: 'Cerrado',
};

/** Orders need the network (they are not urgent at the counter): a failure says so and nothing is queued. */
function useAct() {
  const client = useClient();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  async function act(doc: any, input: object, field: string): Promise<boolean> {
    setBusy(true);
    setError('');
    const r = await client.mutation(doc, { input }, { requestPolicy: 'network-only' }).toPromise();
    setBusy(false);
    const errors = r.error ? [errorMessage(r.error)] : ((r.data?.[field]?.userErrors ?? []) as Array<{ message: string }>).map((e) => e.message);
    setError(errors.join(' '));
    return errors.length === 0;
  }
  return { act, busy, error };
}

function Draft({ order, refresh }: { order: any; refresh: () => void }) {
  const { act, busy, error } = useAct();
  const [edits, setEdits] = useState<Record<string, string>>({});
  const changed = Object.entries(edits).filter(([clave, v]) => v !== String(order.lines.find((l: any) => l.clave === clave)?.requested));
  async function save() {
    const lines = changed.map(([clave, v]) => (Number(v) === 0 ? { clave, remove: true } : { clave, quantity: Number(v) }));
    if (await act(UPDATE, { number: order.number, lines }, 'orderUpdate')) setEdits({});
    refresh();
  }
  return (
    <div class="card" data-order={order.number} data-status={order.status}>
      <h2>Pedido {order.number} · {ORDER_STATUS.DRAFT}</h2>
      <p class="muted">Ajuste las piezas que pide (0 quita la clave), guarde, y envíelo a su almacén {order.supplyingClues}. Su coordinación lo aprueba.</p>
      <table>
        <caption class="sr-only">Renglones del borrador {order.number}</caption>
        <thead><tr><th scope="col">Clave</th><th scope="col" class="num">Piezas que pide</th></tr></thead>
        <tbody>
          {order.lines.map((l: any) => (
            <tr data-clave={l.clave}>
              <th scope="row"><span class="clave">{l.clave}</span><span class="desc">{l.supplyItem.description}</span></th>
              <td class="num">
                <input type="number" min={0} name="requested" aria-label={`Piezas de ${l.clave}`} value={edits[l.clave] ?? String(l.requested)} onInput={(e) => setEdits({ ...edits, [l.clave]: e.currentTarget.value })} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {error && <p class="error" role="alert">{error}</p>}
      <div class="pager">
        <button type="button" class="secondary" id="order-save" disabled={busy || changed.length === 0} onClick={save}>Guardar cambios</button>
        <button type="button" id="order-submit" disabled={busy || changed.length > 0} onClick={async () => { await act(SUBMIT, { number: order.number }, 'orderSubmit'); refresh(); }}>
          Enviar a mi almacén
        </button>
      </div>
    </div>
  );
}

export function OrderView({ me }: { me: Me }) {
  const [result, refresh] = useRead<any, any>(ORDERS, { clues: me.clues });
  const orders: any[] = result.data?.orders?.edges.map((e: any) => e.node) ?? [];
  const draft = orders.find((o) => o.status === 'DRAFT');
  const [suggestion] = useRead<any, any>(SUGGESTION, { clues: me.clues }, !result.data || !!draft);
  const { act, busy, error } = useAct();
  const lines: any[] = suggestion.data?.suggestedOrder ?? [];
  return (
    <section>
      <ReadState result={result} />
      {draft && <Draft order={draft} refresh={refresh} />}
      {!draft && result.data && (
        <div class="card">
          <h2>Sugerencia de hoy</h2>
          <ReadState result={suggestion} />
          {suggestion.data && lines.length === 0 && <p class="empty">Su existencia cubre el máximo en todas las claves: no hay nada que pedir hoy.</p>}
          {lines.length > 0 && (
            <>
              <p class="muted">Lo que falta para llegar al máximo de meses de existencia, con lo que ya viene en camino descontado.</p>
              <details>
                <summary>Ver las {lines.length} claves sugeridas ({fmtInt(lines.reduce((n, l) => n + l.quantity, 0))} piezas)</summary>
              <table>
                <caption class="sr-only">Pedido sugerido</caption>
                <thead><tr><th scope="col">Clave</th><th scope="col" class="num">Utilizable</th><th scope="col" class="num">CPM</th><th scope="col" class="num">Sugerido</th></tr></thead>
                <tbody>
                  {lines.map((l) => (
                    <tr><th scope="row"><span class="clave">{l.clave}</span><span class="desc">{l.supplyItem.description}</span></th><td class="num">{fmtInt(l.usable)}</td><td class="num">{fmtInt(l.cpm)}</td><td class="num">{fmtInt(l.quantity)}</td></tr>
                  ))}
                </tbody>
              </table>
              </details>
              {error && <p class="error" role="alert">{error}</p>}
              <button type="button" id="order-create" disabled={busy} onClick={async () => { await act(CREATE, { idempotencyKey: uuid(), kind: 'REPLENISHMENT', requestingClues: me.clues, fromSuggestion: true }, 'orderCreate'); refresh(); }}>
                Crear borrador con la sugerencia
              </button>
            </>
          )}
        </div>
      )}
      {orders.filter((o) => o.status !== 'DRAFT').length > 0 && <h2 class="spaced">Mis pedidos en curso</h2>}
      <ul class="cards">
        {orders.filter((o) => o.status !== 'DRAFT').map((o) => (
          <li class="card" data-order={o.number} data-status={o.status}>
            <h3>Pedido {o.number}</h3>
            <p>{ORDER_STATUS[o.status] ?? o.status}</p>
            <table>
              <caption class="sr-only">Seguimiento del pedido {o.number}</caption>
              <thead><tr><th scope="col">Clave</th><th scope="col" class="num">Pedidas</th><th scope="col" class="num">Aprobadas</th><th scope="col" class="num">En camino</th><th scope="col" class="num">Recibidas</th></tr></thead>
              <tbody>
                {o.lines.map((l: any) => (
                  <tr><th scope="row"><span class="clave">{l.clave}</span></th><td class="num">{fmtInt(l.requested)}</td><td class="num">{fmtInt(l.approved)}</td><td class="num">{fmtInt(l.inTransit)}</td><td class="num">{fmtInt(l.accepted)}</td></tr>
                ))}
              </tbody>
            </table>
          </li>
        ))}
      </ul>
    </section>
  );
}
