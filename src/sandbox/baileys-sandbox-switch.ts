import * as B from '@whiskeysockets/baileys';

/**
 * The one place in the project allowed to make Baileys trust something other than WhatsApp.
 *
 * Baileys verifies the server's Noise certificate chain against `WA_CERT_DETAILS.PUBLIC_KEY`, a plain
 * exported object read at handshake time, so trusting the simulator means patching that object on the
 * very module instance the app imports. The socket URL is never patched globally: sandboxed sockets get
 * `waWebSocketUrl` in their own config (see `WhatsAppSimulator.socketConfig()`).
 */

/** What the switch needs from a running simulator. */
export interface SandboxTrustAnchor {
  readonly rootPublicKey: Uint8Array;
}

/** Captured at module load, before anyone can have enabled the sandbox. */
const LIBRARY_ROOT_KEY = Buffer.from(B.WA_CERT_DETAILS.PUBLIC_KEY);
const LIBRARY_SOCKET_URL = String(B.DEFAULT_CONNECTION_CONFIG.waWebSocketUrl);

let enabledFor: SandboxTrustAnchor | undefined;

/** Makes every Baileys socket in this process trust the simulator's root key (and no longer WhatsApp's). */
export function enableSandboxBaileys(anchor: SandboxTrustAnchor): void {
  if (anchor.rootPublicKey.length !== 32) {
    throw new Error('simulator root key must be 32 bytes');
  }
  B.WA_CERT_DETAILS.PUBLIC_KEY = Buffer.from(anchor.rootPublicKey);
  enabledFor = anchor;
}

/** Restores the library's own root key. Safe to call when the switch is already off. */
export function disableSandboxBaileys(): void {
  B.WA_CERT_DETAILS.PUBLIC_KEY = Buffer.from(LIBRARY_ROOT_KEY);
  enabledFor = undefined;
}

export function isSandboxBaileysEnabled(): boolean {
  return enabledFor !== undefined;
}

/** The library's own values, for checks that the switch is really off. */
export function libraryBaileysDefaults(): { rootPublicKey: Buffer; socketUrl: string } {
  return { rootPublicKey: Buffer.from(LIBRARY_ROOT_KEY), socketUrl: LIBRARY_SOCKET_URL };
}
