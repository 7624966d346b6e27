import { Module } from '@nestjs/common';
import { EncryptionKeyCheck } from './encryption-key-check';
import { KeyChecks } from './key-checks';
import { SealedData } from './sealed-data';
import { SecretBox } from './secret-box';

/**
 * Encryption at rest under TOKEN_ENCRYPTION_KEY (auth state, webhook secrets, the JWT key), and the
 * start-up check that the key is the one the database was set up with (rotating from the previous).
 */
@Module({
  providers: [SecretBox, KeyChecks, SealedData, EncryptionKeyCheck],
  exports: [SecretBox, SealedData],
})
export class CryptoModule {}
