// context-meter.tsx — positions used of the context, as a bar and in figures.
export function ContextMeter({ used, max }: { used: number; max: number }) {
  const pct = max > 0 ? Math.min(100, (100 * used) / max) : 0;
  if (max <= 0) return <div className="context-meter muted" data-testid="context-meter">no conversation in the engine yet</div>;
  return (
    <div className="context-meter" data-testid="context-meter">
      <meter min={0} max={max || 1} value={used} low={(max || 1) * 0.75} high={(max || 1) * 0.9} optimum={0} aria-label="Context used" />
      <span>{used.toLocaleString()} / {max.toLocaleString()} tokens ({pct.toFixed(pct < 10 ? 1 : 0)} %)</span>
    </div>
  );
}
