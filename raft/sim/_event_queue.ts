/**
 * A min-heap of timed events for the simulator; ties run in scheduling order,
 * so a run is fully determined by the seed.
 *
 * @module
 */

interface Event {
  atMs: number;
  seq: number;
  run: () => void;
}

/** Timed callbacks ordered by (time, insertion). */
export class EventQueue {
  #heap: Event[] = [];
  #seq = 0;

  push(atMs: number, run: () => void): void {
    const heap = this.#heap;
    heap.push({ atMs, seq: this.#seq++, run });
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i], heap[parent])) break;
      [heap[i], heap[parent]] = [heap[parent], heap[i]];
      i = parent;
    }
  }

  peekTime(): number | undefined {
    return this.#heap[0]?.atMs;
  }

  pop(): Event | undefined {
    const heap = this.#heap;
    const top = heap[0];
    const last = heap.pop();
    if (heap.length > 0 && last) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        const right = left + 1;
        let smallest = i;
        if (left < heap.length && before(heap[left], heap[smallest])) smallest = left;
        if (right < heap.length && before(heap[right], heap[smallest])) smallest = right;
        if (smallest === i) break;
        [heap[i], heap[smallest]] = [heap[smallest], heap[i]];
        i = smallest;
      }
    }
    return top;
  }
}

function before(a: Event, b: Event): boolean {
  return a.atMs < b.atMs || (a.atMs === b.atMs && a.seq < b.seq);
}
