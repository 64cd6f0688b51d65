/**
 * The framework-free half the admin pages share with the audience pages (contract, formats, clock,
 * live feed, queue model) lives in the plugin's public/shared/; this file is the admin's one door to it.
 */
export * from '../../../contract';
export { formatClock, formatDateTime, formatDuration, formatSeconds } from '../../../public/shared/format';
export { RaceClock } from '../../../public/shared/clock';
export { coalesce, connectRaceFeed, type FeedStatus } from '../../../public/shared/live';
export { applyQueueEvent, moveTicket } from '../../../public/shared/queueModel';
