export { openStore, migrate } from './store.js'
export type { Store, Db, StoreConfig } from './store.js'
export type { Dialect } from './dialect.js'
export type * from './schema.js'
