import { gql } from '@urql/core';
import { useState } from 'preact/hooks';
import type { Me } from '../main';
import { fmtDate, fmtInt, ReadState, STATUS, useRead } from '../ui';

const SEARCH = gql`
  query SearchClaves($search: String!) {
    supplyItems(filter: { search: $search }, first: 100) { edges { node { id clave } } }
  }
`;
const STOCK = gql`
  query MyStock($clues: String!, $first: Int!, $after: String, $filter: StockFilter) {
    stockLevels(clues: $clues, first: $first, after: $after, filter: $filter) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges {
        node {
          id clave usable onHand expired held inTransit cpm monthsOfStock status
          supplyItem { id description presentation }
          lots { lotNumber expiresOn quantity expired held }
        }
      }
    }
  }
`;
/** The lots on hold here (alertas sanitarias): shown before anything else, with what to do. */
const HELD = gql`
  query HeldHere($clues: String!) {
    heldLots(clues: $clues) { clave description lotNumber expiresOn pieces reference reason heldAt }
  }
`;
const PAGE = 20;

function Recalled({ clues }: { clues: string }) {
  const [result] = useRead<any, any>(HELD, { clues });
  const held: any[] = result.data?.heldLots ?? [];
  if (!held.length) return null;
  return (
    <div class="recall" role="alert" id="recalled-lots">
      <h2>Lotes retenidos por alerta sanitaria ({fmtInt(held.length)})</h2>
      <p>No los surta, dispense ni consuma: sepárelos y espere la instrucción de devolución o destrucción. No cuentan como existencia utilizable.</p>
      <ul>
        {held.map((h) => (
          <li data-held-lot={h.lotNumber}>
            <span class="clave">{h.clave}</span> {h.description} · lote <strong>{h.lotNumber}</strong> · {fmtInt(h.pieces)} piezas · alerta <strong>{h.reference}</strong>
            <small class="block">{h.reason} (retenido el {new Date(h.heldAt).toLocaleDateString('es-MX', { timeZone: 'America/Mexico_City', day: 'numeric', month: 'short', year: 'numeric' })})</small>
          </li>
        ))}
      </ul>
    </div>
  );
}

export function StockView({ me }: { me: Me }) {
  const [draft, setDraft] = useState('');
  const [search, setSearch] = useState('');
  const [status, setStatus] = useState('');
  const [cursors, setCursors] = useState<Array<string | null>>([null]);
  const [open, setOpen] = useState<string | null>(null);
  const [found] = useRead<any, any>(SEARCH, { search }, !search);
  const claves: string[] | undefined = search ? found.data?.supplyItems?.edges.map((e: any) => e.node.clave) : undefined;
  const filter = { ...(claves ? { claves } : {}), ...(status ? { statuses: [status] } : {}) };
  const [result] = useRead<any, any>(STOCK, { clues: me.clues, first: PAGE, after: cursors[cursors.length - 1], filter }, !!search && !claves);
  const conn = result.data?.stockLevels;
  const rows: any[] = conn?.edges.map((e: any) => e.node) ?? [];
  const reset = () => setCursors([null]);
  return (
    <section>
      {me.clues && <Recalled clues={me.clues} />}
      <form
        class="toolbar"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          setSearch(draft.trim());
          reset();
        }}
      >
        <label class="field grow">
          <span>Buscar clave o descripción</span>
          <input id="stock-search" type="search" value={draft} onInput={(e) => setDraft(e.currentTarget.value)} placeholder="p. ej. 010.000.0104.00 o paracetamol" />
        </label>
        <label class="field">
          <span>Estado</span>
          <select id="stock-status" value={status} onChange={(e) => { setStatus(e.currentTarget.value); reset(); }}>
            <option value="">Todos</option>
            {Object.entries(STATUS).map(([k, v]) => <option value={k}>{v}</option>)}
          </select>
        </label>
        <button type="submit">Buscar</button>
      </form>
      <ReadState result={result} />
      {conn && (
        <p class="muted" id="stock-count">
          {fmtInt(conn.totalCount)} clave{conn.totalCount === 1 ? '' : 's'}
          {cursors.length > 1 ? ` · página ${cursors.length}` : ''}
        </p>
      )}
      {conn && rows.length === 0 && (
        <p class="empty" role="status">
          {search ? `Ninguna clave de su existencia coincide con «${search}». Revise la clave o busque por parte de la descripción.` : 'No hay claves con ese estado. Elija «Todos» para ver toda su existencia.'}
        </p>
      )}
      {rows.length > 0 && (
        <table class="stock">
          <caption class="sr-only">Existencia por clave</caption>
          <thead>
            <tr>
              <th scope="col">Clave</th>
              <th scope="col" class="num">Utilizable</th>
              <th scope="col" class="num">CPM</th>
              <th scope="col" class="num">Meses</th>
              <th scope="col">Estado</th>
              <th scope="col">Lotes</th>
            </tr>
          </thead>
          {rows.map((s) => (
            <tbody data-clave={s.clave}>
              <tr>
                <th scope="row">
                  <span class="clave">{s.clave}</span>
                  <span class="desc">{s.supplyItem.description}</span>
                </th>
                <td class="num" data-usable={s.usable}>
                  {fmtInt(s.usable)}
                  {s.inTransit > 0 && <small class="muted block">+{fmtInt(s.inTransit)} en camino</small>}
                  {s.held > 0 && <small class="held block" data-held={s.held}>{fmtInt(s.held)} retenidas</small>}
                </td>
                <td class="num">{fmtInt(s.cpm)}</td>
                <td class="num">{s.monthsOfStock == null ? '—' : s.monthsOfStock.toLocaleString('es-MX', { maximumFractionDigits: 1 })}</td>
                <td><span class={`status ${s.status}`}>{STATUS[s.status] ?? s.status}</span></td>
                <td>
                  {s.lots.length === 0 ? (
                    <span class="muted">sin lotes</span>
                  ) : (
                    <button type="button" class="link" aria-expanded={open === s.id} aria-controls={`lots-${s.id}`} onClick={() => setOpen(open === s.id ? null : s.id)}>
                      {s.lots.length} lote{s.lots.length > 1 ? 's' : ''}
                    </button>
                  )}
                </td>
              </tr>
              {open === s.id && (
                <tr class="lots" id={`lots-${s.id}`}>
                  <td colSpan={6}>
                    <ul>
                      {s.lots.map((l: any) => (
                        <li class={l.held ? 'held' : l.expired ? 'expired' : ''}>
                          Lote <strong>{l.lotNumber}</strong> · {fmtInt(l.quantity)} piezas · caduca {fmtDate(l.expiresOn)}
                          {l.held && ' · RETENIDO por alerta sanitaria (no se cuenta como utilizable)'}
                          {!l.held && l.expired && ' · CADUCADO (no se cuenta como utilizable)'}
                        </li>
                      ))}
                    </ul>
                  </td>
                </tr>
              )}
            </tbody>
          ))}
        </table>
      )}
      {conn && (cursors.length > 1 || conn.pageInfo.hasNextPage) && (
        <div class="pager">
          <button type="button" class="secondary" disabled={cursors.length === 1} onClick={() => setCursors(cursors.slice(0, -1))}>Anterior</button>
          <button type="button" class="secondary" disabled={!conn.pageInfo.hasNextPage} onClick={() => setCursors([...cursors, conn.pageInfo.endCursor])}>Siguiente</button>
        </div>
      )}
    </section>
  );
}
