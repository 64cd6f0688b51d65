import * as React from 'react';

/** True when a key press belongs to a form field rather than to the page's shortcuts. */
const typingIn = (target: EventTarget | null) =>
  target instanceof HTMLElement && (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName));

/**
 * Page-wide single-key shortcuts (e.g. N, Backspace). Held keys do not repeat the action and keys
 * typed into fields or pressed with a modifier are left alone.
 */
export function useShortcuts(bindings: Record<string, () => void>, enabled = true) {
  const latest = React.useRef(bindings);
  latest.current = bindings;
  React.useEffect(() => {
    if (!enabled) return;
    const onKey = (event: KeyboardEvent) => {
      if (event.repeat || event.ctrlKey || event.metaKey || event.altKey || typingIn(event.target)) return;
      const action = latest.current[event.key.length === 1 ? event.key.toLowerCase() : event.key];
      if (!action) return;
      event.preventDefault();
      action();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [enabled]);
}
