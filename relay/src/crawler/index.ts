export {
  type Clock,
  type ContainerMetaExtra,
  CRAWLER_ORIGIN,
  type CrawlChanges,
  type CrawlOptions,
  type CrawlResult,
  crawlContainer,
  type DocSource,
} from './crawl.js';
export {
  Crawler,
  type CrawlerLogger,
  type CrawlerOptions,
  type CrawlTarget,
  DEFAULT_CRAWL_INTERVAL_MS,
  DEFAULT_MAX_CONCURRENT_CRAWLS,
  DEFAULT_RETRY_AFTER_FAILURE_MS,
  MIN_CRAWL_INTERVAL_MS,
  type ScheduleInput,
  type Timers,
} from './scheduler.js';
