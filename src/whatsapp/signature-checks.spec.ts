import { Curve } from '@whiskeysockets/baileys';
import { rememberSignatureChecks } from './signature-checks';

describe('rememberSignatureChecks', () => {
  rememberSignatureChecks();
  const curve = Curve as typeof Curve & { verifyOnce: typeof Curve.verify };
  const keys = Curve.generateKeyPair();
  const message = Buffer.from('certificate details');
  const signature = Curve.sign(keys.private, message);

  it('answers a check that succeeded before without computing it again', () => {
    expect(Curve.verify(keys.public, message, signature)).toBe(true);
    const computed = jest.spyOn(curve, 'verifyOnce');
    try {
      expect(Curve.verify(keys.public, message, signature)).toBe(true);
      expect(computed).toHaveBeenCalledTimes(0);
    } finally {
      computed.mockRestore();
    }
  });

  it('gives the answers of Baileys itself for other bytes, a malformed signature included', () => {
    expect(Curve.verify(keys.public, message, signature)).toBe(true);
    const forged = Buffer.from(signature);
    forged[0] ^= 1;
    const cases: [Uint8Array, Uint8Array, Uint8Array][] = [
      [keys.public, message, forged],
      [keys.public, Buffer.from('other details'), signature],
      [Curve.generateKeyPair().public, message, signature],
      [keys.public, message, signature.subarray(0, 63)],
    ];
    for (const [key, bytes, sig] of cases)
      expect(Curve.verify(key, bytes, sig)).toBe(curve.verifyOnce(key, bytes, sig));
    expect(Curve.verify(keys.public, message, signature.subarray(0, 63))).toBe(false);
  });
});
