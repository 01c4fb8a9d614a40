/** A Worker that keeps one core busy until terminated (`tests/loaded.ts`). @module */
let x = 0;
for (;;) x = (x * 1_103_515_245 + 12_345) | 0;
