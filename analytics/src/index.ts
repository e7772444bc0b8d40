export { parseConfig, defaultConfig } from './config.js';
export type { AnalyticsConfig } from './config.js';
export { AnalyticsError, ErrorCode, ensureError } from './errors.js';
export type { AnalyticsErrorCode } from './errors.js';
export { Warehouse } from './warehouse.js';
export type { QueryParams, ReadonlyLimits } from './warehouse.js';
export { DDL, TABLES, TZ, migrate, truncateAll } from './schema.js';
export { EVENT_COLUMNS, recordToRows, recordToTsv, rowToTsv } from './rows.js';
export type { EventRow, RecordOrigin } from './rows.js';
export { Loader } from './loader.js';
export type { LoadResult, PendingRecord } from './loader.js';
export { Ingester } from './ingest.js';
export type { BatchInfo, IngestConfig, IngesterOptions, IngestStats } from './ingest.js';
export { AnalyticsMetrics } from './metrics.js';
export { SQL, VIEW_HELP, VIEW_NAMES, MEAL_PERIODS, isViewName, parseViewParams, runView } from './queries.js';
export type { ViewName, ViewParams } from './queries.js';
export { startServer, HTTP_STATUS } from './server.js';
export type { AnalyticsServer, ServerOptions } from './server.js';
export { generateHistory, localDay, localMidnight } from './generator.js';
export type { GeneratedRecord, HistoryOptions } from './generator.js';
export { backfill, loadHistoryDirect, publishHistory } from './history.js';
export type { BackfillOptions, BackfillResult, Progress, PublishOptions } from './history.js';
export {
  DIRECT_SEQ_BASE,
  SEQ_SPACE,
  ensureHistoryStream,
  eventSource,
  historySource,
  seqRange,
  sourcesOf,
} from './sources.js';
export type { Source } from './sources.js';
export { RECO_HOT_DAYS, RECO_NEIGHBOURS, migrateReco, trainModels, trainWindow } from './reco-train.js';
export type { TrainResult, TrainWindow } from './reco-train.js';
export { publishModels, readDiners, readModels } from './reco-export.js';
export { runRecoJob, scheduleRecoJob } from './reco-job.js';
export type { RecoJobOptions, RecoJobResult } from './reco-job.js';
export { evaluate } from './reco-eval.js';
export type { EvalOptions, EvalResult, EvalRow } from './reco-eval.js';
export { runCli, formatTable, formatHeatmap } from './cli.js';
export type { CliIo } from './cli.js';
