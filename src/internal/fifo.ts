/**
 * A first-in, first-out queue with O(1) push and shift (an array with a moving start, compacted as it drains).
 * Internal: the limiter's waiters and a pipeline's prompts waiting for a slot.
 */
export class Fifo<T> {
  private items: (T | undefined)[] = [];
  private start = 0;

  push(item: T): void {
    this.items.push(item);
  }

  peek(): T | undefined {
    return this.items[this.start];
  }

  isEmpty(): boolean {
    return this.start === this.items.length;
  }

  /** Removes and returns the first item (`undefined` when empty). */
  shift(): T | undefined {
    if (this.isEmpty()) return undefined;
    const item = this.items[this.start];
    this.items[this.start++] = undefined;
    if (this.start === this.items.length) this.clear();
    else if (this.start >= 1024 && this.start * 2 >= this.items.length) {
      this.items = this.items.slice(this.start);
      this.start = 0;
    }
    return item;
  }

  clear(): void {
    this.items = [];
    this.start = 0;
  }
}
