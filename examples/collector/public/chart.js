// Messages (events, page views, identifies) per minute of corrected time, drawn with uPlot from /api/stats.
import uPlot from '/vendor/uplot/uPlot.esm.js';
import { getJson } from './dom.js';

const REFRESH_DEBOUNCE_MS = 1000;

/** @param {HTMLElement} container */
export function createChart(container) {
  /** @type {uPlot | null} */
  let plot = null;
  /** @type {ReturnType<typeof setTimeout> | null} */
  let pending = null;

  async function refresh() {
    pending = null;
    const { minutes, counts } = await getJson('/api/stats?minutes=30');
    if (plot) return plot.setData([minutes, counts]);
    plot = new uPlot(
      {
        width: Math.max(300, container.clientWidth - 12),
        height: 180,
        // The table's times are UTC; without this uPlot would label the axis in the browser's zone.
        tzDate: (/** @type {number} */ seconds) => uPlot.tzDate(new Date(seconds * 1000), 'Etc/UTC'),
        scales: {
          y: {
            range: (/** @type {unknown} */ _, /** @type {number} */ __, /** @type {number} */ max) => [
              0,
              Math.max(5, max),
            ],
          },
        },
        axes: [{}, { label: 'messages / min' }],
        series: [
          {},
          {
            label: 'messages',
            stroke: '#3552c9',
            fill: 'rgba(53, 82, 201, 0.15)',
            paths: uPlot.paths.bars?.({ size: [0.8] }),
          },
        ],
      },
      [minutes, counts],
      container,
    );
  }

  return {
    refresh,
    /** Redraw soon; many events in a burst cost one request. */
    refreshSoon() {
      pending ??= setTimeout(() => refresh().catch(() => {}), REFRESH_DEBOUNCE_MS);
    },
  };
}
