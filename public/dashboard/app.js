// Abasto dashboard: a page over the public GraphQL API, nothing else. No build step, no CDN.

const TOKEN_KEY = 'abasto.token';
const INDICATORS = [
  { code: 'CPM_RATIFICATION', short: '51 CPM ratificado', network: true },
  { code: 'SAI_ROLLOUT', short: '52 SAI en operación', network: true },
  { code: 'PIECES_ISSUED_DELIVERED', short: '53 Emitidas / entregadas', lowerIsBetter: true },
  { code: 'QUANTITY_FILL_RATE', short: 'Surtimiento en piezas' },
  { code: 'LINE_FILL_RATE', short: 'Líneas completas' },
  { code: 'ORDER_FILL_RATE', short: 'Órdenes completas' },
  { code: 'ON_TIME_IN_FULL', short: 'A tiempo y completas' },
  { code: 'PRESCRIPTION_COMPLETE_FILL', short: 'Recetas completas' },
];
// The API's bands (TargetBand), in words: colour is never the only sign.
const BAND = {
  MET: { label: 'En meta', cls: 'met' },
  NEAR: { label: 'Cerca', cls: 'near' },
  FAR: { label: 'Lejos', cls: 'far' },
  OFF: { label: 'Muy lejos', cls: 'off' },
};
const SESSION_EXPIRED = 'Su sesión venció. Pegue un token vigente y entre de nuevo para ver las cifras.';
// What a drill-down to the establishments of one state shows.
const DRILL = ['CPM_RATIFICATION', 'SAI_ROLLOUT', 'PIECES_ISSUED_DELIVERED', 'QUANTITY_FILL_RATE', 'PRESCRIPTION_COMPLETE_FILL'];

const pct = new Intl.NumberFormat('es-MX', { maximumFractionDigits: 1, minimumFractionDigits: 1 });
/** Points from the target, signed with a true minus sign: "−7.7 pts". */
const pts = { format: (n) => `${n > 0 ? '+' : n < 0 ? '−' : ''}${pct.format(Math.abs(n))}` };
const monthName = new Intl.DateTimeFormat('es-MX', { month: 'short', year: 'numeric', timeZone: 'UTC' });
const int = new Intl.NumberFormat('es-MX', { maximumFractionDigits: 0 });
const $ = (id) => document.getElementById(id);
const charts = new Map();
let states = [];
/** Who is signed in (`me`): decides which states can be drilled into. */
let viewer = { national: false, state: null };
/** Whether a session is open: a 401 then means it expired, not that the token typed was bad. */
let signedIn = false;
let expiryTimer = null;

/** Creates an element; strings become text nodes, so nothing from the API is ever parsed as HTML. */
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) if (c !== null && c !== undefined) el.append(c instanceof Node ? c : String(c));
  return el;
}

async function gql(query, variables = {}) {
  const res = await fetch('/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${sessionStorage.getItem(TOKEN_KEY)}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = await res.json().catch(() => ({ errors: [{ message: `HTTP ${res.status}` }] }));
  const e = body.errors?.[0];
  if (res.status === 401 || body.errors?.some((x) => x.extensions?.code === 'UNAUTHENTICATED')) {
    const err = new Error(e?.message ?? 'UNAUTHENTICATED');
    err.code = 'UNAUTHENTICATED';
    if (signedIn) expire();
    throw err;
  }
  if (e) {
    const err = new Error(e.message);
    err.code = e.extensions?.code;
    throw err;
  }
  return body.data;
}

/** The expiry (ms) written in a JWT's payload, or null. Read only to close the session on time; the server decides. */
function tokenExpiry(token) {
  try {
    const part = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const exp = JSON.parse(atob(part)).exp;
    return typeof exp === 'number' ? exp * 1000 : null;
  } catch {
    return null;
  }
}

/**
 * The session ended (a 401, or the token's exp passed): no figure stays on screen, and sign-in says why.
 */
function expire() {
  signedIn = false;
  clearTimeout(expiryTimer);
  sessionStorage.removeItem(TOKEN_KEY);
  for (const c of charts.values()) c.destroy();
  charts.clear();
  for (const id of ['cards', 'legend', 'charts', 'round', 'states', 'drill-table', 'clues-result', 'who']) $(id).replaceChildren();
  $('drill').hidden = true;
  $('app').hidden = true;
  $('signout').hidden = true;
  $('signin').hidden = false;
  $('token').value = '';
  $('signin-error').textContent = SESSION_EXPIRED;
  $('token').focus();
}

function value(row) {
  return row && row.value !== null && row.value !== undefined ? `${pct.format(row.value)} %` : '—';
}

function fraction(row) {
  return row ? `${int.format(row.numerator)} / ${int.format(row.denominator)}` : '';
}

function fmtMonth(month) {
  const [y, m] = month.split('-').map(Number);
  return monthName.format(new Date(Date.UTC(y, m - 1, 1))).replace('.', '');
}

/**
 * A table that reflows at narrow widths is no longer displayed as a table: its roles are written out, so
 * screen readers still read rows, headers and cells.
 */
function keepTableRoles(box) {
  for (const t of box.querySelectorAll('table.reflow')) {
    t.setAttribute('role', 'table');
    for (const g of t.querySelectorAll('thead, tbody')) g.setAttribute('role', 'rowgroup');
    for (const r of t.querySelectorAll('tr')) r.setAttribute('role', 'row');
    for (const c of t.querySelectorAll('th[scope=col]')) c.setAttribute('role', 'columnheader');
    for (const c of t.querySelectorAll('th[scope=row]')) c.setAttribute('role', 'rowheader');
    for (const c of t.querySelectorAll('td')) c.setAttribute('role', 'cell');
  }
}

/** "dic 26": a chart's axis label. */
function shortMonth(month) {
  return `${fmtMonth(month).split(' ')[0]} ${month.slice(2, 4)}`;
}

/** A row's band in words and its distance in points ("−7,7 pts"), as the API computed them. */
function bandBadge(row) {
  if (!row || !row.band) return h('span', { class: 'band none' }, 'Sin datos');
  const b = BAND[row.band];
  return h('span', { class: `band ${b.cls}`, 'data-band': row.band }, h('span', { class: 'band-label' }, b.label), row.band === 'MET' ? null : h('span', { class: 'gap' }, ` ${pts.format(row.gap)} pts`));
}

/**
 * One figure in a table cell: the value, its band with the distance in points, and numerator / denominator
 * in small print under it (never only in a tooltip). A partial month says so and takes no band colour.
 */
function figure(row, opts = {}) {
  if (!row) return ['—'];
  const partial = row.partial === true;
  const b = !partial && row.band ? BAND[row.band] : null;
  return [
    h('span', { class: 'v', 'data-value': row.value ?? '' }, value(row)),
    partial ? h('span', { class: 'band partial' }, 'parcial') : null,
    // In a cell the band's word and the distance sit on two lines, so a column stays narrow.
    b ? h('span', { class: `band ${b.cls}`, 'data-band': row.band }, h('span', { class: 'band-label' }, b.label)) : null,
    b && row.band !== 'MET' ? h('span', { class: 'gap' }, `${pts.format(row.gap)} pts`) : null,
    opts.fraction === false ? null : h('span', { class: 'nd' }, fraction(row)),
  ];
}

function cellClass(row) {
  if (!row || row.partial || !row.band) return 'num fig';
  return `num fig b-${BAND[row.band].cls}`;
}

function today() {
  // The business day in Mexico City, as the API counts days.
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'America/Mexico_City' }).format(new Date());
}

function monthsBack(day, n) {
  const [y, m] = day.split('-').map(Number);
  const d = new Date(Date.UTC(y, m - 1 - n, 1));
  return d.toISOString().slice(0, 10);
}

function filterFor(extra = {}) {
  const asOf = $('asof').value;
  const state = $('state').value;
  return { asOf, to: asOf, from: monthsBack(asOf, 11), ...(state ? { stateCodes: [state] } : {}), ...extra };
}

/** The fiscal year indicator 51 is read for (the selector; by default the year of the as-of date). */
function fiscalYear() {
  return Number($('fiscal-year').value) || Number($('asof').value.slice(0, 4));
}

/** Indicator 51 is read per fiscal year: its filter names the year chosen; the others need none. */
function filterArg(def) {
  return def.code === 'CPM_RATIFICATION' ? '$f51' : '$f';
}

function variables(f) {
  return { f, f51: { ...f, year: fiscalYear() } };
}

const QUERY_VARS = '$f: IndicatorFilter, $f51: IndicatorFilter';

async function loadFiscalYears() {
  const { indicatorFiscalYears: years } = await gql('{ indicatorFiscalYears(code: CPM_RATIFICATION) }');
  const current = Number(today().slice(0, 4));
  const all = [...new Set([current, ...years])].sort((a, b) => b - a);
  const select = $('fiscal-year');
  const keep = Number(select.value) || current;
  select.replaceChildren(...all.map((y) => h('option', { value: y }, years.includes(y) ? String(y) : `${y} (sin envíos)`)));
  select.value = String(all.includes(keep) ? keep : current);
}

// ---------------------------------------------------------------------------------------------
// Sign in

async function signIn(token) {
  sessionStorage.setItem(TOKEN_KEY, token.trim());
  try {
    const { me, states: all } = await gql('{ me { subject role roleName national clues state { code name } } states { code name } }');
    states = all;
    viewer = me;
    signedIn = true;
    $('signin-error').textContent = '';
    const exp = tokenExpiry(token.trim());
    clearTimeout(expiryTimer);
    // setTimeout counts in a 32-bit int: a token living longer than ~24 days is watched by its 401 alone.
    if (exp !== null && exp - Date.now() < 2 ** 31 - 1) expiryTimer = setTimeout(() => signedIn && expire(), Math.max(0, exp - Date.now()));
    $('who').textContent = `${me.subject} · ${me.roleName}${me.state ? ` · ${me.state.name}` : me.clues ? ` · ${me.clues}` : ''}`;
    $('signout').hidden = false;
    $('signin').hidden = true;
    $('app').hidden = false;
    const select = $('state');
    select.replaceChildren(h('option', { value: '' }, 'Todo el país'), ...all.map((s) => h('option', { value: s.code }, `${s.code} ${s.name}`)));
    if (me.state) select.value = me.state.code;
    $('asof').value = today();
    $('asof').max = today();
    await loadFiscalYears();
    await refresh();
    $('main').focus();
  } catch (err) {
    if (signedIn || !$('app').hidden) return; // signed in, then the figures failed: refresh() said so in the status line
    sessionStorage.removeItem(TOKEN_KEY);
    $('signin-error').textContent = err.code === 'UNAUTHENTICATED' ? 'El token no es válido o ya venció. Pida uno nuevo a su administrador y péguelo aquí.' : `No se pudo entrar: ${err.message}`;
  }
}

function signOut() {
  signedIn = false;
  sessionStorage.removeItem(TOKEN_KEY);
  location.reload();
}

// ---------------------------------------------------------------------------------------------
// Cards and charts: one request, each indicator as a 12-month series with its total.

const ROW = 'numerator denominator value gap band';

/** Each refresh is numbered: a slower, older answer (the year changed twice quickly) never paints over a newer one. */
let refreshSeq = 0;

async function refresh() {
  const seq = ++refreshSeq;
  $('status').textContent = 'Cargando…';
  try {
    const filter = filterFor();
    const fields = INDICATORS.map(
      (d, i) => `i${i}: indicator(code: ${d.code}, filter: ${filterArg(d)}, groupBy: [MONTH]) {
        code name formula target lowerIsBetter bands { near far } asOf
        total { ${ROW} activeUnits shortfall { notDispatched inTransit rejected } }
        rows { month partial ${ROW} } }`,
    );
    const data = await gql(`query(${QUERY_VARS}) { ${fields.join('\n')} }`, variables(filter));
    if (seq !== refreshSeq) return;
    const results = INDICATORS.map((d, i) => ({ def: d, r: data[`i${i}`] }));
    renderLegend(results);
    renderCards(results);
    renderCharts(results);
    await renderStates(() => seq === refreshSeq);
    if (seq !== refreshSeq) return;
    await renderRound(() => seq === refreshSeq);
    if (seq !== refreshSeq) return;
    $('status').textContent = `Actualizado: corte ${filter.asOf}; indicador 51, ejercicio ${fiscalYear()}`;
  } catch (err) {
    $('status').textContent = err.code === 'UNAUTHENTICATED' ? '' : `Error: ${err.message}. Revise los filtros y pulse Actualizar.`;
  }
}

/** The bands in words, from the limits the API reads them with (the same for every indicator shown). */
function renderLegend(results) {
  const limits = results.find((x) => x.r.bands)?.r.bands;
  if (!limits) {
    $('legend').replaceChildren();
    return;
  }
  const item = (band, text) => h('li', {}, h('span', { class: `band ${BAND[band].cls}` }, BAND[band].label), ` ${text}`);
  $('legend').replaceChildren(
    h('p', { class: 'legend-title' }, 'Distancia a la meta, en puntos (pts):'),
    h(
      'ul',
      { class: 'legend-list' },
      item('MET', 'la alcanza o la supera'),
      item('NEAR', `a ${pct.format(limits.near)} pts o menos`),
      item('FAR', `a más de ${pct.format(limits.near)} y hasta ${pct.format(limits.far)} pts`),
      item('OFF', `a más de ${pct.format(limits.far)} pts`),
      h('li', {}, h('span', { class: 'band partial' }, 'parcial'), ' mes en curso: aún se llena, no es una caída'),
    ),
    h('p', { class: 'hint' }, 'En el indicador 53 la meta es un tope: más de 100 % significa piezas emitidas no entregadas.'),
  );
}

function renderCards(results) {
  $('cards').replaceChildren(
    ...results.map(({ def, r }) => {
      const t = r.total;
      const cls = t.band ? BAND[t.band].cls : 'none';
      return h(
        'article',
        { class: `card b-${cls}`, 'data-indicator': def.code, 'aria-labelledby': `card-${def.code}` },
        h('h3', { id: `card-${def.code}` }, r.name),
        def.code === 'CPM_RATIFICATION' ? h('p', { class: 'meta fiscal' }, `Ejercicio ${fiscalYear()}`) : null,
        h('p', { class: 'value', 'data-value': t.value ?? '' }, value(t)),
        h('p', { class: 'meta' }, bandBadge(t)),
        h('p', { class: 'meta' }, `Meta: ${r.target === null ? '—' : `${r.lowerIsBetter ? 'hasta ' : ''}${int.format(r.target)}\u00a0%`}`),
        h('p', { class: 'meta' }, fraction(t)),
        t.activeUnits !== null && t.activeUnits !== undefined ? h('p', { class: 'meta' }, `Con movimientos en 30 días: ${int.format(t.activeUnits)}`) : null,
        t.shortfall
          ? h('p', { class: 'meta' }, `Faltante: ${int.format(t.shortfall.notDispatched)} sin enviar · ${int.format(t.shortfall.inTransit)} en tránsito · ${int.format(t.shortfall.rejected)} rechazadas`)
          : null,
        h('details', {}, h('summary', {}, 'Fórmula'), h('p', {}, r.formula), h('p', {}, def.network ? `A la fecha ${r.asOf}.` : `Emitidas desde ${filterFor().from}, leídas al ${r.asOf}.`)),
      );
    }),
  );
}

const BAND_COLOUR = { MET: '#116329', NEAR: '#9a6700', FAR: '#bc4c00', OFF: '#a40e26' };

function renderCharts(results) {
  const box = $('charts');
  for (const c of charts.values()) c.destroy();
  charts.clear();
  box.replaceChildren();
  for (const { def, r } of results) {
    const closed = r.rows.filter((x) => !x.partial);
    const last = [...closed].reverse().find((x) => x.value !== null);
    const partial = r.rows.find((x) => x.partial);
    const label =
      `${r.name}: serie mensual de ${r.rows.length} meses; último mes cerrado ${last ? `${pct.format(last.value)} % en ${fmtMonth(last.month)}` : 'sin datos'}; meta ${r.target} %` +
      (partial ? `; ${fmtMonth(partial.month)} es parcial (${value(partial)}).` : '.');
    const canvas = h('canvas', { role: 'img', 'aria-label': label });
    const table = h(
      'table',
      { class: 'series' },
      h('caption', {}, `${def.short} por mes`),
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Mes'), h('th', { scope: 'col', class: 'num' }, 'Valor (numerador / denominador)'))),
      h(
        'tbody',
        {},
        r.rows.map((x) =>
          h(
            'tr',
            { 'data-month': x.month, class: x.partial ? 'partial' : null },
            h('th', { scope: 'row' }, fmtMonth(x.month), x.partial ? h('span', { class: 'band partial' }, 'parcial') : null),
            h('td', { class: cellClass(x), 'data-label': 'Valor' }, figure(x)),
          ),
        ),
      ),
    );
    const partialNote = partial ? h('p', { class: 'hint partial-note' }, `${fmtMonth(partial.month)}: mes parcial (línea punteada), no es una caída.`) : null;
    box.append(
      h(
        'figure',
        { class: 'chart', 'data-chart': def.code },
        h('h3', {}, def.short),
        h('div', { class: 'canvas-box' }, canvas),
        partialNote,
        h('details', {}, h('summary', {}, 'Ver datos'), h('div', { class: 'table-wrap' }, table)),
      ),
    );
    if (window.Chart) {
      const isPartial = (i) => r.rows[i]?.partial === true;
      charts.set(
        def.code,
        new window.Chart(canvas, {
          type: 'line',
          data: {
            labels: r.rows.map((x) => (x.partial ? `${shortMonth(x.month)} (parcial)` : shortMonth(x.month))),
            datasets: [
              {
                label: def.short,
                data: r.rows.map((x) => x.value),
                borderColor: '#691c32',
                backgroundColor: '#691c32',
                // Closed months take their band's colour; the partial month is hollow and grey, on a dashed line.
                pointBackgroundColor: r.rows.map((x) => (x.partial ? '#ffffff' : BAND_COLOUR[x.band] ?? '#57606a')),
                pointBorderColor: r.rows.map((x) => (x.partial ? '#57606a' : BAND_COLOUR[x.band] ?? '#57606a')),
                pointRadius: r.rows.map((x) => (x.partial ? 5 : 3)),
                segment: { borderDash: (c) => (isPartial(c.p1DataIndex) ? [5, 4] : undefined), borderColor: (c) => (isPartial(c.p1DataIndex) ? '#57606a' : undefined) },
                spanGaps: true,
                tension: 0.2,
              },
              { label: 'Meta', data: r.rows.map(() => r.target), borderColor: '#57606a', borderDash: [6, 4], pointRadius: 0 },
            ],
          },
          options: {
            animation: false,
            maintainAspectRatio: false,
            // Every month labelled (the partial one included), short enough to fit.
            scales: { x: { ticks: { autoSkip: false, maxRotation: 90, font: { size: 10 } } }, y: { beginAtZero: true, suggestedMax: 110, ticks: { callback: (v) => `${v} %` } } },
            plugins: {
              legend: { display: false },
              tooltip: {
                callbacks: {
                  label: (c) => {
                    const row = r.rows[c.dataIndex];
                    const v = `${c.dataset.label}: ${c.parsed.y === null ? '—' : pct.format(c.parsed.y)} %`;
                    return c.datasetIndex === 0 ? `${v} (${fraction(row)})${row.partial ? ' · parcial' : ''}` : v;
                  },
                },
              },
            },
          },
        }),
      );
    }
  }
}

// ---------------------------------------------------------------------------------------------
// By state, and the drill-down to the establishments of one state.

/**
 * Rutas de la Salud: the round of the cut-off month (the latest round of that month in the caller's
 * scope), route by route — centres, kits, dispatched, received and the share received, with the
 * claves the warehouse could not cover in full.
 */
async function renderRound(current = () => true) {
  const month = $('asof').value.slice(0, 7);
  const data = await gql(
    `query($m: String) { distributionRounds(month: $m) { number month mode units kits kitTemplate { code name }
       routes { code name carrier deliveryWeek warehouseClues units kits dispatched received }
       claves { clave planned allocated shortUnits } } }`,
    { m: month },
  );
  if (!current()) return;
  const rounds = data.distributionRounds;
  if (!rounds.length) {
    $('round').replaceChildren(h('p', { class: 'hint' }, `No hay ronda de Rutas de la Salud en ${fmtMonth(month)} ${month.slice(0, 4)} en su ámbito.`));
    return;
  }
  const blocks = rounds.map((r) => {
    const short = r.claves.filter((c) => c.shortUnits > 0);
    return h(
      'div',
      { class: 'round', 'data-round': r.number },
      h('p', {}, `Ronda ${r.number} · ${r.kitTemplate.name} (${r.kitTemplate.code}) · ${r.mode === 'TOP_UP' ? 'complemento' : 'kit completo'} · ${int.format(r.units)} unidades, ${int.format(r.kits)} kits`),
      h(
        'table',
        { class: 'reflow' },
        h('caption', {}, 'Por ruta: unidades con envío despachado y recibido; el porcentaje es recibidas / unidades de la ruta.'),
        h(
          'thead',
          {},
          h('tr', {}, ['Ruta', 'Transportista', 'Semana', 'Almacén', 'Unidades', 'Kits', 'Despachadas', 'Recibidas', '% recibidas'].map((t, i) => h('th', { scope: 'col', class: i >= 4 ? 'num' : null }, t))),
        ),
        h(
          'tbody',
          {},
          r.routes.map((ro) =>
            h(
              'tr',
              { 'data-route': ro.code },
              h('th', { scope: 'row' }, `${ro.code} ${ro.name}`),
              h('td', {}, ro.carrier),
              h('td', { class: 'num' }, String(ro.deliveryWeek)),
              h('td', {}, ro.warehouseClues),
              h('td', { class: 'num' }, int.format(ro.units)),
              h('td', { class: 'num' }, int.format(ro.kits)),
              h('td', { class: 'num' }, int.format(ro.dispatched)),
              h('td', { class: 'num' }, int.format(ro.received)),
              h('td', { class: 'num' }, `${pct.format((ro.received / ro.units) * 100)} %`),
            ),
          ),
        ),
      ),
      short.length
        ? h('p', { class: 'hint' }, `Claves que el almacén no cubrió completas (repartidas por necesidad): ${short.map((c) => `${c.clave} (${int.format(c.allocated)} de ${int.format(c.planned)} piezas; ${c.shortUnits} unidades con menos)`).join('; ')}.`)
        : null,
    );
  });
  $('round').replaceChildren(...blocks);
  keepTableRoles($('round'));
}

async function renderStates(current = () => true) {
  const f = filterFor();
  const fields = INDICATORS.map((d, i) => `s${i}: indicator(code: ${d.code}, filter: ${filterArg(d)}, groupBy: [STATE]) { rows { state { code name } ${ROW} } }`);
  const data = await gql(`query(${QUERY_VARS}) { ${fields.join('\n')} }`, variables(f));
  if (!current()) return;
  const byState = new Map();
  INDICATORS.forEach((d, i) => {
    for (const row of data[`s${i}`].rows) {
      if (!byState.has(row.state.code)) byState.set(row.state.code, { state: row.state, cells: {} });
      byState.get(row.state.code).cells[d.code] = row;
    }
  });
  const rows = [...byState.values()].sort((a, b) => a.state.code.localeCompare(b.state.code));
  $('states').replaceChildren(
    rows.length
      ? h(
          'table',
          { class: 'reflow' },
          h('caption', {}, 'Cada cifra con su distancia a la meta y, debajo, numerador / denominador.'),
          h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Entidad'), INDICATORS.map((d) => h('th', { scope: 'col', class: 'num' }, d.short)))),
          h(
            'tbody',
            {},
            rows.map(({ state, cells }) =>
              h(
                'tr',
                { 'data-state': state.code },
                h(
                  'th',
                  { scope: 'row' },
                  // Units one by one: national roles anywhere, a coordinator in its own state (the API's scope).
                  viewer.national || viewer.state?.code === state.code
                    ? h('button', { type: 'button', class: 'link', onclick: () => drill(state) }, `${state.code} ${state.name}`)
                    : `${state.code} ${state.name}`,
                ),
                INDICATORS.map((d) => h('td', { class: cellClass(cells[d.code]), 'data-label': d.short, 'data-col': d.code }, figure(cells[d.code]))),
              ),
            ),
          ),
        )
      : h('p', { class: 'hint' }, 'Sin datos para estos filtros. Cambie la fecha de corte o la entidad y pulse Actualizar.'),
  );
  keepTableRoles($('states'));
}

async function drill(state) {
  const section = $('drill');
  section.hidden = false;
  $('drill-title').textContent = `Unidades de ${state.name}`;
  $('drill-table').replaceChildren(h('p', { class: 'hint' }, 'Cargando…'));
  $('drill-title').focus();
  try {
    const f = { ...filterFor(), stateCodes: [state.code] };
    const defs = INDICATORS.filter((d) => DRILL.includes(d.code));
    const fields = defs.map((d, i) => `e${i}: indicator(code: ${d.code}, filter: ${filterArg(d)}, groupBy: [ESTABLISHMENT]) { rows { establishment { clues name } ${ROW} } }`);
    const data = await gql(`query(${QUERY_VARS}) { ${fields.join('\n')} }`, variables(f));
    const units = new Map();
    defs.forEach((d, i) => {
      for (const row of data[`e${i}`].rows) {
        if (!units.has(row.establishment.clues)) units.set(row.establishment.clues, { est: row.establishment, cells: {} });
        units.get(row.establishment.clues).cells[d.code] = row;
      }
    });
    const list = [...units.values()].sort((a, b) => a.est.clues.localeCompare(b.est.clues));
    // 51 and 52 are yes / no per unit: the cell says which, in words (a band means nothing for one unit).
    const yesNo = (d) => d.network;
    const yesNoCell = (d, row) =>
      !row || row.value === null
        ? ['—']
        : [
            h('span', { class: 'v', 'data-value': row.value }, row.value === 100 ? 'Sí' : 'No'),
            h('span', { class: 'nd' }, d.code === 'CPM_RATIFICATION' ? (row.value === 100 ? 'CPM ratificado' : 'sin ratificar') : row.value === 100 ? 'SAI en operación' : 'sin SAI en operación'),
          ];
    $('drill-table').replaceChildren(
      h(
        'table',
        { class: 'reflow drill' },
        h('caption', {}, `${list.length} establecimientos. 51: CPM del ejercicio ${fiscalYear()} ratificado (sí o no); 52: SAI en operación (sí o no).`),
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Unidad'), defs.map((d) => h('th', { scope: 'col', class: 'num' }, d.short)), h('th', { scope: 'col' }, 'Existencias'))),
        h(
          'tbody',
          {},
          list.map(({ est, cells }) =>
            h(
              'tr',
              { 'data-clues': est.clues },
              h('th', { scope: 'row' }, h('span', { class: 'clues' }, est.clues), h('span', { class: 'unit-name' }, est.name)),
              defs.map((d) =>
                yesNo(d)
                  ? h('td', { class: `num fig ${cells[d.code]?.value === 100 ? 'yes' : 'no'}`, 'data-label': d.short, 'data-col': d.code }, yesNoCell(d, cells[d.code]))
                  : h('td', { class: cellClass(cells[d.code]), 'data-label': d.short, 'data-col': d.code }, figure(cells[d.code])),
              ),
              h('td', { class: 'stock', 'data-label': 'Existencias' }, h('button', { type: 'button', class: 'secondary', onclick: () => showClues(est.clues) }, 'Ver existencias', h('span', { class: 'visually-hidden' }, ` de ${est.clues}`))),
            ),
          ),
        ),
      ),
    );
    keepTableRoles($('drill-table'));
  } catch (err) {
    if (err.code !== 'UNAUTHENTICATED') $('drill-table').replaceChildren(h('p', { class: 'error' }, `Error: ${err.message}`));
  }
}

// ---------------------------------------------------------------------------------------------
// One CLUES: stock-outs and lots about to expire.

async function showClues(clues) {
  $('clues').value = clues;
  $('clues-title').focus();
  const out = $('clues-result');
  out.replaceChildren(h('p', { class: 'hint' }, 'Cargando…'));
  try {
    const data = await gql(
      `query($c: String!) {
        short: stockLevels(clues: $c, first: 100, filter: { statuses: [STOCKED_OUT, UNDERSTOCKED] }) {
          totalCount edges { node { clave supplyItem { description } usable inTransit cpm monthsOfStock status } } }
        expiring: stockLevels(clues: $c, first: 100, filter: { expiringWithinDays: 90 }) {
          edges { node { clave supplyItem { description } lots { lotNumber expiresOn quantity expired } } } }
        establishment(clues: $c) { clues name }
      }`,
      { c: clues.toUpperCase() },
    );
    const limit = new Date(Date.parse(`${today()}T00:00:00Z`) + 90 * 86400000).toISOString().slice(0, 10);
    const shortages = data.short.edges.map((e) => e.node).filter((n) => n.cpm !== null);
    const lots = data.expiring.edges.flatMap((e) => e.node.lots.filter((l) => !l.expired && l.expiresOn && l.expiresOn <= limit).map((l) => ({ ...l, clave: e.node.clave, description: e.node.supplyItem.description })));
    lots.sort((a, b) => a.expiresOn.localeCompare(b.expiresOn));
    const name = data.establishment ? `${data.establishment.clues} ${data.establishment.name}` : clues;
    out.replaceChildren(
      h('h3', {}, name),
      h(
        'div',
        { class: 'table-wrap', tabindex: 0, role: 'region', 'aria-label': `Claves agotadas o bajo el mínimo en ${name}` },
        h(
          'table',
          { 'data-table': 'shortages', class: 'reflow' },
          h('caption', {}, `${shortages.length} claves agotadas o por debajo del mínimo, con CPM (existencias de hoy, ${today()}).`),
          h('thead', {}, h('tr', {}, ['Clave', 'Descripción'].map((t) => h('th', { scope: 'col' }, t)), ['Utilizable', 'En tránsito', 'CPM', 'Meses'].map((t) => h('th', { scope: 'col', class: 'num' }, t)), h('th', { scope: 'col' }, 'Estado'))),
          h(
            'tbody',
            {},
            shortages.map((n) =>
              h(
                'tr',
                {},
                h('th', { scope: 'row' }, n.clave),
                h('td', { class: 'wide', 'data-label': 'Descripción' }, n.supplyItem.description),
                h('td', { class: 'num', 'data-label': 'Utilizable' }, int.format(n.usable)),
                h('td', { class: 'num', 'data-label': 'En tránsito' }, int.format(n.inTransit)),
                h('td', { class: 'num', 'data-label': 'CPM' }, int.format(n.cpm)),
                h('td', { class: 'num', 'data-label': 'Meses' }, n.monthsOfStock === null ? '—' : pct.format(n.monthsOfStock)),
                h('td', { 'data-label': 'Estado' }, n.status === 'STOCKED_OUT' ? 'Agotada' : 'Bajo el mínimo'),
              ),
            ),
          ),
        ),
      ),
      h(
        'div',
        { class: 'table-wrap', tabindex: 0, role: 'region', 'aria-label': `Lotes que caducan en 90 días en ${name}` },
        h(
          'table',
          { 'data-table': 'expiring', class: 'reflow' },
          h('caption', {}, `${lots.length} lotes con piezas que caducan a más tardar el ${limit}.`),
          h('thead', {}, h('tr', {}, ['Caducidad', 'Clave', 'Descripción', 'Lote'].map((t) => h('th', { scope: 'col' }, t)), h('th', { scope: 'col', class: 'num' }, 'Piezas'))),
          h(
            'tbody',
            {},
            lots.map((l) =>
              h(
                'tr',
                {},
                h('th', { scope: 'row' }, l.expiresOn),
                h('td', { 'data-label': 'Clave' }, l.clave),
                h('td', { class: 'wide', 'data-label': 'Descripción' }, l.description),
                h('td', { 'data-label': 'Lote' }, l.lotNumber),
                h('td', { class: 'num', 'data-label': 'Piezas' }, int.format(l.quantity)),
              ),
            ),
          ),
        ),
      ),
    );
    keepTableRoles(out);
  } catch (err) {
    if (err.code === 'UNAUTHENTICATED') return;
    out.replaceChildren(h('p', { class: 'error' }, err.code === 'FORBIDDEN' ? 'Su usuario no puede ver esa CLUES.' : `Error: ${err.message}`));
  }
}

// ---------------------------------------------------------------------------------------------

$('signin-form').addEventListener('submit', (e) => {
  e.preventDefault();
  $('signin-error').textContent = '';
  signIn($('token').value);
});
$('signout').addEventListener('click', signOut);
$('filters').addEventListener('submit', (e) => {
  e.preventDefault();
  $('drill').hidden = true;
  refresh();
});
$('fiscal-year').addEventListener('change', () => {
  $('drill').hidden = true;
  refresh();
});
$('drill-close').addEventListener('click', () => {
  $('drill').hidden = true;
  $('states').focus();
});
$('clues-form').addEventListener('submit', (e) => {
  e.preventDefault();
  showClues($('clues').value.trim());
});
if (sessionStorage.getItem(TOKEN_KEY)) signIn(sessionStorage.getItem(TOKEN_KEY));
