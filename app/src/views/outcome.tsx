import type { Write } from '../client';
import { fmtTime } from '../ui';

/** What became of one write: pending (queued offline or on its way), done, or refused with the server's words. */
export function Outcome({ write }: { write: Write | undefined }) {
  if (!write) return null;
  if (write.status === 'pending')
    return (
      <p class="pending" role="status" data-outcome="pending">
        {write.label}: pendiente de enviar. {navigator.onLine ? 'Enviando…' : 'Se enviará sola cuando vuelva la conexión; puede seguir trabajando.'}
      </p>
    );
  if (write.status === 'failed')
    return (
      <div class="error" role="alert" data-outcome="failed">
        <p>{write.label}: el servidor no la aplicó ({fmtTime(write.at)}).</p>
        <ul>{write.messages.map((m) => <li>{m}</li>)}</ul>
        <p>Corrija los datos y regístrela de nuevo; nada de esta operación quedó registrado.</p>
      </div>
    );
  return (
    <div class="ok" role="status" data-outcome="done">
      <p>{write.label}: registrada ({fmtTime(write.at)}).</p>
      {write.detail && <p data-detail>{write.detail}</p>}
      {write.warnings.length > 0 && <ul class="warnings">{write.warnings.map((m) => <li>{m}</li>)}</ul>}
    </div>
  );
}
