import { randomInt } from 'node:crypto';
import type { BinaryNode } from '@whiskeysockets/baileys';
import type { WhatsAppUser } from './directory';
import type { SimulatedGroup } from './group-directory';
import { actorAttrs } from './group-nodes';
import type { SimulatorContext } from './simulator-context';
import { unixNow } from './simulator-context';

/** A group change as the server announced it, kept so tests can see what each member was told. */
export interface GroupNotice {
  groupJid: string;
  /** Phone number of who made the change. */
  actor: string;
  /** The notification's child tag: `create`, `add`, `remove`, `promote`, `subject` … */
  change: string;
  /** Phone numbers of the users whose companions were sent it. */
  recipients: string[];
  at: Date;
}

/**
 * Tells every linked companion of every member (and of anyone just removed or gone) about a group
 * change: `<notification type='w:gp2' from=<group> participant=<actor>>` with one child, as WhatsApp
 * does; Baileys turns them into `groups.upsert`, `groups.update` and `group-participants.update`.
 * Offline companions get them at their next login.
 */
export class GroupNotifier {
  readonly sent: GroupNotice[] = [];

  constructor(private readonly ctx: SimulatorContext) {}

  notify(group: SimulatedGroup, actor: WhatsAppUser, child: BinaryNode, alsoTell: WhatsAppUser[] = []): void {
    const recipients = new Map<string, WhatsAppUser>();
    for (const user of [...group.users(), ...alsoTell]) recipients.set(user.phoneNumber, user);
    const attrs: Record<string, string> = {
      from: group.jid,
      type: 'w:gp2',
      id: String(randomInt(1_000_000_000, 2_000_000_000)),
      t: unixNow(),
      notify: actor.pushName,
      ...actorAttrs(group, actor),
    };
    for (const user of recipients.values()) {
      for (const device of user.companions.values()) {
        this.ctx.delivery.toDevice(device, { tag: 'notification', attrs: { ...attrs }, content: [child] });
      }
    }
    this.sent.push({
      groupJid: group.jid,
      actor: actor.phoneNumber,
      change: child.tag,
      recipients: [...recipients.keys()],
      at: new Date(),
    });
  }
}
