// chromium.ts — the browser the specs and the render bench drive: Debian's Chromium (or
// $CAIRN_CHROMIUM) with the flags that work in a container (ENVIRONMENT.md).
export const chromiumPath = process.env.CAIRN_CHROMIUM ?? '/usr/bin/chromium';
export const chromiumArgs = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];
