import { describe, expect, test } from 'vitest';
import { externalLinkAllowed, navigationAllowed, permissionAllowed, secureWebPreferences } from './hardening.js';

describe('Electron hardening rules', () => {
  test('windows are isolated and sandboxed, without Node', () => {
    expect(secureWebPreferences('/p.cjs')).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true, webviewTag: false, preload: '/p.cjs' });
  });
  test('navigation only within cairn://app/', () => {
    expect(navigationAllowed('cairn://app/index.html#/c/1')).toBe(true);
    for (const u of ['https://example.com/', 'file:///etc/passwd', 'cairn://other/', 'javascript:alert(1)', 'data:text/html,x', 'nonsense']) expect(navigationAllowed(u), u).toBe(false);
  });
  test('external links: http(s) only, no credentials', () => {
    expect(externalLinkAllowed('https://llama.cpp.example/docs')).toBe(true);
    for (const u of ['file:///etc/passwd', 'javascript:alert(1)', 'smb://host/share', 'https://user:pw@example.com/', 'cairn://app/']) expect(externalLinkAllowed(u), u).toBe(false);
  });
  test('permissions denied, except clipboard writes from the app page', () => {
    for (const p of ['media', 'geolocation', 'notifications', 'openExternal', 'fullscreen', 'clipboard-read', 'hid', 'serial', 'usb']) expect(permissionAllowed(p, 'cairn://app/'), p).toBe(false);
    expect(permissionAllowed('clipboard-sanitized-write', 'cairn://app/')).toBe(true);
    expect(permissionAllowed('clipboard-sanitized-write', 'https://evil.example/')).toBe(false);
  });
});
