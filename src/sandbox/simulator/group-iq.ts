import * as B from '@whiskeysockets/baileys';
import type { BinaryNode } from '@whiskeysockets/baileys';
import type { ClientConnection } from './client-connection';
import type { CompanionDevice, WhatsAppUser } from './directory';
import {
  GroupError,
  errorNode,
  requireMember,
  type GroupActions,
  type ParticipantAction,
} from './group-actions';
import { newInviteCode, type SimulatedGroup } from './group-directory';
import { groupNode, participantNode } from './group-nodes';
import type { SimulatorContext } from './simulator-context';

const PARTICIPANT_ACTIONS = new Set<string>(['add', 'remove', 'promote', 'demote']);
const SETTINGS = new Set<string>(['announcement', 'not_announcement', 'locked', 'unlocked']);
const SEVEN_DAYS = 7 * 24 * 3600;

/**
 * Answers `<iq xmlns='w:g2'>` (Baileys' groups.ts): metadata, the participating list, create, subject,
 * description, settings, participants, leave and invites. A refusal is an `type='error'` iq with
 * `<error code text>`, which Baileys turns into a Boom whose `data` is the code.
 */
export class GroupIqResponder {
  constructor(
    private readonly ctx: SimulatorContext,
    private readonly actions: GroupActions,
  ) {}

  answer(connection: ClientConnection, device: CompanionDevice | undefined, iq: BinaryNode): void {
    const reply = (type: 'result' | 'error', content?: BinaryNode[]): void =>
      connection.send({
        tag: 'iq',
        attrs: { id: iq.attrs.id, type, from: iq.attrs.to ?? '@g.us' },
        content,
      });
    if (!device) return reply('error', [errorNode(new GroupError(401, 'not-authorized'))]);
    try {
      reply('result', this.handle(device.user, iq));
    } catch (error) {
      // Every iq gets an answer: an unanswered one would stall Baileys until its query timeout.
      const refusal = error instanceof GroupError ? error : new GroupError(500, 'internal-server-error');
      reply('error', [errorNode(refusal)]);
    }
  }

  private handle(user: WhatsAppUser, iq: BinaryNode): BinaryNode[] | undefined {
    const child = Array.isArray(iq.content) ? iq.content[0] : undefined;
    if (!child) throw new GroupError(400, 'bad-request');
    const to = iq.attrs.to ?? '';
    if (to === '@g.us' || to === 'g.us') return this.onServer(user, iq.attrs.type, child);
    const group = this.ctx.groups.find(to);
    if (!group) throw new GroupError(404, 'item-not-found');
    return this.onGroup(user, group, iq.attrs.type, child);
  }

  /** Iqs to `@g.us`: the participating list, create, leave, invite info and join. */
  private onServer(user: WhatsAppUser, type: string, child: BinaryNode): BinaryNode[] | undefined {
    if (type === 'get' && child.tag === 'participating') {
      const parts = {
        participants: !!B.getBinaryNodeChild(child, 'participants'),
        description: !!B.getBinaryNodeChild(child, 'description'),
      };
      const groups = this.ctx.groups.groupsOf(user).map((g) => groupNode(g, parts));
      return [{ tag: 'groups', attrs: {}, content: groups }];
    }
    if (type === 'set' && child.tag === 'create') {
      const invitees = B.getBinaryNodeChildren(child, 'participant')
        .map((p) => this.ctx.directory.resolve(p.attrs.jid)?.user)
        .filter((u): u is WhatsAppUser => !!u);
      const group = this.actions.create(user, invitees, child.attrs.subject ?? '');
      return [groupNode(group)];
    }
    if (type === 'set' && child.tag === 'leave') {
      for (const node of B.getBinaryNodeChildren(child, 'group')) {
        const group = this.ctx.groups.find(node.attrs.id);
        if (!group) throw new GroupError(404, 'item-not-found');
        this.actions.leave(group, user);
      }
      return [child];
    }
    if (child.tag === 'invite' && child.attrs.code) {
      if (type === 'get') return [groupNode(this.actions.groupForCode(child.attrs.code))];
      const group = this.actions.join(user, child.attrs.code);
      return [{ tag: 'group', attrs: { jid: group.jid } }];
    }
    throw new GroupError(400, 'bad-request');
  }

  private onGroup(
    user: WhatsAppUser,
    group: SimulatedGroup,
    type: string,
    child: BinaryNode,
  ): BinaryNode[] | undefined {
    if (type === 'get' && child.tag === 'query') {
      group.metadataQueries++;
      requireMember(group, user);
      return [groupNode(group)];
    }
    if (child.tag === 'invite') {
      const code =
        type === 'get' ? this.actions.inviteCode(group, user) : this.actions.revokeInvite(group, user);
      return [{ tag: 'invite', attrs: { code } }];
    }
    if (type !== 'set') throw new GroupError(400, 'bad-request');
    if (PARTICIPANT_ACTIONS.has(child.tag)) {
      const action = child.tag as ParticipantAction;
      const targets = B.getBinaryNodeChildren(child, 'participant').map((p) => p.attrs.jid);
      const results = this.actions.changeParticipants(group, user, action, targets);
      return [
        {
          tag: action,
          attrs: {},
          content: results.map(({ jid, status, user: target }) => {
            const node = target
              ? participantNode(group, target)
              : { tag: 'participant', attrs: { jid } as Record<string, string> };
            node.attrs.jid = jid;
            if (status !== 200) node.attrs.error = String(status);
            if (status === 403 && action === 'add') node.content = [addRequest()];
            return node;
          }),
        },
      ];
    }
    if (SETTINGS.has(child.tag)) {
      this.actions.setSetting(group, user, child.tag as 'announcement');
      return undefined;
    }
    switch (child.tag) {
      case 'subject':
        this.actions.setSubject(group, user, contentText(child));
        return undefined;
      case 'description':
        this.actions.setDescription(
          group,
          user,
          child.attrs.delete === 'true' ? undefined : contentText(B.getBinaryNodeChild(child, 'body')),
        );
        return undefined;
      default:
        throw new GroupError(400, 'bad-request');
    }
  }
}

function contentText(node: BinaryNode | undefined): string {
  const content = node?.content;
  if (typeof content === 'string') return content;
  if (content instanceof Uint8Array) return Buffer.from(content).toString('utf-8');
  return '';
}

/** What WhatsApp offers instead when someone's privacy refuses an add: an invite to send them. */
function addRequest(): BinaryNode {
  return {
    tag: 'add_request',
    attrs: { code: newInviteCode(), expiration: String(Math.floor(Date.now() / 1000) + SEVEN_DAYS) },
  };
}
