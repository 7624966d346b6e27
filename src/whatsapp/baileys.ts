/**
 * The one door to Baileys for the gateway. Everything WhatsApp-specific the app needs comes from
 * here so that only src/whatsapp (and the simulator in src/sandbox) touch the library.
 *
 * Baileys is loaded at its first use, when a session opens (or a message is decoded), not when the
 * gateway starts: it is about 33 MiB of RSS a gateway with no session does not need (docs/benchmarks.md,
 * Idle memory). So the types come from a type-only export, and the values through `baileys()` or
 * the wrappers below, which load the library when first called.
 */
import type * as Baileys from '@whiskeysockets/baileys';

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
  // Its protobuf namespace, as types only; its values (codecs, enums) are `baileys().proto`.
  proto,
} from '@whiskeysockets/baileys';

type Library = typeof Baileys;
let library: Library | undefined;

/** Baileys itself, loaded (synchronously, Node's require of an ES module) at the first call. */
export function baileys(): Library {
  // A require here rather than an import at the top, which would load the library at start.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (library ??= require('@whiskeysockets/baileys') as Library);
}

type FunctionName = {
  [K in keyof Library]: Library[K] extends (...args: never[]) => unknown ? K : never;
}[keyof Library];

/** One of Baileys' functions, with its own signature, loading the library at its first call. */
function lazy<K extends FunctionName>(name: K): Library[K] {
  return ((...args: unknown[]) =>
    (baileys()[name] as (...args: unknown[]) => unknown)(...args)) as Library[K];
}

export const decryptPollVote = lazy('decryptPollVote');
export const generateMessageIDV2 = lazy('generateMessageIDV2');
export const getContentType = lazy('getContentType');
export const getMediaKeys = lazy('getMediaKeys');
export const initAuthCreds = lazy('initAuthCreds');
export const isJidGroup = lazy('isJidGroup');
export const isLidUser = lazy('isLidUser');
export const isPnUser = lazy('isPnUser');
export const jidDecode = lazy('jidDecode');
export const jidNormalizedUser = lazy('jidNormalizedUser');
export const makeWASocket = lazy('default');
export const normalizeMessageContent = lazy('normalizeMessageContent');

/** Baileys' JSON replacer and reviver for Buffers (auth state, older stored messages). */
export const BufferJSON: Library['BufferJSON'] = {
  replacer: (key, value) => baileys().BufferJSON.replacer(key, value),
  reviver: (key, value) => baileys().BufferJSON.reviver(key, value),
};
