import * as B from '@whiskeysockets/baileys';
import {
  GroupCipher,
  GroupSessionBuilder,
  SenderKeyDistributionMessage,
  SenderKeyName,
  SenderKeyRecord,
} from '@whiskeysockets/baileys/lib/Signal/Group/index.js';

/** Who sent with a sender key: a user (by phone number) and the device that holds the key. */
export interface SenderKeyOwner {
  phoneNumber: string;
  device: number;
}

function keyName(chatJid: string, owner: SenderKeyOwner): SenderKeyName {
  const id = owner.phoneNumber;
  const deviceId = owner.device;
  return new SenderKeyName(chatJid, { id, deviceId, toString: () => `${id}.${deviceId}` });
}

/**
 * The Signal sender keys one simulated phone holds: its own (one per group it writes in) and those
 * other devices distributed to it. Records are kept serialized as Baileys stores them (JSON with
 * Buffers), so a copy of an old state can be tried without touching the live one.
 */
export class SenderKeyStore {
  private readonly records = new Map<string, string>();

  private readonly storage = {
    loadSenderKey: (name: SenderKeyName): Promise<SenderKeyRecord> => {
      const stored = this.records.get(name.toString());
      return Promise.resolve(
        stored ? SenderKeyRecord.deserialize(Buffer.from(stored)) : new SenderKeyRecord(),
      );
    },
    storeSenderKey: (name: SenderKeyName, record: SenderKeyRecord): Promise<void> => {
      this.records.set(name.toString(), JSON.stringify(record.serialize(), B.BufferJSON.replacer));
      return Promise.resolve();
    },
  };

  /** A sender key distribution message for our own key in `chatJid`, creating the key the first time. */
  async ownDistribution(chatJid: string, self: SenderKeyOwner): Promise<Uint8Array> {
    const message = await new GroupSessionBuilder(this.storage).create(keyName(chatJid, self));
    return message.serialize();
  }

  /** `skmsg` bytes of a padded plaintext under our own key in `chatJid`. */
  async encrypt(chatJid: string, self: SenderKeyOwner, padded: Uint8Array): Promise<Buffer> {
    return Buffer.from(await new GroupCipher(this.storage, keyName(chatJid, self)).encrypt(padded));
  }

  /** Stores the key `sender` distributed for `chatJid`. */
  async processDistribution(chatJid: string, sender: SenderKeyOwner, skdm: Uint8Array): Promise<void> {
    const message = new SenderKeyDistributionMessage(null, null, null, null, skdm);
    await new GroupSessionBuilder(this.storage).process(keyName(chatJid, sender), message);
  }

  /** Drops the keys others distributed for `chatJid` (its own key, if any, stays). */
  forget(chatJid: string, self: SenderKeyOwner): void {
    const own = keyName(chatJid, self).toString();
    for (const name of this.records.keys()) {
      if (name.startsWith(`${chatJid}::`) && name !== own) this.records.delete(name);
    }
  }

  /** Decrypts an `skmsg` from `sender` in `chatJid` (advancing the stored chain); the padded plaintext. */
  async decrypt(chatJid: string, sender: SenderKeyOwner, skmsg: Uint8Array): Promise<Buffer> {
    return Buffer.from(await new GroupCipher(this.storage, keyName(chatJid, sender)).decrypt(skmsg));
  }

  /**
   * Whether the key state held now could open `skmsg`, tried on a copy so the live state is untouched:
   * how a test proves that a removed member's old sender key no longer opens the group's messages.
   */
  async couldDecrypt(chatJid: string, sender: SenderKeyOwner, skmsg: Uint8Array): Promise<boolean> {
    const name = keyName(chatJid, sender).toString();
    const stored = this.records.get(name);
    if (!stored) return false;
    const scratch = new SenderKeyStore();
    scratch.records.set(name, stored);
    try {
      await scratch.decrypt(chatJid, sender, skmsg);
      return true;
    } catch {
      return false;
    }
  }
}
