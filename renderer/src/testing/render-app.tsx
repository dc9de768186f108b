// render-app.tsx — renders a component inside the app's store (and a virtualized list that lays
// out rows in a DOM without layout, through react-virtuoso's mock context).
import { render } from '@testing-library/react';
import type { ReactNode } from 'react';
import { VirtuosoMockContext } from 'react-virtuoso';
import type { ClientApi } from '../api/index.js';
import { createAppStore, StoreContext, type AppStore } from '../store/index.js';

export function renderWithStore(ui: ReactNode, api: ClientApi, store: AppStore = createAppStore(api)) {
  const result = render(
    <StoreContext.Provider value={store}>
      <VirtuosoMockContext.Provider value={{ viewportHeight: 2000, itemHeight: 100 }}>{ui}</VirtuosoMockContext.Provider>
    </StoreContext.Provider>,
  );
  return { ...result, store };
}
