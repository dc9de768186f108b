// token-batcher.ts — gathers a generation's tokens into 'tokens' events: one every ~16 ms or 32
// tokens, whichever comes first, carrying the text and each token's latency (ms). A token's text
// (when it completes a character) follows it; a batch closes before the token after its 32nd.
export interface TokenBatch { text: string; count: number; latenciesMs: number[] }

export class TokenBatcher {
  private text = '';
  private latencies: number[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly emit: (b: TokenBatch) => void, private readonly maxTokens = 32, private readonly maxMs = 16) {}

  /** A token was generated, `latencyMs` after the one before it. */
  token(latencyMs: number): void {
    if (this.latencies.length >= this.maxTokens) this.flush();
    this.latencies.push(latencyMs);
    this.timer ??= setTimeout(() => this.flush(), this.maxMs);
  }

  /** Text that the tokens so far completed. */
  piece(text: string): void { this.text += text; }

  /** Sends what is gathered (nothing when empty). */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.latencies.length && !this.text) return;
    const b = { text: this.text, count: this.latencies.length, latenciesMs: this.latencies };
    this.text = '';
    this.latencies = [];
    this.emit(b);
  }
}
