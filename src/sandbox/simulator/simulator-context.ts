import type { EventEmitter } from 'node:events';
import type { Directory, CompanionDevice } from './directory';
import type { FaultPlan } from './faults';
import type { MediaHost } from './media-host';
import type { Delivery } from './delivery';
import type { GroupDirectory } from './group-directory';
import type { ProfileDesk } from './profile-desk';
import type { DeviceInfo, ResolvedSimulatorOptions, SimulatorEventMap } from './types';

/** The shared state every stanza handler of the simulated server works on. */
export interface SimulatorContext {
  readonly options: ResolvedSimulatorOptions;
  readonly directory: Directory;
  readonly faults: FaultPlan;
  readonly media: MediaHost;
  readonly delivery: Delivery;
  readonly groups: GroupDirectory;
  readonly events: EventEmitter<SimulatorEventMap>;
  /** Which companion sent a message a companion received, so receipts can be relayed back. */
  readonly messageOrigins: Map<string, CompanionDevice>;
  /** Profile pictures, about texts and block lists of the users. */
  readonly profiles: ProfileDesk;
}

export function describeDevice(device: CompanionDevice): DeviceInfo {
  return {
    phoneNumber: device.user.phoneNumber,
    deviceId: device.deviceId,
    jid: device.user.deviceJid(device.deviceId),
    lid: device.user.deviceLid(device.deviceId),
    online: device.connection?.isOpen ?? false,
    queuedStanzas: device.offlineQueue.length,
  };
}

export function unixNow(): string {
  return String(Math.floor(Date.now() / 1000));
}
