/**
 * Child process of the benchmarks (bench/simulator-process.ts): runs the WhatsApp simulator on its own
 * CPU time, so the parent's memory and CPU are those of Baileys or the gateway only. Driven over the
 * fork IPC channel: `push` sends as fast as it can, `steady` at a fixed rate.
 */
import { encodeBinaryNode } from '@whiskeysockets/baileys';
import { WhatsAppSimulator } from '../src/sandbox/simulator/whatsapp-simulator';

export type HostCommand =
  | { id: number; cmd: 'start' }
  | { id: number; cmd: 'createContact'; phoneNumber: string }
  | { id: number; cmd: 'linkDevice'; qr: string; phoneNumber: string }
  | { id: number; cmd: 'enrollDevices'; devices: EnrolledCompanion[] }
  | { id: number; cmd: 'push'; from: string; to: string[]; perRecipient: number; prefix: string }
  | { id: number; cmd: 'steady'; pairs: { from: string; to: string }[]; perSecond: number; seconds: number }
  | { id: number; cmd: 'stop' };

/**
 * A companion to link without a scan (WhatsAppSimulator.enrollDevice), its keys base64-encoded for
 * the IPC channel; the reply is each one's pair-success stanza, binary-encoded, in base64.
 */
export interface EnrolledCompanion {
  phoneNumber: string;
  noiseKey: string;
  identityKey: string;
  advSecret: string;
  registrationId: number;
  signedPreKey: { keyId: number; publicKey: string; signature: string };
  preKeys: [number, string][];
}

export type HostReply = { id: number; result?: unknown; error?: string };

const simulator = new WhatsAppSimulator();
const now = () => performance.timeOrigin + performance.now();

// libsignal logs every session it opens or closes.
console.log = () => undefined;
console.warn = () => undefined;

/** The load generator's clock ticks every TICK_MS; each tick sends the slots that came due since. */
const TICK_MS = 5;

/**
 * Sends perSecond messages a second (round-robin over the pairs), slot i due at start + i/perSecond,
 * checked every TICK_MS. A tick that fires late (this process was descheduled, a GC) sends at most
 * one tick's share plus one and moves the rest of the schedule back by what it owes: no burst to
 * catch up, which would charge the generator's hiccup to the gateway as queueing. Each message is
 * timed when it is handed to the simulator; late ticks and the time the schedule slipped are reported.
 */
async function steady(
  command: Extract<HostCommand, { cmd: 'steady' }>,
): Promise<{ sent: [string, number][]; late: number; slippedMs: number }> {
  const total = command.perSecond * command.seconds;
  const slotMs = 1000 / command.perSecond;
  const perTick = Math.ceil(TICK_MS / slotMs) + 1;
  const sent: [string, number][] = [];
  const inFlight: Promise<void>[] = [];
  const start = now();
  let slippedMs = 0;
  let late = 0;
  let n = 0;
  while (n < total) {
    let due = Math.min(total, Math.floor((now() - start - slippedMs) / slotMs) + 1);
    if (due - n > perTick) {
      late++;
      slippedMs += (due - n - perTick) * slotMs;
      due = n + perTick;
    }
    for (; n < due; n++) {
      const pair = command.pairs[n % command.pairs.length];
      const at = now();
      inFlight.push(
        simulator.sendMessage(pair.from, pair.to, { text: `latency probe ${n}` }).then((id) => {
          sent.push([id, at]);
        }),
      );
    }
    await new Promise((resolve) => setTimeout(resolve, TICK_MS));
  }
  await Promise.all(inFlight);
  return { sent, late, slippedMs: Math.round(slippedMs) };
}

async function run(command: HostCommand): Promise<unknown> {
  switch (command.cmd) {
    case 'start': {
      const endpoints = await simulator.start();
      return {
        ...endpoints,
        rootPublicKey: simulator.rootPublicKey.toString('hex'),
        certificate: simulator.tlsCertificate,
      };
    }
    case 'createContact':
      return simulator.createContact(command.phoneNumber);
    case 'linkDevice':
      return simulator.linkDevice(command.qr, { phoneNumber: command.phoneNumber });
    case 'enrollDevices': {
      const b64 = (value: string) => Buffer.from(value, 'base64');
      return command.devices.map((d) => {
        const { pairSuccess } = simulator.enrollDevice(d.phoneNumber, {
          noiseKey: b64(d.noiseKey),
          identityKey: b64(d.identityKey),
          advSecret: b64(d.advSecret),
          registrationId: d.registrationId,
          signedPreKey: {
            keyId: d.signedPreKey.keyId,
            publicKey: b64(d.signedPreKey.publicKey),
            signature: b64(d.signedPreKey.signature),
          },
          preKeys: new Map(d.preKeys.map(([keyId, key]) => [keyId, b64(key)])),
        });
        return encodeBinaryNode(pairSuccess).toString('base64');
      });
    }
    case 'push': {
      // Round-robin over the recipients, as fast as the simulator can encrypt and send.
      for (let i = 0; i < command.perRecipient; i++) {
        for (const to of command.to) {
          await simulator.sendMessage(command.from, to, { text: `${command.prefix} ${i}` });
        }
      }
      return command.perRecipient * command.to.length;
    }
    case 'steady':
      return steady(command);
    case 'stop':
      await simulator.stop();
      return true;
  }
}

process.on('message', (command: HostCommand) => {
  run(command).then(
    (result) => process.send?.({ id: command.id, result } satisfies HostReply),
    (error: Error) => process.send?.({ id: command.id, error: error.message } satisfies HostReply),
  );
});
process.on('disconnect', () => process.exit(0));
