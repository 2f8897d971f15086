// A uPlot chart fed from outside: the owner keeps the columns and bumps `revision` when they change;
// the chart redraws at most once per animation frame, whatever the event rate.
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import { csvText, download } from './components.js';

export interface Marker {
  /** x position (seconds, as the data). */
  x: number;
  label: string;
  kind: 'champion' | 'drift';
}

export interface ChartProps {
  title: string;
  series: Array<{ label: string; stroke: string; dash?: number[] }>;
  data: () => uPlot.AlignedData;
  markers?: () => Marker[];
  revision: number;
  height?: number;
  testId?: string;
  /** The file name (without extension) of the chart's data as CSV and JSON. */
  name: string;
}

/** The chart's points as rows: the time (ISO 8601, from uPlot's seconds) and each series' value. */
function rowsOf(data: uPlot.AlignedData): unknown[][] {
  const [x, ...ys] = data;
  return Array.from(x, (t, i) => [new Date(t * 1000).toISOString(), ...ys.map((y) => y[i] ?? null)]);
}

const COLORS = { champion: '#2a7a2a', drift: '#c0392b' };

function markerPlugin(markers: () => Marker[]): uPlot.Plugin {
  return {
    hooks: {
      draw: (u) => {
        const ctx = u.ctx;
        const [min, max] = [u.scales.x.min ?? 0, u.scales.x.max ?? 0];
        ctx.save();
        ctx.font = `${Math.round(11 * devicePixelRatio)}px system-ui, sans-serif`;
        // labels closer than this to the previous one of their kind are left out (the lines stay)
        const gap = 90 * devicePixelRatio;
        const lastLabel = { champion: -Infinity, drift: -Infinity };
        for (const m of markers()) {
          if (m.x < min || m.x > max) continue;
          const x = Math.round(u.valToPos(m.x, 'x', true));
          ctx.strokeStyle = COLORS[m.kind];
          ctx.fillStyle = COLORS[m.kind];
          ctx.setLineDash(m.kind === 'drift' ? [6, 4] : []);
          ctx.lineWidth = 1.5 * devicePixelRatio;
          ctx.beginPath();
          ctx.moveTo(x, u.bbox.top);
          ctx.lineTo(x, u.bbox.top + u.bbox.height);
          ctx.stroke();
          if (x - lastLabel[m.kind] < gap) continue;
          lastLabel[m.kind] = x;
          ctx.fillText(m.label, x + 3, u.bbox.top + 12 * devicePixelRatio * (m.kind === 'drift' ? 2 : 1));
        }
        ctx.restore();
      },
    },
  };
}

export function LiveChart(props: ChartProps) {
  const host = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | undefined>(undefined);
  const frame = useRef<number | undefined>(undefined);

  useEffect(() => {
    const element = host.current!;
    const options: uPlot.Options = {
      width: Math.max(280, element.clientWidth),
      height: props.height ?? 260,
      title: props.title,
      scales: { x: { time: true } },
      series: [
        {},
        ...props.series.map((s) => ({
          label: s.label,
          stroke: s.stroke,
          dash: s.dash,
          width: 1.5,
          spanGaps: false,
        })),
      ],
      axes: [{}, { size: 60 }],
      legend: { live: false },
      cursor: { drag: { x: false, y: false } },
      plugins: props.markers ? [markerPlugin(props.markers)] : [],
    };
    const u = new uPlot(options, props.data(), element);
    plot.current = u;
    const resize = new ResizeObserver(() =>
      u.setSize({ width: Math.max(280, element.clientWidth), height: options.height }),
    );
    resize.observe(element);
    return () => {
      resize.disconnect();
      if (frame.current !== undefined) cancelAnimationFrame(frame.current);
      u.destroy();
    };
  }, []);

  useEffect(() => {
    if (frame.current !== undefined) return;
    frame.current = requestAnimationFrame(() => {
      frame.current = undefined;
      plot.current?.setData(props.data());
    });
  }, [props.revision]);

  const labels = ['time', ...props.series.map((s) => s.label)];
  const asCsv = () => download(`${props.name}.csv`, 'text/csv', csvText(labels, rowsOf(props.data())));
  const asJson = () =>
    download(
      `${props.name}.json`,
      'application/json',
      JSON.stringify(
        rowsOf(props.data()).map((row) => Object.fromEntries(labels.map((l, i) => [l, row[i]]))),
      ),
    );
  return (
    <figure class="chart-block">
      <div class="chart" ref={host} role="img" aria-label={props.title} data-testid={props.testId} />
      <div class="table-tools">
        <button type="button" class="small" onClick={asCsv}>
          Download CSV<span class="sr-only"> of {props.title}</span>
        </button>
        <button type="button" class="small" onClick={asJson}>
          Download JSON<span class="sr-only"> of {props.title}</span>
        </button>
      </div>
    </figure>
  );
}
