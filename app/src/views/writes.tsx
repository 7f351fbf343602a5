import { forgetWrite } from '../client';
import { useWrites } from '../ui';
import { Outcome } from './outcome';

/** Every write made from this browser: pending ones wait in Graphcache's offline queue (IndexedDB). */
export function WritesView() {
  const list = [...useWrites()].reverse();
  if (list.length === 0) return <p class="empty">Aún no ha registrado nada desde este equipo. Lo que registre sin conexión aparecerá aquí como pendiente.</p>;
  return (
    <ul class="writes">
      {list.map((w) => (
        <li data-key={w.key} data-status={w.status}>
          <Outcome write={w} />
          {w.status !== 'pending' && <button type="button" class="link" onClick={() => forgetWrite(w.key)}>Quitar de la lista</button>}
        </li>
      ))}
    </ul>
  );
}
