// message-list.tsx — the shown branch as a virtualized list (react-virtuoso): only the rows in view
// are in the DOM, so thousands of messages scroll smoothly; it opens at the newest message and
// follows the bottom while an answer streams unless the user has scrolled up.
import { useLayoutEffect, useRef } from 'react';
import { Virtuoso, type VirtuosoHandle } from 'react-virtuoso';
import { useApp } from '../store/index.js';
import { MessageItem } from './message-item.js';

const followWhenAtBottom = (atBottom: boolean) => (atBottom ? 'auto' as const : false);

export function MessageList() {
  const path = useApp((s) => s.path);
  const activeId = useApp((s) => s.activeId);
  const list = useRef<VirtuosoHandle>(null);
  useLayoutEffect(() => {
    list.current?.scrollToIndex({ index: 'LAST', align: 'end' });
  }, [activeId]);
  return (
    <Virtuoso
      ref={list}
      className="message-list"
      data-testid="message-list"
      role="log"
      aria-label="Messages"
      aria-live="off"
      data={path}
      computeItemKey={(_, id) => id}
      itemContent={(_, id) => <MessageItem id={id} />}
      followOutput={followWhenAtBottom}
      atBottomThreshold={80}
      increaseViewportBy={{ top: 400, bottom: 400 }}
    />
  );
}
