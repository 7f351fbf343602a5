import { gql } from '@urql/core';
import { useClient } from '@urql/preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { errorMessage, recordWrite } from '../client';
import type { Me } from '../main';
import { fmtDate, fmtInt, ReadState, today, useOnline, useRead, uuid } from '../ui';

/**
 * Rutas (a warehouse): the month's rounds of Rutas de la Salud on the routes leaving from this warehouse,
 * the current and next month first; per route its units, kits, dispatched and received; its manifest
 * (stops in order with the lots to load for each, the route's pick list by lot, the day to deliver by),
 * the manifest as XLSX, a printable manifest, and «Despachar ruta» (routeDispatch: one remisión per stop).
 * Dispatching needs the network, as «Enviar lo disponible» does: the shelves must be today's.
 */
const ROUNDS = gql`
  query WarehouseRounds($clues: String!) {
    distributionRounds {
      id number month mode units kits
      kitTemplate { id code version name }
      routes { code name carrier deliveryWeek warehouseClues units kits dispatched received }
    }
    routes(warehouseClues: $clues) { id code name carrier deliveryWeek kitTemplateCode stops { position clues } }
  }
`;
const MANIFEST = gql`
  query RouteManifest($round: String!, $route: String!) {
    routeManifest(round: $round, route: $route) {
      roundNumber month routeCode routeName carrier warehouseClues kitTemplateCode deliveryWeek deliverBy asOf
      stops {
        position clues name locality kits orderNumber status shipments approved dispatched
        picks { clave lotNumber expiresOn quantity onHand expiresSoon supplyItem { id description } }
        leftBehind { clave requested sent left reason message }
      }
      picks { clave lotNumber expiresOn quantity onHand expiresSoon supplyItem { id description } }
    }
  }
`;
const MANIFEST_FILE = gql`
  query RouteManifestFile($round: String!, $route: String!) {
    routeManifestExport(round: $round, route: $route) { filename mimeType contentBase64 }
  }
`;
/** A stop's remisión once the route left (the manifest then has nothing left to pick for it). */
const SHIPMENT = gql`
  query ManifestShipment($number: String!) {
    shipment(number: $number) { id number status dispatchedAt receivedAt lines { line clave lotNumber expiresOn quantity acceptedQuantity rejectedQuantity } }
  }
`;
export const ROUTE_DISPATCH = gql`
  mutation RouteDispatch($input: RouteDispatchInput!) {
    routeDispatch(input: $input) {
      shipments { id number orderNumber status toClues to { id name } lines { line clave lotNumber expiresOn quantity } }
      skipped { clues orderNumber code message }
      userErrors { code field message }
    }
  }
`;

export const MODE: Record<string, string> = { FULL_KIT: 'kit completo', TOP_UP: 'completar al estándar' };
export const fmtMonth = (m: string) => new Date(`${m}-01T12:00:00`).toLocaleDateString('es-MX', { month: 'long', year: 'numeric' });
/** The last day of a delivery week (1 = days 1–7 … 5 = day 29 to the month's end), as the API's deliverBy. */
export function deliverBy(month: string, week: number): string {
  const [y, m] = month.split('-').map(Number);
  const last = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return `${month}-${String(week >= 5 ? last : week * 7).padStart(2, '0')}`;
}
const prevMonth = (m: string) => {
  const [y, mm] = m.split('-').map(Number);
  return new Date(Date.UTC(y, mm - 2, 1)).toISOString().slice(0, 7);
};
const pzs = (n: number) => `${fmtInt(n)} pieza${n === 1 ? '' : 's'}`;
const sum = (xs: Array<{ quantity: number }>) => xs.reduce((n, x) => n + x.quantity, 0);

/** The current month and those after it first (soonest first), then the earlier ones (latest first). */
export function sortRounds<T extends { month: string; number: string }>(rounds: T[]): T[] {
  const now = today().slice(0, 7);
  const ahead = rounds.filter((r) => r.month >= now).sort((a, b) => a.month.localeCompare(b.month) || a.number.localeCompare(b.number));
  const past = rounds.filter((r) => r.month < now).sort((a, b) => b.month.localeCompare(a.month) || b.number.localeCompare(a.number));
  return [...ahead, ...past];
}

interface Dispatched {
  shipments: Array<{ number: string; toClues: string; to: { name: string }; lines: Array<{ quantity: number }> }>;
  skipped: Array<{ clues: string; orderNumber: string; message: string }>;
}

function DispatchedPanel({ route, done }: { route: string; done: Dispatched }) {
  return (
    <div class="ok sent" role="status" data-dispatched={route}>
      <p>
        <strong>Ruta {route} despachada</strong>: {done.shipments.length} remisi{done.shipments.length === 1 ? 'ón' : 'ones'}, {pzs(done.shipments.reduce((n, s) => n + sum(s.lines), 0))}. Cada unidad
        la verá en «Por recibir».
      </p>
      <ul class="sent-lines">
        {done.shipments.map((s) => (
          <li data-shipment={s.number} data-clues={s.toClues}>
            Remisión <strong>{s.number}</strong> a {s.to.name} ({s.toClues}): {s.lines.length} lote{s.lines.length === 1 ? '' : 's'}, {pzs(sum(s.lines))}
          </li>
        ))}
      </ul>
      {done.skipped.length > 0 && (
        <>
          <p>Paradas sin remisión (no se les envió nada):</p>
          <ul class="left-behind">
            {done.skipped.map((s) => (
              <li data-skipped={s.clues}>
                {s.clues} (pedido {s.orderNumber}): {s.message}
              </li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}

function PickRows({ picks }: { picks: any[] }) {
  return (
    <>
      {picks.map((p) => (
        <tr data-lot={p.lotNumber} data-clave={p.clave}>
          <th scope="row">
            <span class="clave">{p.clave}</span>
            <span class="desc">{p.supplyItem.description}</span>
            <span class="lot">Lote <strong>{p.lotNumber}</strong></span>
          </th>
          <td>
            {fmtDate(p.expiresOn)}
            {p.expiresSoon && <small class="soon block">caduca pronto</small>}
          </td>
          <td class="num" data-quantity={p.quantity}><strong>{fmtInt(p.quantity)}</strong></td>
        </tr>
      ))}
    </>
  );
}

function ShipmentRows({ number }: { number: string }) {
  const [result] = useRead<any, any>(SHIPMENT, { number });
  const sh = result.data?.shipment;
  if (!sh)
    return (
      <tr>
        <td colSpan={3} class="muted">Remisión {number}: {result.error && !result.fetching ? errorMessage(result.error) : 'cargando sus lotes…'}</td>
      </tr>
    );
  return (
    <>
      <tr class="shipment-head" data-shipment={sh.number}>
        <td colSpan={3}>
          Remisión <strong>{sh.number}</strong>: {sh.status === 'RECEIVED' ? `recibida el ${new Date(sh.receivedAt).toLocaleDateString('es-MX')}` : `en camino desde el ${new Date(sh.dispatchedAt).toLocaleDateString('es-MX')}`}
        </td>
      </tr>
      {sh.lines.map((l: any) => (
        <tr data-shipped-lot={l.lotNumber} data-clave={l.clave}>
          <th scope="row">
            <span class="clave">{l.clave}</span>
            <span class="lot">Lote <strong>{l.lotNumber}</strong></span>
          </th>
          <td>{fmtDate(l.expiresOn)}</td>
          <td class="num">
            <strong>{fmtInt(l.quantity)}</strong>
            {sh.status === 'RECEIVED' && l.rejectedQuantity > 0 && <small class="block soon">rechazadas {fmtInt(l.rejectedQuantity)}</small>}
          </td>
        </tr>
      ))}
    </>
  );
}

function Manifest({ round, route, onDispatched }: { round: string; route: string; onDispatched: (d: Dispatched) => void }) {
  const client = useClient();
  const online = useOnline();
  const [result, refresh] = useRead<any, any>(MANIFEST, { round, route });
  const [file, refreshFile] = useRead<any, any>(MANIFEST_FILE, { round, route });
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  // one key per attempt: kept while the answer is unknown (no network), so sending it again is applied once
  const key = useRef<string | null>(null);
  const cancel = useRef<HTMLButtonElement>(null);
  const start = useRef<HTMLButtonElement>(null);
  const opened = useRef(false);
  useEffect(() => {
    if (confirming) cancel.current?.focus();
    else if (opened.current) start.current?.focus();
    opened.current = true;
  }, [confirming]);
  const m = result.data?.routeManifest;
  if (!m) return <div class="manifest"><ReadState result={result} /></div>;
  const stops: any[] = m.stops;
  const toLoad = stops.filter((s) => s.picks.length > 0);
  const pieces = sum(m.picks);
  const x = file.data?.routeManifestExport;

  async function dispatch() {
    if (!navigator.onLine) return setError('Despachar una ruta necesita conexión con el servidor: cada parada recibe su remisión con la existencia de hoy. Espere a que vuelva la red e intente de nuevo.');
    setBusy(true);
    setError('');
    const idempotencyKey = (key.current ??= uuid());
    recordWrite({ key: idempotencyKey, field: 'routeDispatch', label: `Despacho de la ruta ${route} (ronda ${round})`, ref: `${round}/${route}` });
    const r = await client.mutation(ROUTE_DISPATCH, { input: { idempotencyKey, round, route } }, { requestPolicy: 'network-only' }).toPromise();
    setBusy(false);
    setConfirming(false);
    const p = r.data?.routeDispatch;
    if (r.error?.networkError) {
      setError(`${errorMessage(r.error)} Si el despacho llegó al servidor, volver a intentarlo no lo repite.`);
      return;
    }
    key.current = null;
    const errors = r.error ? [errorMessage(r.error)] : ((p?.userErrors ?? []) as Array<{ message: string }>).map((e) => e.message);
    refresh();
    refreshFile();
    if (errors.length || !p?.shipments) return setError(`No se despachó nada. ${errors.join(' ')}`);
    onDispatched({ shipments: p.shipments, skipped: p.skipped ?? [] });
  }

  return (
    <div class="manifest" data-manifest={route}>
      <ReadState result={result} />
      <h3 class="manifest-title">
        Manifiesto de la ruta {m.routeCode} ({m.routeName}) · ronda {m.roundNumber} · {fmtMonth(m.month)}
      </h3>
      <p class="manifest-head">
        Sale de {m.warehouseClues} · transporta {m.carrier} · kit {m.kitTemplateCode} · {stops.length} parada{stops.length === 1 ? '' : 's'} ·{' '}
        <strong id="deliver-by" data-date={m.deliverBy}>entregar a más tardar el {fmtDate(m.deliverBy)}</strong> (semana {m.deliveryWeek})
      </p>
      {error && <p class="error" role="alert">{error}</p>}
      {!online && <p class="notice no-print">Sin conexión: despachar la ruta necesita la red (la existencia debe ser la de hoy). Puede imprimir el manifiesto guardado.</p>}
      {!confirming ? (
        <div class="pager no-print">
          {x ? (
            <a class="button secondary" href={`data:${x.mimeType};base64,${x.contentBase64}`} download={x.filename} data-file={x.filename}>
              Descargar XLSX
            </a>
          ) : (
            <span class="muted" role="status">{file.error ? errorMessage(file.error) : 'Preparando el XLSX…'}</span>
          )}
          <button type="button" class="secondary" onClick={() => window.print()}>Imprimir manifiesto</button>
          <button type="button" ref={start} name="dispatch-route" disabled={busy || !online || toLoad.length === 0} onClick={() => setConfirming(true)}>
            Despachar ruta
          </button>
        </div>
      ) : (
        <div class="notice confirm no-print" role="alertdialog" aria-labelledby={`dispatch-q-${route}`}>
          <p id={`dispatch-q-${route}`}>
            ¿Despachar la ruta {route}? Sale una remisión para cada una de las {toLoad.length} parada{toLoad.length === 1 ? '' : 's'} con algo que cargar: {pzs(pieces)} de{' '}
            {m.picks.length} lote{m.picks.length === 1 ? '' : 's'}, como dice el manifiesto. Las piezas salen de su existencia.
          </p>
          <div class="pager">
            <button type="button" class="secondary" ref={cancel} onClick={() => setConfirming(false)}>Cancelar</button>
            <button type="button" name="dispatch-confirm" disabled={busy} onClick={dispatch}>{busy ? 'Despachando…' : 'Sí, despachar la ruta'}</button>
          </div>
        </div>
      )}
      {toLoad.length === 0 && <p class="muted no-print">Todas las paradas ya tienen su remisión o no hay existencia que cargar: no hay nada que despachar.</p>}
      <table class="manifest-stops">
        <caption>Paradas en orden de entrega, con los lotes a cargar para cada una</caption>
        <thead>
          <tr>
            <th scope="col">Clave y lote</th>
            <th scope="col">Caduca</th>
            <th scope="col" class="num">Piezas</th>
          </tr>
        </thead>
        {stops.map((s) => (
          <tbody class="stop" data-stop={s.position} data-clues={s.clues}>
            <tr class="stop-head">
              <th scope="rowgroup" colSpan={3}>
                <span class="stop-n">{s.position}.</span> {s.name} ({s.clues}){s.locality ? ` · ${s.locality}` : ''} ·{' '}
                <span data-kits={s.kits}>{s.kits} kit{s.kits === 1 ? '' : 's'}</span> · pedido {s.orderNumber}
                {s.shipments.length > 0 && (
                  <span class="stop-sent">
                    {' '}· enviadas {fmtInt(s.dispatched)} de {fmtInt(s.approved)} piezas{s.picks.length > 0 ? '; falta cargar:' : ''}
                  </span>
                )}
              </th>
            </tr>
            <PickRows picks={s.picks} />
            {s.picks.length === 0 && s.shipments.length === 0 && s.leftBehind.length === 0 && (
              <tr><td colSpan={3} class="muted">Nada que cargar.</td></tr>
            )}
            {s.shipments.map((n: string) => <ShipmentRows key={n} number={n} />)}
            {s.leftBehind.length > 0 && (
              <tr class="left-behind">
                <td colSpan={3}>
                  <strong>No se puede cargar:</strong>
                  <ul>{s.leftBehind.map((l: any) => <li data-clave={l.clave}>{l.message}</li>)}</ul>
                </td>
              </tr>
            )}
            <tr class="print-only sign">
              <td colSpan={3}>Recibió (nombre, firma y fecha): ______________________________</td>
            </tr>
          </tbody>
        ))}
      </table>
      <table class="pick manifest-picks">
        <caption>
          Surtido de la ruta por lote (tome del anaquel en este orden): {m.picks.length} lote{m.picks.length === 1 ? '' : 's'}, {pzs(pieces)}
        </caption>
        <thead>
          <tr>
            <th scope="col">Clave y lote</th>
            <th scope="col">Caduca</th>
            <th scope="col" class="num">Piezas a surtir</th>
            <th scope="col" class="num">En el anaquel</th>
          </tr>
        </thead>
        <tbody>
          {m.picks.map((p: any) => (
            <tr data-lot={p.lotNumber} data-clave={p.clave}>
              <th scope="row">
                <span class="clave">{p.clave}</span>
                <span class="desc">{p.supplyItem.description}</span>
                <span class="lot">Lote <strong>{p.lotNumber}</strong></span>
              </th>
              <td>
                {fmtDate(p.expiresOn)}
                {p.expiresSoon && <small class="soon block">caduca pronto: que la unidad lo use primero</small>}
              </td>
              <td class="num" data-quantity={p.quantity}><strong>{fmtInt(p.quantity)}</strong></td>
              <td class="num">{fmtInt(p.onHand)}</td>
            </tr>
          ))}
          {m.picks.length === 0 && (
            <tr>
              <td colSpan={4} class="muted">
                {stops.every((s) => s.shipments.length > 0) ? 'La ruta ya salió: cada parada tiene su remisión, con sus lotes arriba.' : 'No hay existencia utilizable que cargar para esta ruta hoy.'}
              </td>
            </tr>
          )}
        </tbody>
      </table>
      <p class="muted print-only">Existencia al {fmtDate(m.asOf)}.</p>
    </div>
  );
}

function RoundCard({ round, mine, open, setOpen, done, onDispatched }: {
  round: any;
  mine: any[];
  open: string | null;
  setOpen: (k: string | null) => void;
  done: Record<string, Dispatched>;
  onDispatched: (key: string, d: Dispatched) => void;
}) {
  const openRoute = mine.find((r) => open === `${round.number}/${r.code}`)?.code;
  return (
    <li class={`card${openRoute ? ' printing' : ''}`} data-round={round.number}>
      <h2 class="no-print">
        Ronda {round.number} · {fmtMonth(round.month)}
      </h2>
      <p class="no-print">
        Kit {round.kitTemplate.code} v{round.kitTemplate.version} ({round.kitTemplate.name}) · {MODE[round.mode] ?? round.mode}
      </p>
      <table class="round-routes no-print">
        <caption class="sr-only">Rutas de su almacén en la ronda {round.number}</caption>
        <thead>
          <tr>
            <th scope="col">Ruta</th>
            <th scope="col" class="num">Unidades</th>
            <th scope="col" class="num">Kits</th>
            <th scope="col" class="num">Despachadas</th>
            <th scope="col" class="num">Recibidas</th>
            <th scope="col"><span class="sr-only">Manifiesto</span></th>
          </tr>
        </thead>
        <tbody>
          {mine.map((r) => {
            const k = `${round.number}/${r.code}`;
            return (
              <tr data-route={r.code}>
                <th scope="row">
                  <span class="clave">{r.code}</span>
                  <span class="desc">{r.name} · {r.carrier} · entrega a más tardar el {fmtDate(deliverBy(round.month, r.deliveryWeek))}</span>
                </th>
                <td class="num" data-units={r.units}>{fmtInt(r.units)}</td>
                <td class="num" data-kits={r.kits}>{fmtInt(r.kits)}</td>
                <td class="num" data-dispatched={r.dispatched}>{fmtInt(r.dispatched)}</td>
                <td class="num" data-received={r.received}>{fmtInt(r.received)}</td>
                <td>
                  <button type="button" class="secondary" data-open={r.code} aria-expanded={open === k} onClick={() => setOpen(open === k ? null : k)}>
                    {open === k ? 'Cerrar manifiesto' : `Manifiesto de ${r.code}`}
                  </button>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {mine.map((r) => done[`${round.number}/${r.code}`] && <DispatchedPanel route={r.code} done={done[`${round.number}/${r.code}`]} />)}
      {openRoute && <Manifest key={open!} round={round.number} route={openRoute} onDispatched={(d) => onDispatched(`${round.number}/${openRoute}`, d)} />}
    </li>
  );
}

export function RoutesView({ me }: { me: Me }) {
  const [result, refresh] = useRead<any, any>(ROUNDS, { clues: me.clues });
  const [open, setOpen] = useState<string | null>(null);
  const [done, setDone] = useState<Record<string, Dispatched>>({});
  const [showPast, setShowPast] = useState(false);
  const routes: any[] = result.data?.routes ?? [];
  const now = today().slice(0, 7);
  const rounds = sortRounds<any>(result.data?.distributionRounds ?? [])
    .map((r) => ({ round: r, mine: (r.routes as any[]).filter((x) => x.warehouseClues === me.clues) }))
    .filter((x) => x.mine.length > 0);
  const ahead = rounds.filter((x) => x.round.month >= now);
  const past = rounds.filter((x) => x.round.month < now);
  // last month's round stays in view (its units are still receiving); older ones on request
  const last = prevMonth(now);
  const pastShown = showPast || ahead.length === 0 ? past.slice(0, 12) : past.filter((x) => x.round.month === last);
  const shown = [...ahead, ...pastShown];
  const hidden = Math.min(12, past.length) - pastShown.length;
  const card = (x: { round: any; mine: any[] }) => (
    <RoundCard
      key={x.round.number}
      round={x.round}
      mine={x.mine}
      open={open}
      setOpen={setOpen}
      done={done}
      onDispatched={(k, d) => {
        setDone({ ...done, [k]: d });
        refresh();
      }}
    />
  );
  return (
    <section>
      <p class="muted no-print">
        Las rondas de Rutas de la Salud de las rutas que salen de su almacén: la de este mes y las siguientes primero. Abra el manifiesto de una ruta para ver qué cargar para cada parada, descárguelo o
        imprímalo, y despache la ruta entera: cada parada recibe su remisión.
      </p>
      <div class="no-print"><ReadState result={result} /></div>
      {result.data && rounds.length === 0 && (
        <p class="empty" role="status">
          {routes.length === 0
            ? 'Su almacén no tiene rutas de Rutas de la Salud. La Coordinación de Abasto o su coordinación estatal las dan de alta.'
            : `Sus rutas (${routes.map((r) => r.code).join(', ')}) no tienen ronda todavía. Cuando la coordinación arme la ronda del mes, aparecerá aquí.`}
        </p>
      )}
      <ul class="cards">{shown.map(card)}</ul>
      {hidden > 0 && (
        <div class="pager no-print">
          <button type="button" class="secondary" onClick={() => setShowPast(true)}>
            Ver {hidden} ronda{hidden === 1 ? '' : 's'} anterior{hidden === 1 ? '' : 'es'}
          </button>
        </div>
      )}
    </section>
  );
}
