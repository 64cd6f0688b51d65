/**
 * A full garbage collection on demand, for the moments a server knows it has just made a lot of
 * garbage and will then be idle (boot, the end of a large import). V8 collects when allocation asks
 * for it; a server that goes quiet afterwards keeps the garbage, and its RSS, until the next burst.
 * V8 gives `gc` only with --expose-gc: the flag is set just long enough to take the function into
 * this module, so nothing is left on `global` and the process runs without the flag otherwise.
 */
import v8 from 'v8';
import vm from 'vm';

let gc: (() => void) | undefined;

export function collectGarbage(): void {
  if (!gc) {
    v8.setFlagsFromString('--expose-gc');
    gc = vm.runInNewContext('gc') as () => void;
    v8.setFlagsFromString('--no-expose-gc');
  }
  gc();
}
