export { configSchema, loadConfig } from './config.js'
export type { Config, FrozenConfig, LoadConfigOptions } from './config.js'
