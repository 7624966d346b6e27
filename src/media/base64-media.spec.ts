import { DomainError } from '../common/errors';
import { decodeBase64Media, sniffMimetype } from './base64-media';

const PNG_HEAD = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');

const fieldsOf = (fn: () => unknown): unknown => {
  try {
    fn();
  } catch (error) {
    if (error instanceof DomainError) return { code: error.code, details: error.details };
    throw error;
  }
  throw new Error('expected an error');
};

describe('decodeBase64Media', () => {
  it('decodes plain base64 (wrapped lines, url-safe, unpadded) with no type', () => {
    const bytes = Buffer.from([0xfb, 0xff, 0xbf, 1, 2]);
    expect(decodeBase64Media(bytes.toString('base64'), 100)).toEqual({ data: bytes, mimetype: null });
    expect(decodeBase64Media(bytes.toString('base64url'), 100).data).toEqual(bytes);
    const long = Buffer.alloc(200, 7);
    const wrapped = long.toString('base64').replace(/(.{76})/g, '$1\n');
    expect(decodeBase64Media(wrapped, 1000).data).toEqual(long);
  });

  it('takes the type of a data URL, with its parameters', () => {
    expect(decodeBase64Media(`data:image/PNG;base64,${PNG_HEAD.toString('base64')}`, 100)).toEqual({
      data: PNG_HEAD,
      mimetype: 'image/png',
    });
    expect(decodeBase64Media('data:audio/ogg;codecs=opus;base64,T2dnUw==', 100).mimetype).toBe(
      'audio/ogg; codecs=opus',
    );
    expect(decodeBase64Media('data:;base64,T2dnUw==', 100).mimetype).toBeNull();
  });

  it('refuses what is not base64 on the field, and too much data as MEDIA_TOO_LARGE', () => {
    const bad = (raw: string) => fieldsOf(() => decodeBase64Media(raw, 100));
    for (const raw of ['', 'not base64!', 'abcde', 'data:text/plain,hello', 'data:image/png;base64,@@', '===='])
      expect(bad(raw)).toMatchObject({ code: 'VALIDATION_ERROR', details: [{ field: 'base64' }] });
    expect(bad('data:im age;base64,AAAA')).toMatchObject({ details: [{ field: 'base64' }] });
    expect(fieldsOf(() => decodeBase64Media(Buffer.alloc(101).toString('base64'), 100))).toMatchObject({
      code: 'MEDIA_TOO_LARGE',
    });
    expect(decodeBase64Media(Buffer.alloc(100).toString('base64'), 100).data).toHaveLength(100);
  });
});

describe('sniffMimetype', () => {
  it('names a type from the magic numbers, or null', async () => {
    expect(await sniffMimetype(PNG_HEAD)).toBe('image/png');
    expect(await sniffMimetype(Buffer.from('%PDF-1.4 tiny'))).toBe('application/pdf');
    expect(await sniffMimetype(Buffer.from('just words'))).toBeNull();
  });
});
