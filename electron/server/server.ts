// server.ts — `cairn serve`'s HTTP server (hono on Node's http server, WebSocket through `ws`):
// the renderer build, the typed API for it (./api-routes.ts) and the OpenAI-compatible API
// (./openai.ts), behind the Host/Origin checks and the per-launch token (./guard.ts).
import type { AddressInfo } from 'node:net';
import { serve, upgradeWebSocket, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import { WebSocketServer } from 'ws';
import type { CairnService } from '../main/service/service.js';
import { apiRoutes } from './api-routes.js';
import { Guard, newToken } from './guard.js';
import { openAiRoutes } from './openai.js';
import { rendererDist, serveRenderer } from './static.js';

export interface ServerOptions {
  service: CairnService;
  dataDir: string;
  host?: string;
  /** 0: any free port. */
  port?: number;
  token?: string;
  /** Largest file `POST /api/upload` accepts (bytes). */
  uploadLimit?: number;
  /** The renderer build to serve (default: renderer/dist of this checkout, if built). */
  rendererDir?: string | null;
}

export interface RunningServer {
  url: string;
  /** The URL with the token, as printed for the user. */
  openUrl: string;
  port: number;
  token: string;
  guard: Guard;
  close(): Promise<void>;
}

export const DEFAULT_UPLOAD_LIMIT = 64 * 1024 ** 3;

export function createApp(o: ServerOptions, guard: Guard): Hono {
  const app = new Hono();
  app.use('*', async (c, next) => {
    if (!guard.hostOk(c.req.header('host'))) return c.text('forbidden host', 403);
    if (!guard.originOk(c.req.header('origin'), c.req.header('host'))) return c.text('forbidden origin', 403);
    return next();
  });
  apiRoutes(app, { service: o.service, guard, dataDir: o.dataDir, uploadLimit: o.uploadLimit ?? DEFAULT_UPLOAD_LIMIT, upgradeWebSocket });
  openAiRoutes(app, o.service, guard);
  app.get('*', serveRenderer(o.rendererDir === undefined ? rendererDist() : o.rendererDir ?? undefined));
  return app;
}

export async function startServer(o: ServerOptions): Promise<RunningServer> {
  const host = o.host ?? '127.0.0.1';
  const guard = new Guard(o.token ?? newToken(), host);
  const app = createApp(o, guard);
  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  const server: ServerType = await new Promise((resolve, reject) => {
    const s = serve({ fetch: app.fetch, hostname: host, port: o.port ?? 0, websocket: { server: wss } }, () => resolve(s));
    s.once('error', reject);
  });
  const port = (server.address() as AddressInfo).port;
  guard.port = port;
  const shown = host.includes(':') ? `[${host}]` : host;
  const url = `http://${shown === '0.0.0.0' || shown === '[::]' ? '127.0.0.1' : shown}:${port}`;
  return {
    url, openUrl: `${url}/#token=${guard.token}`, port, token: guard.token, guard,
    close: () => new Promise<void>((resolve) => {
      for (const ws of wss.clients) ws.terminate();
      wss.close();
      server.close(() => resolve());
      (server as { closeAllConnections?: () => void }).closeAllConnections?.();
    }),
  };
}
