/**
 * The plain device page, served when the webui's build (device.html) is missing: a bare checkout
 * still binds and shows its state. One self-contained document (no external fonts, scripts or CDNs: it must
 * work on a LAN with no internet). It reads `/api/state` every two seconds; this is the device's
 * own loopback state, not the relay.
 */
export const DEVICE_PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Ferry device</title>
<style>
  :root { color-scheme: light dark; font-family: system-ui, sans-serif; }
  body { margin: 0 auto; max-width: 40rem; padding: 1rem; line-height: 1.4; }
  h1 { font-size: 1.4rem; }
  label { display: block; margin-top: .75rem; font-weight: 600; }
  input { width: 100%; box-sizing: border-box; padding: .5rem; font-size: 1rem; }
  button { margin-top: 1rem; padding: .5rem 1rem; font-size: 1rem; }
  .error { color: #b00020; font-weight: 600; }
  .bar { background: #ccc; height: .75rem; border-radius: .375rem; overflow: hidden; }
  .bar > div { background: #1565c0; height: 100%; }
  dl { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; }
  dt { font-weight: 600; }
  ul { padding-left: 1.2rem; }
  .note { border-left: 4px solid #8a4600; padding: .25rem .75rem; }
</style>
</head>
<body>
<main>
  <h1>Ferry device <span id="name"></span></h1>
  <p class="note" id="plain-page">This is the plain device page: the full page is not built here.
  Build it with <code>npm install</code> or <code>npm run build -w @ferry/webui</code>, then reload.</p>
  <section id="bind" hidden>
    <p>This disk is not bound yet. Log in with your account on the relay <strong id="relay"></strong>:
    your password goes to the relay once; the disk keeps only a device token.</p>
    <form id="form">
      <label for="user">User</label><input id="user" name="user" autocomplete="username" required>
      <label for="password">Password</label>
      <input id="password" name="password" type="password" autocomplete="current-password" required>
      <label for="device">Device name</label><input id="device" name="device" pattern="[A-Za-z0-9][A-Za-z0-9._-]{0,63}">
      <p id="bind-error" class="error" role="alert"></p>
      <button type="submit">Bind this disk</button>
    </form>
  </section>
  <section id="state" hidden aria-live="polite">
    <dl>
      <dt>User</dt><dd id="owner"></dd>
      <dt>State</dt><dd id="mode"></dd>
      <dt>Free space</dt><dd><span id="free"></span><div class="bar" role="img" id="free-bar-label"><div id="free-bar"></div></div></dd>
      <dt>Speed</dt><dd id="speed"></dd>
      <dt>Containers</dt><dd id="containers"></dd>
    </dl>
    <h2>Now</h2><ul id="current"></ul>
    <h2>Errors</h2><ul id="errors"></ul>
    <h2>Renamed names</h2><ul id="renamed"></ul>
  </section>
</main>
<script>
const $ = (id) => document.getElementById(id);
const bytes = (n) => { const u = ['B','KiB','MiB','GiB','TiB']; let i = 0; while (n >= 1024 && i < 4) { n /= 1024; i++; } return n.toFixed(i ? 1 : 0) + ' ' + u[i]; };
const list = (el, items) => { el.replaceChildren(...(items.length ? items : ['none']).map((t) => { const li = document.createElement('li'); li.textContent = t; return li; })); };
async function refresh() {
  const state = await (await fetch('/api/state')).json();
  $('name').textContent = state.device;
  $('relay').textContent = state.relay;
  $('bind').hidden = state.bound;
  $('state').hidden = !state.bound;
  if (!state.bound) { if (!$('device').value) $('device').value = state.device; return; }
  const s = state.status;
  $('owner').textContent = state.user;
  $('containers').textContent = state.containers.join(', ') || 'none yet';
  if (!s) { $('mode').textContent = 'starting'; return; }
  $('mode').textContent = s.state;
  $('free').textContent = bytes(s.freeBytes) + ' free, at least ' + bytes(s.minFreeBytes) + ' wanted';
  const share = s.minFreeBytes > 0 ? Math.min(100, 100 * s.freeBytes / (2 * s.minFreeBytes)) : 100;
  $('free-bar').style.width = share + '%';
  $('free-bar-label').setAttribute('aria-label', $('free').textContent);
  $('speed').textContent = bytes(s.bytesPerSecond) + '/s';
  list($('current'), s.current.map((f) => f.container + '/' + f.path + ' ' + bytes(f.bytes) + ' of ' + bytes(f.size)));
  list($('errors'), s.errors);
  list($('renamed'), s.renamed);
}
$('form').addEventListener('submit', async (event) => {
  event.preventDefault();
  $('bind-error').textContent = '';
  const body = { user: $('user').value, password: $('password').value, device: $('device').value };
  const response = await fetch('/api/bind', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  $('password').value = '';
  if (!response.ok) { const e = (await response.json()).error; $('bind-error').textContent = e.message + (e.hint ? ' (' + e.hint + ')' : ''); return; }
  refresh();
});
refresh().catch(() => {});
setInterval(() => refresh().catch(() => {}), 2000);
</script>
</body>
</html>
`;
