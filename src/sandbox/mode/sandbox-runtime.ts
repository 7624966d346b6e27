import { existsSync, readFileSync } from 'node:fs';
import { Agent } from 'node:https';
import { disableSandboxBaileys, enableSandboxBaileys } from '../baileys-sandbox-switch';
import type { SandboxSocketConfig } from '../simulator/whatsapp-simulator';
import { WhatsAppSimulator } from '../simulator/whatsapp-simulator';

/** Where a simulator running in another process listens, and what to trust it by. */
export interface ExternalSimulator {
  webSocketUrl: string;
  /** Its root public key, 64 hex characters. */
  rootPublicKeyHex: string;
  /** Its TLS certificate: PEM text, a path to a PEM file, or the PEM in base64. */
  ca: string;
}

/** The in-process simulator of sandbox mode, started before the app so its sockets can be wired to it. */
export class SandboxRuntime {
  private constructor(
    readonly simulator: WhatsAppSimulator,
    readonly socketConfig: SandboxSocketConfig,
  ) {}

  /** Starts the simulator and turns the sandbox switch on (Baileys then trusts only the simulator). */
  static async start(port = 0): Promise<SandboxRuntime> {
    const simulator = new WhatsAppSimulator({ port });
    await simulator.start();
    enableSandboxBaileys(simulator);
    return new SandboxRuntime(simulator, simulator.socketConfig());
  }

  /**
   * Sandbox mode against a simulator that lives in another process and outlives this one (tests
   * that kill and restart the gateway): the switch trusts its root key, sockets use its URL and
   * upload certificate. Whoever runs that simulator controls it; no demo, no /api/v1/sandbox here.
   */
  static attach(external: ExternalSimulator): AttachedSandbox {
    const rootPublicKey = Buffer.from(external.rootPublicKeyHex, 'hex');
    enableSandboxBaileys({ rootPublicKey });
    return new AttachedSandbox({
      waWebSocketUrl: external.webSocketUrl,
      fetchAgent: new Agent({ ca: readPem(external.ca), keepAlive: false }),
    });
  }

  async stop(): Promise<void> {
    disableSandboxBaileys();
    await this.simulator.stop();
  }
}

/** Sandbox mode attached to an external simulator: only the socket settings. */
export class AttachedSandbox {
  constructor(readonly socketConfig: SandboxSocketConfig) {}

  stop(): void {
    disableSandboxBaileys();
    this.socketConfig.fetchAgent.destroy();
  }
}

function readPem(ca: string): string {
  if (ca.includes('-----BEGIN')) return ca;
  if (existsSync(ca)) return readFileSync(ca, 'utf8');
  const decoded = Buffer.from(ca, 'base64').toString('utf8');
  if (!decoded.includes('-----BEGIN'))
    throw new Error('SANDBOX_SIMULATOR_CA must be a PEM certificate, a path to one, or one in base64');
  return decoded;
}
