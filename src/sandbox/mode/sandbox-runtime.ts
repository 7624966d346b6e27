import { disableSandboxBaileys, enableSandboxBaileys } from '../baileys-sandbox-switch';
import type { SandboxSocketConfig } from '../simulator/whatsapp-simulator';
import { WhatsAppSimulator } from '../simulator/whatsapp-simulator';

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

  async stop(): Promise<void> {
    disableSandboxBaileys();
    await this.simulator.stop();
  }
}
