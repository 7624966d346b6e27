import * as B from '@whiskeysockets/baileys';
import type { BinaryNode } from '@whiskeysockets/baileys';
import type { ClientConnection } from './client-connection';
import type { CompanionDevice } from './directory';
import type { GroupIqResponder } from './group-iq';
import type { LinkCodePairing } from './link-code-pairing';
import { prekeyBundleList, storeSignedPreKey, storeUploadedPreKeys } from './key-bundles';
import type { SimulatorContext } from './simulator-context';
import { describeDevice } from './simulator-context';
import { answerUsync } from './usync-responder';

/** Reply content for an iq, or `undefined` for an empty `type='result'`. */
type IqAnswer = BinaryNode[] | undefined;

/**
 * Answers the iqs Baileys sends (SIMULATOR.md §6). Every iq gets a reply, because an unanswered one
 * stalls Baileys until `defaultQueryTimeoutMs`; unknown ones get an empty result.
 */
export class IqResponder {
  constructor(
    private readonly ctx: SimulatorContext,
    private readonly groups: GroupIqResponder,
    private readonly linkCodes: LinkCodePairing,
  ) {}

  answer(connection: ClientConnection, device: CompanionDevice | undefined, iq: BinaryNode): void {
    if (iq.attrs.type === 'result' || iq.attrs.type === 'error') return;
    // Group iqs answer with their own result or `type='error'` (see group-iq.ts).
    if (iq.attrs.xmlns === 'w:g2') return this.groups.answer(connection, device, iq);
    // Pairing-code stages answer with their own result or error (see link-code-pairing.ts).
    if (iq.attrs.xmlns === 'md' && B.getBinaryNodeChild(iq, 'link_code_companion_reg')) {
      return this.linkCodes.answer(connection, iq);
    }
    // Profile pictures and block lists may be refused (see profile-desk.ts).
    if (iq.attrs.xmlns === 'w:profile:picture' || iq.attrs.xmlns === 'blocklist') {
      const answer =
        iq.attrs.xmlns === 'blocklist'
          ? this.ctx.profiles.blocklist(device, iq)
          : this.ctx.profiles.picture(device, iq);
      const refused = 'error' in answer;
      connection.send({
        tag: 'iq',
        attrs: { id: iq.attrs.id, type: refused ? 'error' : 'result', from: 's.whatsapp.net' },
        content: refused
          ? [{ tag: 'error', attrs: { code: String(answer.error.code), text: answer.error.text } }]
          : answer.content,
      });
      return;
    }
    const content = this.contentFor(connection, device, iq);
    connection.send({
      tag: 'iq',
      attrs: { id: iq.attrs.id, type: 'result', from: 's.whatsapp.net' },
      content,
    });
    if (device && iq.attrs.xmlns === 'passive' && B.getBinaryNodeChild(iq, 'active')) {
      this.goActive(connection, device);
    }
  }

  private contentFor(
    connection: ClientConnection,
    device: CompanionDevice | undefined,
    iq: BinaryNode,
  ): IqAnswer {
    switch (iq.attrs.xmlns) {
      case 'encrypt':
        return this.encryption(device, iq);
      case 'usync':
        return answerUsync(this.ctx.directory, iq, (user) =>
          this.ctx.profiles.statusNode(user, device?.user),
        );
      case 'w:m':
        return [
          {
            tag: 'media_conn',
            attrs: { auth: this.ctx.media.uploadAuth, ttl: '3600' },
            content: [{ tag: 'host', attrs: { hostname: this.ctx.media.uploadHost } }],
          },
        ];
      case 'md':
        if (device && B.getBinaryNodeChild(iq, 'remove-companion-device')) this.removeDevice(device);
        return undefined;
      case 'abt':
        return [{ tag: 'props', attrs: { protocol: '1', hash: 'simulator' } }];
      case 'privacy':
        return iq.attrs.type === 'get' ? [privacySettings()] : undefined;
      default:
        return undefined;
    }
  }

  private encryption(device: CompanionDevice | undefined, iq: BinaryNode): IqAnswer {
    const keyNode = B.getBinaryNodeChild(iq, 'key');
    if (keyNode) return [prekeyBundleList(this.ctx.directory, keyNode)];
    if (B.getBinaryNodeChild(iq, 'count')) {
      return [{ tag: 'count', attrs: { value: String(device?.keys.preKeys.size ?? 0) } }];
    }
    if (B.getBinaryNodeChild(iq, 'digest')) {
      // Baileys only checks that a <digest> comes back; it re-uploads prekeys otherwise.
      return [{ tag: 'digest', attrs: {} }];
    }
    const rotate = B.getBinaryNodeChild(iq, 'rotate');
    const skey = B.getBinaryNodeChild(rotate, 'skey');
    if (device && skey) {
      storeSignedPreKey(device, skey);
      return undefined;
    }
    if (device && B.getBinaryNodeChild(iq, 'list')) {
      storeUploadedPreKeys(device, iq);
    }
    return undefined;
  }

  /** `passive/active` ends the login: deliver what was queued, then tell Baileys the backlog is done. */
  private goActive(connection: ClientConnection, device: CompanionDevice): void {
    const delivered = this.ctx.delivery.flushOffline(device);
    connection.send({
      tag: 'ib',
      attrs: { from: 's.whatsapp.net' },
      content: [{ tag: 'offline', attrs: { count: String(delivered) } }],
    });
    this.ctx.events.emit('device-online', describeDevice(device));
  }

  /** Logout from the device itself: forget it, so its next login fails with 401. */
  private removeDevice(device: CompanionDevice): void {
    device.user.companions.delete(device.deviceId);
    this.ctx.events.emit('device-removed', describeDevice(device));
  }
}

function privacySettings(): BinaryNode {
  const categories: Record<string, string> = {
    readreceipts: 'all',
    last: 'all',
    online: 'all',
    profile: 'all',
    status: 'all',
    groupadd: 'all',
    calladd: 'all',
  };
  return {
    tag: 'privacy',
    attrs: {},
    content: Object.entries(categories).map(([name, value]) => ({ tag: 'category', attrs: { name, value } })),
  };
}
