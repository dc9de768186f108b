// guard.ts — who may talk to `cairn serve`: the per-launch token (random 32 bytes, base64url) for the
// typed API, and the Host and Origin checks for every request (a page on another site, or a
// DNS-rebound name, gets 403 even on loopback).
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';

export const newToken = (): string => randomBytes(32).toString('base64url');

export const isLoopback = (host: string): boolean =>
  host === 'localhost' || host === '::1' || host === '[::1]' || (isIP(host) === 4 && host.startsWith('127.'));

export class Guard {
  /** Set once the server listens (port 0 picks one). */
  port = 0;

  constructor(readonly token: string, readonly bindHost: string) {}

  get loopback(): boolean { return isLoopback(this.bindHost); }

  /** The Host header values accepted: the loopback names, plus the bound address when it is not loopback. */
  private hosts(): string[] {
    const names = ['127.0.0.1', 'localhost', '[::1]'];
    if (!this.loopback) names.push(this.bindHost.includes(':') && !this.bindHost.startsWith('[') ? `[${this.bindHost}]` : this.bindHost);
    return names.map((n) => `${n}:${this.port}`.toLowerCase());
  }

  /** Bound to every interface (0.0.0.0, ::): the names it is reached by are not known, so any Host
   *  passes (the token guards the API then, see openai.ts and api-routes.ts). */
  get wildcard(): boolean { return this.bindHost === '0.0.0.0' || this.bindHost === '::' || this.bindHost === '[::]'; }

  hostOk(host: string | undefined): boolean {
    return !!host && (this.wildcard || this.hosts().includes(host.toLowerCase()));
  }

  /** No Origin (a non-browser client) or the page's own (same scheme, host and port as the request). */
  originOk(origin: string | undefined, host: string | undefined): boolean {
    if (origin === undefined) return true;
    const o = origin.toLowerCase();
    return this.wildcard ? !!host && o === `http://${host.toLowerCase()}` : this.hosts().some((h) => o === `http://${h}`);
  }

  tokenOk(presented: string | undefined | null): boolean {
    if (!presented) return false;
    const a = Buffer.from(presented), b = Buffer.from(this.token);
    return a.length === b.length && timingSafeEqual(a, b);
  }

  /** `Authorization: Bearer <token>`. */
  bearerOk(header: string | undefined): boolean {
    const m = /^Bearer\s+(\S+)$/i.exec(header ?? '');
    return this.tokenOk(m?.[1]);
  }
}
