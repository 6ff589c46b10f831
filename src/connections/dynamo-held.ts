import {
  HELD_PAGE_BYTES,
  type HeldMessage,
  type HeldPage,
  type HeldPolicy,
  nextSeq,
  pageOf,
  textBytes,
  validateSession,
} from './held.js'
import { HELD_PREFIX, heldKey, type ItemKey, SESSION_PREFIX } from './keys.js'
import { expiresFromNow, isExpired } from './record.js'

// DynamoConnectionStore's held session messages: one item per message under the
// session's partition (`pk = session#{id}`, `sk = held#{seq}`), so a Query reads them in
// holding order and the table's TTL (`expiresAt`) sweeps what nobody came back for.

type Item = Record<string, any>

/** The store's own calls (timeouts and typed errors included) that this file needs. */
export interface HeldOps {
  put(item: Item): Promise<void>
  /** Keys and expiry of a partition's items under a sort-key prefix; newest first. */
  keys(pk: string, skPrefix: string): AsyncIterable<Item>
  /** One page of a Query (`TableName` added). */
  page(input: Record<string, unknown>): Promise<{ Items?: Item[]; LastEvaluatedKey?: Item }>
  remove(operation: string, keys: ItemKey[]): Promise<void>
}

/** The bound is kept by the writer: after its put, what lies past the limit (newest first) is deleted. */
export async function holdMessage(
  ops: HeldOps,
  policy: HeldPolicy | undefined,
  session: string,
  message: { id: string; text: string },
): Promise<HeldMessage | undefined> {
  validateSession(session)
  if (!policy || textBytes(message.text) > HELD_PAGE_BYTES) return undefined
  const held: HeldMessage = {
    seq: nextSeq(),
    id: message.id,
    text: message.text,
    expiresAt: expiresFromNow(policy.maxAgeSeconds),
  }
  await ops.put({ ...heldKey(session, held.seq), ...held })
  const now = Date.now()
  const extra: ItemKey[] = []
  let live = 0
  for await (const item of ops.keys(SESSION_PREFIX + session, HELD_PREFIX)) {
    if (!isExpired(item.expiresAt, now) && ++live <= policy.limit) continue
    extra.push({ pk: SESSION_PREFIX + session, sk: item.sk as string })
  }
  await ops.remove('hold', extra)
  return held
}

/** Pages of the Query until one reply's worth is read; `more` when anything is left. */
export async function heldMessages(ops: HeldOps, session: string): Promise<HeldPage> {
  validateSession(session)
  const messages: HeldMessage[] = []
  const now = Date.now()
  let bytes = 0
  let start: Item | undefined
  do {
    const out = await ops.page({
      KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :sk)',
      ExpressionAttributeNames: { '#pk': 'pk', '#sk': 'sk' },
      ExpressionAttributeValues: { ':pk': SESSION_PREFIX + session, ':sk': HELD_PREFIX },
      ConsistentRead: true,
      ExclusiveStartKey: start,
    })
    for (const item of out.Items ?? []) {
      if (isExpired(item.expiresAt, now)) continue
      messages.push({ seq: item.seq, id: item.id, text: item.text, expiresAt: item.expiresAt })
      bytes += textBytes(item.text)
    }
    start = out.LastEvaluatedKey
  } while (start && bytes <= HELD_PAGE_BYTES)
  const page = pageOf(messages)
  return { messages: page.messages, more: page.more || start !== undefined }
}

export async function releaseMessages(ops: HeldOps, session: string, seqs: string[]): Promise<void> {
  validateSession(session)
  await ops.remove(
    'release',
    [...new Set(seqs)].map((seq) => heldKey(session, seq)),
  )
}
