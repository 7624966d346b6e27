import { Module } from '@nestjs/common';
import { SecretBox } from './secret-box';

/** Encryption at rest under TOKEN_ENCRYPTION_KEY (auth state, webhook secrets, the JWT key). */
@Module({ providers: [SecretBox], exports: [SecretBox] })
export class CryptoModule {}
