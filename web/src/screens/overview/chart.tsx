// The upcoming expiries: issued certificates bucketed by week for the next 12 weeks, drawn as
// an SVG bar chart by hand (CSS classes only: the page's CSP allows no style attributes), with
// the same numbers in a table for screen readers.
import { formatNumber, locale } from '../../i18n';
import { t } from './strings';

export const WEEKS = 12;
const DAY = 86_400_000;
const WEEK = 7 * DAY;

export interface Week { start: Date; end: Date; count: number }

/** Count expiries (ISO dates) into WEEKS weeks from `now`; those already past go in the first. */
export function buckets(expiries: (string | null)[], now = Date.now()): Week[] {
  const weeks: Week[] = Array.from({ length: WEEKS }, (_, i) => ({
    start: new Date(now + i * WEEK), end: new Date(now + (i + 1) * WEEK - DAY), count: 0 }));
  for (const value of expiries) {
    if (!value) continue;
    const at = new Date(value).getTime();
    if (Number.isNaN(at)) continue;
    const index = Math.max(0, Math.floor((at - now) / WEEK));
    if (index < WEEKS) weeks[index].count += 1;
  }
  return weeks;
}

function short(date: Date): string {
  return new Intl.DateTimeFormat(locale(), { month: 'numeric', day: 'numeric' }).format(date);
}

function long(date: Date): string {
  return new Intl.DateTimeFormat(locale(), { dateStyle: 'medium' }).format(date);
}

const W = 600;
const H = 220;
const TOP = 26;
const BOTTOM = 30;
const SIDE = 6;
const SLOT = (W - 2 * SIDE) / WEEKS;
const BAR = SLOT * 0.62;
const PLOT = H - TOP - BOTTOM;

export function ExpiryChart({ weeks }: { weeks: Week[] }) {
  const total = weeks.reduce((sum, w) => sum + w.count, 0);
  const max = Math.max(1, ...weeks.map((w) => w.count));
  const base = TOP + PLOT;
  return (
    <figure class="expiry-chart">
      <svg class="chart" viewBox={`0 0 ${W} ${H}`} role="img"
           aria-label={t('chartLabel', { n: formatNumber(total) })}
           preserveAspectRatio="xMidYMid meet">
        <line class="axis" x1={SIDE} x2={W - SIDE} y1={base} y2={base} />
        {weeks.map((week, i) => {
          const height = week.count ? Math.max(2, (week.count / max) * PLOT) : 0;
          const x = SIDE + i * SLOT + (SLOT - BAR) / 2;
          const middle = SIDE + i * SLOT + SLOT / 2;
          return (
            <g key={i} class="week">
              {week.count > 0 &&
                <rect class="bar" x={x.toFixed(1)} y={(base - height).toFixed(1)}
                      width={BAR.toFixed(1)} height={height.toFixed(1)} rx="2" />}
              {week.count > 0 &&
                <text class="value" x={middle.toFixed(1)} y={(base - height - 5).toFixed(1)}
                      text-anchor="middle">{formatNumber(week.count)}</text>}
              <text class={`label${i % 2 ? ' odd' : ''}`} x={middle.toFixed(1)} y={H - 6} text-anchor="middle">
                {short(week.start)}</text>
            </g>
          );
        })}
      </svg>
      <figcaption class="muted">{total ? t('chartIntro') : t('chartNone')}</figcaption>
      <div class="visually-hidden">
      <table>
        <caption>{t('chartTable')}</caption>
        <thead><tr><th scope="col">{t('week')}</th><th scope="col">{t('count')}</th></tr></thead>
        <tbody>
          {weeks.map((week, i) => (
            <tr key={i}>
              <th scope="row">{t('range', { from: long(week.start), to: long(week.end) })}</th>
              <td>{formatNumber(week.count)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      </div>
    </figure>
  );
}
