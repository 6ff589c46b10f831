// The browser side of the chat, served by the App's `GET /` route. One self-contained
// page (no build step): it connects to the WebSocket stage on the host that served it,
// or to `?ws=wss://...` when the page is hosted elsewhere.

const TEMPLATE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>socketeer chat</title>
<style>
  body { font: 15px/1.4 system-ui, sans-serif; max-width: 42rem; margin: 2rem auto; padding: 0 1rem; }
  form { display: flex; gap: .5rem; margin: .5rem 0; }
  input[type=text] { flex: 1; padding: .4rem; }
  #log { list-style: none; padding: .5rem; border: 1px solid #ccc; height: 22rem; overflow-y: auto; }
  #log li { margin: .15rem 0; }
  .notice { color: #a15c00; } .presence, .whoami { color: #777; } .error { color: #b00020; }
  .from { font-weight: 600; }
  #status { font-size: .85rem; color: #555; }
</style>
</head>
<body data-state="connecting">
<h1>socketeer chat</h1>
<form id="join">
  <input type="text" id="name" placeholder="your name" maxlength="32" autocomplete="nickname">
  <button>Join</button>
</form>
<p id="status">connecting…</p>
<ul id="log"></ul>
<form id="say">
  <input type="text" id="message" placeholder="say something" autocomplete="off">
  <button>Send</button>
</form>
<script>
const STAGE = __STAGE__
const params = new URLSearchParams(location.search)
const base = params.get('ws') || (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/' + STAGE
const $ = (id) => document.getElementById(id)
let socket

function setState(state, text) {
  document.body.dataset.state = state
  $('status').textContent = text
}

function show(kind, text, from) {
  const li = document.createElement('li')
  li.className = kind
  if (from) {
    const b = document.createElement('span')
    b.className = 'from'
    b.textContent = from + ': '
    li.append(b)
  }
  li.append(text)
  $('log').append(li)
  $('log').scrollTop = $('log').scrollHeight
}

function receive(frame) {
  let m
  try { m = JSON.parse(frame) } catch { return show('error', String(frame)) }
  if (m.type === 'message') show('message', m.text, m.from)
  else if (m.type === 'notice') show('notice', m.text, 'notice')
  else if (m.type === 'presence') show('presence', m.name + ' ' + m.event + ' (' + m.online + ' online)')
  else if (m.type === 'whoami') show('whoami', 'you are ' + m.name + ' (' + m.connectionId + ')')
  else show('error', m.message || frame)
}

function connect() {
  const name = $('name').value.trim()
  if (socket) { socket.onclose = null; socket.close() }
  const s = new WebSocket(name ? base + '?name=' + encodeURIComponent(name) : base)
  socket = s
  setState('connecting', 'connecting to ' + base + '…')
  s.onopen = () => {
    setState('open', 'connected to ' + base)
    s.send(JSON.stringify({ action: 'whoami' }))
  }
  s.onmessage = (e) => receive(e.data)
  s.onclose = (e) => setState('closed', 'disconnected (' + e.code + (e.reason ? ' ' + e.reason : '') + ')')
}

$('join').onsubmit = (e) => { e.preventDefault(); localStorage.setItem('name', $('name').value.trim()); connect() }
$('say').onsubmit = (e) => {
  e.preventDefault()
  const text = $('message').value
  if (!text.trim() || !socket || socket.readyState !== WebSocket.OPEN) return
  socket.send(JSON.stringify({ action: 'sendmessage', message: text }))
  $('message').value = ''
}
$('name').value = params.get('name') || localStorage.getItem('name') || ''
connect()
</script>
</body>
</html>
`

/** The page for a WebSocket API on `stage`. */
export function chatPage(stage: string): string {
  // JSON inside <script>: escape `<` so no value can close the script element.
  const literal = JSON.stringify(stage).replace(/</g, '\\u003c')
  return TEMPLATE.replace('__STAGE__', () => literal)
}
