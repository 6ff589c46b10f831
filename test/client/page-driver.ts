// Runs inside the test page (Chromium), sent as a string by browser.test.ts. A room
// member: joins on every connection with the last entry it has, takes entries in seq
// order exactly once (from pushes and from the join's backlog alike), and says
// numbered messages through requests that are sent again after a lost connection.

export const DRIVER = `
window.startMember = async function startMember(name, options) {
  const { createClient } = await import('/client.js')
  const s = (window.member = {
    name, sent: 0, acked: 0, last: 0, received: [], opens: [], closes: [], tokens: 0,
    errors: [], attempts: 0, sayErrors: [],
  })
  const buffer = new Map()
  const list = document.createElement('ol')
  const status = document.createElement('p')
  document.body.append(Object.assign(document.createElement('h1'), { textContent: name }), status, list)
  const show = () => {
    status.textContent = 'sent ' + s.sent + ' · acked ' + s.acked + ' · received ' + s.received.length +
      ' · opens ' + s.opens.join(',').replace(/reconnect/g, 'r').replace(/rotate/g, 'R') +
      ' · closes ' + s.closes.join(',') + ' · tokens ' + s.tokens
  }
  const deliver = (e) => {
    if (e.seq <= s.last) return
    buffer.set(e.seq, e)
    while (buffer.has(s.last + 1)) {
      const next = buffer.get(s.last + 1)
      buffer.delete(s.last + 1)
      s.last++
      s.received.push([next.from, next.n])
      const li = document.createElement('li')
      li.textContent = next.from + ' #' + next.n
      if (next.from === name) li.style.color = '#0a7'
      list.prepend(li)
      if (list.children.length > 12) list.lastChild.remove()
    }
    show()
  }
  const c = createClient(
    async () => {
      s.attempts++
      const token = options.token ?? (await (await fetch('/token')).json()).token
      s.tokens++
      return location.origin.replace(/^http/, 'ws') + '/dev?token=' + encodeURIComponent(token)
    },
    {
      rotateAfterMs: options.rotateAfterMs ?? 2500,
      keepaliveMs: 0,
      backoff: { initialMs: 200, maxMs: 1000 },
      requestTimeoutMs: 30000,
      onConnect: async (link) => {
        const r = await link.request('join', { room: 'lobby', since: s.last })
        for (const e of r.missed) deliver(e)
      },
    },
  )
  window.client = c
  c.on('message', (d) => d && typeof d.seq === 'number' && deliver(d))
  c.on('open', (i) => { s.opens.push(i.reason); show() })
  c.on('close', (i) => { s.closes.push(i.code); show() })
  c.on('error', (e) => s.errors.push(e.code))
  window.say = () => {
    const n = ++s.sent
    c.request('say', { room: 'lobby', from: name, n }).then(
      () => { s.acked++; show() },
      (e) => s.sayErrors.push(n + ' ' + e.code + ' ' + e.message),
    )
  }
  // Bursts and silences: each silence passes the idle limit, so the gateway closes the connection.
  window.talk = (ms, burstMs, cycleMs) => new Promise((resolve) => {
    const t0 = Date.now()
    const tick = () => {
      const t = Date.now() - t0
      if (t >= ms) return resolve()
      if (t % cycleMs < burstMs) window.say()
      setTimeout(tick, 120)
    }
    tick()
  })
}
`
