import * as B from '@whiskeysockets/baileys';

/**
 * Baileys credentials and Signal keys kept in memory, for raw-Baileys tests and benchmarks that do not
 * need anything on disk. The same object can be handed to a new socket to log in again.
 */
export function memoryAuthState(): B.AuthenticationState {
  const creds = B.initAuthCreds();
  const store = new Map<string, unknown>();
  const keys: B.SignalKeyStore = {
    get: <T extends keyof B.SignalDataTypeMap>(type: T, ids: string[]) => {
      const found: { [id: string]: B.SignalDataTypeMap[T] } = {};
      for (const id of ids) {
        const value = store.get(`${type}:${id}`) as B.SignalDataTypeMap[T] | undefined;
        if (value !== undefined) found[id] = value;
      }
      return found;
    },
    set: (data) => {
      for (const [type, entries] of Object.entries(data)) {
        for (const [id, value] of Object.entries(entries ?? {})) {
          if (value === null || value === undefined) store.delete(`${type}:${id}`);
          else store.set(`${type}:${id}`, value);
        }
      }
    },
  };
  return { creds, keys };
}
