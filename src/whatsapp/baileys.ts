/**
 * The one door to Baileys for the gateway. Everything WhatsApp-specific the app needs is re-exported
 * here so that only src/whatsapp (and the simulator in src/sandbox) touch the library.
 */
export {
  BufferJSON,
  Browsers,
  DisconnectReason,
  WAMessageStubType,
  areJidsSameUser,
  decryptPollVote,
  generateMessageIDV2,
  getContentType,
  getMediaKeys,
  initAuthCreds,
  isJidGroup,
  isLidUser,
  isPnUser,
  jidDecode,
  jidNormalizedUser,
  default as makeWASocket,
  normalizeMessageContent,
  proto,
} from '@whiskeysockets/baileys';
export type {
  AnyMessageContent,
  AuthenticationCreds,
  AuthenticationState,
  ConnectionState,
  Contact,
  GroupMetadata,
  GroupParticipant,
  MiscMessageGenerationOptions,
  SignalDataSet,
  SignalDataTypeMap,
  SignalKeyStore,
  SocketConfig,
  UserFacingSocketConfig,
  WAMessage,
  WAMessageKey,
  WAMessageUpdate,
  WASocket,
} from '@whiskeysockets/baileys';
