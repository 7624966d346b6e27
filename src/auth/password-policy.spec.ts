import { validateSync } from 'class-validator';
import { IsPassword } from './password-policy';

class Probe {
  @IsPassword()
  password: unknown;
}

const errorsFor = (password: unknown) => {
  const probe = new Probe();
  probe.password = password;
  return validateSync(probe).length;
};

describe('IsPassword', () => {
  it('takes 8 characters up to 72 bytes', () => {
    expect(errorsFor('12345678')).toBe(0);
    expect(errorsFor('x'.repeat(72))).toBe(0);
    expect(errorsFor('ü'.repeat(36))).toBe(0); // 72 bytes
  });

  it('refuses shorter, longer than bcrypt reads, or not a string', () => {
    expect(errorsFor('1234567')).toBe(1);
    expect(errorsFor('x'.repeat(73))).toBe(1);
    expect(errorsFor('ü'.repeat(37))).toBe(1); // 74 bytes, only 37 characters
    expect(errorsFor(12345678)).toBe(1);
  });
});
