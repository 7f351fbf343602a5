import { gql } from '@urql/core';
import { useState } from 'preact/hooks';
import type { Me } from '../main';
import { Field, fmtDate, fmtInt, ReadState, today, useRead } from '../ui';
import { deliverBy, fmtMonth, MODE } from './routes';

/**
 * Ronda del mes (a state coordinator, central): a round of Rutas de la Salud route by route — units,
 * kits, dispatched, received and the share received —, the claves the warehouse was short of (planned
 * against allocated, units short) and, per route, the centres still waiting for their kits. A
 * coordinator sees the routes that leave from its state (and their warehouses' claves); central all.
 */
const ROUNDS = gql`
  query RoundsToFollow {
    distributionRounds { id number month mode kitTemplate { id code version name } }
  }
`;
/** The routes leaving from the coordinator's state: which of a round's routes and warehouses are its to follow. */
const MY_ROUTES = gql`
  query RoutesOfMyState {
    routes { id code warehouseClues }
  }
`;
const ROUND = gql`
  query RoundToFollow($number: String!) {
    distributionRound(number: $number) {
      id number month mode units kits
      kitTemplate { id code version name }
      claves { clave warehouseClues planned available allocated units shortUnits supplyItem { id description } }
      routes { code name carrier deliveryWeek warehouseClues units kits dispatched received }
      skipped { clues name routeCode position reason message }
    }
  }
`;
const ROUTE_ORDERS = gql`
  query RoundRouteOrders($number: String!, $route: String!) {
    distributionRound(number: $number) {
      id
      orders(route: $route) {
        id number requestingClues status
        requesting { id name locality }
        lines { clave approved dispatched accepted rejected inTransit }
      }
    }
  }
`;

const pct = (n: number, d: number) => (d === 0 ? '—' : `${(Math.round((n / d) * 1000) / 10).toLocaleString('es-MX')} %`);
const total = (lines: any[], f: string) => lines.reduce((n: number, l: any) => n + (l[f] ?? 0), 0);

/** The centres of a route still waiting: nothing of their kits received yet (on the road, or not yet sent). */
function Waiting({ number, route, waiting }: { number: string; route: string; waiting: number }) {
  const [result] = useRead<any, any>(ROUTE_ORDERS, { number, route });
  const orders: any[] = result.data?.distributionRound?.orders ?? [];
  const rows = orders.map((o, i) => ({ o, stop: i + 1 })).filter(({ o }) => total(o.lines, 'accepted') + total(o.lines, 'rejected') === 0);
  return (
    <div class="waiting" data-waiting={route}>
      <ReadState result={result} />
      {result.data && rows.length === 0 && <p class="ok" role="status">Todos los centros de la ruta {route} ya recibieron su kit.</p>}
      {rows.length > 0 && (
        <>
          <p>
            {rows.length} de {orders.length} centro{orders.length === 1 ? '' : 's'} de la ruta {route} no ha{rows.length === 1 ? '' : 'n'} recibido su kit
            {rows.length !== waiting ? ` (el resumen dice ${waiting}: se está actualizando)` : ''}:
          </p>
          <ul class="waiting-list">
            {rows.map(({ o, stop }) => {
              const sent = total(o.lines, 'dispatched');
              return (
                <li data-clues={o.requestingClues} data-state={sent > 0 ? 'on-the-road' : 'not-sent'}>
                  Parada {stop}: <strong>{o.requesting.name}</strong> ({o.requestingClues}){o.requesting.locality ? `, ${o.requesting.locality}` : ''} —{' '}
                  {sent > 0 ? `en camino: ${fmtInt(total(o.lines, 'inTransit'))} piezas despachadas sin recibir` : `sin despachar: ${fmtInt(total(o.lines, 'approved'))} piezas aprobadas esperan al almacén`}{' '}
                  · pedido {o.number}
                </li>
              );
            })}
          </ul>
        </>
      )}
    </div>
  );
}

function RoundDetail({ number, scope }: { number: string; scope: { codes: Set<string>; warehouses: Set<string> } | null }) {
  const [result] = useRead<any, any>(ROUND, { number });
  const [open, setOpen] = useState<Record<string, boolean>>({});
  const r = result.data?.distributionRound;
  if (!r) return <ReadState result={result} />;
  const routes: any[] = scope ? r.routes.filter((x: any) => scope.codes.has(x.code)) : r.routes;
  const claves: any[] = scope ? r.claves.filter((c: any) => scope.warehouses.has(c.warehouseClues)) : r.claves;
  const short = claves.filter((c) => c.shortUnits > 0 || c.allocated < c.planned);
  const sums = routes.reduce((s, x) => ({ units: s.units + x.units, kits: s.kits + x.kits, dispatched: s.dispatched + x.dispatched, received: s.received + x.received }), { units: 0, kits: 0, dispatched: 0, received: 0 });
  return (
    <div class="round" data-round={r.number}>
      <ReadState result={result} />
      <h2>
        Ronda {r.number} · {fmtMonth(r.month)}
      </h2>
      <p id="round-summary">
        Kit {r.kitTemplate.code} v{r.kitTemplate.version} ({r.kitTemplate.name}) · {MODE[r.mode] ?? r.mode} · {routes.length} ruta{routes.length === 1 ? '' : 's'}, {fmtInt(sums.units)} unidades,{' '}
        {fmtInt(sums.kits)} kits · despachadas {fmtInt(sums.dispatched)}, recibidas {fmtInt(sums.received)} ({pct(sums.received, sums.units)})
      </p>
      {routes.length === 0 ? (
        <p class="empty">Ninguna ruta de esta ronda sale de su estado.</p>
      ) : (
        <table class="round-progress">
          <caption>Avance ruta por ruta</caption>
          <thead>
            <tr>
              <th scope="col">Ruta</th>
              <th scope="col" class="num">Unidades</th>
              <th scope="col" class="num">Kits</th>
              <th scope="col" class="num">Despachadas</th>
              <th scope="col" class="num">Recibidas</th>
              <th scope="col" class="num">% recibido</th>
            </tr>
          </thead>
          {routes.map((x) => {
            const waiting = x.units - x.received;
            return (
              <tbody data-route={x.code}>
                <tr>
                  <th scope="row">
                    <span class="clave">{x.code}</span>
                    <span class="desc">
                      {x.name} · sale de {x.warehouseClues} · {x.carrier} · a más tardar el {fmtDate(deliverBy(r.month, x.deliveryWeek))}
                    </span>
                  </th>
                  <td class="num" data-units={x.units}>{fmtInt(x.units)}</td>
                  <td class="num" data-kits={x.kits}>{fmtInt(x.kits)}</td>
                  <td class="num" data-dispatched={x.dispatched}>{fmtInt(x.dispatched)}</td>
                  <td class="num" data-received={x.received}>{fmtInt(x.received)}</td>
                  <td class="num" data-pct>{pct(x.received, x.units)}</td>
                </tr>
                {waiting > 0 && (
                  <tr class="sub">
                    <td colSpan={6}>
                      <button type="button" class="link" data-open={x.code} aria-expanded={!!open[x.code]} onClick={() => setOpen({ ...open, [x.code]: !open[x.code] })}>
                        {open[x.code] ? `Ocultar centros en espera de ${x.code}` : `Centros en espera de ${x.code} (${waiting})`}
                      </button>
                      {open[x.code] && <Waiting number={r.number} route={x.code} waiting={waiting} />}
                    </td>
                  </tr>
                )}
              </tbody>
            );
          })}
        </table>
      )}
      <h3 class="spaced">Claves que quedaron cortas</h3>
      {claves.length === 0 ? null : short.length === 0 ? (
        <p class="ok" id="no-short">Los almacenes tuvieron de todas las claves del kit: cada unidad recibe lo planeado ({claves.length} clave{claves.length === 1 ? '' : 's'}).</p>
      ) : (
        <table class="round-claves">
          <caption class="sr-only">Claves del kit que el almacén no alcanzó a cubrir</caption>
          <thead>
            <tr>
              <th scope="col">Clave</th>
              <th scope="col" class="num">Planeado</th>
              <th scope="col" class="num">Disponible</th>
              <th scope="col" class="num">Asignado</th>
              <th scope="col" class="num">Unidades cortas</th>
            </tr>
          </thead>
          <tbody>
            {short.map((c) => (
              <tr data-clave={c.clave} data-warehouse={c.warehouseClues}>
                <th scope="row">
                  <span class="clave">{c.clave}</span>
                  <span class="desc">{c.supplyItem.description} · almacén {c.warehouseClues}</span>
                </th>
                <td class="num" data-planned={c.planned}>{fmtInt(c.planned)}</td>
                <td class="num">{fmtInt(c.available)}</td>
                <td class="num" data-allocated={c.allocated}>{fmtInt(c.allocated)}</td>
                <td class="num" data-short={c.shortUnits}>
                  {fmtInt(c.shortUnits)} de {fmtInt(c.units)} <small class="block muted">faltan {fmtInt(c.planned - c.allocated)} piezas</small>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {short.length > 0 && short.length < claves.length && (
        <p class="muted">{claves.length - short.length === 1 ? 'La otra clave del kit se asignó completa.' : `Las otras ${claves.length - short.length} claves del kit se asignaron completas.`}</p>
      )}
      {r.skipped.length > 0 && (
        <>
          <h3 class="spaced">Centros sin pedido en esta ronda ({fmtInt(r.skipped.length)})</h3>
          <p class="muted">Están en las rutas del kit pero no recibieron nada; otra ronda del mes aún puede surtirlos.</p>
          <ul class="skipped-list">
            {r.skipped.map((k: any) => (
              <li data-skipped={k.clues} data-reason={k.reason}>
                Ruta <span class="clave">{k.routeCode}</span>, parada {k.position}: <strong>{k.name}</strong> ({k.clues}) — {k.message}
              </li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}

export function RoundView({ me }: { me: Me }) {
  const [result] = useRead<any, any>(ROUNDS, {});
  const coordinator = me.role === 'STATE_COORDINATOR';
  const [mine] = useRead<any, any>(MY_ROUTES, {}, !coordinator);
  const [chosen, setChosen] = useState<string | null>(null);
  const rounds: any[] = result.data?.distributionRounds ?? [];
  // the month's round when there is one, else the latest
  const number = chosen ?? rounds.find((r) => r.month === today().slice(0, 7))?.number ?? rounds[0]?.number ?? null;
  // a coordinator follows the routes that leave from its state; central, every route
  const routes: any[] | undefined = mine.data?.routes;
  const scope = coordinator ? { codes: new Set<string>((routes ?? []).map((x) => x.code)), warehouses: new Set<string>((routes ?? []).map((x) => x.warehouseClues)) } : null;
  return (
    <section>
      <p class="muted">El avance de una ronda de Rutas de la Salud: qué salió del almacén, qué llegó a cada centro y qué faltó en el almacén para completar los kits.</p>
      <ReadState result={result} />
      {result.data && rounds.length === 0 && (
        <p class="empty" role="status">Todavía no hay rondas de Rutas de la Salud {me.role === 'STATE_COORDINATOR' ? 'con unidades de su estado' : ''}. Cuando se arme la del mes, aparecerá aquí.</p>
      )}
      {rounds.length > 0 && (
        <div class="toolbar">
          <Field label="Ronda">
            <select id="round-pick" value={number ?? ''} onChange={(e) => setChosen(e.currentTarget.value)}>
              {rounds.map((r) => (
                <option value={r.number}>
                  {r.number} · {fmtMonth(r.month)} · {r.kitTemplate.code} ({MODE[r.mode] ?? r.mode})
                </option>
              ))}
            </select>
          </Field>
        </div>
      )}
      {coordinator && !routes && <ReadState result={mine} />}
      {number && (!coordinator || routes) && <RoundDetail key={number} number={number} scope={scope} />}
    </section>
  );
}
