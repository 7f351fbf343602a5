/* GraphiQL over Abasto's /graphql with the user's token (kept for this tab, under the dashboard's key). */
(function () {
  'use strict';
  var TOKEN_KEY = 'abasto.token';
  var input = document.getElementById('token');
  var who = document.getElementById('who');
  input.value = sessionStorage.getItem(TOKEN_KEY) || '';

  function headers(extra) {
    var h = Object.assign({ 'content-type': 'application/json', accept: 'application/json' }, extra || {});
    var token = input.value.trim();
    if (token) h.authorization = 'Bearer ' + token.replace(/^Bearer\s+/i, '');
    return h;
  }

  function fetcher(params, options) {
    return fetch('/graphql', { method: 'POST', headers: headers(options && options.headers), body: JSON.stringify(params) }).then(function (r) {
      return r.json();
    });
  }

  function showWho() {
    if (!input.value.trim()) {
      who.textContent = 'sin token: solo introspección';
      return;
    }
    fetcher({ query: '{ me { role clues state { code } } }' })
      .then(function (r) {
        var me = r.data && r.data.me;
        who.textContent = me ? 'sesión: ' + me.role + (me.clues ? ' · ' + me.clues : me.state ? ' · estado ' + me.state.code : '') : (r.errors && r.errors[0].message) || '';
      })
      .catch(function () {
        who.textContent = 'sin conexión con el servidor';
      });
  }

  input.addEventListener('change', function () {
    sessionStorage.setItem(TOKEN_KEY, input.value.trim());
    showWho();
  });
  document.getElementById('forget').addEventListener('click', function () {
    sessionStorage.removeItem(TOKEN_KEY);
    input.value = '';
    showWho();
  });

  var example =
    '# Abasto: pegue su token arriba (npm run token -- --role PHARMACY --clues <CLUES>).\n' +
    '# Ctrl+Enter ejecuta; Ctrl+Espacio sugiere campos.\n' +
    '{\n  me { role clues establishment { name } state { name } }\n}\n';
  var root = ReactDOM.createRoot(document.getElementById('ide'));
  root.render(React.createElement(GraphiQL, { fetcher: fetcher, defaultQuery: example, defaultEditorToolsVisibility: false }));
  showWho();
})();
