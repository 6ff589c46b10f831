/** The @connections limit on one message (semantics page, section 5). */
export const MAX_MESSAGE_BYTES = 131_072
