// The public defaults for held session messages, apart from the rules in held.ts: the
// faces take these from socketeer, while held.ts (pure rules) is copied into them.

/** How many messages a session keeps at most (the oldest go first). */
export const DEFAULT_HELD_LIMIT = 100
/** How long a held message is kept, in seconds. */
export const DEFAULT_HELD_MAX_AGE_SECONDS = 600
