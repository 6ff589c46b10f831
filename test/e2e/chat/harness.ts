import { startGateway } from 'socketeer/dev'
import WebSocket from 'ws'
import { createChatApp } from '../../../examples/chat/app.js'
import { clientBundle } from '../../client/helpers.js'

// Shared by the chat integration tests: the example on a real gateway (ephemeral port)
// and a `ws` client that keeps every frame it receives so a test can wait for one.

export type Gateway = Awaited<ReturnType<typeof startGateway>>

export async function startChat(): Promise<{ gw: Gateway; logs: string[] }> {
  const logs: string[] = []
  const app = createChatApp({ logLevel: 'silent' }, { clientScript: await clientBundle() })
  const gw = await startGateway({
    handler: app.handler,
    port: 0,
    routeResponses: ['whoami'],
    logger: (line) => logs.push(line),
  })
  return { gw, logs }
}

export interface Frame {
  text: string
  json: any
}

export class Client {
  readonly frames: Frame[] = []
  #waiters: Array<() => void> = []
  closed: Promise<{ code: number; reason: string }>

  constructor(readonly socket: WebSocket) {
    socket.on('message', (data, isBinary) => {
      const text = isBinary ? `<binary ${(data as Buffer).length}>` : data.toString()
      let json: unknown
      try {
        json = JSON.parse(text)
      } catch {
        json = undefined
      }
      this.frames.push({ text, json })
      for (const w of this.#waiters.splice(0)) w()
    })
    this.closed = new Promise((resolve) =>
      socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
    )
  }

  static async open(url: string, options: WebSocket.ClientOptions = {}): Promise<Client> {
    const socket = new WebSocket(url, options)
    const client = new Client(socket)
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve())
      socket.once('error', reject)
    })
    return client
  }

  send(value: string | object): void {
    this.socket.send(typeof value === 'string' ? value : JSON.stringify(value))
  }

  /** The first frame (already received or arriving within `ms`) that matches. */
  async next(match: (f: Frame) => boolean, ms = 10_000, what = 'a matching frame'): Promise<Frame> {
    const deadline = Date.now() + ms
    for (;;) {
      const found = this.frames.find(match)
      if (found) return found
      const left = deadline - Date.now()
      if (left <= 0) {
        throw new Error(
          `timed out after ${ms} ms waiting for ${what}; got ${JSON.stringify(this.frames.map((f) => f.text))}`,
        )
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left)
        this.#waiters.push(() => {
          clearTimeout(timer)
          resolve()
        })
      })
    }
  }

  /** Waits for a JSON frame of this `type` (and optional field values). */
  nextOf(type: string, fields: Record<string, unknown> = {}, ms = 10_000): Promise<any> {
    const match = (f: Frame) =>
      f.json?.type === type && Object.entries(fields).every(([k, v]) => f.json[k] === v)
    return this.next(match, ms, `${type} ${JSON.stringify(fields)}`).then((f) => f.json)
  }

  async close(): Promise<void> {
    if (this.socket.readyState === WebSocket.CLOSED) return
    this.socket.close()
    await this.closed
  }
}

/** Resolves once `check()` holds, polling briefly: some effects (a `$disconnect` run) trail the client. */
export async function until(check: () => boolean, ms = 5_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + ms
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}
