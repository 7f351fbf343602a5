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
// What a drill-down to the establishments of one state shows.
const DRILL = ['CPM_RATIFICATION', 'SAI_ROLLOUT', 'PIECES_ISSUED_DELIVERED', 'QUANTITY_FILL_RATE', 'PRESCRIPTION_COMPLETE_FILL'];

const pct = new Intl.NumberFormat('es-MX', { maximumFractionDigits: 1, minimumFractionDigits: 1 });
const int = new Intl.NumberFormat('es-MX', { maximumFractionDigits: 0 });
const $ = (id) => document.getElementById(id);
const charts = new Map();
let states = [];
/** Who is signed in (`me`): decides which states can be drilled into. */
let viewer = { national: false, state: null };

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
  if (body.errors?.length) {
    const e = body.errors[0];
    const err = new Error(e.message);
    err.code = e.extensions?.code;
    throw err;
  }
  return body.data;
}

function value(row) {
  return row && row.value !== null && row.value !== undefined ? `${pct.format(row.value)} %` : '—';
}

function meets(def, row, target) {
  if (!row || row.value === null || target === null) return null;
  return def.lowerIsBetter ? row.value <= target : row.value >= target;
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

// ---------------------------------------------------------------------------------------------
// Sign in

async function signIn(token) {
  sessionStorage.setItem(TOKEN_KEY, token.trim());
  try {
    const { me, states: all } = await gql('{ me { subject role national clues state { code name } } states { code name } }');
    states = all;
    viewer = me;
    $('who').textContent = `${me.subject} · ${me.role}${me.state ? ` · ${me.state.name}` : me.clues ? ` · ${me.clues}` : ''}`;
    $('signout').hidden = false;
    $('signin').hidden = true;
    $('app').hidden = false;
    const select = $('state');
    select.replaceChildren(h('option', { value: '' }, 'Todo el país'), ...all.map((s) => h('option', { value: s.code }, `${s.code} ${s.name}`)));
    if (me.state) select.value = me.state.code;
    $('asof').value = today();
    $('asof').max = today();
    await refresh();
    $('main').focus();
  } catch (err) {
    sessionStorage.removeItem(TOKEN_KEY);
    $('signin-error').textContent = err.code === 'UNAUTHENTICATED' ? 'El token no es válido o ya venció.' : `No se pudo entrar: ${err.message}`;
  }
}

function signOut() {
  sessionStorage.removeItem(TOKEN_KEY);
  location.reload();
}

// ---------------------------------------------------------------------------------------------
// Cards and charts: one request, each indicator as a 12-month series with its total.

const ROW = 'numerator denominator value';

async function refresh() {
  $('status').textContent = 'Cargando…';
  try {
    const filter = filterFor();
    const fields = INDICATORS.map(
      (d, i) => `i${i}: indicator(code: ${d.code}, filter: $f, groupBy: [MONTH]) {
        code name formula unit target asOf
        total { ${ROW} activeUnits shortfall { notDispatched inTransit rejected } }
        rows { month ${ROW} } }`,
    );
    const data = await gql(`query($f: IndicatorFilter) { ${fields.join('\n')} }`, { f: filter });
    const results = INDICATORS.map((d, i) => ({ def: d, r: data[`i${i}`] }));
    renderCards(results);
    renderCharts(results);
    await renderStates();
    $('status').textContent = `Actualizado: corte ${filter.asOf}`;
  } catch (err) {
    $('status').textContent = `Error: ${err.message}`;
  }
}

function renderCards(results) {
  $('cards').replaceChildren(
    ...results.map(({ def, r }) => {
      const ok = meets(def, r.total, r.target);
      const cls = ok === null ? 'none' : ok ? 'good' : 'bad';
      const t = r.total;
      return h(
        'article',
        { class: `card ${ok === null ? '' : cls}`, 'data-indicator': def.code, 'aria-labelledby': `card-${def.code}` },
        h('h3', { id: `card-${def.code}` }, r.name),
        h('p', { class: 'value', 'data-value': t.value ?? '' }, value(t)),
        h('p', { class: 'meta' }, h('span', { class: `badge ${cls}` }, ok === null ? 'Sin datos' : ok ? 'Cumple la meta' : 'No cumple la meta'), ` Meta: ${r.target ?? '—'} %`),
        h('p', { class: 'meta' }, `${int.format(t.numerator)} / ${int.format(t.denominator)}`),
        t.activeUnits !== null && t.activeUnits !== undefined ? h('p', { class: 'meta' }, `Con movimientos en 30 días: ${int.format(t.activeUnits)}`) : null,
        t.shortfall
          ? h('p', { class: 'meta' }, `Faltante: ${int.format(t.shortfall.notDispatched)} sin enviar · ${int.format(t.shortfall.inTransit)} en tránsito · ${int.format(t.shortfall.rejected)} rechazadas`)
          : null,
        h('details', {}, h('summary', {}, 'Fórmula'), h('p', {}, r.formula), h('p', {}, def.network ? `A la fecha ${r.asOf}.` : `Emitidas desde ${filterFor().from}, leídas al ${r.asOf}.`)),
      );
    }),
  );
}

function renderCharts(results) {
  const box = $('charts');
  for (const c of charts.values()) c.destroy();
  charts.clear();
  box.replaceChildren();
  for (const { def, r } of results) {
    const last = [...r.rows].reverse().find((x) => x.value !== null);
    const label = `${r.name}: serie mensual de ${r.rows.length} meses; último valor ${last ? `${pct.format(last.value)} % en ${last.month}` : 'sin datos'}; meta ${r.target} %.`;
    const canvas = h('canvas', { role: 'img', 'aria-label': label });
    const table = h(
      'table',
      {},
      h('caption', {}, `${def.short} por mes`),
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Mes'), h('th', { scope: 'col', class: 'num' }, 'Valor'), h('th', { scope: 'col', class: 'num' }, 'Numerador / denominador'))),
      h('tbody', {}, r.rows.map((x) => h('tr', {}, h('th', { scope: 'row' }, x.month), h('td', { class: 'num' }, value(x)), h('td', { class: 'num' }, `${int.format(x.numerator)} / ${int.format(x.denominator)}`)))),
    );
    box.append(h('figure', { class: 'chart', 'data-chart': def.code }, h('h3', {}, def.short), h('div', { class: 'canvas-box' }, canvas), h('details', {}, h('summary', {}, 'Ver datos'), h('div', { class: 'table-wrap' }, table))));
    if (window.Chart) {
      charts.set(
        def.code,
        new window.Chart(canvas, {
          type: 'line',
          data: {
            labels: r.rows.map((x) => x.month),
            datasets: [
              { label: def.short, data: r.rows.map((x) => x.value), borderColor: '#691c32', backgroundColor: '#691c32', spanGaps: true, tension: 0.2 },
              { label: 'Meta', data: r.rows.map(() => r.target), borderColor: '#57606a', borderDash: [6, 4], pointRadius: 0 },
            ],
          },
          options: {
            animation: false,
            maintainAspectRatio: false,
            scales: { y: { beginAtZero: true, suggestedMax: 110, ticks: { callback: (v) => `${v} %` } } },
            plugins: { legend: { display: false }, tooltip: { callbacks: { label: (c) => `${c.dataset.label}: ${c.parsed.y === null ? '—' : pct.format(c.parsed.y)} %` } } },
          },
        }),
      );
    }
  }
}

// ---------------------------------------------------------------------------------------------
// By state, and the drill-down to the establishments of one state.

async function renderStates() {
  const f = filterFor();
  const fields = INDICATORS.map((d, i) => `s${i}: indicator(code: ${d.code}, filter: $f, groupBy: [STATE]) { target rows { state { code name } ${ROW} } }`);
  const data = await gql(`query($f: IndicatorFilter) { ${fields.join('\n')} }`, { f });
  const byState = new Map();
  INDICATORS.forEach((d, i) => {
    for (const row of data[`s${i}`].rows) {
      if (!byState.has(row.state.code)) byState.set(row.state.code, { state: row.state, cells: {} });
      byState.get(row.state.code).cells[d.code] = { row, target: data[`s${i}`].target };
    }
  });
  const rows = [...byState.values()].sort((a, b) => a.state.code.localeCompare(b.state.code));
  $('states').replaceChildren(
    rows.length
      ? h(
          'table',
          {},
          h('caption', {}, 'Cada cifra con su numerador y denominador al pasar el puntero; en rojo, por debajo de la meta.'),
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
                INDICATORS.map((d) => {
                  const c = cells[d.code];
                  const ok = c ? meets(d, c.row, c.target) : null;
                  return h('td', { class: `num${ok === false ? ' flag' : ''}`, title: c ? `${c.row.numerator} / ${c.row.denominator}` : '' }, c ? value(c.row) : '—');
                }),
              ),
            ),
          ),
        )
      : h('p', { class: 'hint' }, 'Sin datos para estos filtros.'),
  );
  for (const tr of $('states').querySelectorAll('tr')) for (const td of tr.querySelectorAll('td.flag')) td.parentElement.classList.add('bad');
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
    const fields = defs.map((d, i) => `e${i}: indicator(code: ${d.code}, filter: $f, groupBy: [ESTABLISHMENT]) { rows { establishment { clues name } ${ROW} } }`);
    const data = await gql(`query($f: IndicatorFilter) { ${fields.join('\n')} }`, { f });
    const units = new Map();
    defs.forEach((d, i) => {
      for (const row of data[`e${i}`].rows) {
        if (!units.has(row.establishment.clues)) units.set(row.establishment.clues, { est: row.establishment, cells: {} });
        units.get(row.establishment.clues).cells[d.code] = row;
      }
    });
    const list = [...units.values()].sort((a, b) => a.est.clues.localeCompare(b.est.clues));
    $('drill-table').replaceChildren(
      h(
        'table',
        {},
        h('caption', {}, `${list.length} establecimientos. 51 y 52: 100 % = sí, 0 % = no.`),
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'CLUES'), h('th', { scope: 'col' }, 'Nombre'), defs.map((d) => h('th', { scope: 'col', class: 'num' }, d.short)), h('th', { scope: 'col' }, 'Existencias'))),
        h(
          'tbody',
          {},
          list.map(({ est, cells }) =>
            h(
              'tr',
              { 'data-clues': est.clues },
              h('th', { scope: 'row' }, est.clues),
              h('td', {}, est.name),
              defs.map((d) => h('td', { class: 'num', title: cells[d.code] ? `${cells[d.code].numerator} / ${cells[d.code].denominator}` : '' }, value(cells[d.code]))),
              h('td', {}, h('button', { type: 'button', class: 'link', onclick: () => showClues(est.clues) }, 'Ver', h('span', { class: 'visually-hidden' }, ` existencias de ${est.clues}`))),
            ),
          ),
        ),
      ),
    );
  } catch (err) {
    $('drill-table').replaceChildren(h('p', { class: 'error' }, `Error: ${err.message}`));
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
          { 'data-table': 'shortages' },
          h('caption', {}, `${shortages.length} claves agotadas o por debajo del mínimo, con CPM (existencias de hoy, ${today()}).`),
          h('thead', {}, h('tr', {}, ['Clave', 'Descripción'].map((t) => h('th', { scope: 'col' }, t)), ['Utilizable', 'En tránsito', 'CPM', 'Meses'].map((t) => h('th', { scope: 'col', class: 'num' }, t)), h('th', { scope: 'col' }, 'Estado'))),
          h(
            'tbody',
            {},
            shortages.map((n) =>
              h('tr', {}, h('th', { scope: 'row' }, n.clave), h('td', {}, n.supplyItem.description), h('td', { class: 'num' }, int.format(n.usable)), h('td', { class: 'num' }, int.format(n.inTransit)), h('td', { class: 'num' }, int.format(n.cpm)), h('td', { class: 'num' }, n.monthsOfStock === null ? '—' : pct.format(n.monthsOfStock)), h('td', {}, n.status === 'STOCKED_OUT' ? 'Agotada' : 'Bajo el mínimo')),
            ),
          ),
        ),
      ),
      h(
        'div',
        { class: 'table-wrap', tabindex: 0, role: 'region', 'aria-label': `Lotes que caducan en 90 días en ${name}` },
        h(
          'table',
          { 'data-table': 'expiring' },
          h('caption', {}, `${lots.length} lotes con piezas que caducan a más tardar el ${limit}.`),
          h('thead', {}, h('tr', {}, ['Caducidad', 'Clave', 'Descripción', 'Lote'].map((t) => h('th', { scope: 'col' }, t)), h('th', { scope: 'col', class: 'num' }, 'Piezas'))),
          h('tbody', {}, lots.map((l) => h('tr', {}, h('th', { scope: 'row' }, l.expiresOn), h('td', {}, l.clave), h('td', {}, l.description), h('td', {}, l.lotNumber), h('td', { class: 'num' }, int.format(l.quantity))))),
        ),
      ),
    );
  } catch (err) {
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
$('drill-close').addEventListener('click', () => {
  $('drill').hidden = true;
  $('states').focus();
});
$('clues-form').addEventListener('submit', (e) => {
  e.preventDefault();
  showClues($('clues').value.trim());
});
if (sessionStorage.getItem(TOKEN_KEY)) signIn(sessionStorage.getItem(TOKEN_KEY));
