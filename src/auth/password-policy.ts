import { registerDecorator, ValidationOptions } from 'class-validator';

export const PASSWORD_MIN_LENGTH = 8;
/** bcrypt only reads the first 72 bytes; a longer password would be silently cut. */
export const PASSWORD_MAX_BYTES = 72;

/** A password we can store: at least 8 characters and at most 72 bytes of UTF-8. */
export function IsPassword(options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol): void => {
    registerDecorator({
      name: 'isPassword',
      target: target.constructor,
      propertyName: String(propertyName),
      options: {
        message: `$property must be ${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_BYTES} bytes long`,
        ...options,
      },
      validator: {
        validate: (value: unknown): boolean =>
          typeof value === 'string' &&
          [...value].length >= PASSWORD_MIN_LENGTH &&
          Buffer.byteLength(value, 'utf8') <= PASSWORD_MAX_BYTES,
      },
    });
  };
}
