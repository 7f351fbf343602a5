import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { AnyVariables, DocumentInput, useQuery, UseQueryState } from '@urql/preact';
import { errorMessage, readAt, subscribe, writes } from './client';

export const fmtInt = (n: number | null | undefined) => (n == null ? '—' : n.toLocaleString('es-MX'));
export const fmtDate = (d: string | null | undefined) =>
  d ? new Date(`${d}T12:00:00`).toLocaleDateString('es-MX', { day: '2-digit', month: 'short', year: 'numeric' }) : 'sin caducidad';
export const fmtTime = (t: number) => new Date(t).toLocaleString('es-MX', { day: '2-digit', month: 'short', hour: '2-digit', minute: '2-digit' });
export const today = () => new Date().toLocaleDateString('en-CA');

export const STATUS: Record<string, string> = {
  STOCKED_OUT: 'Desabasto',
  UNDERSTOCKED: 'Bajo',
  ADEQUATE: 'Adecuado',
  OVERSTOCKED: 'Sobreabasto',
  NO_CPM: 'Sin CPM',
};
export const REASONS: Record<string, string> = {
  DAMAGED: 'Dañado',
  EXPIRED: 'Caducado',
  SHORT_SHIPPED: 'Faltante',
  WRONG_ITEM: 'Clave equivocada',
  LOST_IN_TRANSIT: 'Extraviado en el traslado',
  OTHER: 'Otro',
  RECALLED: 'Lote retenido (alerta sanitaria)',
};

/** A query read from the cache and then the server; says when it was last read from the server. */
export function useRead<D, V extends AnyVariables>(query: DocumentInput<D, V>, variables: V, pause = false): [UseQueryState<D, V>, () => void] {
  const [result, reexecute] = useQuery<D, V>({ query, variables, pause });
  return [result, () => reexecute({ requestPolicy: 'network-only' })];
}

export function ReadState({ result }: { result: UseQueryState<any, any> }) {
  useOnline();
  const key = result.operation?.key;
  const at = key !== undefined ? readAt(key) : undefined;
  if (result.fetching && !result.data) return <p class="muted" role="status">Cargando…</p>;
  if (result.error && !result.data) return <p class="error" role="alert">{errorMessage(result.error)}</p>;
  return (
    <p class="muted readat" role="status">
      {at ? `Leído del servidor: ${fmtTime(at)}` : ''}
      {!navigator.onLine && result.data ? ' · sin conexión: mostrando lo guardado en este equipo' : ''}
      {result.stale || (result.fetching && result.data) ? ' · actualizando…' : ''}
    </p>
  );
}

export function useOnline(): boolean {
  const [online, setOnline] = useState(navigator.onLine);
  useEffect(() => {
    const on = () => setOnline(navigator.onLine);
    window.addEventListener('online', on);
    window.addEventListener('offline', on);
    return () => {
      window.removeEventListener('online', on);
      window.removeEventListener('offline', on);
    };
  }, []);
  return online;
}

export function useWrites() {
  const [list, setList] = useState(writes);
  useEffect(() => subscribe(() => setList(writes())), []);
  return list;
}

export function Field(props: { label: string; children: ComponentChildren; hint?: string }) {
  return (
    <label class="field">
      <span>{props.label}</span>
      {props.children}
      {props.hint && <small class="muted">{props.hint}</small>}
    </label>
  );
}

export const uuid = () => crypto.randomUUID();
