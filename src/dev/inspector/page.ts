// The inspector page: one HTML document with its CSS and script inline, no build step
// and no framework. Everything it shows from events is set as text, never as markup.

const CSS = `
:root { color-scheme: light dark; --bg:#f7f7f8; --panel:#fff; --fg:#1d1f23; --muted:#6b7280; --line:#e3e4e8;
  --accent:#2563eb; --ok:#15803d; --warn:#b45309; --bad:#b91c1c; --sel:#dbeafe; --code:#f1f3f5; }
@media (prefers-color-scheme: dark) { :root { --bg:#111317; --panel:#181b20; --fg:#e6e8eb; --muted:#9aa1ab;
  --line:#2a2f37; --accent:#60a5fa; --ok:#4ade80; --warn:#fbbf24; --bad:#f87171; --sel:#1e3a5f; --code:#0d0f12; } }
* { box-sizing:border-box }
body { margin:0; font:13px/1.4 system-ui,-apple-system,"Segoe UI",sans-serif; background:var(--bg); color:var(--fg);
  height:100vh; display:flex; flex-direction:column }
header { display:flex; gap:14px; align-items:center; padding:8px 14px; border-bottom:1px solid var(--line); background:var(--panel) }
header h1 { font-size:15px; margin:0 } header .url { color:var(--muted); font-family:ui-monospace,monospace }
header .stat { color:var(--muted) } header .spacer { flex:1 }
main { flex:1; min-height:0; display:grid; grid-template-columns:minmax(300px,30%) 1fr; gap:10px; padding:10px }
section { background:var(--panel); border:1px solid var(--line); border-radius:8px; display:flex; flex-direction:column; min-height:0 }
section > h2 { font-size:12px; text-transform:uppercase; letter-spacing:.04em; color:var(--muted); margin:0; padding:8px 10px;
  border-bottom:1px solid var(--line); display:flex; gap:8px; align-items:center }
.col { display:flex; flex-direction:column; gap:10px; min-height:0 }
.scroll { overflow:auto; min-height:0; flex:1 }
#connections { table-layout:fixed } #connections td, #connections th { padding:4px 5px; overflow:hidden; text-overflow:ellipsis }
#connections .c-id { width:39% } #connections .c-time { width:21% } #connections .c-io { width:17% }
#conn-list { container-type:inline-size } @container (max-width: 340px) { #connections .c-time { display:none } #connections .c-id { width:50% } #connections .c-io { width:22% } }
table { width:100%; border-collapse:collapse } td,th { padding:4px 8px; text-align:left; white-space:nowrap; border-bottom:1px solid var(--line) }
th { position:sticky; top:0; background:var(--panel); color:var(--muted); font-weight:500; font-size:12px }
tbody tr { cursor:pointer } tbody tr:hover { background:var(--code) } tr.selected { background:var(--sel) !important }
.mono { font-family:ui-monospace,SFMono-Regular,Menlo,monospace; font-size:12px }
.closed td { color:var(--muted) } .ok { color:var(--ok) } .warn { color:var(--warn) } .bad { color:var(--bad) }
.kind { font-weight:600; font-size:11px } .muted { color:var(--muted) }
.trunc { max-width:260px; overflow:hidden; text-overflow:ellipsis }
.filters { display:flex; gap:6px; padding:6px 10px; border-bottom:1px solid var(--line); flex-wrap:wrap }
input,select,textarea,button { font:inherit; color:inherit; background:var(--bg); border:1px solid var(--line); border-radius:6px; padding:4px 8px }
button { cursor:pointer; background:var(--panel) } button:hover { border-color:var(--accent) }
button.primary { background:var(--accent); color:#fff; border-color:var(--accent) } button.danger { color:var(--bad) }
#right { display:grid; grid-template-rows:minmax(180px,45%) 1fr; gap:10px; min-height:0 }
#detail .body { padding:8px 10px; overflow:auto; flex:1; min-height:0 }
#detail h3 { font-size:12px; margin:12px 0 4px; color:var(--muted) } #detail h3:first-child { margin-top:0 }
pre { margin:0; padding:8px; background:var(--code); border-radius:6px; overflow:auto; max-height:320px; font:12px/1.45 ui-monospace,monospace; white-space:pre-wrap; word-break:break-all }
.facts { display:grid; grid-template-columns:max-content 1fr; gap:2px 10px } .facts dt { color:var(--muted) } .facts dd { margin:0; word-break:break-all }
.row { display:flex; gap:6px; align-items:center; padding:6px 10px } .row input { flex:1; min-width:0 }
#conn-panel .body, #tc .body { padding:6px 10px }
#tc-log { max-height:120px } #toast { position:fixed; right:14px; bottom:14px; max-width:520px; padding:10px 14px; border-radius:8px;
  background:var(--panel); border:1px solid var(--line); box-shadow:0 4px 18px #0003; display:none }
#toast.show { display:block } #toast[data-kind=error] { border-color:var(--bad); color:var(--bad) }
dialog { width:min(900px,92vw); background:var(--panel); color:var(--fg); border:1px solid var(--line); border-radius:10px }
dialog textarea { width:100%; height:55vh; font:12px/1.45 ui-monospace,monospace }
.empty { padding:14px; color:var(--muted) }
`

const SCRIPT = `
const BASE = '/_socketeer/api'
const MAX_ROWS = 2000
const S = { events: [], bySeq: new Map(), byInv: new Map(), conns: [], last: 0, selected: null, conn: null, paused: false, gw: null }
const $ = (s) => document.querySelector(s)
const el = (tag, props, ...kids) => { const e = document.createElement(tag); Object.assign(e, props || {}); for (const k of kids) e.append(k); return e }
const pad = (n, w = 2) => String(n).padStart(w, '0')
const clock = (ms) => { const d = new Date(ms); return pad(d.getHours()) + ':' + pad(d.getMinutes()) + ':' + pad(d.getSeconds()) + '.' + pad(d.getMilliseconds(), 3) }
const size = (n) => n == null ? '' : n < 1024 ? n + ' B' : n < 1048576 ? (n / 1024).toFixed(1) + ' KB' : (n / 1048576).toFixed(1) + ' MB'
const tone = (status) => { const n = Number(status); if (status === 'allow' || status === 'ok' || (n >= 100 && n < 400) || n === 1000 || n === 1001) return 'ok'; if (n >= 400 && n < 500 || n > 1001) return 'warn'; return status === undefined ? '' : 'bad' }

function toast(text, kind) {
  const t = $('#toast'); t.textContent = text; t.dataset.kind = kind || 'info'; t.className = 'show'
  clearTimeout(toast.timer); toast.timer = setTimeout(() => { t.className = '' }, kind === 'error' ? 9000 : 4000)
}
async function api(method, path, body) {
  const res = await fetch(BASE + path, { method, body, headers: body === undefined ? {} : { 'content-type': 'text/plain; charset=utf-8' } })
  const type = res.headers.get('content-type') || ''
  const data = type.includes('json') ? await res.json() : await res.text()
  if (!res.ok) throw new Error((data && data.message) || String(data) || res.statusText)
  return data
}

// ---- timeline -------------------------------------------------------------
function callerLabel(e) {
  if (!e.caller) return ''
  const inv = S.byInv.get(e.caller)
  if (inv) return 'handler #' + inv.seq + ' (' + (inv.fn || inv.route) + ')'
  // An invocation's calls are recorded before the invocation itself ends.
  return /^[0-9a-f-]{36}$/.test(e.caller) ? 'a handler still running' : e.caller
}
function matches(e) {
  const k = $('#f-kind').value, r = $('#f-route').value.trim(), c = $('#f-conn').value.trim(), q = $('#f-text').value.trim().toLowerCase()
  if (k && e.kind !== k) return false
  if (r && !(e.route || '').includes(r)) return false
  if (c && !(e.connectionId || '').includes(c)) return false
  if (q && !JSON.stringify(e).toLowerCase().includes(q)) return false
  return true
}
function row(e) {
  const tr = el('tr', { className: 'ev' })
  tr.dataset.seq = e.seq; tr.dataset.kind = e.kind
  if (e.caller) tr.dataset.caller = e.caller
  if (S.selected === e.seq) tr.classList.add('selected')
  const status = e.status === undefined ? '' : String(e.status)
  tr.append(
    el('td', { className: 'mono muted', textContent: '#' + e.seq }),
    el('td', { className: 'mono muted', textContent: clock(e.at) }),
    el('td', { className: 'kind', textContent: e.kind }),
    el('td', { className: 'mono trunc', textContent: e.route || '' , title: e.route || '' }),
    el('td', { className: 'mono', textContent: e.connectionId || '' }),
    el('td', { className: 'mono ' + tone(e.status), textContent: status }),
    el('td', { className: 'mono muted', textContent: e.ms === undefined ? '' : e.ms + ' ms' }),
    el('td', { className: 'trunc ' + (e.error ? 'bad' : 'muted'), textContent: e.error || e.detail || callerLabel(e), title: e.error || e.detail || e.caller || '' }),
  )
  tr.onclick = () => select(e.seq)
  return tr
}
function add(list) {
  const body = $('#timeline tbody')
  for (const e of list) {
    if (S.bySeq.has(e.seq)) continue
    S.events.push(e); S.bySeq.set(e.seq, e); S.last = Math.max(S.last, e.seq)
    if (e.invocation && e.kind !== 'MANAGE') {
      S.byInv.set(e.invocation, e)
      for (const tr of document.querySelectorAll('#timeline tr[data-caller="' + e.invocation + '"]')) {
        const call = S.bySeq.get(Number(tr.dataset.seq))
        if (call && !call.error && !call.detail) tr.lastChild.textContent = callerLabel(call)
      }
    }
    if (!S.paused && matches(e)) body.prepend(row(e))
  }
  while (S.events.length > MAX_ROWS) { const old = S.events.shift(); S.bySeq.delete(old.seq) }
  while (body.rows.length > 500) body.lastChild.remove()
  $('#count').textContent = S.events.length + ' events'
  $('#empty').hidden = S.events.length > 0
  if (list.some((e) => e.connectionId)) refreshConnections()
}
function rerender() {
  const body = $('#timeline tbody'); body.replaceChildren()
  const shown = S.events.filter(matches).slice(-500).reverse()
  for (const e of shown) body.append(row(e))
}

// ---- detail ---------------------------------------------------------------
function pretty(value) { return JSON.stringify(value, null, 2) }
function block(title, value, id) {
  const box = el('div', { id })
  box.append(el('h3', { textContent: title }), el('pre', { textContent: typeof value === 'string' ? value : pretty(value) }))
  return box
}
async function select(seq) {
  S.selected = seq
  for (const tr of document.querySelectorAll('#timeline tr.selected')) tr.classList.remove('selected')
  const tr = document.querySelector('#timeline tr[data-seq="' + seq + '"]'); if (tr) tr.classList.add('selected')
  const body = $('#detail .body')
  let d
  try { d = await api('GET', '/events/' + seq) } catch (err) { body.replaceChildren(el('p', { className: 'bad', textContent: err.message })); return }
  if (S.selected !== seq) return
  $('#detail-title').textContent = '#' + d.seq + ' ' + d.kind + ' ' + (d.route || '')
  const facts = el('dl', { className: 'facts' })
  const fact = (k, v) => { if (v !== undefined && v !== '') facts.append(el('dt', { textContent: k }), el('dd', { className: 'mono', textContent: String(v) })) }
  fact('time', clock(d.at)); fact('connection', d.connectionId); fact('function', d.fn); fact('status', d.status)
  fact('latency', d.ms === undefined ? undefined : d.ms + ' ms'); fact('bytes', d.bytes); fact('detail', d.detail)
  fact('caller', d.caller ? callerLabel(d) : undefined); fact('request id', d.invocation)
  if (d.close) fact('close', d.close.code + ' ' + JSON.stringify(d.close.reason))
  if (d.cut) fact('cut', Object.entries(d.cut).map(([k, n]) => k + ' (' + n + ' chars)').join(', '))
  const parts = [facts]
  const actions = el('div', { className: 'row', style: 'padding:8px 0' })
  if (d.replayable) {
    actions.append(el('button', { id: 'replay', textContent: 'Replay', title: 'Run this event through its function again', onclick: () => doReplay(d.seq) }))
    actions.append(el('button', { id: 'copy-test', textContent: 'Copy as test', onclick: () => copyTest(d.seq) }))
  }
  if (d.callerSeq) actions.append(el('button', { textContent: 'Show caller #' + d.callerSeq, onclick: () => select(d.callerSeq) }))
  if (d.reloadedSince && d.replayable) actions.append(el('span', { className: 'warn', textContent: 'the handlers were reloaded since this ran' }))
  parts.push(actions)
  if (d.errorDetail) parts.push(block('Error', d.errorDetail.stack || d.errorDetail.message, 'detail-error'))
  if (d.event !== undefined) parts.push(block('Lambda event', d.event, 'detail-event'))
  if (d.result !== undefined) parts.push(block('Result', d.result, 'detail-result'))
  if (d.output) parts.push(block('What it logged', d.output, 'detail-output'))
  if (d.data) parts.push(block(d.kind === 'MANAGE' ? 'Payload' : 'Sent to the client', d.data.text !== undefined ? d.data.text : 'base64: ' + d.data.base64, 'detail-data'))
  if (d.frame !== undefined) parts.push(block('Frame', d.frame, 'detail-frame'))
  if (d.query) parts.push(block('Query', d.query))
  if (d.invocation && d.kind !== 'MANAGE') {
    const calls = el('div', { id: 'detail-calls' }, el('h3', { textContent: '@connections calls it made (' + d.calls.length + ')' }))
    if (d.calls.length === 0) calls.append(el('p', { className: 'muted', textContent: d.tracked ? 'none' : 'none named it: a call that names no invocation (boto3, the SDK over HTTP) ran meanwhile; see the timeline' }))
    for (const c of d.calls) {
      const line = el('div', { className: 'call mono' })
      line.append(el('span', { textContent: (c.route || '').split(' ')[0] + ' ' + c.connectionId + ' ' }), el('span', { className: tone(c.status), textContent: String(c.status) }))
      if (c.data && c.data.text !== undefined) line.append(el('span', { className: 'muted', textContent: '  ' + c.data.text.slice(0, 200) }))
      line.onclick = () => select(c.seq)
      calls.append(line)
    }
    parts.push(calls)
  }
  body.replaceChildren(...parts)
}
async function doReplay(seq) {
  try {
    const r = await api('POST', '/events/' + seq + '/replay')
    toast((r.note ? r.note + ' ' : '') + 'Replayed as #' + r.seq, r.note ? 'warn' : 'info')
    setTimeout(() => select(r.seq), 120)
  } catch (err) { toast(err.message, 'error') }
}
async function copyTest(seq) {
  try {
    const text = await api('GET', '/events/' + seq + '/test')
    $('#snippet-text').value = text
    $('#snippet').showModal()
    try { await navigator.clipboard.writeText(text); $('#snippet-note').textContent = 'Copied to the clipboard.' } catch { $('#snippet-note').textContent = 'Select and copy the text below.' }
  } catch (err) { toast(err.message, 'error') }
}

// ---- connections ----------------------------------------------------------
let refreshing = null
function refreshConnections() {
  if (refreshing) return
  refreshing = setTimeout(async () => {
    try { S.conns = await api('GET', '/connections'); renderConnections() } catch {}
    refreshing = null
  }, 250)
}
function renderConnections() {
  const body = $('#connections tbody'); body.replaceChildren()
  const open = S.conns.filter((c) => !c.close).length
  $('#conn-count').textContent = open + ' open, ' + (S.conns.length - open) + ' closed'
  for (const c of [...S.conns].reverse()) {
    const tr = el('tr', { className: c.close ? 'closed' : '' })
    tr.dataset.id = c.id
    if (S.conn === c.id) tr.classList.add('selected')
    tr.append(
      el('td', { className: 'mono', textContent: c.id, title: c.id }),
      el('td', { className: 'mono muted c-time', textContent: clock(c.connectedAt).slice(0, 8), title: clock(c.connectedAt) }),
      el('td', { className: 'mono', textContent: c.messagesIn + ' / ' + c.messagesOut }),
      el('td', { className: 'mono trunc ' + (c.close ? tone(c.close.code) : 'ok'), textContent: c.close ? c.close.code + ' ' + c.close.reason : 'open', title: c.close ? c.close.code + ' ' + c.close.reason : '' }),
    )
    tr.onclick = () => { S.conn = c.id; renderConnections() }
    body.append(tr)
  }
  const c = S.conns.find((x) => x.id === S.conn)
  const panel = $('#conn-panel .body')
  if (!c) { S.panelKey = null; panel.replaceChildren(el('p', { className: 'muted', textContent: 'Click a connection to see it and act on it.' })); return }
  const facts = el('dl', { className: 'facts', id: 'conn-facts' })
  const fact = (k, v) => { if (v !== undefined && v !== '') facts.append(el('dt', { textContent: k }), el('dd', { className: 'mono', textContent: typeof v === 'string' ? v : JSON.stringify(v) })) }
  fact('id', c.id); fact('connected', new Date(c.connectedAt).toLocaleString()); fact('source ip', c.sourceIp); fact('user agent', c.userAgent)
  fact('query', c.query); fact('authorizer', c.authorizer); fact('groups', c.groups); fact('attributes', c.attributes); fact('registry', c.registryError)
  fact('in', c.messagesIn + ' messages, ' + size(c.bytesIn)); fact('out', c.messagesOut + ' messages, ' + size(c.bytesOut))
  if (c.close) fact('closed', clock(c.closedAt) + ' with ' + c.close.code + ' ' + JSON.stringify(c.close.reason))
  // Same connection, same state: only the facts change, so what is being typed stays.
  const key = c.id + (c.close ? ':closed' : ':open')
  if (S.panelKey === key) { $('#conn-facts').replaceWith(facts); return }
  S.panelKey = key
  const filter = el('button', { textContent: 'Filter timeline', onclick: () => { $('#f-conn').value = c.id; rerender() } })
  const kids = [facts, el('div', { className: 'row', style: 'padding:6px 0' }, filter)]
  if (!c.close) {
    const text = el('input', { id: 'post-text', placeholder: 'message to post (as @connections POST)' })
    const send = el('button', { id: 'post-send', className: 'primary', textContent: 'Post', onclick: () => act('POST', '/connections/' + encodeURIComponent(c.id) + '/messages', text.value) })
    const drop = el('button', { id: 'disconnect', className: 'danger', textContent: 'Disconnect (1000)', onclick: () => act('DELETE', '/connections/' + encodeURIComponent(c.id)) })
    text.onkeydown = (e) => { if (e.key === 'Enter') send.click() }
    kids.push(el('div', { className: 'row', style: 'padding:0' }, text, send), el('div', { className: 'row', style: 'padding:6px 0 0' }, drop))
  }
  panel.replaceChildren(...kids)
}
async function act(method, path, body) {
  try { const r = await api(method, path, body); toast(r.message) } catch (err) { toast(err.message, 'error') }
}

// ---- test client ----------------------------------------------------------
let tc = null
function tcLog(text, cls) { const log = $('#tc-log'); log.textContent += text + '\\n'; log.scrollTop = log.scrollHeight }
function tcConnect() {
  if (tc) { tc.close(1000); return }
  const q = $('#tc-query').value.trim()
  tc = new WebSocket(S.gw.url + (q ? '?' + q.replace(/^\\?/, '') : ''))
  $('#tc-connect').textContent = 'Connecting…'
  tc.onopen = () => { $('#tc-connect').textContent = 'Close'; $('#tc-send').disabled = false; tcLog('open') }
  tc.onmessage = (m) => tcLog('← ' + m.data)
  tc.onerror = () => tcLog('error (see the timeline for the $connect)')
  tc.onclose = (c) => { tcLog('closed ' + c.code + ' ' + c.reason); tc = null; $('#tc-connect').textContent = 'Connect'; $('#tc-send').disabled = true }
}
function tcSend() { const t = $('#tc-text').value; if (tc && tc.readyState === 1) { tc.send(t); tcLog('→ ' + t) } }

// ---- start ----------------------------------------------------------------
function stream() {
  const source = new EventSource(BASE + '/stream?after=' + S.last)
  source.onmessage = (m) => add(JSON.parse(m.data))
  source.addEventListener('gap', () => toast('The page fell behind; some events were skipped', 'warn'))
  source.onopen = () => { $('#live').textContent = '● live'; $('#live').className = 'stat ok' }
  source.onerror = () => { $('#live').textContent = '○ reconnecting'; $('#live').className = 'stat warn' }
}
async function start() {
  const s = await api('GET', '/state')
  S.gw = s.gateway
  $('#gw-url').textContent = s.gateway.url
  $('#limits').textContent = 'keeps ' + s.limits.maxEvents + ' events, bodies up to ' + size(s.limits.maxBodyBytes)
  add(s.events); S.conns = s.connections; renderConnections()
  for (const id of ['#f-kind', '#f-route', '#f-conn', '#f-text']) $(id).oninput = rerender
  $('#pause').onclick = () => { S.paused = !S.paused; $('#pause').textContent = S.paused ? 'Resume' : 'Pause'; if (!S.paused) rerender() }
  $('#clear-filters').onclick = () => { for (const id of ['#f-kind', '#f-route', '#f-conn', '#f-text']) $(id).value = ''; rerender() }
  $('#tc-connect').onclick = tcConnect; $('#tc-send').onclick = tcSend
  $('#tc-text').onkeydown = (e) => { if (e.key === 'Enter') tcSend() }
  $('#snippet-close').onclick = () => $('#snippet').close()
  stream()
  document.body.dataset.ready = 'true'
}
start().catch((err) => toast('The inspector could not load: ' + err.message, 'error'))
`

const ICON =
  "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 16 16'%3E%3Ccircle cx='8' cy='8' r='6' fill='%232563eb'/%3E%3C/svg%3E"

export const INSPECTOR_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>socketeer inspector</title>
<link rel="icon" href="${ICON}">
<style>${CSS}</style>
</head>
<body>
<header>
  <h1>socketeer inspector</h1>
  <span class="url" id="gw-url"></span>
  <span class="stat" id="count">0 events</span>
  <span class="stat" id="limits"></span>
  <span class="spacer"></span>
  <span class="stat" id="live">○ connecting</span>
</header>
<main>
  <div class="col">
    <section style="flex:1.2">
      <h2>Connections <span class="muted" id="conn-count"></span></h2>
      <div class="scroll" id="conn-list"><table id="connections"><thead><tr><th class="c-id">id</th><th class="c-time">connected</th><th class="c-io">in / out</th><th>state</th></tr></thead><tbody></tbody></table></div>
    </section>
    <section id="conn-panel" style="flex:1"><h2>Connection</h2><div class="body scroll"></div></section>
    <section id="tc">
      <h2>Test client</h2>
      <div class="body">
        <div class="row" style="padding:0 0 6px"><input id="tc-query" placeholder="query, e.g. name=tester"><button id="tc-connect">Connect</button></div>
        <div class="row" style="padding:0 0 6px"><input id="tc-text" placeholder='frame, e.g. {"action":"sendmessage"}'><button id="tc-send" disabled>Send</button></div>
        <pre id="tc-log"></pre>
      </div>
    </section>
  </div>
  <div id="right">
    <section>
      <h2>Timeline</h2>
      <div class="filters">
        <select id="f-kind"><option value="">every kind</option><option>CONNECT</option><option>AUTHORIZE</option><option>MESSAGE</option><option>DISCONNECT</option><option>MANAGE</option><option>HTTP</option><option>RELOAD</option><option>GATEWAY</option></select>
        <input id="f-route" placeholder="route">
        <input id="f-conn" placeholder="connection id">
        <input id="f-text" placeholder="search">
        <button id="clear-filters">Clear</button>
        <button id="pause">Pause</button>
      </div>
      <div class="scroll">
        <table id="timeline"><thead><tr><th>#</th><th>time</th><th>kind</th><th>route</th><th>connection</th><th>status</th><th>latency</th><th>detail</th></tr></thead><tbody></tbody></table>
        <p class="empty" id="empty">No events yet: connect a client to the gateway.</p>
      </div>
    </section>
    <section id="detail"><h2 id="detail-title">Event</h2><div class="body"><p class="muted">Click an event to see its Lambda event, its result, what it logged and the @connections calls it made.</p></div></section>
  </div>
</main>
<dialog id="snippet">
  <p><strong>A vitest test of this exchange</strong> <span class="muted" id="snippet-note"></span></p>
  <textarea id="snippet-text" spellcheck="false" readonly></textarea>
  <p><button id="snippet-close">Close</button></p>
</dialog>
<div id="toast" role="status"></div>
<script>${SCRIPT}</script>
</body>
</html>
`
