// The browser side of the chat, served by the App's `GET /` route. One page, no build
// step: it imports socketeer/client from `./client.js` (served beside it) and connects
// to the WebSocket stage on the host that served it, or to `?ws=wss://...`.
// The client keeps the conversation going through API Gateway's idle and 2-hour
// closes; the page shows what the client is doing underneath.

const TEMPLATE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>socketeer chat</title>
<style>
  :root { --ink: #1d2433; --soft: #6b7385; --line: #e3e6ec; --mine: #e8f3ff; --accent: #2563eb; }
  body { font: 15px/1.45 system-ui, sans-serif; color: var(--ink); max-width: 44rem; margin: 1.5rem auto; padding: 0 1rem; }
  h1 { font-size: 1.3rem; margin: 0 0 .5rem; }
  form { display: flex; gap: .5rem; margin: .5rem 0; }
  input[type=text] { flex: 1; padding: .45rem .6rem; border: 1px solid var(--line); border-radius: 6px; font: inherit; }
  button { padding: .45rem .9rem; border: 0; border-radius: 6px; background: var(--accent); color: white; font: inherit; cursor: pointer; }
  #status { font-size: .85rem; color: var(--soft); display: flex; gap: .5rem; align-items: center; }
  #dot { width: .6rem; height: .6rem; border-radius: 50%; background: #bbb; display: inline-block; }
  body[data-state=open] #dot { background: #16a34a; }
  body[data-state=reconnecting] #dot { background: #f59e0b; }
  #log { list-style: none; padding: .5rem; margin: 0; border: 1px solid var(--line); border-radius: 8px; height: 24rem; overflow-y: auto; display: flex; flex-direction: column; gap: .3rem; }
  #log li { max-width: 80%; overflow-wrap: anywhere; padding: .3rem .6rem; border-radius: 8px; background: #f6f7f9; align-self: flex-start; }
  #log li.mine { align-self: flex-end; background: var(--mine); }
  #log li.presence, #log li.whoami, #log li.system { background: none; color: var(--soft); font-size: .85rem; align-self: center; }
  #log li.notice { background: #fff6e5; align-self: stretch; }
  #log li.error { background: #fde8e8; color: #9b1c1c; align-self: stretch; }
  .from { font-weight: 600; margin-right: .4rem; }
  .meta { color: var(--soft); font-size: .75rem; margin-left: .5rem; white-space: nowrap; }
</style>
</head>
<body data-state="connecting">
<h1>socketeer chat</h1>
<form id="join">
  <input type="text" id="name" placeholder="your name" maxlength="32" autocomplete="nickname">
  <button>Join</button>
</form>
<p id="status"><span id="dot"></span><span id="state">connecting…</span></p>
<ul id="log"></ul>
<form id="say">
  <input type="text" id="message" placeholder="say something" autocomplete="off" maxlength="2000">
  <button>Send</button>
</form>
<script type="module">
import { createClient } from './client.js'

const STAGE = __STAGE__
const params = new URLSearchParams(location.search)
const base = params.get('ws') || (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/' + STAGE
const $ = (id) => document.getElementById(id)
const mine = new Set()
const stats = { rotations: 0, reconnects: 0 }
let client
let me = ''

const time = (at) => new Date(at).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })

function setState(state, text) {
  document.body.dataset.state = state
  $('state').textContent = text
}

function show(kind, text, { from, at, route, id } = {}) {
  const li = document.createElement('li')
  li.className = kind + (id && mine.has(id) ? ' mine' : '')
  if (id) li.dataset.id = id
  if (from) {
    const b = document.createElement('span')
    b.className = 'from'
    b.textContent = from
    li.append(b)
  }
  li.append(text)
  if (at || route) {
    const m = document.createElement('span')
    m.className = 'meta'
    m.textContent = [at ? time(at) : '', route ? 'via ' + route : ''].filter(Boolean).join(' · ')
    li.append(m)
  }
  $('log').append(li)
  $('log').scrollTop = $('log').scrollHeight
}

function receive(m, meta) {
  if (!m || typeof m !== 'object') return show('error', String(m))
  if (m.type === 'message') show('message', m.text, { from: m.from, at: m.at, route: m.route, id: meta.id })
  else if (m.type === 'notice') show('notice', m.text, { from: 'notice', at: m.at, route: m.route })
  else if (m.type === 'presence') show('presence', m.name + ' ' + m.event + ' · ' + m.online + ' online')
  else show('error', m.message || JSON.stringify(m))
}

function connect() {
  const name = $('name').value.trim()
  client?.close()
  const c = createClient(() => (name ? base + '?name=' + encodeURIComponent(name) : base), {
    // Every connection, the first and each one after a rotation or a reconnect.
    onConnect: async (link) => {
      const who = await link.request('whoami')
      if (link.reason === 'initial') show('whoami', 'you are ' + who.name + ' · ' + who.online + ' online')
      me = who.name
    },
  })
  client = c
  window.chat = { client: c, stats }
  setState('connecting', 'connecting to ' + base + '…')
  c.on('open', (info) => {
    if (info.reason === 'rotate') stats.rotations++
    if (info.reason === 'reconnect') stats.reconnects++
    setState('open', 'connected as ' + me + ' · ' + stats.rotations + ' rotations · ' + stats.reconnects + ' reconnects')
  })
  c.on('close', (info) => {
    if (info.willReconnect) setState('reconnecting', 'connection closed (' + info.code + '), reconnecting…')
    else setState('closed', 'disconnected')
  })
  c.on('reconnect', (r) => {
    if (r.delayMs > 0) setState('reconnecting', 'reconnecting in ' + (r.delayMs / 1000).toFixed(1) + ' s (attempt ' + r.attempt + ')')
  })
  c.on('message', receive)
  c.on('error', (e) => {
    if (e.code !== 'connect_failed') show('error', e.message)
  })
}

$('join').onsubmit = (e) => { e.preventDefault(); localStorage.setItem('name', $('name').value.trim()); connect() }
$('say').onsubmit = async (e) => {
  e.preventDefault()
  const text = $('message').value
  if (!text.trim() || !client) return
  $('message').value = ''
  try {
    const { id } = await client.request('say', { text })
    mine.add(id)
    document.querySelector('li[data-id="' + CSS.escape(id) + '"]')?.classList.add('mine')
  } catch (error) {
    show('error', (error.code ? error.code + ': ' : '') + error.message)
  }
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
