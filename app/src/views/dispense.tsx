import { gql } from '@urql/core';
import { useClient } from '@urql/preact';
import { useState } from 'preact/hooks';
import { recordWrite } from '../client';
import type { Me } from '../main';
import { Field, fmtDate, fmtInt, today, useRead, useWrites, uuid } from '../ui';
import { Outcome } from './outcome';

export const DISPENSE = gql`
  mutation Dispense($input: PrescriptionDispenseInput!) {
    prescriptionDispense(input: $input) {
      prescription { id folio issuedOn fill lines { clave prescribed dispensed lots { lotNumber expiresOn quantity } } }
      userErrors { code field message }
    }
  }
`;
const LOTS = gql`
  query LotsOf($clues: String!, $claves: [String!]) {
    stockLevels(clues: $clues, first: 1, filter: { claves: $claves }) {
      edges { node { id clave usable lots { lotNumber expiresOn quantity expired } } }
    }
  }
`;
interface Line { clave: string; prescribed: string; dispensed: string; lot: string }
const CLAVE = /^\d{3}\.\d{3}\.\d{4}\.\d{2}$/;
const blank = (): Line => ({ clave: '', prescribed: '', dispensed: '', lot: '' });

/** The lot in the pharmacist's hand, chosen among the clave's usable lots here; none = the one that expires first. */
function LotChoice({ clues, clave, value, onChange, index }: { clues: string; clave: string; value: string; onChange: (lot: string) => void; index: number }) {
  const valid = CLAVE.test(clave.trim());
  const [result] = useRead(LOTS, { clues, claves: [clave.trim()] }, !valid);
  const level = result.data?.stockLevels.edges[0]?.node;
  const lots = ((level?.lots ?? []) as Array<{ lotNumber: string; expiresOn: string | null; quantity: number; expired: boolean }>).filter((l) => !l.expired && l.quantity > 0);
  return (
    <Field label="Lote" hint={valid && level ? `Disponible: ${fmtInt(level.usable)} piezas` : undefined}>
      <select name="lot" value={value} onChange={(e) => onChange(e.currentTarget.value)} aria-label={`Lote del renglón ${index + 1}`}>
        <option value="">El que caduca primero</option>
        {lots.map((l) => (
          <option value={l.lotNumber}>
            {l.lotNumber} · cad. {fmtDate(l.expiresOn)} · {fmtInt(l.quantity)} pzas
          </option>
        ))}
      </select>
    </Field>
  );
}

export function DispenseView({ me }: { me: Me }) {
  const client = useClient();
  const [folio, setFolio] = useState('');
  const [issuedOn, setIssuedOn] = useState(today());
  const [lines, setLines] = useState<Line[]>([blank()]);
  const [error, setError] = useState('');
  const [last, setLast] = useState<string | null>(null);
  const writes = useWrites();
  const set = (i: number, patch: Partial<Line>) => setLines(lines.map((l, j) => (j === i ? { ...l, ...patch } : l)));
  function submit(e: Event) {
    e.preventDefault();
    const f = folio.trim();
    if (!f) return setError('Escriba el folio de la receta.');
    const parsed = [];
    for (const [i, l] of lines.entries()) {
      if (!l.clave.trim() && !l.prescribed && i > 0) continue;
      if (!CLAVE.test(l.clave.trim())) return setError(`Renglón ${i + 1}: la clave tiene la forma 010.000.0104.00.`);
      const prescribed = Number(l.prescribed);
      const dispensed = l.dispensed === '' ? prescribed : Number(l.dispensed);
      if (!Number.isInteger(prescribed) || prescribed < 1) return setError(`Renglón ${i + 1}: escriba las piezas prescritas (1 o más).`);
      if (!Number.isInteger(dispensed) || dispensed < 0 || dispensed > prescribed) return setError(`Renglón ${i + 1}: las piezas surtidas van de 0 a ${prescribed}.`);
      parsed.push({ clave: l.clave.trim(), prescribed, dispensed, ...(l.lot && dispensed > 0 ? { lotNumber: l.lot } : {}) });
    }
    setError('');
    const idempotencyKey = uuid();
    recordWrite({ key: idempotencyKey, field: 'prescriptionDispense', label: `Receta ${f}`, ref: f });
    client.mutation(DISPENSE, { input: { idempotencyKey, clues: me.clues, folio: f, issuedOn, lines: parsed } }).toPromise();
    setLast(idempotencyKey);
    setFolio('');
    setLines([blank()]);
    document.getElementById('folio')?.focus();
  }
  return (
    <section>
      <Outcome write={writes.find((w) => w.key === last)} />
      <form onSubmit={submit} id="dispense-form">
        <div class="row">
          <Field label="Folio de la receta"><input id="folio" value={folio} onInput={(e) => setFolio(e.currentTarget.value)} maxLength={40} autocomplete="off" /></Field>
          <Field label="Fecha de la receta"><input id="issued-on" type="date" value={issuedOn} onInput={(e) => setIssuedOn(e.currentTarget.value)} /></Field>
        </div>
        <fieldset>
          <legend>Renglones</legend>
          <p class="muted">Se surte del lote que caduca primero (FEFO), salvo que elija el lote que tiene en la mano. Si no hay existencia suficiente, el servidor lo dice y no registra nada.</p>
          {lines.map((l, i) => (
            <div class="row line" data-line={i}>
              <Field label={`Clave ${i + 1}`}><input name="clave" value={l.clave} onInput={(e) => set(i, { clave: e.currentTarget.value, lot: '' })} placeholder="010.000.0104.00" autocomplete="off" /></Field>
              <Field label="Prescritas"><input name="prescribed" type="number" min={1} value={l.prescribed} onInput={(e) => set(i, { prescribed: e.currentTarget.value })} /></Field>
              <Field label="Surtidas" hint="Vacío = lo prescrito"><input name="dispensed" type="number" min={0} value={l.dispensed} onInput={(e) => set(i, { dispensed: e.currentTarget.value })} /></Field>
              <LotChoice clues={me.clues!} clave={l.clave} value={l.lot} onChange={(lot) => set(i, { lot })} index={i} />
              {lines.length > 1 && <button type="button" class="secondary" onClick={() => setLines(lines.filter((_, j) => j !== i))}>Quitar renglón {i + 1}</button>}
            </div>
          ))}
          <button type="button" class="secondary" id="add-line" onClick={() => setLines([...lines, blank()])}>Agregar renglón</button>
        </fieldset>
        {error && <p class="error" role="alert">{error}</p>}
        <button type="submit" id="dispense">Dispensar</button>
      </form>
    </section>
  );
}
