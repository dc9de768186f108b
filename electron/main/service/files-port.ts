// files-port.ts — the drag-in path check the service runs before the host opens a dropped or opened
// file (implemented in ../files/): resolves the real path and checks it is a regular file of the
// expected kind (extension, magic, size). Throws an error with code E_FILE otherwise.
export type CheckFile = (path: string, kind: 'gguf' | 'cairn') => Promise<string>;
