/**
 * Child process of bench/simulator-baseline.ts: runs the WhatsApp simulator on its own, so the parent's
 * memory and CPU are those of the raw Baileys sockets only. Driven over the fork IPC channel.
 */
import { WhatsAppSimulator } from '../src/sandbox/simulator/whatsapp-simulator';

export type HostCommand =
  | { id: number; cmd: 'start' }
  | { id: number; cmd: 'createContact'; phoneNumber: string }
  | { id: number; cmd: 'linkDevice'; qr: string; phoneNumber: string }
  | { id: number; cmd: 'push'; from: string; to: string[]; perRecipient: number; prefix: string }
  | { id: number; cmd: 'stop' };

export type HostReply = { id: number; result?: unknown; error?: string };

const simulator = new WhatsAppSimulator();

// libsignal logs every session it opens or closes.
console.log = () => undefined;
console.warn = () => undefined;

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
    case 'push': {
      // Round-robin over the recipients, as fast as the simulator can encrypt and send.
      for (let i = 0; i < command.perRecipient; i++) {
        for (const to of command.to) {
          await simulator.sendMessage(command.from, to, { text: `${command.prefix} ${i}` });
        }
      }
      return command.perRecipient * command.to.length;
    }
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
