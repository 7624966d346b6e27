import * as B from '@whiskeysockets/baileys';
import {
  disableSandboxBaileys,
  enableSandboxBaileys,
  isSandboxBaileysEnabled,
  libraryBaileysDefaults,
} from './baileys-sandbox-switch';
import { WhatsAppSimulator } from './simulator/whatsapp-simulator';

// Read when this file loads, before any test can have turned the switch on.
const FRESH_ROOT_KEY = Buffer.from(B.WA_CERT_DETAILS.PUBLIC_KEY);
const FRESH_SOCKET_URL = String(B.DEFAULT_CONNECTION_CONFIG.waWebSocketUrl);
// WhatsApp's published Noise root key as shipped in Baileys 7.0.0-rc14.
const WHATSAPP_ROOT_KEY_HEX = '142375574d0a587166aae71ebe516437c4a28b73e3695c6ce1f7f9545da8ee6b';

describe('Baileys sandbox switch', () => {
  afterEach(() => disableSandboxBaileys());

  it('is off by default: Baileys trusts WhatsApp and connects to WhatsApp', () => {
    expect(isSandboxBaileysEnabled()).toBe(false);
    expect(FRESH_ROOT_KEY.toString('hex')).toBe(WHATSAPP_ROOT_KEY_HEX);
    expect(Buffer.from(B.WA_CERT_DETAILS.PUBLIC_KEY).equals(FRESH_ROOT_KEY)).toBe(true);
    expect(String(B.DEFAULT_CONNECTION_CONFIG.waWebSocketUrl)).toBe(FRESH_SOCKET_URL);
    expect(FRESH_SOCKET_URL).toBe('wss://web.whatsapp.com/ws/chat');
    expect(libraryBaileysDefaults().rootPublicKey.equals(FRESH_ROOT_KEY)).toBe(true);
  });

  it('when on, Baileys trusts only the simulator root key and the global socket URL stays untouched', () => {
    const simulator = new WhatsAppSimulator();
    enableSandboxBaileys(simulator);
    expect(isSandboxBaileysEnabled()).toBe(true);
    expect(Buffer.from(B.WA_CERT_DETAILS.PUBLIC_KEY).equals(simulator.rootPublicKey)).toBe(true);
    expect(Buffer.from(B.WA_CERT_DETAILS.PUBLIC_KEY).equals(FRESH_ROOT_KEY)).toBe(false);
    expect(String(B.DEFAULT_CONNECTION_CONFIG.waWebSocketUrl)).toBe(FRESH_SOCKET_URL);
  });

  it('turning it off restores exactly the library values', () => {
    enableSandboxBaileys(new WhatsAppSimulator());
    disableSandboxBaileys();
    expect(isSandboxBaileysEnabled()).toBe(false);
    expect(Buffer.from(B.WA_CERT_DETAILS.PUBLIC_KEY).equals(FRESH_ROOT_KEY)).toBe(true);
    expect(String(B.DEFAULT_CONNECTION_CONFIG.waWebSocketUrl)).toBe(FRESH_SOCKET_URL);
  });

  it('each simulator run has its own root key', () => {
    expect(new WhatsAppSimulator().rootPublicKey.equals(new WhatsAppSimulator().rootPublicKey)).toBe(false);
  });

  it('rejects a root key that is not 32 bytes', () => {
    expect(() => enableSandboxBaileys({ rootPublicKey: Buffer.alloc(31) })).toThrow('32 bytes');
    expect(isSandboxBaileysEnabled()).toBe(false);
  });
});
