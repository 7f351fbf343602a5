import { render } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { Provider } from '@urql/preact';
import { createClient, errorMessage, TOKEN_KEY } from './client';
import { useOnline, useWrites } from './ui';
import { StockView } from './views/stock';
import { ReceiveView } from './views/receive';
import { DispenseView } from './views/dispense';
import { ConsumeView } from './views/consume';
import { WritesView } from './views/writes';
import { OrderView } from './views/order';
import { PurchaseReceiptView } from './views/purchase-receipt';
import { DispatchView } from './views/dispatch';
import { CountView } from './views/count';
import { ExpiredView } from './views/expired';
import { ApproveView } from './views/approve';
import { CpmView } from './views/cpm';
import { StockOutsView } from './views/stockouts';
import { RoutesView } from './views/routes';
import { RoundView } from './views/round';
import { Client, gql } from '@urql/core';


export interface Me {
  role: string;
  /** the role in Spanish, from the API (ROLE_LABEL) */
  roleName: string;
  subject: string;
  clues: string | null;
  canWrite: boolean;
  establishment: { name: string } | null;
  state: { code: string; name: string } | null;
}
const ME = gql`
  query Me {
    me { role roleName subject clues canWrite establishment { id name } state { id code name } }
  }
`;
const ME_KEY = 'abasto.me';

const VIEWS = [
  { path: 'aprobar', label: 'Por aprobar', roles: ['STATE_COORDINATOR', 'CENTRAL'] },
  { path: 'desabasto', label: 'Desabasto en mi estado', roles: ['STATE_COORDINATOR'] },
  { path: 'ronda', label: 'Ronda del mes', roles: ['STATE_COORDINATOR', 'CENTRAL'] },
  { path: 'existencia', label: 'Mi existencia', roles: ['PHARMACY', 'WAREHOUSE'] },
  { path: 'recibir', label: 'Por recibir', roles: ['PHARMACY', 'WAREHOUSE'] },
  { path: 'dispensar', label: 'Dispensar', roles: ['PHARMACY'] },
  { path: 'consumo', label: 'Consumo de servicio', roles: ['PHARMACY'] },
  { path: 'pedido', label: 'Mi pedido', roles: ['PHARMACY'] },
  { path: 'recepcion', label: 'Recibir de proveedor', roles: ['WAREHOUSE'] },
  { path: 'surtir', label: 'Surtir pedidos', roles: ['WAREHOUSE'] },
  { path: 'rutas', label: 'Rutas', roles: ['WAREHOUSE'] },
  { path: 'conteo', label: 'Conteo físico', roles: ['PHARMACY', 'WAREHOUSE'] },
  { path: 'caducados', label: 'Caducados', roles: ['PHARMACY', 'WAREHOUSE'] },
  { path: 'cpm', label: 'Mi CPM', roles: ['PHARMACY', 'WAREHOUSE'] },
  { path: 'envios', label: 'Mis registros', roles: ['PHARMACY', 'WAREHOUSE'] },
];

function useHash(): string {
  const [hash, setHash] = useState(location.hash.replace(/^#\/?/, ''));
  useEffect(() => {
    const on = () => setHash(location.hash.replace(/^#\/?/, ''));
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return hash;
}

function SignIn({ onSignedIn, notice }: { onSignedIn: (token: string, me: Me) => void; notice: string }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const ref = useRef<HTMLTextAreaElement>(null);
  useEffect(() => ref.current?.focus(), []);
  async function submit(e: Event) {
    e.preventDefault();
    const t = token.trim();
    if (!t) return setError('Pegue su token: lo obtiene de su administrador (npm run token).');
    setBusy(true);
    setError('');
    try {
      const res = await fetch('/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${t}` },
        body: JSON.stringify({ query: '{ me { role roleName subject clues canWrite establishment { id name } state { id code name } } }' }),
      });
      const body = await res.json().catch(() => ({}));
      if (res.status === 401 || !body.data?.me) setError('El token no es válido o ya venció. Pida uno nuevo a su administrador.');
      else onSignedIn(t, body.data.me);
    } catch {
      setError('No hay conexión con el servidor. Revise la red e intente de nuevo.');
    } finally {
      setBusy(false);
    }
  }
  return (
    <main class="signin" id="main">
      <h1>Abasto — mostrador</h1>
      {notice && <p class="notice" role="alert">{notice}</p>}
      <form onSubmit={submit} id="signin-form">
        <label class="field">
          <span>Token de acceso</span>
          <textarea id="token" ref={ref} rows={4} value={token} onInput={(e) => setToken(e.currentTarget.value)} autocomplete="off" spellcheck={false} />
          <small class="muted">Péguelo tal como se lo dieron. Se guarda solo en esta pestaña y se borra al cerrarla o al salir.</small>
        </label>
        <button type="submit" disabled={busy}>{busy ? 'Entrando…' : 'Entrar'}</button>
        <p id="signin-error" class="error" role="alert">{error}</p>
      </form>
    </main>
  );
}

function Shell({ me, client, onSignOut }: { me: Me; client: Client; onSignOut: () => void }) {
  const online = useOnline();
  const hash = useHash();
  const list = useWrites();
  const pending = list.filter((w) => w.status === 'pending').length;
  const failed = list.filter((w) => w.status === 'failed').length;
  const views = VIEWS.filter((v) => v.roles.includes(me.role));
  const current = views.find((v) => v.path === hash) ?? views[0];
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    // keyboard and screen-reader users land on the new screen's title
    if (hash) heading.current?.focus();
  }, [current?.path]);
  return (
    <Provider value={client}>
      <a class="skip" href="#main">Saltar al contenido</a>
      <header class="top">
        <div class="who">
          <strong>{me.establishment?.name ?? me.state?.name ?? 'Nacional'}</strong>
          <span id="whoami">
            {me.roleName}
            {me.clues ? ` · ${me.clues}` : ''} · {me.subject}
          </span>
        </div>
        <p class={online ? 'net on' : 'net off'} role="status">
          {online ? 'En línea' : 'Sin conexión: lo que registre se enviará al volver la red'}
        </p>
        <button
          type="button"
          id="signout"
          class="secondary"
          onClick={() => {
            // the queue would otherwise be sent later with whoever signs in next
            if (pending === 0 || confirm(`Tiene ${pending} registro${pending > 1 ? 's' : ''} sin enviar. Si sale ahora se descarta${pending > 1 ? 'n' : ''} y tendrá que registrarlo${pending > 1 ? 's' : ''} de nuevo. ¿Salir?`)) onSignOut();
          }}
        >
          Salir
        </button>
        {views.length > 0 && (
          <nav aria-label="Secciones">
            {views.map((v) => (
              <a href={`#/${v.path}`} aria-current={v === current ? 'page' : undefined} data-view={v.path}>
                {v.label}
                {v.path === 'envios' && pending > 0 && <span class="badge" data-pending={pending}> {pending} pendiente{pending > 1 ? 's' : ''}</span>}
                {v.path === 'envios' && failed > 0 && <span class="badge bad"> {failed} con error</span>}
              </a>
            ))}
            {['STATE_COORDINATOR', 'CENTRAL'].includes(me.role) && <a href="/dashboard/" data-view="tablero">Tablero de indicadores</a>}
          </nav>
        )}
      </header>
      <main id="main">
        {!current ? (
          <section>
            <h1 ref={heading} tabIndex={-1}>Sin pantallas para su rol todavía</h1>
            <p>
              Las pantallas de {me.roleName} llegan pronto. Mientras tanto, los indicadores están en el{' '}
              <a href="/dashboard/">tablero</a>.
            </p>
          </section>
        ) : (
          <>
            <h1 ref={heading} tabIndex={-1}>{current.label}</h1>
            {current.path === 'existencia' && <StockView me={me} />}
            {current.path === 'recibir' && <ReceiveView me={me} />}
            {current.path === 'dispensar' && <DispenseView me={me} />}
            {current.path === 'consumo' && <ConsumeView me={me} />}
            {current.path === 'pedido' && <OrderView me={me} />}
            {current.path === 'recepcion' && <PurchaseReceiptView me={me} />}
            {current.path === 'surtir' && <DispatchView me={me} />}
            {current.path === 'conteo' && <CountView me={me} />}
            {current.path === 'caducados' && <ExpiredView me={me} />}
            {current.path === 'aprobar' && <ApproveView me={me} />}
            {current.path === 'desabasto' && me.state && <StockOutsView me={me} stateCode={me.state.code} />}
            {current.path === 'cpm' && <CpmView me={me} />}
            {current.path === 'rutas' && <RoutesView me={me} />}
            {current.path === 'ronda' && <RoundView me={me} />}
            {current.path === 'envios' && <WritesView />}
          </>
        )}
      </main>
    </Provider>
  );
}

function App() {
  const [token, setToken] = useState(() => sessionStorage.getItem(TOKEN_KEY));
  const [me, setMe] = useState<Me | null>(() => {
    try {
      return JSON.parse(sessionStorage.getItem(ME_KEY) ?? 'null');
    } catch {
      return null;
    }
  });
  const [notice, setNotice] = useState('');
  const signOut = (why = '', forget = false) => {
    if (forget) session?.forget();
    sessionStorage.removeItem(TOKEN_KEY);
    sessionStorage.removeItem(ME_KEY);
    setNotice(why);
    setToken(null);
    setMe(null);
  };
  const session = useMemo(() => (token ? createClient(() => signOut('Su sesión venció o el token ya no es válido. Vuelva a entrar con un token nuevo.')) : null), [token]);
  const client = session?.client;
  // a token kept in the tab is checked again on load: an expired one returns to sign-in
  useEffect(() => {
    if (!client) return;
    client
      .query(ME, {}, { requestPolicy: 'network-only' })
      .toPromise()
      .then((r) => {
        if (r.data?.me) {
          setMe(r.data.me);
          sessionStorage.setItem(ME_KEY, JSON.stringify(r.data.me));
        } else if (r.error && !r.error.networkError) signOut(errorMessage(r.error));
      });
  }, [client]);
  if (!token || !client || !me)
    return (
      <SignIn
        notice={notice}
        onSignedIn={(t, m) => {
          sessionStorage.setItem(TOKEN_KEY, t);
          sessionStorage.setItem(ME_KEY, JSON.stringify(m));
          setNotice('');
          setMe(m);
          setToken(t);
          // each role lands on its first screen (a coordinator on «Por aprobar», a pharmacy on its stock)
          if (!location.hash) location.hash = `#/${VIEWS.find((v) => v.roles.includes(m.role))?.path ?? ''}`;
        }}
      />
    );
  return <Shell me={me} client={client} onSignOut={() => signOut('', true)} />;
}

// keeps the page, script and style so the app opens without a network (app/sw.js)
navigator.serviceWorker?.register('sw.js').catch(() => undefined);
const root = document.getElementById('root')!;
root.textContent = ''; // the «Cargando…» shown before the script ran
render(<App />, root);
