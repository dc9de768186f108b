// stop-matcher.ts — OpenAI `stop` sequences over streamed text: text is released only when it can
// no longer be the start of a stop sequence; once one appears, everything from it on is dropped.
export class StopMatcher {
  private held = '';
  stopped = false;

  constructor(private readonly stops: readonly string[]) {}

  /** New text in; the part safe to emit out. */
  push(text: string): string {
    if (this.stopped) return '';
    if (this.stops.length === 0) return text;
    this.held += text;
    // the sequence completed first (earliest end) is the one generation stopped at
    let cut = -1, end = Infinity;
    for (const s of this.stops) {
      const i = this.held.indexOf(s);
      if (i >= 0 && (i + s.length < end || (i + s.length === end && i < cut))) { cut = i; end = i + s.length; }
    }
    if (cut >= 0) {
      this.stopped = true;
      const out = this.held.slice(0, cut);
      this.held = '';
      return out;
    }
    // keep the longest tail that is a proper prefix of some stop sequence
    let keep = 0;
    for (const s of this.stops) {
      for (let n = Math.min(s.length - 1, this.held.length); n > keep; n--) {
        if (this.held.endsWith(s.slice(0, n))) { keep = n; break; }
      }
    }
    const out = this.held.slice(0, this.held.length - keep);
    this.held = this.held.slice(this.held.length - keep);
    return out;
  }

  /** The end of the answer: what was held back is text after all. */
  flush(): string {
    const out = this.stopped ? '' : this.held;
    this.held = '';
    return out;
  }
}
