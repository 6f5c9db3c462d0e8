// Small SVG charts drawn from data: stacked bars (outcomes) and a line with its area (a metric's figure). Colours come
// from CSS classes (app.css); nothing here sets a style attribute, which the page's CSP would refuse.
import { svg, clear, formatNumber } from './dom.js';
import { label } from './time.js';

const PAD = { left: 52, right: 12, top: 12, bottom: 28 };

/** Drawn at the container's own width, so text keeps its size (the next refresh redraws after a resize). */
function size(container, height) {
  return { W: Math.max(280, Math.round(container.clientWidth || 760)), H: height };
}

function niceMax(value) {
  if (!(value > 0)) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) {
    if (value <= step * magnitude) return step * magnitude;
  }
  return 10 * magnitude;
}

function niceRange(min, max) {
  if (min >= 0) return [0, niceMax(max)];
  if (max <= 0) return [-niceMax(-min), 0];
  const m = niceMax(Math.max(-min, max));
  return [-m, m];
}

function frame({ W, H }, buckets, low, high, unit, timeZone, format) {
  const root = svg('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', preserveAspectRatio: 'xMidYMid meet' });
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const y = (v) => PAD.top + plotH - ((v - low) / (high - low || 1)) * plotH;
  const slot = plotW / Math.max(buckets.length, 1);
  const x = (i) => PAD.left + slot * i + slot / 2;
  const axis = svg('g', { class: 'axis' });
  for (let k = 0; k <= 4; k++) {
    const v = low + ((high - low) * k) / 4;
    axis.append(
      svg('line', { class: 'grid-line', x1: PAD.left, x2: W - PAD.right, y1: y(v), y2: y(v) }),
      svg('text', { x: PAD.left - 8, y: y(v) + 4, 'text-anchor': 'end' }, format(v)));
  }
  const spanDays = buckets.length > 1 ? (buckets[buckets.length - 1] - buckets[0]) / 86400e3 : 0;
  const every = Math.max(1, Math.ceil(buckets.length / Math.max(2, Math.floor(plotW / 90))));
  buckets.forEach((start, i) => {
    if (i % every === 0) {
      axis.append(svg('text', { x: x(i), y: H - 8, 'text-anchor': 'middle' }, label(start, unit, timeZone, spanDays)));
    }
  });
  root.append(axis);
  return { root, x, y, slot };
}

/** Stacked bars: one per bucket, one segment per series (series: [{key, values}]), classes s-<key>. */
export function stackedBars(container, { buckets, series, unit, timeZone, title }) {
  const totals = buckets.map((_, i) => series.reduce((sum, s) => sum + (s.values[i] || 0), 0));
  const high = niceMax(Math.max(0, ...totals));
  const { root, x, y, slot } = frame(size(container, 240), buckets, 0, high, unit, timeZone, (v) => formatNumber(v, true));
  root.setAttribute('aria-label', title);
  const width = Math.max(1, Math.min(28, slot * 0.7));
  const bars = svg('g', { class: 'bars' });
  buckets.forEach((start, i) => {
    let base = 0;
    for (const s of series) {
      const value = s.values[i] || 0;
      if (value <= 0) continue;
      const top = base + value;
      bars.append(svg('rect', {
        class: `bar s-${s.key}`, x: x(i) - width / 2, y: y(top), width, height: Math.max(0.5, y(base) - y(top)), rx: 2,
        'data-bucket': start.toISOString(), 'data-status': s.key, 'data-value': value,
      }, svg('title', {}, `${label(start, unit, timeZone, 3)} · ${s.key}: ${formatNumber(value)}`)));
      base = top;
    }
  });
  root.append(bars);
  clear(container).append(root);
}

/** A line through the defined values (null: no data in that bucket), with dots and an area down to zero. */
export function lineChart(container, { buckets, values, unit, timeZone, title, format = (v) => formatNumber(v, true) }) {
  const defined = values.filter((v) => v !== null && v !== undefined);
  const [low, high] = niceRange(Math.min(0, ...defined), Math.max(0, ...defined));
  const { root, x, y } = frame(size(container, 200), buckets, low, high, unit, timeZone, format);
  root.setAttribute('aria-label', title);
  const points = [];
  values.forEach((v, i) => { if (v !== null && v !== undefined) points.push([x(i), y(v), v, i]); });
  if (points.length > 0) {
    const path = points.map(([px, py], k) => `${k === 0 ? 'M' : 'L'}${px.toFixed(1)},${py.toFixed(1)}`).join(' ');
    const zero = y(Math.max(low, 0));
    const first = points[0];
    const last = points[points.length - 1];
    root.append(svg('path', { class: 'area', d: `${path} L${last[0].toFixed(1)},${zero} L${first[0].toFixed(1)},${zero} Z` }));
    root.append(svg('path', { class: 'line', d: path }));
    const dots = svg('g', {});
    for (const [px, py, v, i] of points) {
      dots.append(svg('circle', { class: 'dot', cx: px, cy: py, r: points.length > 60 ? 2 : 3.5,
        'data-bucket': buckets[i].toISOString(), 'data-value': v },
      svg('title', {}, `${label(buckets[i], unit, timeZone, 3)}: ${formatNumber(v)}`)));
    }
    root.append(dots);
  }
  clear(container).append(root);
}
