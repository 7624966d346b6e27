import { disableSandboxBaileys, enableSandboxBaileys } from '../../src/sandbox/baileys-sandbox-switch';
import { WhatsAppSimulator } from '../../src/sandbox/simulator/whatsapp-simulator';
import type { SimulatorOptions } from '../../src/sandbox/simulator/types';
import { BaileysTestClient, silenceLibsignalConsole, type TestSocketTimings } from './baileys-test-client';

/**
 * A started simulator with the sandbox switch on, plus the Baileys clients a test made, all torn down
 * by `close()` (call it from afterAll).
 */
export class SimulatorFixture {
  readonly simulator: WhatsAppSimulator;
  private readonly clients: BaileysTestClient[] = [];
  private restoreConsole: (() => void) | undefined;

  constructor(options: SimulatorOptions = {}) {
    this.simulator = new WhatsAppSimulator(options);
  }

  async start(): Promise<this> {
    this.restoreConsole = silenceLibsignalConsole();
    await this.simulator.start();
    enableSandboxBaileys(this.simulator);
    return this;
  }

  client(timings: TestSocketTimings = {}): BaileysTestClient {
    const client = new BaileysTestClient(this.simulator, undefined, timings);
    this.clients.push(client);
    return client;
  }

  /** A client already paired with `phoneNumber` and logged in. */
  async pairedClient(phoneNumber: string, timings: TestSocketTimings = {}): Promise<BaileysTestClient> {
    const client = this.client(timings);
    await client.pair(phoneNumber);
    return client;
  }

  adopt(client: BaileysTestClient): BaileysTestClient {
    this.clients.push(client);
    return client;
  }

  async close(): Promise<void> {
    for (const client of this.clients) client.end();
    disableSandboxBaileys();
    await this.simulator.stop();
    this.restoreConsole?.();
  }
}
