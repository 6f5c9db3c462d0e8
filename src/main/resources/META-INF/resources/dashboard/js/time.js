// Bucket boundaries in any IANA zone without a library. Tally's buckets are whole hours (days) of the zone asked for,
// and every zone offset in use is a multiple of 15 minutes, so a boundary is found by stepping through UTC quarter
// hours until the zone's wall clock reads hh:00 (00:00 for days). DST changes are handled by the zone data of Intl.

const QUARTER = 15 * 60 * 1000;
const formatters = new Map();

function wallClock(instant, timeZone) {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-GB', { timeZone, hourCycle: 'h23', hour: '2-digit', minute: '2-digit' });
    formatters.set(timeZone, format);
  }
  const parts = Object.fromEntries(format.formatToParts(instant).map((p) => [p.type, p.value]));
  return { hour: Number(parts.hour), minute: Number(parts.minute) };
}

function isBoundary(instant, unit, timeZone) {
  const clock = wallClock(instant, timeZone);
  return clock.minute === 0 && (unit === 'hour' || clock.hour === 0);
}

/** The latest boundary at or before instant. */
export function floor(instant, unit, timeZone) {
  let t = Math.floor(instant.getTime() / QUARTER) * QUARTER;
  for (let i = 0; i < 200 && !isBoundary(new Date(t), unit, timeZone); i++) t -= QUARTER;
  return new Date(t);
}

/** The first boundary after instant. */
export function next(instant, unit, timeZone) {
  let t = (Math.floor(instant.getTime() / QUARTER) + 1) * QUARTER;
  for (let i = 0; i < 200 && !isBoundary(new Date(t), unit, timeZone); i++) t += QUARTER;
  return new Date(t);
}

const RANGES = { '24h': 24 * 3600e3, '7d': 7 * 86400e3, '30d': 30 * 86400e3, '90d': 90 * 86400e3 };

/** [from, to) covering the range up to now, on boundaries of the unit in the zone. */
export function rangeWindow(range, unit, timeZone, now = new Date()) {
  const to = next(now, unit, timeZone);
  const from = floor(new Date(to.getTime() - RANGES[range]), unit, timeZone);
  return { from, to };
}

/** Every bucket start in [from, to). */
export function buckets(from, to, unit, timeZone) {
  const starts = [];
  for (let t = from; t < to && starts.length < 5000; t = next(t, unit, timeZone)) starts.push(t);
  return starts;
}

export function label(instant, unit, timeZone, spanDays) {
  const options = unit === 'day' || spanDays > 2
    ? { month: 'short', day: 'numeric', ...(unit === 'hour' ? { hour: '2-digit' } : {}) }
    : { hour: '2-digit', minute: '2-digit' };
  return new Intl.DateTimeFormat(undefined, { ...options, timeZone }).format(instant);
}

export function viewerZone() {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}
