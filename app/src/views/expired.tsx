import { gql } from '@urql/core';
import { useClient } from '@urql/preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { errorMessage, recordWrite } from '../client';
import type { Me } from '../main';
import { fmtDate, fmtInt, uuid } from '../ui';

/** Every clave's expired pieces, a page at a time (stockLevels has no filter for expired stock). */
const EXPIRED_FIGURES = gql`
  query ExpiredFigures($clues: String!, $after: String) {
    stockLevels(clues: $clues, first: 100, after: $after) {
      pageInfo { hasNextPage endCursor }
      edges { node { id clave expired } }
    }
  }
`;
const EXPIRED_LOTS = gql`
  query ExpiredLots($clues: String!, $claves: [String!]) {
    stockLevels(clues: $clues, first: 100, filter: { claves: $claves }) {
      edges { node { id clave expired supplyItem { id description } lots { lotNumber expiresOn quantity expired } } }
    }
  }
`;
export const WRITE_OFF = gql`
  mutation ExpiredWriteOff($input: ExpiredWriteOffInput!) {
    expiredWriteOff(input: $input) {
      movements { id clave lotNumber expiresOn quantity note }
      stockLevels { id clave onHand usable expired lots { lotNumber expiresOn quantity expired } }
      userErrors { code field message }
      userWarnings { code field message }
    }
  }
`;

interface ExpiredLot { clave: string; description: string; lotNumber: string; expiresOn: string | null; quantity: number }

/** The expired lots still holding pieces here, read from the server (network only: it is what would be written off). */
function useExpired(clues: string): { lots: ExpiredLot[] | null; error: string; reload: () => void } {
  const client = useClient();
  const [lots, setLots] = useState<ExpiredLot[] | null>(null);
  const [error, setError] = useState('');
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let stop = false;
    (async () => {
      setError('');
      const claves: string[] = [];
      let after: string | null = null;
      for (let page = 0; page < 50; page++) {
        const r: any = await client.query(EXPIRED_FIGURES, { clues, after }, { requestPolicy: 'network-only' }).toPromise();
        if (r.error) return !stop && setError(errorMessage(r.error));
        const conn = r.data.stockLevels;
        claves.push(...conn.edges.filter((e: any) => e.node.expired > 0).map((e: any) => e.node.clave));
        if (!conn.pageInfo.hasNextPage) break;
        after = conn.pageInfo.endCursor;
      }
      const found: ExpiredLot[] = [];
      for (let i = 0; i < claves.length; i += 100) {
        const r: any = await client.query(EXPIRED_LOTS, { clues, claves: claves.slice(i, i + 100) }, { requestPolicy: 'network-only' }).toPromise();
        if (r.error) return !stop && setError(errorMessage(r.error));
        for (const e of r.data.stockLevels.edges)
          for (const l of e.node.lots)
            if (l.expired && l.quantity > 0) found.push({ clave: e.node.clave, description: e.node.supplyItem.description, lotNumber: l.lotNumber, expiresOn: l.expiresOn, quantity: l.quantity });
      }
      if (!stop) setLots(found);
    })();
    return () => {
      stop = true;
    };
  }, [clues, tick]);
  return { lots, error, reload: () => setTick(tick + 1) };
}

/** Caducados: the expired lots with pieces, and one write-off of all of them (expiredWriteOff), confirmed first. */
export function ExpiredView({ me }: { me: Me }) {
  const client = useClient();
  const { lots, error: readError, reload } = useExpired(me.clues!);
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const [done, setDone] = useState<Array<{ clave: string; lotNumber: string; expiresOn: string | null; quantity: number }> | null>(null);
  const pieces = (lots ?? []).reduce((n, l) => n + l.quantity, 0);
  const cancel = useRef<HTMLButtonElement>(null);
  const start = useRef<HTMLButtonElement>(null);
  // the question takes the focus (on Cancelar: Enter alone never writes anything off); closing it gives it back
  useEffect(() => (confirming ? cancel.current : start.current)?.focus(), [confirming]);
  async function writeOff() {
    if (!navigator.onLine) return setError('Dar de baja necesita conexión con el servidor: espere a que vuelva la red.');
    setBusy(true);
    setError('');
    const idempotencyKey = uuid();
    recordWrite({ key: idempotencyKey, field: 'expiredWriteOff', label: `Baja de caducados (${lots!.length} lote${lots!.length > 1 ? 's' : ''}, ${pieces} piezas)` });
    const r = await client.mutation(WRITE_OFF, { input: { idempotencyKey, clues: me.clues } }, { requestPolicy: 'network-only' }).toPromise();
    setBusy(false);
    setConfirming(false);
    const p = r.data?.expiredWriteOff;
    const errors = r.error ? [errorMessage(r.error)] : ((p?.userErrors ?? []) as Array<{ message: string }>).map((x) => x.message);
    if (errors.length || !p) return setError(`No se dio de baja nada. ${errors.join(' ')}`);
    setDone((p.movements ?? []).map((m: any) => ({ clave: m.clave, lotNumber: m.lotNumber, expiresOn: m.expiresOn, quantity: -m.quantity })));
    reload();
  }
  return (
    <section>
      {done && (
        <div class="ok" role="status" id="writeoff-done">
          {done.length === 0 ? (
            <p>No había lotes caducados con piezas: no se dio de baja nada.</p>
          ) : (
            <>
              <p>
                <strong>Baja registrada</strong>: {done.length} lote{done.length > 1 ? 's' : ''}, {fmtInt(done.reduce((n, d) => n + d.quantity, 0))} piezas salieron de su existencia. Retírelas
                del anaquel para su destino final.
              </p>
              <ul>
                {done.map((d) => (
                  <li data-lot={d.lotNumber}>
                    <span class="clave-inline">{d.clave}</span> lote {d.lotNumber} (caducó {fmtDate(d.expiresOn)}): {fmtInt(d.quantity)} pieza{d.quantity === 1 ? '' : 's'}
                  </li>
                ))}
              </ul>
            </>
          )}
        </div>
      )}
      <p class="muted">Lotes con la fecha de caducidad ya vencida que todavía tienen piezas en su existencia. No se pueden surtir ni dispensar; al darlos de baja su existencia queda en 0.</p>
      {readError && <p class="error" role="alert">{readError}</p>}
      {!lots && !readError && <p class="muted" role="status">Cargando…</p>}
      {lots && lots.length === 0 && <p class="empty" role="status">No tiene lotes caducados con piezas. Nada que dar de baja.</p>}
      {lots && lots.length > 0 && (
        <>
          <table class="expired-lots">
            <caption>
              {lots.length} lote{lots.length > 1 ? 's' : ''} caducado{lots.length > 1 ? 's' : ''}, {fmtInt(pieces)} piezas
            </caption>
            <thead>
              <tr><th scope="col">Clave y lote</th><th scope="col">Caducó</th><th scope="col" class="num">Piezas</th></tr>
            </thead>
            <tbody>
              {lots.map((l) => (
                <tr data-lot={l.lotNumber} data-clave={l.clave}>
                  <th scope="row"><span class="clave">{l.clave}</span><span class="desc">{l.description}</span><span class="lot-of">lote {l.lotNumber}</span></th>
                  <td class="expired">{fmtDate(l.expiresOn)}</td>
                  <td class="num">{fmtInt(l.quantity)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {error && <p class="error" role="alert">{error}</p>}
          {!confirming ? (
            <button type="button" id="writeoff" class="spaced-top" ref={start} onClick={() => setConfirming(true)}>Dar de baja caducados</button>
          ) : (
            <div class="notice confirm" role="alertdialog" aria-labelledby="writeoff-q">
              <p id="writeoff-q">
                ¿Dar de baja {fmtInt(pieces)} piezas de {lots.length} lote{lots.length > 1 ? 's' : ''} caducado{lots.length > 1 ? 's' : ''}? Salen de su existencia y no se pueden volver a
                usar.
              </p>
              <div class="pager">
                <button type="button" class="secondary" ref={cancel} onClick={() => setConfirming(false)}>Cancelar</button>
                <button type="button" id="writeoff-confirm" disabled={busy} onClick={writeOff}>{busy ? 'Dando de baja…' : 'Sí, dar de baja'}</button>
              </div>
            </div>
          )}
        </>
      )}
    </section>
  );
}
