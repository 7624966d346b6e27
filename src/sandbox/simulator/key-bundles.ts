import * as B from '@whiskeysockets/baileys';
import type { BinaryNode } from '@whiskeysockets/baileys';
import type { CompanionDevice, Directory } from './directory';
import type { PreKeyBundle } from './signal-endpoint';

const KEY_TYPE = Buffer.from([5]);

/** A companion's bundle from what it registered and uploaded; one uploaded one-time prekey is used up. */
export function takeCompanionBundle(device: CompanionDevice): PreKeyBundle {
  const { keys } = device;
  const bundle: PreKeyBundle = {
    registrationId: keys.registrationId,
    identityKey: keys.identityKey,
    signedPreKey: keys.signedPreKey,
  };
  const first = keys.preKeys.entries().next();
  if (!first.done) {
    const [keyId, publicKey] = first.value;
    keys.preKeys.delete(keyId);
    bundle.preKey = { keyId, publicKey };
  }
  return bundle;
}

export function bundleNodes(bundle: PreKeyBundle): BinaryNode[] {
  const nodes: BinaryNode[] = [
    { tag: 'registration', attrs: {}, content: B.encodeBigEndian(bundle.registrationId) },
    { tag: 'type', attrs: {}, content: KEY_TYPE },
    { tag: 'identity', attrs: {}, content: bundle.identityKey },
    {
      tag: 'skey',
      attrs: {},
      content: [
        { tag: 'id', attrs: {}, content: B.encodeBigEndian(bundle.signedPreKey.keyId, 3) },
        { tag: 'value', attrs: {}, content: bundle.signedPreKey.publicKey },
        { tag: 'signature', attrs: {}, content: bundle.signedPreKey.signature },
      ],
    },
  ];
  if (bundle.preKey) {
    nodes.push({
      tag: 'key',
      attrs: {},
      content: [
        { tag: 'id', attrs: {}, content: B.encodeBigEndian(bundle.preKey.keyId, 3) },
        { tag: 'value', attrs: {}, content: bundle.preKey.publicKey },
      ],
    });
  }
  return nodes;
}

/** Answers `<iq xmlns='encrypt' type='get'><key><user jid/>…</key></iq>` with one bundle per device. */
export function prekeyBundleList(directory: Directory, keyNode: BinaryNode): BinaryNode {
  const users = B.getBinaryNodeChildren(keyNode, 'user').map(({ attrs: { jid } }): BinaryNode => {
    const resolved = directory.resolve(jid);
    const companion =
      resolved && resolved.device !== 0 ? resolved.user.companions.get(resolved.device) : undefined;
    const bundle = !resolved
      ? undefined
      : resolved.device === 0
        ? resolved.user.phone.takeBundle()
        : companion && takeCompanionBundle(companion);
    if (!bundle) {
      return {
        tag: 'user',
        attrs: { jid },
        content: [{ tag: 'error', attrs: { code: '404', text: 'item-not-found' } }],
      };
    }
    return { tag: 'user', attrs: { jid }, content: bundleNodes(bundle) };
  });
  return { tag: 'list', attrs: {}, content: users };
}

/** The bundle a device put in the `<keys>` of a retry receipt, if any. */
export function bundleFromRetryReceipt(receipt: BinaryNode): PreKeyBundle | undefined {
  const keysNode = B.getBinaryNodeChild(receipt, 'keys');
  const identity = B.getBinaryNodeChildBuffer(keysNode, 'identity');
  const skey = B.getBinaryNodeChild(keysNode, 'skey');
  const registrationId = B.getBinaryNodeChildUInt(receipt, 'registration', 4);
  const signedId = skey && B.getBinaryNodeChildUInt(skey, 'id', 3);
  const signedValue = B.getBinaryNodeChildBuffer(skey, 'value');
  const signature = B.getBinaryNodeChildBuffer(skey, 'signature');
  if (!identity || registrationId === undefined || signedId === undefined || !signedValue || !signature) {
    return undefined;
  }
  const bundle: PreKeyBundle = {
    registrationId,
    identityKey: identity,
    signedPreKey: { keyId: signedId, publicKey: signedValue, signature },
  };
  const key = B.getBinaryNodeChild(keysNode, 'key');
  const keyId = key && B.getBinaryNodeChildUInt(key, 'id', 3);
  const keyValue = B.getBinaryNodeChildBuffer(key, 'value');
  if (keyId !== undefined && keyValue) {
    bundle.preKey = { keyId, publicKey: keyValue };
  }
  return bundle;
}

/** Stores the prekeys of `<iq xmlns='encrypt' type='set'>` (upload) for the uploading companion. */
export function storeUploadedPreKeys(device: CompanionDevice, iq: BinaryNode): number {
  const list = B.getBinaryNodeChild(iq, 'list');
  let stored = 0;
  for (const key of B.getBinaryNodeChildren(list, 'key')) {
    const keyId = B.getBinaryNodeChildUInt(key, 'id', 3);
    const value = B.getBinaryNodeChildBuffer(key, 'value');
    if (keyId !== undefined && value) {
      device.keys.preKeys.set(keyId, value);
      stored++;
    }
  }
  const skey = B.getBinaryNodeChild(iq, 'skey');
  if (skey) storeSignedPreKey(device, skey);
  return stored;
}

export function storeSignedPreKey(device: CompanionDevice, skey: BinaryNode): void {
  const keyId = B.getBinaryNodeChildUInt(skey, 'id', 3);
  const publicKey = B.getBinaryNodeChildBuffer(skey, 'value');
  const signature = B.getBinaryNodeChildBuffer(skey, 'signature');
  if (keyId !== undefined && publicKey && signature) {
    device.keys.signedPreKey = { keyId, publicKey, signature };
  }
}
