import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { plainToInstance } from 'class-transformer';
import { validateSync, ValidationError } from 'class-validator';
import { AppConfig } from './app-config';
import { devKeyFromFile } from './dev-key-file';

export class ConfigError extends Error {}

// The constraint that says most about a bad value comes first ("must be an integer" before "must not be greater").
const PRIORITY = ['isDefined', 'isInt', 'isBoolean', 'isIn', 'matches', 'isEmail', 'minLength', 'min', 'max'];

const firstProblem = (error: ValidationError): string => {
  const constraints = error.constraints ?? {};
  const key = PRIORITY.find((k) => k in constraints) ?? Object.keys(constraints)[0];
  const constraint = key ? constraints[key] : 'is invalid';
  // class-validator writes "PORT must be ..."; keep one line that names the variable first.
  return constraint.startsWith(error.property) ? constraint : `${error.property} ${constraint}`;
};

/**
 * Builds the validated configuration from an environment map. Throws a ConfigError whose message
 * is one line naming the variable and what is wrong with it.
 */
export function loadConfig(env: Record<string, string | undefined>): {
  config: AppConfig;
  warnings: string[];
} {
  const known = Object.keys(new AppConfig());
  const plain: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (value !== undefined && known.includes(key)) plain[key] = value;
  }
  if (!plain.DATABASE_URL) throw new ConfigError('DATABASE_URL is required (see .env.example)');

  const config = plainToInstance(AppConfig, plain, { exposeDefaultValues: true });
  const errors = validateSync(config, { skipMissingProperties: false });
  if (errors.length > 0) throw new ConfigError(`Invalid configuration: ${firstProblem(errors[0])}`);

  const warnings: string[] = [];
  if (!config.TOKEN_ENCRYPTION_KEY) {
    if (config.isProduction) {
      throw new ConfigError('TOKEN_ENCRYPTION_KEY is required in production (openssl rand -hex 32)');
    }
    if (config.NODE_ENV === 'development') {
      // Generated once and kept beside the install, so a newcomer's linked sessions survive restarts.
      let kept: ReturnType<typeof devKeyFromFile>;
      try {
        kept = devKeyFromFile(config.TOKEN_ENCRYPTION_KEY_FILE);
      } catch (error) {
        throw new ConfigError(
          `TOKEN_ENCRYPTION_KEY is not set and TOKEN_ENCRYPTION_KEY_FILE cannot be used: ${(error as Error).message}`,
        );
      }
      config.TOKEN_ENCRYPTION_KEY = kept.key;
      if (kept.created) {
        warnings.push(
          `TOKEN_ENCRYPTION_KEY is not set: generated one and kept it in ${kept.path} (mode 0600). ` +
            'Back it up with the database; set TOKEN_ENCRYPTION_KEY in production.',
        );
      }
    } else {
      config.TOKEN_ENCRYPTION_KEY = randomBytes(32).toString('hex');
      warnings.push(
        'TOKEN_ENCRYPTION_KEY is not set: using a random key for this run only. Saved WhatsApp sessions, ' +
          'tokens and secrets will NOT survive a restart. Set TOKEN_ENCRYPTION_KEY (openssl rand -hex 32).',
      );
    }
  }
  config.ADMIN_DASHBOARD_PASSWORD_ENABLED ??= !config.isProduction;
  if (config.SANDBOX && config.isProduction) {
    throw new ConfigError('SANDBOX cannot be enabled when NODE_ENV=production');
  }
  config.INSTANCE_ID ??= `${hostname()}-${process.pid}`;
  config.WEBHOOK_ALLOW_PRIVATE ??= !config.isProduction;
  return { config, warnings };
}
