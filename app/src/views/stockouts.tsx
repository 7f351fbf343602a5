import { gql } from '@urql/core';
import { useState } from 'preact/hooks';
import type { Me } from '../main';
import { fmtDate, fmtInt, ReadState, useRead } from '../ui';

/**
 * Desabasto en mi estado (state coordinator): the state's units with claves stocked out today, most first,
 * each with its claves (highest CPM first) and what is already on its way — to call the unit or its
 * warehouse, or to approve what is waiting. The same position and status as each unit's stock page.
 */
const STOCK_OUTS = gql`
  query StateStockOuts($state: String!) {
    stateStockOuts(stateCode: $state, first: 100, clavesPerUnit: 10) {
      stateCode asOf units unitsWithStockOuts positions formula
      rows { clues stockedOut establishment { id name } claves { clave cpm inTransit supplyItem { id description } } }
    }
  }
`;

export function StockOutsView({ me, stateCode }: { me: Me; stateCode: string }) {
  const [result] = useRead<any, any>(STOCK_OUTS, { state: stateCode });
  const [open, setOpen] = useState<string | null>(null);
  const d = result.data?.stateStockOuts;
  return (
    <section>
      <ReadState result={result} />
      {d && (
        <>
          <p id="stockouts-summary">
            Al {fmtDate(d.asOf)}: <strong>{fmtInt(d.unitsWithStockOuts)}</strong> de {fmtInt(d.units)} unidades de {me.state?.name ?? `la entidad ${d.stateCode}`} tienen al
            menos una clave en desabasto ({fmtInt(d.positions)} claves × unidad en total).
          </p>
          <details>
            <summary>¿Cómo se cuenta?</summary>
            <p class="muted">{d.formula}</p>
          </details>
          {d.rows.length === 0 && <p class="empty">Ninguna unidad de su estado tiene claves en desabasto hoy.</p>}
          <ul class="cards">
            {d.rows.map((u: any) => (
              <li class="card" data-clues={u.clues}>
                <h2 class="order-title">{u.establishment.name}</h2>
                <p>
                  {u.clues} · <strong data-stocked-out={u.stockedOut}>{fmtInt(u.stockedOut)}</strong> clave{u.stockedOut > 1 ? 's' : ''} en desabasto
                </p>
                <button type="button" class="link" aria-expanded={open === u.clues} aria-controls={open === u.clues ? `outs-${u.clues}` : undefined} onClick={() => setOpen(open === u.clues ? null : u.clues)}>
                  {open === u.clues ? 'Ocultar claves' : `Ver ${u.claves.length < u.stockedOut ? `las ${u.claves.length} de mayor CPM` : 'las claves'}`}
                </button>
                {open === u.clues && (
                  <table id={`outs-${u.clues}`}>
                    <caption class="sr-only">Claves en desabasto en {u.clues}</caption>
                    <thead><tr><th scope="col">Clave</th><th scope="col" class="num">CPM</th><th scope="col" class="num">En camino</th></tr></thead>
                    <tbody>
                      {u.claves.map((c: any) => (
                        <tr data-clave={c.clave}>
                          <th scope="row"><span class="clave">{c.clave}</span><span class="desc">{c.supplyItem.description}</span></th>
                          <td class="num">{fmtInt(c.cpm)}</td>
                          <td class="num">{fmtInt(c.inTransit)}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                )}
              </li>
            ))}
          </ul>
          {d.unitsWithStockOuts > d.rows.length && <p class="muted">Se muestran las {d.rows.length} unidades con más claves en desabasto; el detalle de cada una está en el tablero.</p>}
        </>
      )}
    </section>
  );
}
