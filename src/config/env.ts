import { config as loadDotenv } from 'dotenv';

/** The process environment, with .env (if present in the working directory) filled in beneath it. */
export function readEnvironment(): Record<string, string | undefined> {
  loadDotenv({ quiet: true });
  return process.env;
}
