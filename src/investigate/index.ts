/** Investigation and daily monitoring (D-4, D-6): domain functions over the store; HTTP and CLI call them. */
export * from './pivots.js'
export { runDailyMonitor, MONITOR_ALERT_ACTION } from './dailyMonitor.js'
export type { DailyMonitorOptions, DailyMonitorReport, MonitorFinding, MonitorFindingKind } from './dailyMonitor.js'
export { DailyMonitorScheduler } from './DailyMonitorScheduler.js'
export type { DailyMonitorSchedulerOptions, MonitorLogger, SchedulerTimers } from './DailyMonitorScheduler.js'
export { parseMonitorDay, previousJstDay, jstDate, JST_OFFSET_MS } from './monitorDay.js'
export type { MonitorDay } from './monitorDay.js'
export type { JsonObject, JsonValue } from './redact.js'
