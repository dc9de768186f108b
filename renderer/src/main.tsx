// main.tsx — the renderer's entry: pick the back end, build the store, bind events, render.
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { pickApi } from './api/index.js';
import { App } from './components/app.js';
import { createAppStore, StoreContext } from './store/index.js';
import { bindEvents, resync } from './store/events.js';
import './styles/app.css';

const root = createRoot(document.getElementById('root')!);
try {
  const api = pickApi();
  const store = createAppStore(api);
  bindEvents(api, store);
  void resync(store);
  root.render(
    <StrictMode>
      <StoreContext.Provider value={store}><App /></StoreContext.Provider>
    </StrictMode>,
  );
} catch (e) {
  root.render(<p className="fatal" role="alert">{(e as Error).message}</p>);
}
