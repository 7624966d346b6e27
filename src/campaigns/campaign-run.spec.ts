import type { Campaign } from '../generated/prisma/client';
import type { OutboundContent, PresenceState } from '../whatsapp/whatsapp.port';
import { CampaignRun, type RunContext } from './campaign-run';

const JID = '6281100000001@s.whatsapp.net';

/**
 * One running campaign with one recipient, typing on, over in-memory fakes of its collaborators:
 * what the run asks of WhatsApp and of the recipient store, in order.
 */
function harness(
  presence: (state: PresenceState) => Promise<void>,
  statusAt: (nthRead: number) => string = () => 'running',
) {
  const calls: string[] = [];
  const campaign = {
    id: 7,
    sessionId: 'sales',
    status: 'running',
    template: 'Hi {{name}}',
    mediaPath: null,
    timeZone: 'UTC',
    minDelayMs: 0,
    maxDelayMs: 0,
    perMinuteCap: null,
    perDayCap: null,
    quietHoursStart: null,
    quietHoursEnd: null,
    typing: true,
    typingMinMs: 20,
    typingMaxMs: 20,
  } as unknown as Campaign;
  let reads = 0;
  const due = [{ id: 1, phone: '+6281100000001', name: 'Ann', variables: {}, attempts: 0 }];
  const ctx = {
    config: { CAMPAIGN_MAX_ATTEMPTS: 3, CAMPAIGN_RETRY_DELAY_MS: 1000 },
    campaigns: { findRow: () => Promise.resolve({ ...campaign, status: statusAt(reads++) }) },
    whatsapp: {
      statusOf: () => 'connected',
      checkNumbers: () => Promise.resolve([{ jid: JID, exists: true }]),
      newMessageId: () => 'MSG1',
      send: (_s: string, jid: string, content: OutboundContent) => {
        calls.push(`send ${jid} ${content.kind === 'text' ? content.text : content.kind}`);
        return Promise.resolve({ messageId: 'MSG1', to: jid, timestamp: '1' });
      },
    },
    chatState: {
      sendPresence: (_s: string, state: PresenceState, jid: string | null) => {
        calls.push(`${state} ${jid}`);
        return presence(state);
      },
    },
    store: {
      lastSentAt: () => Promise.resolve(null),
      nextDue: () => Promise.resolve(due.shift() ?? null),
      nextOpenAt: () => Promise.resolve(null),
      markSending: () => Promise.resolve(calls.push('sending') > 0),
      markSent: (id: number) => {
        calls.push(`sent ${id}`);
        return Promise.resolve();
      },
    },
    progress: { waits: new Map(), changed: () => undefined },
    transitions: { complete: () => Promise.resolve(calls.push('complete')) },
    inFlight: new Set<number>(),
  } as unknown as RunContext;
  return { calls, run: new CampaignRun(campaign.id, ctx) };
}

describe('CampaignRun typing', () => {
  it('shows composing before the message and paused after it', async () => {
    const { calls, run } = harness(() => Promise.resolve());
    await run.run();
    expect(calls).toEqual([
      `composing ${JID}`,
      'sending',
      `send ${JID} Hi Ann`,
      'sent 1',
      `paused ${JID}`,
      'complete',
    ]);
  });

  it('sends the message when WhatsApp does not take the presence (a presence never fails a recipient)', async () => {
    const { calls, run } = harness(() => Promise.reject(new Error('socket closed')));
    await run.run();
    expect(calls).toEqual([
      `composing ${JID}`,
      'sending',
      `send ${JID} Hi Ann`,
      'sent 1',
      `paused ${JID}`,
      'complete',
    ]);
  });

  it('sends nothing when the campaign was paused while it typed (the recipient stays pending)', async () => {
    // Read 0: the loop sees it running; read 1: the check after typing sees it paused.
    const { calls, run } = harness(
      () => Promise.resolve(),
      (n) => (n === 0 ? 'running' : 'paused'),
    );
    await run.run();
    expect(calls).toEqual([`composing ${JID}`, `paused ${JID}`]);
  });
});
