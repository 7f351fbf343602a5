import { gql } from '@urql/core';
import { useClient } from '@urql/preact';
import { useState } from 'preact/hooks';
import { recordWrite } from '../client';
import type { Me } from '../main';
import { Field, useWrites, uuid } from '../ui';
import { Outcome } from './outcome';

export const CONSUME = gql`
  mutation Consume($input: StockConsumeInput!) {
    stockConsume(input: $input) {
      movements { id lotNumber quantity }
      userErrors { code field message }
      userWarnings { code field message }
    }
  }
`;
const CLAVE = /^\d{3}\.\d{3}\.\d{4}\.\d{2}$/;

/** Ward consumption (consumo de servicio): pieces a ward takes from the pharmacy, FEFO unless a lot is named. */
export function ConsumeView({ me }: { me: Me }) {
  const client = useClient();
  const [ward, setWard] = useState('');
  const [clave, setClave] = useState('');
  const [quantity, setQuantity] = useState('');
  const [lot, setLot] = useState('');
  const [error, setError] = useState('');
  const [last, setLast] = useState<string | null>(null);
  const writes = useWrites();
  function submit(e: Event) {
    e.preventDefault();
    const q = Number(quantity);
    if (!CLAVE.test(clave.trim())) return setError('La clave tiene la forma 010.000.0104.00.');
    if (!Number.isInteger(q) || q < 1) return setError('Escriba cuántas piezas se llevó el servicio (1 o más).');
    setError('');
    const idempotencyKey = uuid();
    const label = `Consumo de ${q} de ${clave.trim()}${ward.trim() ? ` (${ward.trim()})` : ''}`;
    recordWrite({ key: idempotencyKey, field: 'stockConsume', label });
    const line = { clave: clave.trim(), quantity: q, ...(lot.trim() ? { lotNumber: lot.trim() } : {}) };
    client.mutation(CONSUME, { input: { idempotencyKey, clues: me.clues, lines: [line] } }).toPromise();
    setLast(idempotencyKey);
    setClave('');
    setQuantity('');
    setLot('');
  }
  return (
    <section>
      <Outcome write={writes.find((w) => w.key === last)} />
      <form onSubmit={submit} id="consume-form">
        <p class="muted">Las piezas que un servicio (urgencias, hospitalización, quirófano) se lleva de la farmacia. Se toman del lote que caduca primero, salvo que escriba un lote.</p>
        <div class="row">
          <Field label="Servicio" hint="Solo para reconocerlo en la lista de envíos"><input id="ward" value={ward} onInput={(e) => setWard(e.currentTarget.value)} /></Field>
          <Field label="Clave"><input id="consume-clave" value={clave} onInput={(e) => setClave(e.currentTarget.value)} placeholder="010.000.0104.00" autocomplete="off" /></Field>
          <Field label="Piezas"><input id="consume-quantity" type="number" min={1} value={quantity} onInput={(e) => setQuantity(e.currentTarget.value)} /></Field>
          <Field label="Lote (opcional)"><input id="consume-lot" value={lot} onInput={(e) => setLot(e.currentTarget.value)} autocomplete="off" /></Field>
        </div>
        {error && <p class="error" role="alert">{error}</p>}
        <button type="submit" id="consume">Registrar consumo</button>
      </form>
    </section>
  );
}
