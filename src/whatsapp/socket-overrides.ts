import type { UserFacingSocketConfig } from './baileys';

/**
 * Injection token for extra Baileys socket settings. Empty in normal operation; sandbox mode
 * provides the simulator's WebSocket URL and the HTTPS agent that trusts its certificate.
 */
export const BAILEYS_SOCKET_OVERRIDES = Symbol('BAILEYS_SOCKET_OVERRIDES');

export type BaileysSocketOverrides = Partial<UserFacingSocketConfig>;
