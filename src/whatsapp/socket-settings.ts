import type { UserFacingSocketConfig } from './baileys';

/** Extra Baileys socket settings a test or the sandbox may set. */
export type SocketOverrides = Partial<UserFacingSocketConfig>;

/**
 * Extra settings for every WhatsApp socket: empty in normal operation; sandbox mode (and the tests)
 * point sockets at the simulator's WebSocket URL with an agent that trusts its certificate. Provided
 * at the root (AppModule), beside the configuration.
 */
export class WhatsAppSocketSettings {
  constructor(readonly overrides: SocketOverrides = {}) {}
}
