// Configuration read once at start; a bad value ends the process with a clear message.
import { ConfigError, loadConfig, type Config } from '../config.ts'

export function configOrExit(env: Record<string, string | undefined>, exit: (code: number) => never): Config {
  try {
    return loadConfig(env)
  } catch (e) {
    if (e instanceof ConfigError) { console.error(`Configuration error: ${e.message}`); exit(1) }
    throw e
  }
}
