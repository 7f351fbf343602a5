import { gql } from '@urql/core';
import { useClient } from '@urql/preact';
import { useState } from 'preact/hooks';
import { cpmDeviation, needsJustification } from '../../../src/domain/cpm-deviation';
import { errorMessage } from '../client';
import type { Me } from '../main';
import { fmtInt, fmtTime, ReadState, useOnline, useRead } from '../ui';

/**
 * Mi CPM: the unit's consumo promedio mensual for a fiscal year — proposed from the calculation, each
 * value beside the calculated one with the calculation behind it (month by month: consumption, days,
 * days stocked out, the adjusted value, the formula), edited while it is open with a justification where
 * it strays more than 50 % from the calculation, then ratified; its history below. Needs the network.
 */
const SUBMISSION = gql`
  query MyCpm($clues: String!, $year: Int!) {
    cpmSubmission(clues: $clues, year: $year) {
      id year status proposedAt proposedBy ratifiedAt ratifiedBy calculatedFrom
      lines { clave calculated cpm deviation justification supplyItem { id description } }
      history { action actor at linesChanged reason }
    }
  }
`;
const CALCULATION = gql`
  query CpmBehind($clues: String!, $clave: String!, $month: String!) {
    cpmCalculation(clues: $clues, clave: $clave, month: $month) {
      clave month value formula lookbackMonths monthsKept adjustedTotal reason
      months { month consumption days stockOutDays adjusted included excludedReason }
    }
  }
`;
const FIELDS = 'submission { id status proposedAt ratifiedAt ratifiedBy lines { clave calculated cpm deviation justification } history { action actor at linesChanged reason } } userErrors { code field message }';
const PROPOSE = gql`mutation CpmPropose($input: CpmSubmissionKeyInput!) { cpmSubmissionPropose(input: $input) { ${FIELDS} } }`;
const UPDATE = gql`mutation CpmUpdate($input: CpmSubmissionUpdateInput!) { cpmSubmissionUpdate(input: $input) { ${FIELDS} } }`;
const RATIFY = gql`mutation CpmRatify($input: CpmSubmissionKeyInput!) { cpmSubmissionRatify(input: $input) { ${FIELDS} } }`;

const STATUS: Record<string, string> = {
  PROPOSED: 'Propuesta: puede ajustarla y ratificarla',
  RETURNED: 'Devuelta por la Coordinación de Abasto: corríjala y ratifíquela de nuevo',
  RATIFIED: 'Ratificada: es la que usan el pedido, el plan de compras y el indicador 51',
};
const ACTION: Record<string, string> = { PROPOSED: 'Propuesta', UPDATED: 'Cambios', RATIFIED: 'Ratificada', RETURNED: 'Devuelta' };
const PAGE = 25;
const pct = (d: number | null) => (d === null ? '—' : `${d > 0 ? '+' : ''}${Math.round(d * 100)} %`);

function Behind({ clues, clave, month }: { clues: string; clave: string; month: string }) {
  const [result] = useRead<any, any>(CALCULATION, { clues, clave, month });
  const c = result.data?.cpmCalculation;
  if (!c) return <ReadState result={result} />;
  return (
    <div class="behind" id={`behind-${clave}`}>
      <p><strong>CPM calculado para {c.month}: <span data-calc-value>{c.value === null ? 'sin valor' : fmtInt(c.value)}</span></strong> · {c.monthsKept} de {c.lookbackMonths} meses considerados</p>
      <table>
        <caption class="sr-only">Meses del cálculo de {clave}</caption>
        <thead><tr><th scope="col">Mes</th><th scope="col" class="num">Consumo</th><th scope="col" class="num">Días</th><th scope="col" class="num">Días sin existencia</th><th scope="col" class="num">Ajustado</th></tr></thead>
        <tbody>
          {c.months.map((m: any) => (
            <tr class={m.included ? undefined : 'off'} data-month={m.month}>
              <th scope="row">{m.month}{m.included ? '' : ' (fuera)'}</th>
              <td class="num">{fmtInt(m.consumption)}</td>
              <td class="num">{m.days}</td>
              <td class="num">{m.stockOutDays}</td>
              <td class="num">{m.adjusted === null ? '—' : m.adjusted.toLocaleString('es-MX', { maximumFractionDigits: 1 })}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p class="formula">{c.formula}</p>
    </div>
  );
}

export function CpmView({ me }: { me: Me }) {
  const thisYear = new Date().getFullYear();
  const [year, setYear] = useState(thisYear);
  const [result, refresh] = useRead<any, any>(SUBMISSION, { clues: me.clues, year });
  const client = useClient();
  const online = useOnline();
  const [edits, setEdits] = useState<Record<string, { cpm: string; justification: string }>>({});
  const [search, setSearch] = useState('');
  const [onlyFar, setOnlyFar] = useState(false);
  const [shown, setShown] = useState(PAGE);
  const [open, setOpen] = useState<string | null>(null);
  const [error, setError] = useState('');
  const [notice, setNotice] = useState('');
  const [busy, setBusy] = useState(false);
  const s = result.data?.cpmSubmission;
  const editable = s && s.status !== 'RATIFIED';
  const lines: any[] = s?.lines ?? [];
  const valueOf = (l: any) => edits[l.clave]?.cpm ?? String(l.cpm);
  const whyOf = (l: any) => edits[l.clave]?.justification ?? l.justification ?? '';
  const far = (l: any) => /^\d+$/.test(valueOf(l)) && needsJustification(Number(valueOf(l)), l.calculated);
  const q = search.trim().toLowerCase();
  const listed = lines.filter((l) => (!q || l.clave.includes(q) || l.supplyItem.description.toLowerCase().includes(q)) && (!onlyFar || far(l)));
  const changed = lines.filter((l) => edits[l.clave] && (valueOf(l) !== String(l.cpm) || whyOf(l) !== (l.justification ?? '')));

  async function send(doc: any, input: object, field: string, done: string): Promise<boolean> {
    setBusy(true);
    setError('');
    setNotice('');
    const r = await client.mutation(doc, { input }, { requestPolicy: 'network-only' }).toPromise();
    setBusy(false);
    const errors = r.error ? [errorMessage(r.error)] : ((r.data?.[field]?.userErrors ?? []) as Array<{ message: string }>).map((e) => e.message);
    if (errors.length) {
      setError(errors.join(' '));
      return false;
    }
    setNotice(done);
    refresh();
    return true;
  }
  async function save() {
    const bad = changed.find((l) => !/^\d+$/.test(valueOf(l)));
    if (bad) return setError(`${bad.clave}: el CPM es un número entero de piezas por mes (0 o más).`);
    const missing = changed.filter((l) => far(l) && !whyOf(l).trim());
    if (missing.length) return setError(`${missing.map((l) => l.clave).join(', ')}: el valor se aleja más del 50 % del calculado; escriba la justificación.`);
    const ok = await send(UPDATE, { clues: me.clues, year, lines: changed.map((l) => ({ clave: l.clave, cpm: Number(valueOf(l)), justification: whyOf(l).trim() || null })) }, 'cpmSubmissionUpdate', `${changed.length} clave${changed.length > 1 ? 's' : ''} guardada${changed.length > 1 ? 's' : ''}.`);
    if (ok) setEdits({});
  }
  return (
    <section>
      <div class="row">
        <label class="field">
          <span>Ejercicio fiscal</span>
          <select id="cpm-year" value={year} onChange={(e) => { setYear(Number(e.currentTarget.value)); setEdits({}); setShown(PAGE); }}>
            {[thisYear - 1, thisYear, thisYear + 1].map((y) => <option value={y}>{y}</option>)}
          </select>
        </label>
      </div>
      <ReadState result={result} />
      {notice && <p class="ok" role="status" id="cpm-notice">{notice}</p>}
      {error && <p class="error" role="alert" id="cpm-error">{error}</p>}
      {!online && <p class="notice">Sin conexión: el CPM se consulta y se ratifica con la red. Vuelva a intentarlo cuando regrese.</p>}
      {result.data && !s && (
        <div class="card">
          <p class="empty">Aún no hay CPM para {year}. La propuesta se hace con el cálculo de su consumo (dispensación y consumo de servicio de los meses anteriores, corregido por los días sin existencia); luego puede ajustarla y ratificarla.</p>
          <button type="button" id="cpm-propose" disabled={busy || !online} onClick={() => send(PROPOSE, { clues: me.clues, year }, 'cpmSubmissionPropose', `Propuesta de ${year} creada con el cálculo.`)}>
            Proponer con el cálculo
          </button>
        </div>
      )}
      {s && (
        <>
          <p id="cpm-status" data-status={s.status}><strong>{STATUS[s.status] ?? s.status}</strong> · {lines.length} claves · calculado con {s.calculatedFrom}</p>
          {s.status === 'RETURNED' && <p class="notice" id="cpm-returned">Motivo de la devolución: {[...s.history].reverse().find((h: any) => h.action === 'RETURNED')?.reason ?? '—'}</p>}
          <div class="row">
            <label class="field"><span>Buscar clave o descripción</span><input id="cpm-search" value={search} onInput={(e) => { setSearch(e.currentTarget.value); setShown(PAGE); }} /></label>
            <label class="check"><input type="checkbox" id="cpm-far" checked={onlyFar} onChange={(e) => setOnlyFar(e.currentTarget.checked)} /> Solo las que necesitan justificación</label>
          </div>
          <table class="cpm">
            <caption class="sr-only">CPM por clave, ejercicio {year}</caption>
            <thead><tr><th scope="col">Clave</th><th scope="col" class="num">Calculado</th><th scope="col" class="num">CPM</th><th scope="col" class="num">Desviación</th><th scope="col">Justificación</th></tr></thead>
            {listed.slice(0, shown).map((l) => (
              <tbody data-clave={l.clave}>
                <tr class={far(l) && !whyOf(l).trim() ? 'short' : undefined}>
                  <th scope="row">
                    <span class="clave">{l.clave}</span><span class="desc">{l.supplyItem.description}</span>
                    <button type="button" class="link" aria-expanded={open === l.clave} aria-controls={open === l.clave ? `behind-${l.clave}` : undefined} onClick={() => setOpen(open === l.clave ? null : l.clave)}>¿De dónde sale?</button>
                  </th>
                  <td class="num" data-label="Calculado" data-calculated={l.calculated ?? ''}>{fmtInt(l.calculated)}</td>
                  <td class="num" data-label="CPM">
                    {editable ? (
                      <input type="number" min={0} name="cpm" aria-label={`CPM de ${l.clave}`} value={valueOf(l)} onInput={(e) => setEdits({ ...edits, [l.clave]: { cpm: e.currentTarget.value, justification: whyOf(l) } })} />
                    ) : fmtInt(l.cpm)}
                  </td>
                  <td class="num" data-label="Desviación">{pct(/^\d+$/.test(valueOf(l)) ? cpmDeviation(Number(valueOf(l)), l.calculated) : null)}</td>
                  <td data-label="Justificación">
                    {editable ? (
                      <input name="justification" aria-label={`Justificación de ${l.clave}`} maxLength={1000} value={whyOf(l)} placeholder={far(l) ? 'Requerida: se aleja más del 50 %' : ''} onInput={(e) => setEdits({ ...edits, [l.clave]: { cpm: valueOf(l), justification: e.currentTarget.value } })} />
                    ) : (l.justification ?? '')}
                  </td>
                </tr>
                {open === l.clave && <tr><td colSpan={5}><Behind clues={me.clues!} clave={l.clave} month={s.calculatedFrom} /></td></tr>}
              </tbody>
            ))}
          </table>
          {listed.length === 0 && <p class="empty">Ninguna clave coincide. Revise la búsqueda.</p>}
          {listed.length > shown && (
            <div class="pager"><button type="button" class="secondary" onClick={() => setShown(shown + PAGE)}>Ver {Math.min(PAGE, listed.length - shown)} más (de {listed.length})</button></div>
          )}
          {editable && (
            <div class="pager">
              <button type="button" class="secondary" id="cpm-save" disabled={busy || !online || changed.length === 0} onClick={save}>Guardar cambios{changed.length ? ` (${changed.length})` : ''}</button>
              <button type="button" id="cpm-ratify" disabled={busy || !online || changed.length > 0} onClick={() => send(RATIFY, { clues: me.clues, year }, 'cpmSubmissionRatify', `CPM ${year} ratificado: ya lo usan su pedido sugerido y el plan de compras.`)}>
                Ratificar el CPM {year}
              </button>
            </div>
          )}
          <h2 class="spaced">Historial</h2>
          <ul class="writes" id="cpm-history">
            {s.history.map((h: any) => (
              <li class="card" data-action={h.action}>{ACTION[h.action] ?? h.action} · {fmtTime(Date.parse(h.at))} · {h.actor}{h.linesChanged ? ` · ${h.linesChanged} claves` : ''}{h.reason ? ` — ${h.reason}` : ''}</li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
