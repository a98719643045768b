// gridtwin operator dashboard: hash routes over the HTTP API, live values over /ws.
import { api, connect, el, onUnauthorized, session } from './core.js';
import { alerts } from './view-alerts.js';
import { emlite } from './view-emlite.js';
import { meter, meters } from './view-meters.js';
import { overview } from './view-overview.js';
import { plant, plants } from './view-plants.js';

const ROUTES = { '': overview, plants, plant, meters, meter, emlite, alerts };
const NAV = { plant: 'plants', meter: 'meters' };
const main = document.querySelector('#view');
let leave = () => undefined;
let rendering = 0;

async function render() {
  const [path, q = ''] = location.hash.replace(/^#\/?/, '').split('?');
  const [name = '', id] = path.split('/');
  const view = ROUTES[name] ?? overview;
  document.querySelectorAll('#nav a').forEach((a) => a.classList.toggle('active', a.dataset.view === (NAV[name] ?? (name || 'overview'))));
  leave();
  leave = () => undefined;
  const mine = ++rendering;
  main.setAttribute('aria-busy', 'true');
  const stop = await view(main, id && decodeURIComponent(id), new URLSearchParams(q));
  if (mine !== rendering) stop(); // another route was opened meanwhile
  else { leave = stop; main.setAttribute('aria-busy', 'false'); main.dataset.view = name || 'overview'; }
}

// ---- sign-in: the token stays in sessionStorage and headers, never in a URL -------------------------------
const dialog = document.querySelector('#signin');
const who = document.querySelector('#who');
const showWho = () => { who.textContent = session.token ? `${session.claims.sub ?? 'signed in'} · ${session.claims.org ?? ''}` : 'sign in'; };
who.addEventListener('click', () => { document.querySelector('#signin-error').textContent = ''; dialog.showModal(); });
document.querySelector('#signin-cancel').addEventListener('click', () => dialog.close());
document.querySelector('#signout').addEventListener('click', () => { session.token = ''; dialog.close(); showWho(); connect(); void render(); });
document.querySelector('#signin-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const previous = session.token;
  session.token = document.querySelector('#signin-token').value.trim();
  const check = await api('GET', '/api/overview');
  if (check.status === 401) {
    session.token = previous;
    document.querySelector('#signin-error').textContent = check.error?.message ?? 'not accepted';
    return;
  }
  document.querySelector('#signin-token').value = '';
  dialog.close();
  showWho();
  connect();
  void render();
});
onUnauthorized((err) => {
  if (dialog.open) return;
  document.querySelector('#signin-error').textContent = err?.message ? `${err.message}: sign in` : 'sign in';
  dialog.showModal();
});

// A token passed the old way (`?token=`) is moved into the session and removed from the address bar.
const legacy = new URLSearchParams(location.search).get('token');
if (legacy) { session.token = legacy; history.replaceState(null, '', location.pathname + location.hash); }

showWho();
connect();
addEventListener('hashchange', () => void render());
void render().catch((e) => main.replaceChildren(el('section', { class: 'wide' }, el('p', { class: 'error' }, `dashboard error: ${e.message}`))));
