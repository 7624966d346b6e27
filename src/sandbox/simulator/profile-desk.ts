import * as B from '@whiskeysockets/baileys';
import type { BinaryNode } from '@whiskeysockets/baileys';
import type { EventEmitter } from 'node:events';
import type { CompanionDevice, Directory, WhatsAppUser } from './directory';
import type { SimulatorEventMap } from './types';

/** What a user shows others: a profile picture (its URL) and an about text, each optional. */
export interface UserProfile {
  pictureUrl?: string;
  /** The about (status) text, and when it was set (unix seconds). */
  about?: string;
  aboutSetAt?: number;
}

/** An iq answer: the result's content, or an error code and text. */
export type ProfileAnswer = { content?: BinaryNode[] } | { error: { code: number; text: string } };

/**
 * Profiles and block lists (docs/simulator.md: Profiles and block lists):
 * - `<iq xmlns='w:profile:picture' type='get' target=jid><picture type query='url'/>` (Baileys'
 *   profilePictureUrl): `<picture id url type direct_path/>` for a user with a picture; an error iq,
 *   404 item-not-found without one, 401 not-authorized when that user blocked the asker.
 * - the usync `status` protocol (Baileys' fetchStatus): `<status t>text</status>`, empty without
 *   one, `code='401'` when hidden from the asker.
 * - `<iq xmlns='blocklist'>`: get answers `<list><item jid=LID pn_jid=PN/>…</list>`; set takes
 *   `<item action='block|unblock' jid=LID [pn_jid=PN]/>` as Baileys' updateBlockStatus sends it.
 * A user's phone never delivers to a user it blocked the messages that user sends (dropped silently,
 * as WhatsApp does: the sender sees one tick).
 */
export class ProfileDesk {
  private readonly profiles = new Map<string, UserProfile>();
  /** Per user (phone number): the phone numbers it blocked, in the order blocked. */
  private readonly blocked = new Map<string, Set<string>>();

  constructor(
    private readonly directory: Directory,
    private readonly events: EventEmitter<SimulatorEventMap>,
  ) {}

  setProfile(
    user: WhatsAppUser,
    profile: { pictureUrl?: string | null; about?: string | null },
  ): UserProfile {
    const current = { ...(this.profiles.get(user.phoneNumber) ?? {}) };
    if (profile.pictureUrl !== undefined) current.pictureUrl = profile.pictureUrl ?? undefined;
    if (profile.about !== undefined) {
      current.about = profile.about ?? undefined;
      current.aboutSetAt = Math.floor(Date.now() / 1000);
    }
    this.profiles.set(user.phoneNumber, current);
    return { ...current };
  }

  profileOf(phoneNumber: string): UserProfile {
    return { ...(this.profiles.get(phoneNumber) ?? {}) };
  }

  /** The phone numbers `phoneNumber` blocked. */
  blocklistOf(phoneNumber: string): string[] {
    return [...(this.blocked.get(phoneNumber) ?? [])];
  }

  /** Whether `by` blocked `whom` (phone numbers). */
  isBlocked(by: string, whom: string): boolean {
    return this.blocked.get(by)?.has(whom) ?? false;
  }

  /** `<iq xmlns='w:profile:picture' type='get' target=…>`. */
  picture(device: CompanionDevice | undefined, iq: BinaryNode): ProfileAnswer {
    const target = iq.attrs.target ? this.directory.resolve(iq.attrs.target)?.user : device?.user;
    if (iq.attrs.type !== 'get') return {};
    if (!target) return { error: { code: 404, text: 'item-not-found' } };
    if (device && this.isBlocked(target.phoneNumber, device.user.phoneNumber))
      return { error: { code: 401, text: 'not-authorized' } };
    const url = this.profiles.get(target.phoneNumber)?.pictureUrl;
    if (!url) return { error: { code: 404, text: 'item-not-found' } };
    const type = B.getBinaryNodeChild(iq, 'picture')?.attrs.type ?? 'image';
    const id = String(Math.abs(hash(url)));
    return {
      content: [{ tag: 'picture', attrs: { id, url, type, direct_path: new URL(url).pathname } }],
    };
  }

  /** The usync `<status>` of `user` as `asker` sees it. */
  statusNode(user: WhatsAppUser | undefined, asker: WhatsAppUser | undefined): BinaryNode {
    if (!user) return { tag: 'status', attrs: {} };
    if (asker && this.isBlocked(user.phoneNumber, asker.phoneNumber))
      return { tag: 'status', attrs: { code: '401' } };
    const profile = this.profiles.get(user.phoneNumber);
    if (!profile?.about) return { tag: 'status', attrs: {} };
    return {
      tag: 'status',
      attrs: { t: String(profile.aboutSetAt ?? 0) },
      content: Buffer.from(profile.about),
    };
  }

  /** `<iq xmlns='blocklist'>` get or set, from the companion of the account that blocks. */
  blocklist(device: CompanionDevice | undefined, iq: BinaryNode): ProfileAnswer {
    if (!device) return { error: { code: 401, text: 'not-authorized' } };
    const own = device.user.phoneNumber;
    if (iq.attrs.type === 'get') {
      const items = this.blocklistOf(own).flatMap((phone): BinaryNode[] => {
        const user = this.directory.findByPhone(phone);
        return user ? [{ tag: 'item', attrs: { jid: user.lidJid, pn_jid: user.pnJid } }] : [];
      });
      return { content: [{ tag: 'list', attrs: {}, content: items }] };
    }
    for (const item of B.getBinaryNodeChildren(iq, 'item')) {
      const user =
        (item.attrs.jid && this.directory.resolve(item.attrs.jid)?.user) ||
        (item.attrs.pn_jid && this.directory.resolve(item.attrs.pn_jid)?.user);
      if (!user) return { error: { code: 404, text: 'item-not-found' } };
      if (item.attrs.action === 'block') {
        // WhatsApp wants the phone number with a block (Baileys sends pn_jid for it).
        if (!item.attrs.pn_jid) return { error: { code: 400, text: 'bad-request' } };
        this.blockedSet(own).add(user.phoneNumber);
      } else if (item.attrs.action === 'unblock') this.blockedSet(own).delete(user.phoneNumber);
      else return { error: { code: 400, text: 'bad-request' } };
      this.events.emit('blocklist-changed', {
        phoneNumber: own,
        contact: user.phoneNumber,
        action: item.attrs.action,
      });
    }
    return {};
  }

  private blockedSet(phoneNumber: string): Set<string> {
    let set = this.blocked.get(phoneNumber);
    if (!set) this.blocked.set(phoneNumber, (set = new Set()));
    return set;
  }
}

function hash(text: string): number {
  let h = 0;
  for (const c of text) h = (h * 31 + c.charCodeAt(0)) | 0;
  return h;
}
