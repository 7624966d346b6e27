export {
  disableSandboxBaileys,
  enableSandboxBaileys,
  isSandboxBaileysEnabled,
  libraryBaileysDefaults,
  type SandboxTrustAnchor,
} from './baileys-sandbox-switch';
export {
  WhatsAppSimulator,
  type DisconnectCode,
  type SandboxSocketConfig,
} from './simulator/whatsapp-simulator';
export { messageText, type ReceivedMessage } from './simulator/message-log';
export type * from './simulator/types';
