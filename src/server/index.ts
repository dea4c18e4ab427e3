export { startServer } from './startServer.js'
export type { RunningServer, ServerOptions } from './startServer.js'
