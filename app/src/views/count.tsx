import { gql } from '@urql/core';
import { useClient } from '@urql/preact';
import { useState } from 'preact/hooks';
import { errorMessage, recordWrite } from '../client';
import type { Me } from '../main';
import { Field, fmtDate, fmtInt, ReadState, useRead, uuid } from '../ui';

const SEARCH = gql`
  query CountSearch($search: String!) {
    supplyItems(filter: { search: $search }, first: 100) { edges { node { id clave } } }
  }
`;
const SHELF = gql`
  query CountShelf($clues: String!, $first: Int!, $after: String, $filter: StockFilter) {
    stockLevels(clues: $clues, first: $first, after: $after, filter: $filter) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { node { id clave supplyItem { id description } lots { lotNumber expiresOn quantity expired } } }
    }
  }
`;
export const COUNT = gql`
  mutation StockCount($input: StockCountInput!) {
    stockCount(input: $input) {
      movements { id clave lotNumber quantity note }
      stockLevels { id clave onHand usable expired lots { lotNumber expiresOn quantity expired } }
      userErrors { code field message }
      userWarnings { code field message }
    }
  }
`;
const PAGE = 20;
const CLAVE = /^\d{3}\.\d{3}\.\d{4}\.\d{2}$/;

/** A lot of the list the user counted (kept across pages and searches until the count is posted). */
interface Counted { clave: string; lotNumber: string; counted: string }
interface Found { clave: string; lotNumber: string; counted: string }
interface Variance { clave: string; lotNumber: string; expected: number; counted: number }

const key = (clave: string, lot: string) => `${clave}|${lot}`;

export function variancePct(v: Variance): string {
  if (v.expected === 0) return v.counted === 0 ? '0 %' : '—';
  return `${((v.counted - v.expected) / v.expected * 100).toLocaleString('es-MX', { maximumFractionDigits: 1, signDisplay: 'exceptZero' })} %`;
}
const signed = (n: number) => (n > 0 ? `+${fmtInt(n)}` : fmtInt(n));

function VarianceTable({ rows, blind }: { rows: Variance[]; blind: boolean }) {
  const off = rows.filter((r) => r.counted !== r.expected);
  const net = rows.reduce((n, r) => n + r.counted - r.expected, 0);
  return (
    <div class="ok variance" role="status" id="count-variance">
      <p>
        <strong>Conteo registrado{blind ? ' (a ciegas)' : ''}</strong>: {rows.length} lote{rows.length > 1 ? 's' : ''} contado{rows.length > 1 ? 's' : ''},{' '}
        {off.length === 0 ? 'todos coinciden con lo registrado.' : `${off.length} con diferencia (${signed(net)} piezas en total). La existencia de esos lotes quedó igual a lo contado.`}
      </p>
      <table>
        <caption class="sr-only">Diferencias del conteo</caption>
        <thead>
          <tr>
            <th scope="col">Clave y lote</th>
            <th scope="col" class="num">Esperadas</th>
            <th scope="col" class="num">Contadas</th>
            <th scope="col" class="num">Diferencia</th>
            <th scope="col" class="num">%</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr data-lot={r.lotNumber} class={r.counted !== r.expected ? 'off' : ''}>
              <th scope="row"><span class="clave">{r.clave}</span><span class="desc">Lote {r.lotNumber}</span></th>
              <td class="num" data-expected={r.expected}>{fmtInt(r.expected)}</td>
              <td class="num" data-counted={r.counted}>{fmtInt(r.counted)}</td>
              <td class="num" data-variance={r.counted - r.expected}>{signed(r.counted - r.expected)}</td>
              <td class="num">{variancePct(r)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Conteo físico: the lots on the shelf, counted pieces typed per lot, posted as one stockCount; then expected vs counted. */
export function CountView({ me }: { me: Me }) {
  const client = useClient();
  const [blind, setBlind] = useState(false);
  const [draft, setDraft] = useState('');
  const [search, setSearch] = useState('');
  const [cursors, setCursors] = useState<Array<string | null>>([null]);
  const [counted, setCounted] = useState<Record<string, Counted>>({});
  const [found, setFound] = useState<Found[]>([]);
  const [doc, setDoc] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<{ rows: Variance[]; blind: boolean; warnings: string[] } | null>(null);
  const [hits] = useRead<any, any>(SEARCH, { search }, !search);
  const claves: string[] | undefined = search ? hits.data?.supplyItems?.edges.map((e: any) => e.node.clave) : undefined;
  const [result, refresh] = useRead<any, any>(SHELF, { clues: me.clues, first: PAGE, after: cursors[cursors.length - 1], filter: claves ? { claves } : null }, !!search && !claves);
  const conn = result.data?.stockLevels;
  const rows: any[] = (conn?.edges.map((e: any) => e.node) ?? []).filter((s: any) => s.lots.length > 0);
  const typed = Object.values(counted).filter((c) => c.counted.trim() !== '');
  const foundTyped = found.filter((f) => f.clave.trim() || f.lotNumber.trim() || f.counted.trim());
  const total = typed.length + foundTyped.length;

  const setCount = (s: any, l: any, value: string) =>
    setCounted({ ...counted, [key(s.clave, l.lotNumber)]: { clave: s.clave, lotNumber: l.lotNumber, counted: value } });

  async function post(e: Event) {
    e.preventDefault();
    const lines: Array<{ clave: string; lotNumber: string; quantity: number }> = [];
    for (const c of typed) {
      const q = Number(c.counted);
      if (!Number.isInteger(q) || q < 0) return setError(`Lote ${c.lotNumber} de ${c.clave}: escriba las piezas contadas (0 o más, sin decimales).`);
      lines.push({ clave: c.clave, lotNumber: c.lotNumber, quantity: q });
    }
    for (const [i, f] of foundTyped.entries()) {
      const q = Number(f.counted);
      if (!CLAVE.test(f.clave.trim())) return setError(`Lote encontrado ${i + 1}: la clave tiene la forma 010.000.0104.00.`);
      if (!f.lotNumber.trim()) return setError(`Lote encontrado ${i + 1}: escriba el número de lote que trae la caja.`);
      if (f.counted.trim() === '' || !Number.isInteger(q) || q < 0) return setError(`Lote encontrado ${i + 1}: escriba las piezas contadas (0 o más).`);
      if (lines.some((l) => l.clave === f.clave.trim() && l.lotNumber === f.lotNumber.trim()))
        return setError(`El lote ${f.lotNumber.trim()} de ${f.clave.trim()} ya está contado en la lista: escríbalo una sola vez.`);
      lines.push({ clave: f.clave.trim(), lotNumber: f.lotNumber.trim(), quantity: q });
    }
    if (!lines.length) return setError('Escriba las piezas contadas de al menos un lote.');
    if (!navigator.onLine) return setError('Registrar el conteo necesita conexión con el servidor (compara con la existencia de ese momento): espere a que vuelva la red.');
    setError('');
    setBusy(true);
    const idempotencyKey = uuid();
    recordWrite({ key: idempotencyKey, field: 'stockCount', label: `Conteo físico de ${lines.length} lote${lines.length > 1 ? 's' : ''}${doc.trim() ? ` (acta ${doc.trim()})` : ''}` });
    const r = await client
      .mutation(COUNT, { input: { idempotencyKey, clues: me.clues, ...(doc.trim() ? { document: doc.trim() } : {}), lines } }, { requestPolicy: 'network-only' })
      .toPromise();
    setBusy(false);
    const p = r.data?.stockCount;
    const errors = r.error ? [errorMessage(r.error)] : ((p?.userErrors ?? []) as Array<{ message: string }>).map((x) => x.message);
    if (errors.length || !p) return setError(`No se registró nada del conteo. ${errors.join(' ')}`);
    // The server sets each lot to what was counted: its movement is counted − what it held as of the count
    // (none when they matched), so the expected pieces are the server's, not those on the screen a while ago.
    const moved = new Map<string, number>((p.movements ?? []).map((m: any) => [key(m.clave, m.lotNumber), m.quantity]));
    const rows: Variance[] = lines.map((l) => ({ clave: l.clave, lotNumber: l.lotNumber, counted: l.quantity, expected: l.quantity - (moved.get(key(l.clave, l.lotNumber)) ?? 0) }));
    setDone({ rows, blind, warnings: (p.userWarnings ?? []).map((w: any) => w.message) });
    setCounted({});
    setFound([]);
    setDoc('');
    refresh();
  }

  return (
    <section>
      {done && (
        <>
          <VarianceTable rows={done.rows} blind={done.blind} />
          {done.warnings.length > 0 && <ul class="warnings">{done.warnings.map((m) => <li>{m}</li>)}</ul>}
          <button type="button" class="secondary" id="count-again" onClick={() => setDone(null)}>Hacer otro conteo</button>
        </>
      )}
      {!done && (
        <>
          <p class="muted">
            Escriba las piezas que encuentra en el anaquel por lote. Solo se registran los lotes que usted cuente: los demás conservan su existencia, así que puede contar
            por partes (un pasillo, una clave).
          </p>
          <label class="check" id="blind-label">
            <input type="checkbox" id="count-blind" checked={blind} onChange={(e) => setBlind(e.currentTarget.checked)} /> Conteo a ciegas: no mostrar las piezas esperadas
            hasta registrar
          </label>
          <form
            class="toolbar"
            role="search"
            onSubmit={(e) => {
              e.preventDefault();
              setSearch(draft.trim());
              setCursors([null]);
            }}
          >
            <label class="field grow">
              <span>Buscar clave o descripción</span>
              <input id="count-search" type="search" value={draft} onInput={(e) => setDraft(e.currentTarget.value)} placeholder="p. ej. 010.000.0104.00 o paracetamol" />
            </label>
            <button type="submit">Buscar</button>
          </form>
          <ReadState result={result} />
          {conn && rows.length === 0 && (
            <p class="empty" role="status">
              {search ? `Ninguna clave con piezas coincide con «${search}». Si encontró en el anaquel un lote que el sistema no tiene, agréguelo abajo.` : 'No hay lotes con piezas en esta ubicación. Si encontró piezas en el anaquel, agregue el lote abajo.'}
            </p>
          )}
          <form onSubmit={post} id="count-form">
            {rows.length > 0 && (
              <table class="count">
                <caption class="sr-only">Lotes por contar</caption>
                <thead>
                  <tr>
                    <th scope="col">Clave y lote</th>
                    <th scope="col">Caduca</th>
                    {!blind && <th scope="col" class="num">Esperadas</th>}
                    <th scope="col" class="num">Contadas</th>
                  </tr>
                </thead>
                {rows.map((s) => (
                  <tbody data-clave={s.clave}>
                    {s.lots.map((l: any, i: number) => (
                      <tr data-lot={l.lotNumber}>
                        <th scope="row">
                          {i === 0 && <span class="clave">{s.clave}</span>}
                          {i === 0 && <span class="desc">{s.supplyItem.description}</span>}
                          <span class="lot">Lote <strong>{l.lotNumber}</strong></span>
                        </th>
                        <td class={l.expired ? 'expired' : ''}>{fmtDate(l.expiresOn)}{l.expired ? ' · caducado' : ''}</td>
                        {!blind && <td class="num">{fmtInt(l.quantity)}</td>}
                        <td class="num">
                          <input
                            type="number"
                            min={0}
                            name="counted"
                            inputMode="numeric"
                            aria-label={`Piezas contadas del lote ${l.lotNumber} de ${s.clave}`}
                            value={counted[key(s.clave, l.lotNumber)]?.counted ?? ''}
                            onInput={(e) => setCount(s, l, e.currentTarget.value)}
                          />
                        </td>
                      </tr>
                    ))}
                  </tbody>
                ))}
              </table>
            )}
            {conn && (cursors.length > 1 || conn.pageInfo.hasNextPage) && (
              <div class="pager">
                <span class="muted">Lo contado se conserva al cambiar de página.</span>
                <button type="button" class="secondary" disabled={cursors.length === 1} onClick={() => setCursors(cursors.slice(0, -1))}>Anterior</button>
                <button type="button" class="secondary" disabled={!conn.pageInfo.hasNextPage} onClick={() => setCursors([...cursors, conn.pageInfo.endCursor])}>Siguiente</button>
              </div>
            )}
            <fieldset>
              <legend>Lotes encontrados que no aparecen en la lista</legend>
              <p class="muted">
                Un lote que ya entró alguna vez a la red (aquí o en otra unidad) se cuenta aquí. Uno que nunca ha entrado lo rechaza el servidor: regístrelo primero como
                entrada, con su caducidad.
              </p>
              {found.map((f, i) => (
                <div class="row line" data-found={i}>
                  <Field label={`Clave ${i + 1}`}><input name="found-clave" value={f.clave} onInput={(e) => setFound(found.map((x, j) => (j === i ? { ...x, clave: e.currentTarget.value } : x)))} placeholder="010.000.0104.00" autocomplete="off" /></Field>
                  <Field label="Lote"><input name="found-lot" value={f.lotNumber} onInput={(e) => setFound(found.map((x, j) => (j === i ? { ...x, lotNumber: e.currentTarget.value } : x)))} autocomplete="off" /></Field>
                  <Field label="Piezas contadas"><input name="found-counted" type="number" min={0} value={f.counted} onInput={(e) => setFound(found.map((x, j) => (j === i ? { ...x, counted: e.currentTarget.value } : x)))} /></Field>
                  <button type="button" class="secondary" onClick={() => setFound(found.filter((_, j) => j !== i))}>Quitar lote {i + 1}</button>
                </div>
              ))}
              <button type="button" class="secondary" id="count-add-found" onClick={() => setFound([...found, { clave: '', lotNumber: '', counted: '' }])}>Agregar lote encontrado</button>
            </fieldset>
            <div class="row">
              <Field label="Acta o folio del conteo (opcional)"><input id="count-doc" value={doc} onInput={(e) => setDoc(e.currentTarget.value)} maxLength={100} autocomplete="off" /></Field>
            </div>
            <p class="muted" id="count-summary" role="status">
              {total === 0 ? 'Aún no ha contado ningún lote.' : `${total} lote${total > 1 ? 's' : ''} contado${total > 1 ? 's' : ''}: solo ${total > 1 ? 'esos se corrigen' : 'ese se corrige'}; los demás conservan su existencia.`}
            </p>
            {error && <p class="error" role="alert">{error}</p>}
            <button type="submit" id="count-post" disabled={busy || total === 0}>{busy ? 'Registrando…' : `Registrar conteo${total ? ` (${total} lote${total > 1 ? 's' : ''})` : ''}`}</button>
          </form>
        </>
      )}
    </section>
  );
}
