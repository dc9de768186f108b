// latency-chart.tsx — per-token latency of the current answer with uPlot (canvas): created once,
// redrawn at most every 4th animation frame (~15 Hz: a software canvas redraw of thousands of points
// per frame competes with streaming text for the main thread) however often the figures change.
import { useEffect, useMemo, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

const height = 140;

function options(width: number): uPlot.Options {
  // the line takes the theme's accent; grid and axes are a grey that reads on light and dark alike
  const stroke = getComputedStyle(document.documentElement).getPropertyValue('--accent').trim() || '#3b6ee8';
  const axis = { stroke: '#8a8a90', grid: { stroke: 'rgba(128, 128, 128, 0.25)', width: 1 }, ticks: { show: false } };
  return {
    width, height,
    legend: { show: false },
    cursor: { show: false },
    scales: { x: { time: false } },
    axes: [{ ...axis, size: 28 }, { ...axis, size: 44 }],
    series: [{}, { label: 'latency', stroke, width: 1.5, points: { show: false } }],
  };
}

const toData = (l: number[]): uPlot.AlignedData => [l.map((_, i) => i + 1), l];

function summarize(l: number[]): string {
  if (l.length === 0) return 'no tokens yet';
  let max = 0, sum = 0;
  for (const v of l) { sum += v; if (v > max) max = v; }
  return `mean ${(sum / l.length).toFixed(1)} ms, max ${max.toFixed(1)} ms over ${l.length} tokens`;
}

export function LatencyChart({ latencies }: { latencies: number[] }) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const latest = useRef(latencies);
  const frame = useRef(0);
  latest.current = latencies;

  useEffect(() => {
    const el = box.current;
    // no 2D canvas (a DOM without layout, as in unit tests): the summary below still shows
    if (!el || !document.createElement('canvas').getContext('2d')) return;
    plot.current = new uPlot(options(Math.max(160, el.clientWidth)), toData(latest.current), el);
    const ro = new ResizeObserver(() => plot.current?.setSize({ width: Math.max(160, el.clientWidth), height }));
    ro.observe(el);
    return () => { ro.disconnect(); plot.current?.destroy(); plot.current = null; cancelAnimationFrame(frame.current); frame.current = 0; };
  }, []);

  useEffect(() => {
    if (frame.current) return;
    let wait = 4;
    const tick = () => {
      if (--wait > 0) { frame.current = requestAnimationFrame(tick); return; }
      frame.current = 0;
      plot.current?.setData(toData(latest.current));
    };
    frame.current = requestAnimationFrame(tick);
  }, [latencies]);

  const summary = useMemo(() => summarize(latencies), [latencies]);
  return (
    <figure className="latency-chart" data-testid="latency-chart">
      <div ref={box} className="latency-plot" role="img" aria-label={`Per-token latency in ms: ${summary}`} />
      <figcaption>ms per token: {summary}</figcaption>
    </figure>
  );
}
