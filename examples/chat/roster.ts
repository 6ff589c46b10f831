// Who is connected, kept in this process's memory. Enough for the local gateway
// (one process) and a single warm Lambda; a deployed API with many Lambda instances
// needs a shared registry (the DynamoDB connection store) instead.

export interface Member {
  connectionId: string
  name: string
  /** The @connections endpoint this member is reachable through (from its $connect event). */
  endpoint: string
  region: string | undefined
  /** Epoch ms when `$connect` added it. */
  joinedAt: number
}

export class Roster {
  readonly #members = new Map<string, Member>()

  add(member: Member): void {
    this.#members.set(member.connectionId, member)
  }
  remove(connectionId: string): Member | undefined {
    const member = this.#members.get(connectionId)
    this.#members.delete(connectionId)
    return member
  }
  get(connectionId: string): Member | undefined {
    return this.#members.get(connectionId)
  }
  all(): Member[] {
    return [...this.#members.values()]
  }
  get size(): number {
    return this.#members.size
  }
}
