// The OpenAI-compatible API of `cairn serve` with the official `openai` client (unchanged), raw SSE
// checked with eventsource-parser, and bad requests answered with OpenAI error objects.
import { createParser } from 'eventsource-parser';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtinModel } from '../main/builtin-model.js';
import { openTestApp, unwrap, type TestApp } from '../main/service/testing.js';
import { startServer, type RunningServer } from './server.js';

let app: TestApp;
let server: RunningServer;
let client: OpenAI;
let model: string;

beforeAll(async () => {
  app = await openTestApp(builtinModel());
  server = await startServer({ service: app.service, dataDir: app.dataDir, port: 0, rendererDir: null });
  client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'unused-on-loopback', maxRetries: 0 });
  model = (await client.models.list()).data[0].id;
});
afterAll(async () => { await server?.close(); await app?.dispose(); });

const post = (body: string, headers: Record<string, string> = {}) =>
  fetch(`${server.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });

describe('OpenAI-compatible API', () => {
  it('lists the loaded model', async () => {
    const list = await client.models.list();
    expect(list.data.map((m) => m.id)).toEqual(['cairn-demo-28m-q8_0']);
    expect(list.data[0].object).toBe('model');
  });

  it('answers without streaming, with usage; the same seed gives the same text', async () => {
    const req = { model, messages: [{ role: 'system' as const, content: 'You are terse.' }, { role: 'user' as const, content: 'Hello' }], max_tokens: 16, seed: 42, temperature: 0.8 };
    const a = await client.chat.completions.create(req);
    expect(a.object).toBe('chat.completion');
    expect(a.choices[0].message.role).toBe('assistant');
    expect(a.choices[0].message.content!.length).toBeGreaterThan(0);
    expect(['stop', 'length']).toContain(a.choices[0].finish_reason);
    expect(a.usage!.prompt_tokens).toBeGreaterThan(0);
    expect(a.usage!.completion_tokens).toBeGreaterThan(0);
    expect(a.usage!.completion_tokens).toBeLessThanOrEqual(16);
    expect(a.usage!.total_tokens).toBe(a.usage!.prompt_tokens + a.usage!.completion_tokens);
    const b = await client.chat.completions.create(req);
    expect(b.choices[0].message.content).toBe(a.choices[0].message.content);
  });

  it('max_tokens ends the answer with finish_reason length', async () => {
    const a = await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'Tell me a long story' }], max_tokens: 3, temperature: 1, seed: 9 });
    expect(a.usage!.completion_tokens).toBeLessThanOrEqual(3);
    if (a.usage!.completion_tokens === 3) expect(a.choices[0].finish_reason).toBe('length');
  });

  it('streams chat.completion.chunk events, a usage chunk, then [DONE]; the text equals the non-streamed one', async () => {
    const req = { model, messages: [{ role: 'user' as const, content: 'Say something' }], max_tokens: 20, seed: 7, temperature: 0.9 };
    const stream = await client.chat.completions.create({ ...req, stream: true, stream_options: { include_usage: true } });
    let text = '', finish: string | null = null, usage = null, chunks = 0;
    for await (const ch of stream) {
      chunks++;
      expect(ch.object).toBe('chat.completion.chunk');
      if (ch.choices.length) { text += ch.choices[0].delta.content ?? ''; finish = ch.choices[0].finish_reason ?? finish; } else usage = ch.usage;
    }
    expect(chunks).toBeGreaterThan(2);
    expect(finish).toMatch(/^(stop|length)$/);
    expect(usage).toMatchObject({ completion_tokens: expect.any(Number), prompt_tokens: expect.any(Number) });
    const whole = await client.chat.completions.create(req);
    expect(text).toBe(whole.choices[0].message.content);
  });

  it('raw SSE: data lines of JSON, the last one [DONE]', async () => {
    const res = await post(JSON.stringify({ model, messages: [{ role: 'user', content: 'Hi' }], max_tokens: 8, stream: true }));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    const data: string[] = [];
    const parser = createParser({ onEvent: (e) => data.push(e.data) });
    const dec = new TextDecoder();
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) parser.feed(dec.decode(chunk, { stream: true }));
    expect(data[data.length - 1]).toBe('[DONE]');
    const objs = data.slice(0, -1).map((d) => JSON.parse(d));
    expect(objs[0].choices[0].delta.role).toBe('assistant');
    expect(objs[objs.length - 1].choices[0].finish_reason).toMatch(/^(stop|length)$/);
    expect(objs.every((o) => o.usage === undefined)).toBe(true);
  });

  it('stop sequences end the answer before them', async () => {
    const base = { model, messages: [{ role: 'user' as const, content: 'Write a few sentences.' }], max_tokens: 40, seed: 11, temperature: 0 };
    const full = (await client.chat.completions.create(base)).choices[0].message.content!;
    const stopAt = full.slice(Math.floor(full.length / 2)).match(/\S{1,3}/)?.[0];
    expect(stopAt).toBeTruthy();
    const cut = await client.chat.completions.create({ ...base, stop: [stopAt!] });
    expect(cut.choices[0].message.content).toBe(full.slice(0, full.indexOf(stopAt!)));
    expect(cut.choices[0].finish_reason).toBe('stop');
    let streamed = '';
    for await (const ch of await client.chat.completions.create({ ...base, stop: stopAt!, stream: true })) streamed += ch.choices[0]?.delta.content ?? '';
    expect(streamed).toBe(full.slice(0, full.indexOf(stopAt!)));
  });

  it('bad requests: OpenAI error objects with 4xx codes', async () => {
    const bad = async (p: Promise<unknown>, status: number) => {
      const e = await p.then(() => null, (x) => x);
      expect(e).toBeInstanceOf(OpenAI.APIError);
      expect((e as InstanceType<typeof OpenAI.APIError>).status).toBe(status);
      return e as InstanceType<typeof OpenAI.APIError>;
    };
    const msgs = [{ role: 'user' as const, content: 'x' }];
    expect((await bad(client.chat.completions.create({ model: 'no-such-model', messages: msgs }), 404)).code).toBe('model_not_found');
    await bad(client.chat.completions.create({ model, messages: msgs, temperature: 3 }), 400);
    await bad(client.chat.completions.create({ model, messages: msgs, top_p: 1.5 }), 400);
    await bad(client.chat.completions.create({ model, messages: msgs, max_tokens: 0 }), 400);
    await bad(client.chat.completions.create({ model, messages: msgs, n: 2 }), 400);
    await bad(client.chat.completions.create({ model, messages: [] }), 400);
    await bad(client.chat.completions.create({ model, messages: [{ role: 'assistant', content: 'last' }] }), 400);
    const malformed = await post('{"model": "x", "messages": [');
    expect(malformed.status).toBe(400);
    expect((await malformed.json()).error).toMatchObject({ type: 'invalid_request_error', message: expect.any(String) });
    const huge = await post(JSON.stringify({ model, messages: [{ role: 'user', content: 'x'.repeat(9 * 1024 * 1024) }] }));
    expect(huge.status).toBe(413);
    expect((await huge.json()).error.message).toMatch(/over/);
  });

  it('does not add conversations to the app', async () => {
    await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'ephemeral' }], max_tokens: 4 });
    expect(unwrap(await app.service.call('conversations.list', {})).conversations).toEqual([]);
  });
});
