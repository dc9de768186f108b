// use-theme.ts — light and dark follow the OS (CSS prefers-color-scheme) unless the preferences
// pick one; the choice is the root element's data-theme.
import { useEffect } from 'react';
import { useApp } from './store/index.js';

export function useTheme(): void {
  const theme = useApp((s) => s.appSettings?.theme ?? 'system');
  useEffect(() => {
    const root = document.documentElement;
    if (theme === 'system') delete root.dataset.theme;
    else root.dataset.theme = theme;
  }, [theme]);
}
