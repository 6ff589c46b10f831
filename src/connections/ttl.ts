// How long a connection record lives: public constants, apart from the store rules in
// record.ts so the faces can share them with the core.

/** API Gateway closes every connection after 2 hours (semantics page, section 5). */
export const GATEWAY_LIFETIME_SECONDS = 2 * 60 * 60
/**
 * Slack past the lifetime: `$disconnect` is best-effort and may arrive late, and clocks
 * differ. Small, because a connection whose `$disconnect` was lost stays listed (a 410
 * per broadcast that reaches it, unless pruned) until it expires.
 */
export const EXPIRY_MARGIN_SECONDS = 10 * 60
export const DEFAULT_TTL_SECONDS = GATEWAY_LIFETIME_SECONDS + EXPIRY_MARGIN_SECONDS
