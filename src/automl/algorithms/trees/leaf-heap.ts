// The frontier of leaf-wise growth (grow.ts): the splittable leaves, best split gain first.

/** Max-heap of splittable leaves by split gain: the leaf-wise growth order. */
export class LeafHeap<Leaf extends { split: { gain: number } }> {
  private readonly items: Leaf[] = [];

  get size(): number {
    return this.items.length;
  }

  push(leaf: Leaf): void {
    const items = this.items;
    items.push(leaf);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (items[parent].split.gain >= items[i].split.gain) break;
      [items[parent], items[i]] = [items[i], items[parent]];
      i = parent;
    }
  }

  pop(): Leaf {
    const items = this.items;
    const top = items[0];
    const last = items.pop() as Leaf;
    if (items.length > 0) {
      items[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let largest = i;
        if (l < items.length && items[l].split.gain > items[largest].split.gain) largest = l;
        if (r < items.length && items[r].split.gain > items[largest].split.gain) largest = r;
        if (largest === i) break;
        [items[largest], items[i]] = [items[i], items[largest]];
        i = largest;
      }
    }
    return top;
  }
}
