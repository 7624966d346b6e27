import { installConsoleFilter, isDependencyNoise, redactKeyMaterial } from './console-filter';
import { maskUrlSecrets, maskedErrorSerializer } from './mask-secrets';

describe('console filter', () => {
  it("drops libsignal's session dumps and decryption noise, keeps other lines", () => {
    expect(isDependencyNoise(['Closing session:', { currentRatchet: {} }])).toBe(true);
    expect(isDependencyNoise(['Closing open session in favor of incoming prekey bundle'])).toBe(true);
    expect(isDependencyNoise(['Session error:Error: Bad MAC', 'stack'])).toBe(true);
    expect(isDependencyNoise(['WhatsApp gateway listening on http://127.0.0.1:3000'])).toBe(false);
    expect(isDependencyNoise([{ msg: 'Closing session:' }])).toBe(false);
  });

  it('replaces any printed object that holds key material, however deep', () => {
    const entry = { indexInfo: { closed: -1 }, currentRatchet: { rootKey: Buffer.alloc(32, 7) } };
    expect(redactKeyMaterial(['state', entry, 42])).toEqual(['state', '[key material redacted]', 42]);
    const plain = { id: 'abc', nested: { count: 1 } };
    expect(redactKeyMaterial([plain])).toEqual([plain]);
  });

  it('installed on a console, prints nothing for noise and no key bytes otherwise', () => {
    const lines: unknown[][] = [];
    const target = { log: (...a: unknown[]) => lines.push(a) } as unknown as Console;
    for (const m of ['info', 'warn', 'error', 'debug', 'trace'] as const) {
      (target as unknown as Record<string, unknown>)[m] = (...a: unknown[]) => lines.push(a);
    }
    installConsoleFilter(target);
    target.info('Closing session:', { currentRatchet: { ephemeralKeyPair: { privKey: Buffer.alloc(32) } } });
    target.log('hello', { privKey: Buffer.alloc(32, 1) });
    expect(lines).toEqual([['hello', '[key material redacted]']]);
  });
});

describe('URL secrets in log lines', () => {
  it('masks userinfo and token-like query parameters', () => {
    expect(maskUrlSecrets('POST https://user:pa55@hooks.example.com/in?token=abc&x=1 failed')).toBe(
      'POST https://***@hooks.example.com/in?token=***&x=1 failed',
    );
    expect(maskUrlSecrets('ws://127.0.0.1/ws?access_token=eyJabc.def')).toBe(
      'ws://127.0.0.1/ws?access_token=***',
    );
    expect(maskUrlSecrets('nothing to hide at http://example.com/a?b=c')).toBe(
      'nothing to hide at http://example.com/a?b=c',
    );
  });

  it('masks them in serialized errors (message and stack)', () => {
    const serialized = maskedErrorSerializer(
      new Error('connect ECONNREFUSED http://u:secret-pw@10.0.0.1/hook'),
    ) as {
      message: string;
      stack: string;
    };
    expect(serialized.message).toBe('connect ECONNREFUSED http://***@10.0.0.1/hook');
    expect(serialized.stack).not.toContain('secret-pw');
  });
});
